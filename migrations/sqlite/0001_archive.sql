-- The customer archive: users, customers with their individual or organization profile,
-- key people, people around them, interactions, the audit log and merges.
-- Kept in step with migrations/postgres: same versions, same tables, same meaning.

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    team TEXT,
    password_hash TEXT,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

-- The actor of changes made from the command line without --as, and of migrations.
INSERT INTO users (id, username, display_name, role, active, created_at)
VALUES (1, 'system', '系统', 'admin', 1, '2026-01-01T00:00:00Z');

CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    purpose TEXT,
    needs_orientation TEXT,
    name TEXT NOT NULL,
    name_pinyin TEXT NOT NULL,
    source TEXT,
    owner_id INTEGER REFERENCES users(id),
    external_id TEXT,
    phone TEXT,
    email TEXT,
    wechat TEXT,
    address TEXT,
    city TEXT,
    notes TEXT,
    preferences TEXT NOT NULL DEFAULT '[]',
    preferences_note TEXT,
    gender TEXT,
    birthday DATE,
    family TEXT,
    employer TEXT,
    job_title TEXT,
    motives TEXT,
    personality TEXT,
    beliefs TEXT,
    attitudes TEXT,
    interests TEXT,
    industry TEXT,
    founded_on DATE,
    size TEXT,
    sales_capacity TEXT,
    business_results TEXT,
    potential TEXT,
    prospects TEXT,
    trading_terms TEXT,
    credit_rating TEXT,
    closeness TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    merged_into_id INTEGER REFERENCES customers(id),
    version INTEGER NOT NULL DEFAULT 1
);
-- Plain (not partial) indexes: a planner with stale statistics, as PostgreSQL's are inside a
-- long import, would otherwise pick any `WHERE deleted_at IS NULL` index for the predicate alone.
CREATE INDEX customers_external_id ON customers (external_id);
CREATE INDEX customers_phone ON customers (phone);
CREATE INDEX customers_email ON customers (lower(email));
CREATE INDEX customers_name_pinyin ON customers (name_pinyin);
CREATE INDEX customers_name ON customers (name);
CREATE INDEX customers_owner ON customers (owner_id);
CREATE INDEX customers_deleted ON customers (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE customer_tags (
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    tag TEXT NOT NULL,
    PRIMARY KEY (customer_id, tag)
);
CREATE INDEX customer_tags_tag ON customer_tags (tag);

CREATE TABLE key_people (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    name TEXT NOT NULL,
    gender TEXT,
    job_title TEXT,
    department TEXT,
    decision_role TEXT,
    attitude TEXT,
    phone TEXT,
    email TEXT,
    wechat TEXT,
    birthday DATE,
    personality TEXT,
    interests TEXT,
    preferences TEXT NOT NULL DEFAULT '[]',
    preferences_note TEXT,
    notes TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX key_people_customer ON key_people (customer_id);

CREATE TABLE people_around (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    key_person_id INTEGER REFERENCES key_people(id),
    name TEXT NOT NULL,
    relation TEXT NOT NULL,
    phone TEXT,
    birthday DATE,
    interests TEXT,
    preferences TEXT NOT NULL DEFAULT '[]',
    preferences_note TEXT,
    notes TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX people_around_customer ON people_around (customer_id);

CREATE TABLE interactions (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    channel TEXT NOT NULL,
    direction TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    summary TEXT NOT NULL,
    next_step TEXT,
    next_step_on DATE,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX interactions_customer ON interactions (customer_id, occurred_at);

-- Who took part: our users (side 'ours') and the customer's people (side 'theirs'; a key
-- person when the name matched one, else just the name).
CREATE TABLE interaction_participants (
    interaction_id INTEGER NOT NULL REFERENCES interactions(id),
    side TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id),
    key_person_id INTEGER REFERENCES key_people(id),
    name TEXT NOT NULL
);
CREATE INDEX interaction_participants_interaction ON interaction_participants (interaction_id);

-- Every create, update, delete, restore, merge, unmerge, import and export. before/after
-- are JSON objects of field code → value.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id INTEGER NOT NULL REFERENCES users(id),
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id INTEGER,
    customer_id INTEGER,
    before_json TEXT,
    after_json TEXT,
    note TEXT
);
CREATE INDEX audit_log_customer ON audit_log (customer_id, id);
CREATE INDEX audit_log_at ON audit_log (at);

-- A merge, with what it moved and the kept customer's fields before and after, so that it
-- can be undone.
CREATE TABLE merges (
    id INTEGER PRIMARY KEY,
    kept_id INTEGER NOT NULL REFERENCES customers(id),
    dropped_id INTEGER NOT NULL REFERENCES customers(id),
    at TEXT NOT NULL,
    actor_id INTEGER NOT NULL REFERENCES users(id),
    detail_json TEXT NOT NULL,
    undone_at TEXT,
    undone_by INTEGER REFERENCES users(id)
);
CREATE INDEX merges_kept ON merges (kept_id);

-- Pairs a person looked at and said are not the same customer.
CREATE TABLE duplicate_dismissals (
    low_id INTEGER NOT NULL REFERENCES customers(id),
    high_id INTEGER NOT NULL REFERENCES customers(id),
    actor_id INTEGER NOT NULL REFERENCES users(id),
    at TEXT NOT NULL,
    PRIMARY KEY (low_id, high_id)
);

-- Search keys (computed in Rust, see guanxi_domain::search) in three ranks: the whole name,
-- parts of the name, everything else. rowid is the customer id. Contentless: the keys live
-- only in the index.
-- Keys are single lowercase words, so the index needs no positions (detail = column keeps
-- which column matched, for the ranks) and no Unicode tokenizer (keys are split on spaces;
-- 'ascii' keeps every non-ASCII character, Han included, inside its word).
CREATE VIRTUAL TABLE customer_search USING fts5(
    name_keys, part_keys, other_keys,
    content = '', contentless_delete = 1, detail = column,
    tokenize = 'ascii'
);
-- Let FTS5 buffer 32 MB of new keys before writing a segment (default 1 MB): a large import
-- then writes and merges far fewer segments.
INSERT INTO customer_search (customer_search, rank) VALUES ('hashsize', 33554432);
