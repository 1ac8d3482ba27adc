-- Each customer's purchase days summed, kept with purchase_days for every customer an order
-- write or a merge touches: today's assessment reads these 1 row a customer, plus one small
-- aggregate over the window, instead of aggregating every purchase day. Filled from Rust (the
-- compounding needs pow, which SQLite lacks); rows whose rate differs from the settings' are
-- rebuilt before an assessment uses them. Kept in step with migrations/postgres.

CREATE TABLE purchase_summaries (
    customer_id INTEGER PRIMARY KEY REFERENCES customers(id),
    first_day INTEGER NOT NULL,
    last_day INTEGER NOT NULL,
    days INTEGER NOT NULL,
    revenue_fen INTEGER NOT NULL,
    first_day_fen INTEGER NOT NULL,
    costed_fen INTEGER NOT NULL,
    margin_fen INTEGER NOT NULL,
    gap_squares INTEGER NOT NULL,
    -- Σ over purchase days of the margin, and of the revenue without a known cost, times
    -- (1 + rate)^(−day / 365.25) with day counted from 1970-01-01: multiplied by
    -- (1 + rate)^(date / 365.25) they are compounded to that date.
    discounted_margin REAL NOT NULL,
    discounted_uncosted REAL NOT NULL,
    rate REAL NOT NULL
);

-- Live customers' kinds without reading their whole rows (today's assessment reads them all).
CREATE INDEX customers_live_kind ON customers (id, deleted_at, kind);
