-- Company settings (JSON per key, e.g. `value`: tiers, windows, rates, approach rules) and the
-- job queue: background work such as the nightly value recompute, claimed by one worker at a
-- time, retried with a delay, kept with its outcome. Kept in step with migrations/postgres.

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by INTEGER NOT NULL REFERENCES users(id)
);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    -- queued → running → done, or back to queued for another attempt, or failed for good.
    state TEXT NOT NULL,
    run_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    last_error TEXT,
    result TEXT,
    locked_by TEXT,
    locked_at TEXT,
    created_at TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    finished_at TEXT
);
CREATE INDEX jobs_due ON jobs (state, run_at);
CREATE INDEX jobs_kind ON jobs (kind, id);
