-- What an import wrote (issue #22: a link to what was imported): the customers' audit records
-- name the import's own record, written when the import begins and completed when it commits.
ALTER TABLE audit_log ADD COLUMN import_id BIGINT;
CREATE INDEX audit_log_import ON audit_log (import_id) WHERE import_id IS NOT NULL;
