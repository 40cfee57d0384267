-- A member's erasure, kept after their rows are gone: which devices carried their data and when, so that
-- ingest can purge what is still in flight (its log, dead letters, gateways' outboxes) and drop what
-- arrives late. Member ids only; no readings, no names.
CREATE TABLE erasures (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  member_id TEXT NOT NULL,
  gym_id TEXT,
  requested_ms INTEGER NOT NULL,
  intervals TEXT NOT NULL,
  completed_ms INTEGER
);
CREATE INDEX erasures_pending ON erasures (completed_ms);
