-- Cadences 跟进节奏, message templates and marketing consent (issue #16). A cadence is a series
-- of steps (days after the previous one; a message from a template, or a task for the owner).
-- A customer is in a cadence at most once at a time (the partial unique index); each step's
-- outcome is an event. Consent is a history per customer and channel: the latest row counts.
CREATE TABLE message_templates (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    channel TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE cadences (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT,
    exit_on_reply INTEGER NOT NULL,
    exit_on_buy INTEGER NOT NULL,
    exit_on_visit INTEGER NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE cadence_steps (
    id INTEGER PRIMARY KEY,
    cadence_id INTEGER NOT NULL REFERENCES cadences(id),
    position INTEGER NOT NULL,
    delay_days INTEGER NOT NULL,
    kind TEXT NOT NULL,
    template_id INTEGER REFERENCES message_templates(id),
    task_title TEXT
);
CREATE UNIQUE INDEX cadence_steps_position ON cadence_steps (cadence_id, position);
CREATE INDEX cadence_steps_template ON cadence_steps (template_id) WHERE template_id IS NOT NULL;
CREATE TABLE cadence_enrolments (
    id INTEGER PRIMARY KEY,
    cadence_id INTEGER NOT NULL REFERENCES cadences(id),
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    -- active, or ended (with why in left_because)
    state TEXT NOT NULL,
    left_because TEXT,
    -- the position of the next step to run, and when
    next_step INTEGER NOT NULL,
    next_at TEXT,
    enrolled_by INTEGER NOT NULL REFERENCES users(id),
    enrolled_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE UNIQUE INDEX cadence_enrolments_once ON cadence_enrolments (cadence_id, customer_id) WHERE state = 'active';
CREATE INDEX cadence_enrolments_due ON cadence_enrolments (next_at) WHERE state = 'active';
CREATE INDEX cadence_enrolments_customer ON cadence_enrolments (customer_id);
CREATE TABLE cadence_events (
    id INTEGER PRIMARY KEY,
    enrolment_id INTEGER NOT NULL REFERENCES cadence_enrolments(id),
    position INTEGER,
    at TEXT NOT NULL,
    -- queued (a message to the outbox), skipped (with why), task, left
    what TEXT NOT NULL,
    detail TEXT,
    outbox_id INTEGER REFERENCES outbox(id),
    task_id INTEGER REFERENCES tasks(id)
);
CREATE INDEX cadence_events_enrolment ON cadence_events (enrolment_id, id);
CREATE INDEX cadence_events_outbox ON cadence_events (outbox_id) WHERE outbox_id IS NOT NULL;
CREATE INDEX cadence_events_task ON cadence_events (task_id) WHERE task_id IS NOT NULL;
CREATE TABLE consents (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    channel TEXT NOT NULL,
    state TEXT NOT NULL,
    how TEXT NOT NULL,
    at TEXT NOT NULL,
    recorded_by INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX consents_customer ON consents (customer_id, channel, id);
