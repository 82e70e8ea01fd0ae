-- Progress of a rebuild done in one pass over the event store (adr/0014), so that every instance's status API can
-- show it: events folded so far, and about how many there are (the span of global indexes). Null outside one.
ALTER TABLE projection_generation ADD COLUMN rebuilt_events BIGINT;
ALTER TABLE projection_generation ADD COLUMN rebuild_target BIGINT;
