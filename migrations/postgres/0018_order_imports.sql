-- The orders an import created name the import (issue #21, item 4): on SQLite an order import
-- commits as it goes, and one refused, failed or killed part way is taken back by deleting
-- exactly the orders it created, not whatever else was recorded meanwhile.
ALTER TABLE orders ADD COLUMN import_id BIGINT;
CREATE INDEX orders_import ON orders (import_id) WHERE import_id IS NOT NULL;
