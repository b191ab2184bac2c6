-- The event log: every event ever received, with its raw payload, so current state can always be rebuilt
-- (replay) and fields we do not model yet are never lost. A redelivered message (same message_id) collapses
-- on merge; read with FINAL, or through events_current, to see each message once.
CREATE TABLE IF NOT EXISTS {database}.events (
    message_id String,
    source String,
    resource_type String,
    event_topic String,
    entity_id String,
    sequence_number UInt64,
    payload_version String,
    subscriber_id Nullable(String),
    sender_timestamp DateTime,
    received_at DateTime,
    received_at_ms UInt64,
    kafka_topic String,
    kafka_partition UInt32,
    kafka_offset UInt64,
    payload String,
    inserted_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree()
PARTITION BY resource_type
ORDER BY (entity_id, message_id);
