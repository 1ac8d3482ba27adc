-- When each customer is next due for a visit (issue #16): their value tier's interval after their
-- last face-to-face contact (or after they were entered), as a China day number. Rebuilt by the
-- nightly reminder sweep after the value run, and kept current between sweeps when a visit is
-- logged or the owner changes, so My day reads a few rows per owner instead of walking their
-- customers. No foreign key: the sweep rebuilds it, and rows of customers since deleted are
-- skipped when read.
CREATE TABLE visit_schedule (
    customer_id BIGINT PRIMARY KEY,
    owner_id BIGINT,
    tier TEXT NOT NULL,
    every_days INTEGER NOT NULL,
    last_visit_at TIMESTAMPTZ,
    due_on INTEGER NOT NULL
);
CREATE INDEX visit_schedule_owner ON visit_schedule (owner_id, due_on);
CREATE INDEX visit_schedule_due ON visit_schedule (due_on);
