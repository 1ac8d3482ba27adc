-- Jobs that survive a kill -9 and never run twice (issue #21, problem 7; issue #20, F-18). Kept
-- in step with migrations/postgres.
--
-- A running job holds a short lease its worker renews; a job whose lease ran out (its worker
-- died) is taken again within a minute or two instead of showing "running" for hours.
ALTER TABLE jobs ADD COLUMN lease_until TEXT;
-- What makes two jobs the same job: the kind and night of a nightly run (kept for good, so a
-- night is queued once whatever happens), or a kind asked for by hand while one of it is
-- queued or running (cleared when it ends). NULLs do not collide.
ALTER TABLE jobs ADD COLUMN dedupe_key TEXT;
CREATE UNIQUE INDEX jobs_dedupe_key ON jobs (dedupe_key);
-- Nightly runs queued by earlier versions may be doubled (the fault this fixes); the next start
-- queues tonight's once again.
DELETE FROM jobs WHERE kind = 'value.nightly' AND state = 'queued';
