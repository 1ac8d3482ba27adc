-- Tasks for everyone (issue #16): a task may stand on its own or be for a customer, one of its
-- key people or a deal; it has a kind (call, visit, send, gift, other), a day and maybe a time,
-- notes, and when done who did it, what came of it and the contact logged from it. `origin`
-- says what made it: a person, winning a deal (after-sales), later a cadence or a reminder.
ALTER TABLE tasks ALTER COLUMN customer_id DROP NOT NULL;
ALTER TABLE tasks ALTER COLUMN created_by TYPE BIGINT;
ALTER TABLE tasks ADD COLUMN key_person_id BIGINT REFERENCES key_people(id);
ALTER TABLE tasks ADD COLUMN kind TEXT NOT NULL DEFAULT 'other';
ALTER TABLE tasks ADD COLUMN due_time TEXT;
ALTER TABLE tasks ADD COLUMN notes TEXT;
ALTER TABLE tasks ADD COLUMN done_by BIGINT REFERENCES users(id);
ALTER TABLE tasks ADD COLUMN result TEXT;
ALTER TABLE tasks ADD COLUMN interaction_id BIGINT REFERENCES interactions(id);
ALTER TABLE tasks ADD COLUMN origin TEXT NOT NULL DEFAULT 'person';
ALTER TABLE tasks ADD COLUMN updated_at TIMESTAMPTZ;
UPDATE tasks SET origin = 'after_sales' WHERE opportunity_id IS NOT NULL;
UPDATE tasks SET updated_at = created_at;
ALTER TABLE tasks ALTER COLUMN updated_at SET NOT NULL;
CREATE INDEX tasks_open ON tasks (assignee_id, due_on) WHERE done_at IS NULL;
CREATE INDEX tasks_key_person ON tasks (key_person_id) WHERE key_person_id IS NOT NULL;
CREATE INDEX tasks_interaction ON tasks (interaction_id) WHERE interaction_id IS NOT NULL;
