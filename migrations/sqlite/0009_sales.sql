-- Process sales (issue #5): opportunities through the standard stages, every stage change,
-- the standard actions ticked, objections, the decision chain, and tasks (after-sales
-- follow-ups now; reminders and cadences build on them). Kept in step with migrations/postgres.

CREATE TABLE opportunities (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    title TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    expected_close DATE,
    owner_id INTEGER NOT NULL REFERENCES users(id),
    stage TEXT NOT NULL,
    status TEXT NOT NULL,
    -- Win probability in %; `probability_set` when a person set it (else the stage's).
    probability INTEGER NOT NULL,
    probability_set BOOLEAN NOT NULL DEFAULT 0,
    source TEXT,
    -- JSON array of names.
    competitors TEXT NOT NULL DEFAULT '[]',
    proposal TEXT,
    next_step TEXT,
    next_step_on DATE,
    purchasing_power TEXT NOT NULL DEFAULT 'unknown',
    power_evidence TEXT,
    decision_authority TEXT NOT NULL DEFAULT 'unknown',
    authority_evidence TEXT,
    need TEXT NOT NULL DEFAULT 'unknown',
    need_evidence TEXT,
    appointment TEXT,
    preparation TEXT,
    won_amount_fen INTEGER,
    closed_on DATE,
    lost_reason TEXT,
    lost_to TEXT,
    -- The furthest stage reached (its place in the process, from 0), for the funnel.
    furthest_stage INTEGER NOT NULL DEFAULT 0,
    -- Days from opening to winning, set when won, for the cycle time.
    cycle_days REAL,
    stage_entered_at TEXT NOT NULL,
    -- The last change or contact: an open deal quiet for longer than the stall threshold is stalled.
    last_activity_at TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
-- The board and the lists: one owner's deals of a status and stage, most recently active first.
CREATE INDEX opportunities_owner ON opportunities (owner_id, status, stage, last_activity_at) WHERE deleted_at IS NULL;
CREATE INDEX opportunities_customer ON opportunities (customer_id);
-- The reports read these instead of the rows: the open pipeline by owner and by month; what
-- closed in a period; what opened in a period and how far it got; what has gone quiet.
CREATE INDEX opportunities_open ON opportunities (status, owner_id, expected_close, amount_fen, probability, deleted_at);
CREATE INDEX opportunities_closed ON opportunities (status, closed_on, owner_id, won_amount_fen, amount_fen, cycle_days, lost_to, deleted_at);
CREATE INDEX opportunities_created ON opportunities (created_at, furthest_stage, owner_id, deleted_at);
CREATE INDEX opportunities_quiet ON opportunities (status, last_activity_at, deleted_at);
CREATE INDEX opportunities_largest ON opportunities (status, amount_fen, last_activity_at, owner_id, deleted_at);

-- Every change of stage or status, with who and when; an override keeps its reason and the
-- mandatory actions it skipped (a JSON array of titles).
CREATE TABLE opportunity_changes (
    id INTEGER PRIMARY KEY,
    opportunity_id INTEGER NOT NULL REFERENCES opportunities(id),
    from_stage TEXT,
    to_stage TEXT NOT NULL,
    status TEXT NOT NULL,
    changed_by INTEGER NOT NULL REFERENCES users(id),
    changed_at TEXT NOT NULL,
    override_reason TEXT,
    skipped TEXT,
    -- Days spent in to_stage, set when the deal leaves it.
    days_in REAL
);
CREATE INDEX opportunity_changes_opportunity ON opportunity_changes (opportunity_id, id);
CREATE INDEX opportunity_changes_at ON opportunity_changes (changed_at, to_stage, days_in);

-- Stage stays that ended, summed by China day (day number since 1970-01-01), stage and the
-- deal's owner then: the report's average days in each stage reads these sums, not every change.
CREATE TABLE stage_stays (
    day INTEGER NOT NULL,
    stage TEXT NOT NULL,
    owner_id INTEGER NOT NULL REFERENCES users(id),
    stays INTEGER NOT NULL,
    days REAL NOT NULL,
    PRIMARY KEY (day, stage, owner_id)
);

CREATE TABLE opportunity_ticks (
    opportunity_id INTEGER NOT NULL REFERENCES opportunities(id),
    stage TEXT NOT NULL,
    action_key TEXT NOT NULL,
    done_by INTEGER NOT NULL REFERENCES users(id),
    done_at TEXT NOT NULL,
    PRIMARY KEY (opportunity_id, stage, action_key)
);

CREATE TABLE objections (
    id INTEGER PRIMARY KEY,
    opportunity_id INTEGER NOT NULL REFERENCES opportunities(id),
    objection TEXT NOT NULL,
    cause TEXT NOT NULL,
    answer TEXT,
    resolved_at TEXT,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX objections_opportunity ON objections (opportunity_id);
CREATE INDEX objections_created ON objections (created_at, cause, resolved_at, opportunity_id, deleted_at);

-- Files of the proposal offered (方案): kept in the database, so every server has them.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    opportunity_id INTEGER NOT NULL REFERENCES opportunities(id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    content BLOB NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX attachments_opportunity ON attachments (opportunity_id);

CREATE TABLE decision_chain (
    opportunity_id INTEGER NOT NULL REFERENCES opportunities(id),
    key_person_id INTEGER NOT NULL REFERENCES key_people(id),
    engaged BOOLEAN NOT NULL DEFAULT 1,
    plan TEXT,
    PRIMARY KEY (opportunity_id, key_person_id)
);

CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    opportunity_id INTEGER REFERENCES opportunities(id),
    title TEXT NOT NULL,
    due_on DATE NOT NULL,
    assignee_id INTEGER NOT NULL REFERENCES users(id),
    done_at TEXT,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX tasks_assignee ON tasks (assignee_id, due_on);
CREATE INDEX tasks_opportunity ON tasks (opportunity_id);
CREATE INDEX tasks_customer ON tasks (customer_id);

-- Contacts made for a deal (the negotiation stage's record: topic, channel, time, place).
ALTER TABLE interactions ADD COLUMN opportunity_id INTEGER REFERENCES opportunities(id);
ALTER TABLE interactions ADD COLUMN place TEXT;
CREATE INDEX interactions_opportunity ON interactions (opportunity_id);
