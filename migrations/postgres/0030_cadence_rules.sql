-- A cadence may put customers in by itself (issue #16): on their first purchase, or when a deal
-- of theirs is won.
ALTER TABLE cadences ADD COLUMN enrol_on TEXT;
