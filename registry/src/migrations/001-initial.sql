-- Registry schema v1. Times are ms since the epoch (INTEGER), as everywhere in Pulseline.
-- Written in the subset of SQL that SQLite and PostgreSQL share, so the same migrations can run on both
-- (PostgreSQL needs only AUTOINCREMENT → GENERATED ALWAYS AS IDENTITY, done by its migration runner).

CREATE TABLE gyms (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  timezone TEXT NOT NULL DEFAULT 'UTC',
  created_ms INTEGER NOT NULL
);

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  gym_id TEXT REFERENCES gyms(id),
  role TEXT NOT NULL CHECK (role IN ('admin', 'coach', 'member', 'analyst')),
  display_name TEXT NOT NULL,
  login TEXT UNIQUE,
  password_hash TEXT,
  created_ms INTEGER NOT NULL
);

-- Physiology of a member, for zones, calories and load.
CREATE TABLE member_profiles (
  user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  birth_year INTEGER,
  sex TEXT CHECK (sex IN ('female', 'male')),
  weight_kg REAL,
  resting_hr INTEGER,
  max_hr INTEGER,
  max_hr_measured INTEGER NOT NULL DEFAULT 0,
  lthr INTEGER,
  zone_model TEXT NOT NULL DEFAULT 'percent_max',
  timezone TEXT
);

-- A device is owned by a member, or is in its gym's pool (owner NULL, pool 1).
CREATE TABLE devices (
  id TEXT PRIMARY KEY,
  gym_id TEXT NOT NULL REFERENCES gyms(id),
  kind TEXT NOT NULL CHECK (kind IN ('strap', 'watch', 'bike', 'treadmill', 'rower', 'cross_trainer', 'footpod', 'gateway')),
  address TEXT,
  serial TEXT,
  owner_user_id TEXT REFERENCES users(id) ON DELETE SET NULL,
  pool INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL
);
CREATE UNIQUE INDEX devices_address ON devices(gym_id, address);

-- Credentials are scrypt hashes; rotation issues a new one and revokes the old.
CREATE TABLE device_credentials (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
  secret_hash TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  revoked_ms INTEGER
);
CREATE INDEX device_credentials_device ON device_credentials(device_id);

CREATE TABLE class_sessions (
  id TEXT PRIMARY KEY,
  gym_id TEXT NOT NULL REFERENCES gyms(id),
  coach_user_id TEXT REFERENCES users(id) ON DELETE SET NULL,
  title TEXT NOT NULL,
  started_ms INTEGER NOT NULL,
  ended_ms INTEGER
);

-- Who wears or rides a device, from when to when ([from_ms, to_ms); to_ms NULL = still).
CREATE TABLE assignments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  session_id TEXT REFERENCES class_sessions(id) ON DELETE SET NULL,
  from_ms INTEGER NOT NULL,
  to_ms INTEGER,
  CHECK (to_ms IS NULL OR to_ms > from_ms)
);
CREATE INDEX assignments_device ON assignments(device_id, from_ms);

-- A feed of changes other processes follow (credential revoked, assignment changed), by increasing seq.
CREATE TABLE changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  at_ms INTEGER NOT NULL
);

-- Who viewed or changed whose data. Subjects and actors are ids, never names or readings.
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL
);
