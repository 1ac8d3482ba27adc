-- Relationships (issue #6): each customer's relationship stage (seed 002: outsider, friend,
-- supplier, partner) and the level a person confirmed (seed 001 L5: brand, distant, face to
-- face, intimate; Guanxi proposes one from the contacts), and every change of either with who,
-- when and why (`aspect`: stage or level). Kept in step with
-- migrations/postgres.

ALTER TABLE customers ADD COLUMN relationship_stage TEXT NOT NULL DEFAULT 'outsider';
ALTER TABLE customers ADD COLUMN relationship_level TEXT;

CREATE TABLE relationship_changes (
    id INTEGER PRIMARY KEY,
    aspect TEXT NOT NULL DEFAULT 'stage',
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    from_value TEXT,
    to_value TEXT NOT NULL,
    why TEXT NOT NULL,
    changed_by INTEGER NOT NULL REFERENCES users(id),
    changed_at TEXT NOT NULL
);
CREATE INDEX relationship_changes_customer ON relationship_changes (customer_id, id);
