-- The example's state in DATA_DIR (the release step runs this: it must stay idempotent).
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
