-- The nonces of signed requests from providers' gateways seen in the last ten minutes (issue #16):
-- a request sent again with the same nonce (a replay) is refused.
CREATE TABLE hook_nonces (
    nonce TEXT PRIMARY KEY,
    seen_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX hook_nonces_seen ON hook_nonces (seen_at);
