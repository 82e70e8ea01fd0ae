/**
 * The SQS adapter: seed-compatible usage messages become {@code ConsumeUsage} commands in one pass per message, each
 * message is acknowledged on its own, invalid messages go to the DLQ at once, and every rejection is recorded for
 * support. Operators list and redrive the DLQ through {@link dev.ledger.intake.DeadLetterQueue}.
 */
package dev.ledger.intake;
