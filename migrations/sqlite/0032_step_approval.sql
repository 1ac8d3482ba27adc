-- A cadence's message step may wait for a person to approve it (issue #16): 0 sent by itself,
-- 1 held in the outbox as 'approval' until the customer's owner or a manager approves it.
ALTER TABLE cadence_steps ADD COLUMN approve INTEGER NOT NULL DEFAULT 0;
-- The runner asks, for each step it runs, whether an earlier step's message still awaits approval.
CREATE INDEX outbox_awaiting_approval ON outbox (cause_id) WHERE state = 'approval';
