-- Tasks for everyone (issue #16): a task may stand on its own or be for a customer, one of its
-- key people or a deal; it has a kind (call, visit, send, gift, other), a day and maybe a time,
-- notes, and when done who did it, what came of it and the contact logged from it. `origin`
-- says what made it: a person, winning a deal (after-sales), later a cadence or a reminder.
-- SQLite cannot drop NOT NULL from customer_id, so the table is made again.
CREATE TABLE tasks_new (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER REFERENCES customers(id),
    key_person_id INTEGER REFERENCES key_people(id),
    opportunity_id INTEGER REFERENCES opportunities(id),
    title TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'other',
    due_on DATE NOT NULL,
    due_time TEXT,
    assignee_id INTEGER NOT NULL REFERENCES users(id),
    notes TEXT,
    done_at TEXT,
    done_by INTEGER REFERENCES users(id),
    result TEXT,
    interaction_id INTEGER REFERENCES interactions(id),
    origin TEXT NOT NULL DEFAULT 'person',
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
INSERT INTO tasks_new (id, customer_id, opportunity_id, title, kind, due_on, assignee_id, done_at, origin,
                       created_by, created_at, updated_at)
SELECT id, customer_id, opportunity_id, title, 'other', due_on, assignee_id, done_at,
       CASE WHEN opportunity_id IS NULL THEN 'person' ELSE 'after_sales' END, created_by, created_at, created_at
FROM tasks;
DROP TABLE tasks;
ALTER TABLE tasks_new RENAME TO tasks;
CREATE INDEX tasks_assignee ON tasks (assignee_id, due_on);
CREATE INDEX tasks_open ON tasks (assignee_id, due_on) WHERE done_at IS NULL;
CREATE INDEX tasks_opportunity ON tasks (opportunity_id);
CREATE INDEX tasks_customer ON tasks (customer_id);
CREATE INDEX tasks_key_person ON tasks (key_person_id) WHERE key_person_id IS NOT NULL;
CREATE INDEX tasks_interaction ON tasks (interaction_id) WHERE interaction_id IS NOT NULL;
