package dev.ledger.command;

/**
 * One running instance of the service among those that share the database: written into each entitlement row it
 * changes ({@code written_by}), so that the lock step can tell whether another instance has appended since.
 */
record InstanceIdentity(String id) {}
