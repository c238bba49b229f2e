-- The service's state in DATA_DIR (store.py runs this on every start: it must stay idempotent).
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
