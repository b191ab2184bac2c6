-- A dead letter bigger than the dead_letter topic's max.message.bytes keeps only a prefix of its payload: these
-- say how big the origin value was, its SHA-256 (to match it with the origin message), and whether the payload
-- is cut. Rows written before this migration read 0 / '' / 0. One statement (18.16 has no ADD COLUMN IF NOT
-- EXISTS), so the three columns come or go together.
ALTER TABLE {database}.dead_letters
    ADD COLUMN origin_size_bytes UInt64 DEFAULT 0,
    ADD COLUMN origin_sha256 String DEFAULT '',
    ADD COLUMN payload_truncated UInt8 DEFAULT 0;
