/** Keyset paging shared by the API's newest-first lists: opaque cursors that refuse to be edited. */
package dev.ledger.paging;
