-- After-class summaries by email: the address a member gives for them, and their opt-in (off by default).
ALTER TABLE member_profiles ADD COLUMN email TEXT;
ALTER TABLE member_profiles ADD COLUMN summary_by_email INTEGER NOT NULL DEFAULT 0;
