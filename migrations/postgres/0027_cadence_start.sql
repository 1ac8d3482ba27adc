-- A cadence may start on a day of its own (a festival's greeting): customers enrolled before it
-- count their steps from that day, 09:00 China time, instead of from when they were enrolled.
ALTER TABLE cadences ADD COLUMN starts_on DATE;
