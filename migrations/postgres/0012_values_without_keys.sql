-- customer_values is derived: every value recompute replaces all of it with ids it has just
-- read from customers, and customers are never deleted (only moved to the recycle bin), so its
-- foreign keys checked nothing the writer does not already guarantee. They cost a lookup in
-- customers and value_runs for every row written.
-- Kept in step with migrations/sqlite.

ALTER TABLE customer_values DROP CONSTRAINT IF EXISTS customer_values_customer_id_fkey;
ALTER TABLE customer_values DROP CONSTRAINT IF EXISTS customer_values_run_id_fkey;
