-- Lenient mapping (services/sink/src/mapping/README.md): a field the sink could not read as expected is NULL in
-- its column and named here, one entry per field ("body.resource.rating: string \"five\""). Rows written before
-- this migration read []. One ADD COLUMN per statement, so a rerun after an interruption finishes the rest
-- (18.16 has no ADD COLUMN IF NOT EXISTS: the migrator counts "already exists" as done).

ALTER TABLE {database}.reviews ADD COLUMN mapping_issues Array(String) DEFAULT [];

ALTER TABLE {database}.loyalty_customers ADD COLUMN mapping_issues Array(String) DEFAULT [];

ALTER TABLE {database}.loyalty_transactions ADD COLUMN mapping_issues Array(String) DEFAULT [];

ALTER TABLE {database}.quiz_responses ADD COLUMN mapping_issues Array(String) DEFAULT [];

ALTER TABLE {database}.survey_responses ADD COLUMN mapping_issues Array(String) DEFAULT [];

-- A `SELECT *` view keeps the columns it was created with (on 18.16 and chDB alike; the model test checks),
-- so the state views are created again, unchanged, to show the new column. Each DROP is followed by its CREATE,
-- as in 008: a rerun or two sinks migrating at once end with the view. The views built on these ones name
-- their columns and are resolved by name when queried, so they need nothing.

DROP TABLE IF EXISTS {database}.reviews_current;
CREATE VIEW IF NOT EXISTS {database}.reviews_current AS
SELECT * FROM {database}.reviews FINAL WHERE is_deleted = 0;

DROP TABLE IF EXISTS {database}.loyalty_customers_current;
CREATE VIEW IF NOT EXISTS {database}.loyalty_customers_current AS
SELECT * FROM {database}.loyalty_customers FINAL WHERE is_deleted = 0;

DROP TABLE IF EXISTS {database}.loyalty_transactions_current;
CREATE VIEW IF NOT EXISTS {database}.loyalty_transactions_current AS
SELECT * FROM {database}.loyalty_transactions FINAL WHERE is_deleted = 0;

DROP TABLE IF EXISTS {database}.quiz_responses_current;
CREATE VIEW IF NOT EXISTS {database}.quiz_responses_current AS
SELECT * FROM {database}.quiz_responses FINAL WHERE is_deleted = 0;

DROP TABLE IF EXISTS {database}.survey_responses_current;
CREATE VIEW IF NOT EXISTS {database}.survey_responses_current AS
SELECT * FROM {database}.survey_responses FINAL WHERE is_deleted = 0;
