/**
 * Embedded defaults for {@code ./mvnw spring-boot:run}: real Postgres binaries (and, from later issues, ElasticMQ and
 * dynalite) started in-process when no external service is configured. Never active with the {@code aws} profile or
 * when {@code spring.datasource.url} is set.
 */
package dev.ledger.local;
