-- Repeated things as child tables, one row per item per parent version (position = index in the array).
-- Each row carries its parent's sequence_number; the _current views keep only rows of the parent's current
-- version, so an item removed in a newer version disappears. Redelivery collapses on (id, version, position).
CREATE TABLE IF NOT EXISTS {database}.review_tags (
    review_id String,
    sequence_number UInt64,
    position UInt16,
    tag String
) ENGINE = ReplacingMergeTree()
ORDER BY (review_id, sequence_number, position);

CREATE TABLE IF NOT EXISTS {database}.review_media (
    review_id String,
    sequence_number UInt64,
    position UInt16,
    stream_id Nullable(String),
    type Nullable(String),
    full_size_url Nullable(String),
    large_url Nullable(String),
    thumbnail_url Nullable(String),
    is_hidden Nullable(UInt8)
) ENGINE = ReplacingMergeTree()
ORDER BY (review_id, sequence_number, position);

CREATE TABLE IF NOT EXISTS {database}.review_rating_attributes (
    review_id String,
    sequence_number UInt64,
    position UInt16,
    title String,
    type Nullable(String),
    value Nullable(Float64),
    min_label Nullable(String),
    mid_label Nullable(String),
    max_label Nullable(String)
) ENGINE = ReplacingMergeTree()
ORDER BY (review_id, sequence_number, position);

CREATE TABLE IF NOT EXISTS {database}.review_product_attributes (
    review_id String,
    sequence_number UInt64,
    position UInt16,
    title String,
    type Nullable(String),
    value Nullable(String)
) ENGINE = ReplacingMergeTree()
ORDER BY (review_id, sequence_number, position);

CREATE TABLE IF NOT EXISTS {database}.quiz_answers (
    quiz_response_id String,
    sequence_number UInt64,
    position UInt16,
    question_id String,
    text Nullable(String),
    answer Nullable(String),
    answers Array(String)
) ENGINE = ReplacingMergeTree()
ORDER BY (quiz_response_id, sequence_number, position);

CREATE TABLE IF NOT EXISTS {database}.quiz_recommendations (
    quiz_response_id String,
    sequence_number UInt64,
    position UInt16,
    product_id String,
    variant_ids Array(String),
    is_runner_up Nullable(UInt8),
    points Nullable(Float64)
) ENGINE = ReplacingMergeTree()
ORDER BY (quiz_response_id, sequence_number, position);

CREATE TABLE IF NOT EXISTS {database}.survey_answers (
    survey_response_id String,
    sequence_number UInt64,
    position UInt16,
    question_id String,
    type Nullable(String),
    text Nullable(String),
    answer Nullable(String),
    answers Array(String),
    answer_nps_category Nullable(String),
    custom_answer Nullable(String),
    profile_question_id Nullable(String),
    marketing_opt_in Nullable(UInt8)
) ENGINE = ReplacingMergeTree()
ORDER BY (survey_response_id, sequence_number, position);
