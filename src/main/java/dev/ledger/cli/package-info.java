/**
 * One-off operator jobs on the same jar ({@code java -jar ledger.jar projections …}), for an ECS task or a shell:
 * rebuild, drift and status of the projections, parsed by picocli.
 */
package dev.ledger.cli;
