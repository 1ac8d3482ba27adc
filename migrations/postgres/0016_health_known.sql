-- A health score needs four known signs (issue #22: from one or two it read 0 or 100 and
-- topped "worst first"); scores from fewer are not yet known, until the next recompute.
UPDATE relationship_facts SET health_score = NULL, health_change = NULL WHERE health_known IS NULL OR health_known < 4;
