/**
 * The support console (adr/0025): a single-page app built from {@code src/main/console} into the jar's
 * {@code static/console/}, served at {@code /console/}. Its files hold no data; every API call it makes carries the
 * person's bearer token.
 */
package dev.ledger.console;
