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

-- Competitors (seed 001 L3): the six levels of understanding, each as text, and the evidence.
CREATE TABLE competitors (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    who TEXT,
    situation TEXT,
    analysis TEXT,
    heading TEXT,
    intent TEXT,
    steer TEXT,
    evidence TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE UNIQUE INDEX competitors_name ON competitors (name) WHERE deleted_at IS NULL;

-- Which customers talk to, try, sign with or use which competitor, since when (and until).
CREATE TABLE competitor_engagements (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    competitor_id INTEGER NOT NULL REFERENCES competitors(id),
    kind TEXT NOT NULL,
    since DATE NOT NULL,
    until DATE,
    note TEXT,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX competitor_engagements_customer ON competitor_engagements (customer_id);
CREATE INDEX competitor_engagements_competitor ON competitor_engagements (competitor_id);
