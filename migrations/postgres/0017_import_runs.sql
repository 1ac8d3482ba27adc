-- A customer import in progress (issue #21, item 4). On SQLite an import commits every couple
-- of seconds so that other writers get their turn; this row says it has not finished. On
-- PostgreSQL an import stays one transaction (other writers are not held up) and the table
-- stays empty; it exists so that both databases have the same schema.
CREATE TABLE import_runs (
    import_id BIGINT PRIMARY KEY,
    pid BIGINT NOT NULL,
    beat_at TIMESTAMPTZ NOT NULL
);

-- Taking an import back deletes the customers it created; the database checks each deleted
-- customer against every row that may refer to it, which without an index reads the whole
-- table each time (72,000 customers took minutes, all in these checks).
CREATE INDEX customers_merged_into ON customers (merged_into_id) WHERE merged_into_id IS NOT NULL;
CREATE INDEX merges_dropped ON merges (dropped_id);
CREATE INDEX duplicate_dismissals_high ON duplicate_dismissals (high_id);
CREATE INDEX winback_cases_customer ON winback_cases (customer_id);
