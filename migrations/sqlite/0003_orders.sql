-- Orders and each customer's purchase rollup (kept current in the same transaction as every
-- order write). Amounts in integer fen. Kept in step with migrations/postgres.

CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    ordered_at TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    cost_fen INTEGER,
    category TEXT,
    channel TEXT,
    branch TEXT,
    order_no TEXT,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX orders_customer ON orders (customer_id, ordered_at);
CREATE INDEX orders_ordered_at ON orders (ordered_at);
CREATE INDEX orders_order_no ON orders (order_no);

-- Purchase days are calendar days in China time; several orders on one day are one purchase.
CREATE TABLE customer_rollups (
    customer_id INTEGER PRIMARY KEY REFERENCES customers(id),
    first_order_at TEXT,
    last_order_at TEXT,
    orders INTEGER NOT NULL,
    purchase_days INTEGER NOT NULL,
    revenue_fen INTEGER NOT NULL,
    -- Orders whose cost is known, and their revenue minus cost.
    costed_orders INTEGER NOT NULL,
    margin_fen INTEGER NOT NULL,
    -- Mean days between purchase days (the customer's rhythm); NULL with fewer than two.
    rhythm_days REAL
);
