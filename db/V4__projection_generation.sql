-- Rebuild coordination for streaming projections across instances (adr/0007).
-- generation: the generation every instance must write with; bumped by a rebuild request.
-- reset_generation: the generation whose token reset is complete; instances start the processor again once
-- reset_generation = generation.
CREATE TABLE projection_generation (
    processor         VARCHAR(255) NOT NULL PRIMARY KEY,
    generation        BIGINT       NOT NULL,
    reset_generation  BIGINT       NOT NULL,
    requested_by      VARCHAR(255) NOT NULL,
    requested_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    reset_at          TIMESTAMP WITH TIME ZONE
);
INSERT INTO projection_generation (processor, generation, reset_generation, requested_by, requested_at, reset_at)
VALUES ('entitlement-table', 1, 1, 'initial', now(), now());
