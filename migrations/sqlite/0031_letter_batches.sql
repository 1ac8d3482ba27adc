-- Letters 信函 (issue #16): queued letters are printed in batches — one PDF of the letters and
-- their address labels — and marked sent when a person confirms the batch was posted.
CREATE TABLE letter_batches (
    id INTEGER PRIMARY KEY,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    letters INTEGER NOT NULL,
    posted_at TEXT,
    posted_by INTEGER REFERENCES users(id),
    posted_count INTEGER,
    discarded_at TEXT
);
ALTER TABLE outbox ADD COLUMN batch_id INTEGER REFERENCES letter_batches(id);
CREATE INDEX outbox_batch ON outbox (batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX outbox_letters_due ON outbox (next_attempt_at) WHERE channel = 'letter' AND state = 'queued';
