/**
 * Who may call what: bearer tokens configured as SHA-256 hashes (compared in constant time), optional JWTs from an
 * OAuth2 issuer, two roles (READER, ADMIN), problem-detail 401/403 responses, and the refusal to start a non-local
 * configuration with development tokens or without any token.
 */
package dev.ledger.security;
