-- Time zone independence. A plain DateTime column is read and written in the server's time zone (chDB: the
-- process's TZ), so on a server not in UTC every time shifted and toStartOfMonth / toDate grouped by local
-- days. Every DateTime column becomes DateTime('UTC'): the stored seconds are unchanged (the sink writes epoch
-- seconds), and text out, text literals compared with a column, and date functions of a column are UTC on
-- any server. A new file rather than edits of 001-006, so installs that already applied those get it too.

ALTER TABLE {database}.events
    MODIFY COLUMN sender_timestamp DateTime('UTC'),
    MODIFY COLUMN received_at DateTime('UTC'),
    MODIFY COLUMN inserted_at DateTime('UTC') DEFAULT now();

ALTER TABLE {database}.reviews
    MODIFY COLUMN date_created Nullable(DateTime('UTC')),
    MODIFY COLUMN reply_date_created Nullable(DateTime('UTC')),
    MODIFY COLUMN received_at DateTime('UTC'),
    MODIFY COLUMN inserted_at DateTime('UTC') DEFAULT now();

ALTER TABLE {database}.loyalty_customers
    MODIFY COLUMN date_enrolled Nullable(DateTime('UTC')),
    MODIFY COLUMN tier_entered_date Nullable(DateTime('UTC')),
    MODIFY COLUMN tier_expiry_date Nullable(DateTime('UTC')),
    MODIFY COLUMN points_expiry_date Nullable(DateTime('UTC')),
    MODIFY COLUMN received_at DateTime('UTC'),
    MODIFY COLUMN inserted_at DateTime('UTC') DEFAULT now();

ALTER TABLE {database}.loyalty_transactions
    MODIFY COLUMN date Nullable(DateTime('UTC')),
    MODIFY COLUMN received_at DateTime('UTC'),
    MODIFY COLUMN inserted_at DateTime('UTC') DEFAULT now();

ALTER TABLE {database}.quiz_responses
    MODIFY COLUMN date_created Nullable(DateTime('UTC')),
    MODIFY COLUMN received_at DateTime('UTC'),
    MODIFY COLUMN inserted_at DateTime('UTC') DEFAULT now();

ALTER TABLE {database}.survey_responses
    MODIFY COLUMN date_created Nullable(DateTime('UTC')),
    MODIFY COLUMN received_at DateTime('UTC'),
    MODIFY COLUMN inserted_at DateTime('UTC') DEFAULT now();

ALTER TABLE {database}.unrouted_deliveries
    MODIFY COLUMN sender_timestamp DateTime('UTC'),
    MODIFY COLUMN received_at DateTime('UTC'),
    MODIFY COLUMN inserted_at DateTime('UTC') DEFAULT now();

ALTER TABLE {database}.dead_letters
    MODIFY COLUMN failed_at DateTime('UTC'),
    MODIFY COLUMN inserted_at DateTime('UTC') DEFAULT now();

ALTER TABLE {database}.schema_migrations
    MODIFY COLUMN applied_at DateTime('UTC') DEFAULT now();

-- A view keeps the column types it was created with (chDB reports the old DateTime without a zone): create
-- every view of 005 and 006 again, unchanged, so they carry DateTime('UTC'). DROP TABLE works on views on 18.16
-- and 26.x; each DROP is followed by its CREATE, so a rerun or two sinks migrating at once end with the view.

DROP TABLE IF EXISTS {database}.events_current;
CREATE VIEW IF NOT EXISTS {database}.events_current AS
SELECT * FROM {database}.events FINAL;

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

DROP TABLE IF EXISTS {database}.review_tags_current;
CREATE VIEW IF NOT EXISTS {database}.review_tags_current AS
SELECT review_id, sequence_number, position, tag
FROM {database}.review_tags FINAL
ALL INNER JOIN (SELECT review_id, sequence_number FROM {database}.reviews FINAL WHERE is_deleted = 0) AS parent
USING (review_id, sequence_number);

DROP TABLE IF EXISTS {database}.review_media_current;
CREATE VIEW IF NOT EXISTS {database}.review_media_current AS
SELECT review_id, sequence_number, position, stream_id, type, full_size_url, large_url, thumbnail_url, is_hidden
FROM {database}.review_media FINAL
ALL INNER JOIN (SELECT review_id, sequence_number FROM {database}.reviews FINAL WHERE is_deleted = 0) AS parent
USING (review_id, sequence_number);

DROP TABLE IF EXISTS {database}.review_rating_attributes_current;
CREATE VIEW IF NOT EXISTS {database}.review_rating_attributes_current AS
SELECT review_id, sequence_number, position, title, type, value, min_label, mid_label, max_label
FROM {database}.review_rating_attributes FINAL
ALL INNER JOIN (SELECT review_id, sequence_number FROM {database}.reviews FINAL WHERE is_deleted = 0) AS parent
USING (review_id, sequence_number);

DROP TABLE IF EXISTS {database}.review_product_attributes_current;
CREATE VIEW IF NOT EXISTS {database}.review_product_attributes_current AS
SELECT review_id, sequence_number, position, title, type, value
FROM {database}.review_product_attributes FINAL
ALL INNER JOIN (SELECT review_id, sequence_number FROM {database}.reviews FINAL WHERE is_deleted = 0) AS parent
USING (review_id, sequence_number);

DROP TABLE IF EXISTS {database}.quiz_answers_current;
CREATE VIEW IF NOT EXISTS {database}.quiz_answers_current AS
SELECT quiz_response_id, sequence_number, position, question_id, text, answer, answers
FROM {database}.quiz_answers FINAL
ALL INNER JOIN (SELECT quiz_response_id, sequence_number FROM {database}.quiz_responses FINAL WHERE is_deleted = 0) AS parent
USING (quiz_response_id, sequence_number);

DROP TABLE IF EXISTS {database}.quiz_recommendations_current;
CREATE VIEW IF NOT EXISTS {database}.quiz_recommendations_current AS
SELECT quiz_response_id, sequence_number, position, product_id, variant_ids, is_runner_up, points
FROM {database}.quiz_recommendations FINAL
ALL INNER JOIN (SELECT quiz_response_id, sequence_number FROM {database}.quiz_responses FINAL WHERE is_deleted = 0) AS parent
USING (quiz_response_id, sequence_number);

DROP TABLE IF EXISTS {database}.survey_answers_current;
CREATE VIEW IF NOT EXISTS {database}.survey_answers_current AS
SELECT survey_response_id, sequence_number, position, question_id, type, text, answer, answers, answer_nps_category, custom_answer, profile_question_id, marketing_opt_in
FROM {database}.survey_answers FINAL
ALL INNER JOIN (SELECT survey_response_id, sequence_number FROM {database}.survey_responses FINAL WHERE is_deleted = 0) AS parent
USING (survey_response_id, sequence_number);

DROP TABLE IF EXISTS {database}.survey_attribution;
CREATE VIEW IF NOT EXISTS {database}.survey_attribution AS
SELECT
    channel,
    question,
    answer,
    count() AS responses,
    uniqExactIf(order_id, order_id != '') AS orders
FROM (
    SELECT survey_response_id, sequence_number, ifNull(text, '') AS question, arrayJoin(answers) AS answer
    FROM {database}.survey_answers_current
    WHERE match(lower(ifNull(text, '')), 'hear about|find us|found us|where did you|how did you')
) AS answered
ALL INNER JOIN (
    SELECT survey_response_id, sequence_number, ifNull(channel, '') AS channel, ifNull(remote_order_id, '') AS order_id
    FROM {database}.survey_responses_current
) AS response USING (survey_response_id, sequence_number)
GROUP BY channel, question, answer;

DROP TABLE IF EXISTS {database}.quiz_recommendation_orders;
CREATE VIEW IF NOT EXISTS {database}.quiz_recommendation_orders AS
SELECT
    product_id,
    is_runner_up,
    count() AS recommendations,
    countIf(order_id != '') AS recommendations_with_order,
    countIf(reviewed_in_order = 1) AS reviewed_in_order
FROM (
    SELECT product_id, is_runner_up, order_id, if(order_id != '' AND order_id = reviewed_order_id, 1, 0) AS reviewed_in_order
    FROM (
        SELECT product_id, is_runner_up, order_id
        FROM (
            SELECT quiz_response_id, sequence_number, product_id, ifNull(is_runner_up, 0) AS is_runner_up
            FROM {database}.quiz_recommendations_current
        ) AS recommendation
        ALL INNER JOIN (
            SELECT quiz_response_id, sequence_number, ifNull(order_id, '') AS order_id
            FROM {database}.quiz_responses_current
        ) AS response USING (quiz_response_id, sequence_number)
    ) AS recommended
    ANY LEFT JOIN (
        SELECT ifNull(product_id, '') AS product_id, ifNull(order_id, '') AS order_id, ifNull(order_id, '') AS reviewed_order_id
        FROM {database}.reviews_current
        WHERE order_id IS NOT NULL
    ) AS review USING (product_id, order_id)
)
GROUP BY product_id, is_runner_up;

DROP TABLE IF EXISTS {database}.review_ratings_by_product_month;
CREATE VIEW IF NOT EXISTS {database}.review_ratings_by_product_month AS
SELECT
    ifNull(product_id, '') AS product_id,
    toStartOfMonth(assumeNotNull(date_created)) AS month,
    count() AS reviews,
    avg(assumeNotNull(rating)) AS average_rating,
    countIf(rating = 1) AS rating_1,
    countIf(rating = 2) AS rating_2,
    countIf(rating = 3) AS rating_3,
    countIf(rating = 4) AS rating_4,
    countIf(rating = 5) AS rating_5
FROM {database}.reviews_current
WHERE rating IS NOT NULL AND date_created IS NOT NULL
GROUP BY product_id, month;
