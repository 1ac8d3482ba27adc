-- customer_values is derived: every value recompute replaces all of it with ids it has just
-- read from customers, and customers are never deleted (only moved to the recycle bin), so its
-- foreign keys checked nothing the writer does not already guarantee. They cost a lookup in
-- customers and value_runs for every row written (a third of a million-row save) and kept
-- SQLite from emptying the table in one step.
-- Kept in step with migrations/postgres.

CREATE TABLE customer_values_new (
    customer_id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL,
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
INSERT INTO customer_values_new (customer_id, run_id, tier, abc, revenue_window_fen, rfm_r, rfm_f, rfm_m,
    rfm_segment, p_alive, expected_purchases, expected_spend_fen, clv_history_fen, loyalty, stability,
    key_score, clv_projected_fen)
SELECT customer_id, run_id, tier, abc, revenue_window_fen, rfm_r, rfm_f, rfm_m, rfm_segment, p_alive,
    expected_purchases, expected_spend_fen, clv_history_fen, loyalty, stability, key_score, clv_projected_fen
FROM customer_values;
DROP TABLE customer_values;
ALTER TABLE customer_values_new RENAME TO customer_values;
CREATE INDEX customer_values_tier ON customer_values (tier);
CREATE INDEX customer_values_segment ON customer_values (rfm_segment);
