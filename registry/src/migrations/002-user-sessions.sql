-- Login sessions of people (dashboard). The cookie carries a random token; only its SHA-256 is stored,
-- so a copy of the database does not let anyone log in.
CREATE TABLE user_sessions (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL
);
CREATE INDEX user_sessions_user ON user_sessions(user_id);
