/** The application's own thread pools, built one way (Spring's executors, named, measured); depends on no feature. */
package dev.ledger.threads;
