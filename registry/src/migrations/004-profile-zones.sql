-- What analytics needs beyond the first profile: custom zone edges (JSON array of five bpm lower edges),
-- VO2max for Keytel's fitness-adjusted equation, and the HRmax formula chosen for estimates.
ALTER TABLE member_profiles ADD COLUMN zone_edges TEXT;
ALTER TABLE member_profiles ADD COLUMN vo2max REAL;
ALTER TABLE member_profiles ADD COLUMN hr_max_formula TEXT;
