-- A customer import in progress (issue #21, item 4). On SQLite an import commits every couple
-- of seconds so that other writers get their turn; this row says it has not finished. An import
-- that is refused, fails, or whose process was killed is taken back whole, by itself or by the
-- next process to open the database (its process is gone, or it stopped beating).
CREATE TABLE import_runs (
    import_id INTEGER PRIMARY KEY,
    pid INTEGER NOT NULL,
    beat_at TEXT NOT NULL
);

-- Taking an import back deletes the customers it created; the database checks each deleted
-- customer against every row that may refer to it, which without an index reads the whole
-- table each time (72,000 customers took minutes, all in these checks).
CREATE INDEX customers_merged_into ON customers (merged_into_id) WHERE merged_into_id IS NOT NULL;
CREATE INDEX merges_dropped ON merges (dropped_id);
CREATE INDEX duplicate_dismissals_high ON duplicate_dismissals (high_id);
CREATE INDEX winback_cases_customer ON winback_cases (customer_id);
