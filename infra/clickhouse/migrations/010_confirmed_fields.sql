-- Fields confirmed by Okendo's docs, REST API reference or public consumers (infra/clickhouse/README.md says
-- which, and which names stay guesses), plus survey and quiz answers of every shape. Every new column is
-- Nullable: rows written before this migration read NULL until a rebuild re-derives them from events. One
-- ALTER per table, so a table's new columns come or go together (18.16 has no ADD COLUMN IF NOT EXISTS; an
-- "already exists" on rerun counts as done).

ALTER TABLE {database}.reviews
    ADD COLUMN is_incentivized Nullable(UInt8),
    ADD COLUMN variant_name Nullable(String),
    ADD COLUMN reviewer_avatar_url Nullable(String),
    ADD COLUMN reviewer_social_connection Nullable(String),
    ADD COLUMN reviewer_country_name Nullable(String),
    ADD COLUMN reply_raw_body Nullable(String),
    ADD COLUMN reward_type Nullable(String),
    ADD COLUMN reward_value Nullable(String);

ALTER TABLE {database}.loyalty_customers
    ADD COLUMN minimum_vip_tier_name Nullable(String);

-- points_delta: the change to the member's balance (earning +|amount|, redemption -|amount|, adjustment as
-- sent), so net points per member is sum(points_delta).
ALTER TABLE {database}.loyalty_transactions
    ADD COLUMN points_delta Nullable(Float64);

ALTER TABLE {database}.survey_responses
    ADD COLUMN channel_survey_description Nullable(String);

ALTER TABLE {database}.survey_answers
    ADD COLUMN answer_number Nullable(Float64),
    ADD COLUMN answer_json Nullable(String),
    ADD COLUMN custom_answer_option_text Nullable(String);

ALTER TABLE {database}.quiz_answers
    ADD COLUMN answer_number Nullable(Float64),
    ADD COLUMN answer_json Nullable(String);

-- reviewer.attributes[], one row per item per review version, like the other review child tables of 003.
CREATE TABLE IF NOT EXISTS {database}.review_reviewer_attributes (
    review_id String,
    sequence_number UInt64,
    position UInt16,
    title Nullable(String),
    type Nullable(String),
    value Nullable(String)
) ENGINE = ReplacingMergeTree()
ORDER BY (review_id, sequence_number, position);

-- A view keeps the columns it was created with, so the state views are created again to show the columns of
-- 009 and of this file, and the child views whose column lists changed likewise (DROP TABLE works on views on
-- 18.16 and 26.x; each DROP is followed by its CREATE, as in 008).

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

DROP TABLE IF EXISTS {database}.survey_answers_current;
CREATE VIEW IF NOT EXISTS {database}.survey_answers_current AS
SELECT survey_response_id, sequence_number, position, question_id, type, text, answer, answers, answer_number, answer_json, answer_nps_category, custom_answer, custom_answer_option_text, profile_question_id, marketing_opt_in
FROM {database}.survey_answers FINAL
ALL INNER JOIN (SELECT survey_response_id, sequence_number FROM {database}.survey_responses FINAL WHERE is_deleted = 0) AS parent
USING (survey_response_id, sequence_number);

DROP TABLE IF EXISTS {database}.quiz_answers_current;
CREATE VIEW IF NOT EXISTS {database}.quiz_answers_current AS
SELECT quiz_response_id, sequence_number, position, question_id, text, answer, answers, answer_number, answer_json
FROM {database}.quiz_answers FINAL
ALL INNER JOIN (SELECT quiz_response_id, sequence_number FROM {database}.quiz_responses FINAL WHERE is_deleted = 0) AS parent
USING (quiz_response_id, sequence_number);

CREATE VIEW IF NOT EXISTS {database}.review_reviewer_attributes_current AS
SELECT review_id, sequence_number, position, title, type, value
FROM {database}.review_reviewer_attributes FINAL
ALL INNER JOIN (SELECT review_id, sequence_number FROM {database}.reviews FINAL WHERE is_deleted = 0) AS parent
USING (review_id, sequence_number);
