-- Customer value assessments (issue #4): each run's fitted models, and every assessed
-- customer's tier, RFM, forecasts and lifetime value from the latest run.
-- Kept in step with migrations/postgres.

CREATE TABLE value_runs (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    as_of DATE NOT NULL,
    unit TEXT NOT NULL,
    customers INTEGER NOT NULL,
    -- The fitted parameters and log-likelihoods, as JSON.
    report TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id)
);

CREATE TABLE customer_values (
    customer_id INTEGER PRIMARY KEY REFERENCES customers(id),
    run_id INTEGER NOT NULL REFERENCES value_runs(id),
    tier TEXT NOT NULL,
    abc TEXT,
    revenue_window_fen INTEGER NOT NULL,
    rfm_r INTEGER,
    rfm_f INTEGER,
    rfm_m INTEGER,
    rfm_segment TEXT,
    p_alive REAL,
    expected_purchases REAL,
    expected_spend_fen INTEGER,
    clv_history_fen INTEGER NOT NULL,
    loyalty REAL,
    stability REAL,
    key_score REAL NOT NULL,
    clv_projected_fen INTEGER
);
CREATE INDEX customer_values_tier ON customer_values (tier);
CREATE INDEX customer_values_segment ON customer_values (rfm_segment);
