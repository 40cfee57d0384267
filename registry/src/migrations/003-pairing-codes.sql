-- Short codes a device shows (or a simulator prints) so that a member can pair it to themself from the
-- dashboard. Stored as SHA-256, single use, short-lived.
CREATE TABLE pairing_codes (
  code_hash TEXT PRIMARY KEY,
  device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
  expires_ms INTEGER NOT NULL
);
