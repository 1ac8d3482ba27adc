-- The outbox 发件箱 (issue #16): every message that leaves Guanxi is first a row here, written in
-- the same transaction as what caused it; the job worker sends it. `idem_key` makes the same
-- message of the same cause one row however often it is written. A worker claims a message by
-- setting it `sending` with a lease; a message still `sending` after its lease ran out was held
-- by a worker that died and is taken again (with the same Message-ID).
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    idem_key TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    purpose TEXT NOT NULL,
    customer_id INTEGER REFERENCES customers(id),
    user_id INTEGER REFERENCES users(id),
    recipient TEXT NOT NULL,
    recipient_name TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    cause TEXT NOT NULL,
    cause_id INTEGER,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    lease_owner TEXT,
    lease_until TEXT,
    last_error TEXT,
    provider_ref TEXT,
    sent_at TEXT,
    interaction_id INTEGER REFERENCES interactions(id),
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state IN ('queued', 'sending');
CREATE INDEX outbox_customer ON outbox (customer_id, id) WHERE customer_id IS NOT NULL;
CREATE INDEX outbox_state ON outbox (state, id);
CREATE INDEX outbox_interaction ON outbox (interaction_id) WHERE interaction_id IS NOT NULL;
-- Each attempt to send a message and what came of it (the server's own words when it failed).
CREATE TABLE outbox_attempts (
    id INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL REFERENCES outbox(id),
    attempt INTEGER NOT NULL,
    worker TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    outcome TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX outbox_attempts_message ON outbox_attempts (outbox_id, attempt);
