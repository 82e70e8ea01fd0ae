/**
 * The SQS adapter: seed-compatible usage messages become {@code ConsumeUsage} commands, each message is acknowledged on
 * its own, invalid messages go to the DLQ at once, and every rejection is recorded for support.
 */
package dev.ledger.intake;
