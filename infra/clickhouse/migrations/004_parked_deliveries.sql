-- Where operators see what was parked. unrouted_deliveries: correctly signed deliveries the ingest could not
-- route (from the unrouted topic). dead_letters: events the sink could not map to their typed record (from
-- the dead_letter topic), with the error. Both keep the payload, so a fix can be followed by a replay.
CREATE TABLE IF NOT EXISTS {database}.unrouted_deliveries (
    message_id String,
    source String,
    reason_code String,
    reason String,
    sender_timestamp DateTime,
    received_at DateTime,
    kafka_partition UInt32,
    kafka_offset UInt64,
    payload String,
    payload_base64 String,
    inserted_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree()
ORDER BY message_id;

CREATE TABLE IF NOT EXISTS {database}.dead_letters (
    message_id String,
    source String,
    resource_type String,
    entity_id String,
    sequence_number UInt64,
    error String,
    failed_at DateTime,
    origin_topic String,
    origin_partition UInt32,
    origin_offset UInt64,
    payload String,
    inserted_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree()
ORDER BY (origin_topic, origin_partition, origin_offset);
