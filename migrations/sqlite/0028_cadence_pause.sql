-- A cadence can be paused (issue #16): its steps do not run and nobody can be put in until it is
-- resumed; a step whose day passed more than two days before is then skipped as late.
ALTER TABLE cadences ADD COLUMN paused_at TEXT;
