-- Notifications inside Guanxi (issue #16): a bell with the unread count, each notification
-- linking to where it is dealt with, and — as each user chooses per kind — an e-mail through the
-- outbox, written in the same transaction. Users gain the e-mail address those go to and a
-- phone (the {{负责人电话}} of templates). A notification names its customer without a foreign key:
-- it is a message about the past, and stays when an import that made the customer is taken back.
ALTER TABLE users ADD COLUMN email TEXT;
ALTER TABLE users ADD COLUMN phone TEXT;
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    link TEXT,
    customer_id INTEGER,
    idem_key TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
CREATE INDEX notifications_customer ON notifications (customer_id) WHERE customer_id IS NOT NULL;
CREATE TABLE notification_prefs (
    user_id INTEGER NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    by_email BOOLEAN NOT NULL,
    PRIMARY KEY (user_id, kind)
);
