-- Hardening (issue #20, the security review): sign-in throttling per account, client and pair
-- with growing blocks; devices a user signed in from before; token expiry and scope; generated
-- passwords that must be changed; when a session last proved its password; the client address
-- of security events in the audit log. Kept in step with migrations/sqlite.

-- The built-in actor of command-line and background changes can never sign in (F-06).
UPDATE users SET password_hash = NULL WHERE id = 1;

-- A generated password (new user, reset, first admin) must be replaced at the next sign-in.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;

-- Tokens run out (legacy tokens without an expiry count from their creation) and may only read.
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMPTZ;
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'full';

-- When this session last entered the password (sign-in or re-entry before managing users).
ALTER TABLE sessions ADD COLUMN authenticated_at TIMESTAMPTZ;

-- One counter per key (`account:NAME`, `client:ADDRESS`, `pair:NAME|ADDRESS`): attempts in the
-- current window, reserved before the password is checked so that parallel guesses count too,
-- and a block that doubles each time the key is blocked again. Rows untouched for a day go.
CREATE TABLE sign_in_throttle (
    key TEXT PRIMARY KEY,
    attempts BIGINT NOT NULL,
    window_start TIMESTAMPTZ NOT NULL,
    blocked_until TIMESTAMPTZ,
    strikes BIGINT NOT NULL DEFAULT 0,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sign_in_throttle_updated ON sign_in_throttle (updated_at);
DROP TABLE login_failures;

-- A browser that signed in as this user before: it is not held back by blocks on the account
-- that strangers caused (only by those on itself). The cookie's SHA-256 is stored.
CREATE TABLE known_devices (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX known_devices_user ON known_devices (user_id);

ALTER TABLE audit_log ADD COLUMN client TEXT;
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
