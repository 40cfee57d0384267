-- A member's claim on a strap from a gateway's nearby list waits here until a coach or admin of the gym,
-- who sees the member wearing it, confirms it (security review M6: no proof of possession otherwise).
CREATE TABLE claim_requests (
  device_id TEXT PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  requested_ms INTEGER NOT NULL
);
