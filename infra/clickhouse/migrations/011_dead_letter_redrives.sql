-- Dead letters re-driven by `npm run redrive`: once the rows of a dead letter's event were written to the state
-- and child tables, it is recorded here, so the next run skips it. A dead letter is identified by its origin
-- (topic, partition, offset), the key of dead_letters, plus failed_at: a topic re-created from offset 0 gives
-- another message the same origin, and it gets a dead letter of its own. A re-record (a run interrupted after
-- writing, then run again) collapses on merge.
CREATE TABLE IF NOT EXISTS {database}.dead_letter_redrives (
    origin_topic String,
    origin_partition UInt32,
    origin_offset UInt64,
    failed_at DateTime('UTC'),
    message_id String,
    outcome String,
    redriven_at DateTime('UTC'),
    inserted_at DateTime('UTC') DEFAULT now()
) ENGINE = ReplacingMergeTree(redriven_at)
ORDER BY (origin_topic, origin_partition, origin_offset, failed_at);

-- The dead letters nobody re-drove yet: what an operator still has to look at.
CREATE VIEW IF NOT EXISTS {database}.dead_letters_open AS
SELECT * FROM {database}.dead_letters FINAL
WHERE (origin_topic, origin_partition, origin_offset, failed_at) NOT IN
    (SELECT origin_topic, origin_partition, origin_offset, failed_at FROM {database}.dead_letter_redrives);
