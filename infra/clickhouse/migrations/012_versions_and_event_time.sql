-- Typed history and event time (infra/clickhouse/README.md, "History: versions and changes").
--
-- occurred_at: the time of the change itself, read by the sink from the payload (services/sink/src/mapping/
-- event-time.ts says which field per resource type and topic), else the Svix signing time, else the receive
-- time. Rows written before this migration read a fallback until `npm run rebuild` re-derives them: the
-- events row its sender_timestamp, a state row its received_at. One ADD COLUMN per statement, so a rerun after
-- an interruption finishes the rest (the migrator counts "already exists" as done).

ALTER TABLE {database}.events ADD COLUMN occurred_at DateTime('UTC') DEFAULT sender_timestamp;

ALTER TABLE {database}.reviews ADD COLUMN occurred_at DateTime('UTC') DEFAULT received_at;

ALTER TABLE {database}.loyalty_customers ADD COLUMN occurred_at DateTime('UTC') DEFAULT received_at;

ALTER TABLE {database}.loyalty_transactions ADD COLUMN occurred_at DateTime('UTC') DEFAULT received_at;

ALTER TABLE {database}.quiz_responses ADD COLUMN occurred_at DateTime('UTC') DEFAULT received_at;

ALTER TABLE {database}.survey_responses ADD COLUMN occurred_at DateTime('UTC') DEFAULT received_at;

-- Version tables: one row per applied event (every version, not only the latest), the columns of the state
-- table plus sender_timestamp. Ordered by (entity id, sequence_number): one entity's history is a range read,
-- and an equal version written again (a redelivery, a rebuild) replaces the earlier row on merge and in FINAL
-- (no version column: the later insert wins, as in the child tables). Child rows of every version go to the
-- existing child tables, whose (parent id, sequence_number, position) key keeps versions apart.

CREATE TABLE IF NOT EXISTS {database}.review_versions (
    subscriber_id Nullable(String),
    review_id String,
    product_id Nullable(String),
    variant_id Nullable(String),
    product_name Nullable(String),
    rating Nullable(Int32),
    title Nullable(String),
    body Nullable(String),
    status Nullable(String),
    sentiment Nullable(String),
    contains_profanity Nullable(UInt8),
    is_recommended Nullable(UInt8),
    helpful_count Nullable(Int32),
    unhelpful_count Nullable(Int32),
    date_created Nullable(DateTime('UTC')),
    order_id Nullable(String),
    order_number Nullable(String),
    reviewer_name Nullable(String),
    reviewer_display_name Nullable(String),
    reviewer_is_verified Nullable(UInt8),
    reviewer_verified_status Nullable(String),
    reviewer_country_code Nullable(String),
    reviewer_zone_code Nullable(String),
    reply_body Nullable(String),
    reply_date_created Nullable(DateTime('UTC')),
    reply_is_private Nullable(UInt8),
    reward_description Nullable(String),
    is_incentivized Nullable(UInt8),
    variant_name Nullable(String),
    reviewer_avatar_url Nullable(String),
    reviewer_social_connection Nullable(String),
    reviewer_country_name Nullable(String),
    reply_raw_body Nullable(String),
    reward_type Nullable(String),
    reward_value Nullable(String),
    mapping_issues Array(String) DEFAULT [],
    sequence_number UInt64,
    is_deleted UInt8,
    event_topic String,
    message_id String,
    source String,
    received_at DateTime('UTC'),
    sender_timestamp DateTime('UTC'),
    occurred_at DateTime('UTC'),
    inserted_at DateTime('UTC') DEFAULT now()
) ENGINE = ReplacingMergeTree()
ORDER BY (review_id, sequence_number);

CREATE TABLE IF NOT EXISTS {database}.loyalty_customer_versions (
    loyalty_customer_id String,
    subscriber_id Nullable(String),
    customer_id Nullable(String),
    birthday_day Nullable(Int32),
    birthday_month Nullable(Int32),
    status Nullable(String),
    points_balance Nullable(Float64),
    vip_tier_name Nullable(String),
    minimum_vip_tier_name Nullable(String),
    date_enrolled Nullable(DateTime('UTC')),
    tier_entered_date Nullable(DateTime('UTC')),
    tier_expiry_date Nullable(DateTime('UTC')),
    points_expiry_date Nullable(DateTime('UTC')),
    mapping_issues Array(String) DEFAULT [],
    sequence_number UInt64,
    is_deleted UInt8,
    event_topic String,
    message_id String,
    source String,
    received_at DateTime('UTC'),
    sender_timestamp DateTime('UTC'),
    occurred_at DateTime('UTC'),
    inserted_at DateTime('UTC') DEFAULT now()
) ENGINE = ReplacingMergeTree()
ORDER BY (loyalty_customer_id, sequence_number);

CREATE TABLE IF NOT EXISTS {database}.loyalty_transaction_versions (
    kind String,
    loyalty_transaction_id String,
    subscriber_id Nullable(String),
    loyalty_customer_id Nullable(String),
    customer_id Nullable(String),
    amount Nullable(Float64),
    points_delta Nullable(Float64),
    date Nullable(DateTime('UTC')),
    status Nullable(String),
    notification_text Nullable(String),
    internal_reason Nullable(String),
    action Nullable(String),
    points Nullable(Float64),
    reward_description Nullable(String),
    points_spent Nullable(Float64),
    mapping_issues Array(String) DEFAULT [],
    sequence_number UInt64,
    is_deleted UInt8,
    event_topic String,
    message_id String,
    source String,
    received_at DateTime('UTC'),
    sender_timestamp DateTime('UTC'),
    occurred_at DateTime('UTC'),
    inserted_at DateTime('UTC') DEFAULT now()
) ENGINE = ReplacingMergeTree()
ORDER BY (loyalty_transaction_id, sequence_number);

CREATE TABLE IF NOT EXISTS {database}.quiz_response_versions (
    quiz_response_id String,
    subscriber_id Nullable(String),
    quiz_id Nullable(String),
    quiz_name Nullable(String),
    date_created Nullable(DateTime('UTC')),
    customer_id Nullable(String),
    order_id Nullable(String),
    marketing_opt_in Nullable(UInt8),
    reward_description Nullable(String),
    mapping_issues Array(String) DEFAULT [],
    sequence_number UInt64,
    is_deleted UInt8,
    event_topic String,
    message_id String,
    source String,
    received_at DateTime('UTC'),
    sender_timestamp DateTime('UTC'),
    occurred_at DateTime('UTC'),
    inserted_at DateTime('UTC') DEFAULT now()
) ENGINE = ReplacingMergeTree()
ORDER BY (quiz_response_id, sequence_number);

CREATE TABLE IF NOT EXISTS {database}.survey_response_versions (
    survey_response_id String,
    subscriber_id Nullable(String),
    survey_id Nullable(String),
    survey_name Nullable(String),
    date_created Nullable(DateTime('UTC')),
    channel Nullable(String),
    channel_survey_id Nullable(String),
    channel_survey_description Nullable(String),
    customer_id Nullable(String),
    remote_order_id Nullable(String),
    reward_description Nullable(String),
    reward_type Nullable(String),
    reward_value Nullable(String),
    mapping_issues Array(String) DEFAULT [],
    sequence_number UInt64,
    is_deleted UInt8,
    event_topic String,
    message_id String,
    source String,
    received_at DateTime('UTC'),
    sender_timestamp DateTime('UTC'),
    occurred_at DateTime('UTC'),
    inserted_at DateTime('UTC') DEFAULT now()
) ENGINE = ReplacingMergeTree()
ORDER BY (survey_response_id, sequence_number);

-- A `SELECT *` view keeps the columns it was created with: the state views and events_current are created
-- again to show occurred_at (each DROP followed by its CREATE, as in 008).

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

-- Change views: one row per change of one column between consecutive versions of an entity, in sequence
-- order, changed_at = the occurred_at of the version that made it. The versions are read with FINAL (a
-- version written twice counts once) and without deletes (a delete carries a reduced resource, not a new
-- value). The first version known counts as a change from NULL when its value is not NULL (a member entering
-- a tier, a review's first status); a value going to NULL is a change to NULL. No window functions (18.16 has
-- none): each entity's versions are gathered into one array sorted by sequence_number, paired with the same
-- array shifted by one, and unfolded again with ARRAY JOIN. The tuples keep NULLs (groupArray skips NULLs).

CREATE VIEW IF NOT EXISTS {database}.loyalty_tier_changes AS
SELECT loyalty_customer_id, from_tier, to_tier, changed_at, sequence_number
FROM (
    SELECT
        loyalty_customer_id,
        arraySort(v -> v.1, groupArray((sequence_number, vip_tier_name, occurred_at))) AS history
    FROM {database}.loyalty_customer_versions FINAL
    WHERE is_deleted = 0
    GROUP BY loyalty_customer_id
)
ARRAY JOIN
    arrayMap(v -> v.1, history) AS sequence_number,
    arrayPushFront(arrayPopBack(arrayMap(v -> v.2, history)), NULL) AS from_tier,
    arrayMap(v -> v.2, history) AS to_tier,
    arrayMap(v -> v.3, history) AS changed_at
WHERE isNull(from_tier) != isNull(to_tier) OR ifNull(from_tier, '') != ifNull(to_tier, '');

CREATE VIEW IF NOT EXISTS {database}.review_status_changes AS
SELECT review_id, from_status, to_status, changed_at, sequence_number
FROM (
    SELECT
        review_id,
        arraySort(v -> v.1, groupArray((sequence_number, status, occurred_at))) AS history
    FROM {database}.review_versions FINAL
    WHERE is_deleted = 0
    GROUP BY review_id
)
ARRAY JOIN
    arrayMap(v -> v.1, history) AS sequence_number,
    arrayPushFront(arrayPopBack(arrayMap(v -> v.2, history)), NULL) AS from_status,
    arrayMap(v -> v.2, history) AS to_status,
    arrayMap(v -> v.3, history) AS changed_at
WHERE isNull(from_status) != isNull(to_status) OR ifNull(from_status, '') != ifNull(to_status, '');

CREATE VIEW IF NOT EXISTS {database}.review_rating_changes AS
SELECT review_id, from_rating, to_rating, changed_at, sequence_number
FROM (
    SELECT
        review_id,
        arraySort(v -> v.1, groupArray((sequence_number, rating, occurred_at))) AS history
    FROM {database}.review_versions FINAL
    WHERE is_deleted = 0
    GROUP BY review_id
)
ARRAY JOIN
    arrayMap(v -> v.1, history) AS sequence_number,
    arrayPushFront(arrayPopBack(arrayMap(v -> v.2, history)), NULL) AS from_rating,
    arrayMap(v -> v.2, history) AS to_rating,
    arrayMap(v -> v.3, history) AS changed_at
WHERE isNull(from_rating) != isNull(to_rating) OR ifNull(from_rating, 0) != ifNull(to_rating, 0);
