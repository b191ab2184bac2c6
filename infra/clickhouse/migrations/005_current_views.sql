-- What analysts query: the current, not-deleted state. <table>_current reads the state table with FINAL (one row
-- per entity, its highest sequence_number) and drops deletes; a child view keeps the rows of the parent's
-- current version only. events_current is the event log with redeliveries collapsed.
-- Child views name their columns: ClickHouse 18.16 rejects SELECT * over a join that shares key columns.
CREATE VIEW IF NOT EXISTS {database}.events_current AS
SELECT * FROM {database}.events FINAL;

CREATE VIEW IF NOT EXISTS {database}.reviews_current AS
SELECT * FROM {database}.reviews FINAL WHERE is_deleted = 0;

CREATE VIEW IF NOT EXISTS {database}.loyalty_customers_current AS
SELECT * FROM {database}.loyalty_customers FINAL WHERE is_deleted = 0;

CREATE VIEW IF NOT EXISTS {database}.loyalty_transactions_current AS
SELECT * FROM {database}.loyalty_transactions FINAL WHERE is_deleted = 0;

CREATE VIEW IF NOT EXISTS {database}.quiz_responses_current AS
SELECT * FROM {database}.quiz_responses FINAL WHERE is_deleted = 0;

CREATE VIEW IF NOT EXISTS {database}.survey_responses_current AS
SELECT * FROM {database}.survey_responses FINAL WHERE is_deleted = 0;

CREATE VIEW IF NOT EXISTS {database}.review_tags_current AS
SELECT review_id, sequence_number, position, tag
FROM {database}.review_tags FINAL
ALL INNER JOIN (SELECT review_id, sequence_number FROM {database}.reviews FINAL WHERE is_deleted = 0) AS parent
USING (review_id, sequence_number);

CREATE VIEW IF NOT EXISTS {database}.review_media_current AS
SELECT review_id, sequence_number, position, stream_id, type, full_size_url, large_url, thumbnail_url, is_hidden
FROM {database}.review_media FINAL
ALL INNER JOIN (SELECT review_id, sequence_number FROM {database}.reviews FINAL WHERE is_deleted = 0) AS parent
USING (review_id, sequence_number);

CREATE VIEW IF NOT EXISTS {database}.review_rating_attributes_current AS
SELECT review_id, sequence_number, position, title, type, value, min_label, mid_label, max_label
FROM {database}.review_rating_attributes FINAL
ALL INNER JOIN (SELECT review_id, sequence_number FROM {database}.reviews FINAL WHERE is_deleted = 0) AS parent
USING (review_id, sequence_number);

CREATE VIEW IF NOT EXISTS {database}.review_product_attributes_current AS
SELECT review_id, sequence_number, position, title, type, value
FROM {database}.review_product_attributes FINAL
ALL INNER JOIN (SELECT review_id, sequence_number FROM {database}.reviews FINAL WHERE is_deleted = 0) AS parent
USING (review_id, sequence_number);

CREATE VIEW IF NOT EXISTS {database}.quiz_answers_current AS
SELECT quiz_response_id, sequence_number, position, question_id, text, answer, answers
FROM {database}.quiz_answers FINAL
ALL INNER JOIN (SELECT quiz_response_id, sequence_number FROM {database}.quiz_responses FINAL WHERE is_deleted = 0) AS parent
USING (quiz_response_id, sequence_number);

CREATE VIEW IF NOT EXISTS {database}.quiz_recommendations_current AS
SELECT quiz_response_id, sequence_number, position, product_id, variant_ids, is_runner_up, points
FROM {database}.quiz_recommendations FINAL
ALL INNER JOIN (SELECT quiz_response_id, sequence_number FROM {database}.quiz_responses FINAL WHERE is_deleted = 0) AS parent
USING (quiz_response_id, sequence_number);

CREATE VIEW IF NOT EXISTS {database}.survey_answers_current AS
SELECT survey_response_id, sequence_number, position, question_id, type, text, answer, answers, answer_nps_category, custom_answer, profile_question_id, marketing_opt_in
FROM {database}.survey_answers FINAL
ALL INNER JOIN (SELECT survey_response_id, sequence_number FROM {database}.survey_responses FINAL WHERE is_deleted = 0) AS parent
USING (survey_response_id, sequence_number);
