-- Relationships (issue #6): each customer's relationship stage (seed 002: outsider, friend,
-- supplier, partner) and every change of it with who, when and why. Kept in step with
-- migrations/postgres.

ALTER TABLE customers ADD COLUMN relationship_stage TEXT NOT NULL DEFAULT 'outsider';

CREATE TABLE relationship_changes (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    from_stage TEXT NOT NULL,
    to_stage TEXT NOT NULL,
    why TEXT NOT NULL,
    changed_by INTEGER NOT NULL REFERENCES users(id),
    changed_at TEXT NOT NULL
);
CREATE INDEX relationship_changes_customer ON relationship_changes (customer_id, id);
