-- Current state per resource: one row per entity per version; ReplacingMergeTree(sequence_number) keeps the
-- highest version, so a late, older event never overwrites a newer one. A delete is a version with
-- is_deleted = 1. Columns are the snake_case of the normalised record in schemas/avro (checked by a test).
-- The three loyalty transaction resource types share loyalty_transactions, told apart by kind.
CREATE TABLE IF NOT EXISTS {database}.reviews (
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
    date_created Nullable(DateTime),
    order_id Nullable(String),
    order_number Nullable(String),
    reviewer_name Nullable(String),
    reviewer_display_name Nullable(String),
    reviewer_is_verified Nullable(UInt8),
    reviewer_verified_status Nullable(String),
    reviewer_country_code Nullable(String),
    reviewer_zone_code Nullable(String),
    reply_body Nullable(String),
    reply_date_created Nullable(DateTime),
    reply_is_private Nullable(UInt8),
    reward_description Nullable(String),
    sequence_number UInt64,
    is_deleted UInt8,
    event_topic String,
    message_id String,
    source String,
    received_at DateTime,
    inserted_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree(sequence_number)
ORDER BY review_id;

CREATE TABLE IF NOT EXISTS {database}.loyalty_customers (
    loyalty_customer_id String,
    subscriber_id Nullable(String),
    customer_id Nullable(String),
    birthday_day Nullable(Int32),
    birthday_month Nullable(Int32),
    status Nullable(String),
    points_balance Nullable(Float64),
    vip_tier_name Nullable(String),
    date_enrolled Nullable(DateTime),
    tier_entered_date Nullable(DateTime),
    tier_expiry_date Nullable(DateTime),
    points_expiry_date Nullable(DateTime),
    sequence_number UInt64,
    is_deleted UInt8,
    event_topic String,
    message_id String,
    source String,
    received_at DateTime,
    inserted_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree(sequence_number)
ORDER BY loyalty_customer_id;

CREATE TABLE IF NOT EXISTS {database}.loyalty_transactions (
    kind String,
    loyalty_transaction_id String,
    subscriber_id Nullable(String),
    loyalty_customer_id Nullable(String),
    customer_id Nullable(String),
    amount Nullable(Float64),
    date Nullable(DateTime),
    status Nullable(String),
    notification_text Nullable(String),
    internal_reason Nullable(String),
    action Nullable(String),
    points Nullable(Float64),
    reward_description Nullable(String),
    points_spent Nullable(Float64),
    sequence_number UInt64,
    is_deleted UInt8,
    event_topic String,
    message_id String,
    source String,
    received_at DateTime,
    inserted_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree(sequence_number)
ORDER BY loyalty_transaction_id;

CREATE TABLE IF NOT EXISTS {database}.quiz_responses (
    quiz_response_id String,
    subscriber_id Nullable(String),
    quiz_id Nullable(String),
    quiz_name Nullable(String),
    date_created Nullable(DateTime),
    customer_id Nullable(String),
    order_id Nullable(String),
    marketing_opt_in Nullable(UInt8),
    reward_description Nullable(String),
    sequence_number UInt64,
    is_deleted UInt8,
    event_topic String,
    message_id String,
    source String,
    received_at DateTime,
    inserted_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree(sequence_number)
ORDER BY quiz_response_id;

CREATE TABLE IF NOT EXISTS {database}.survey_responses (
    survey_response_id String,
    subscriber_id Nullable(String),
    survey_id Nullable(String),
    survey_name Nullable(String),
    date_created Nullable(DateTime),
    channel Nullable(String),
    channel_survey_id Nullable(String),
    customer_id Nullable(String),
    remote_order_id Nullable(String),
    reward_description Nullable(String),
    reward_type Nullable(String),
    reward_value Nullable(String),
    sequence_number UInt64,
    is_deleted UInt8,
    event_topic String,
    message_id String,
    source String,
    received_at DateTime,
    inserted_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree(sequence_number)
ORDER BY survey_response_id;
