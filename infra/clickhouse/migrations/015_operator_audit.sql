-- What operators did through `okendo-pipeline` (and the console): one row per mutating command (subscription
-- create/update/delete/enable/disable, secret rotation, replay, backfill, reconcile, rebuild, redrive), with
-- who ran it, on what, when, and how it ended. detail is a short summary (ids, counts, the reason of a
-- failure); never a secret, an API key or payload text. Append-only: nothing updates or deletes a row.
CREATE TABLE IF NOT EXISTS {database}.operator_audit (
    at DateTime('UTC'),
    at_ms UInt64,
    actor String,
    command String,
    target String,
    outcome String,
    detail String,
    inserted_at DateTime('UTC') DEFAULT now()
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(at)
ORDER BY (at, command);
