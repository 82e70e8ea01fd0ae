/**
 * Startup checks of a deployment's configuration: a service that lacks a required setting stops before anything starts,
 * with one message naming every missing setting.
 */
package dev.ledger.startup;
