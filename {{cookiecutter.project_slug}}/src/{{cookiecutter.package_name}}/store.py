"""State on disk: a SQLite database in DATA_DIR, the one directory the service may write to.
Its schema ships inside the package (schema.sql, next to this file), read as package data."""

import os
import sqlite3
from contextlib import closing
from importlib.resources import files
from pathlib import Path

DATABASE = "state.sqlite3"


def data_dir_problem(data_dir):
    """Why the service cannot keep its state in data_dir, in one sentence, or None."""
    path = Path(data_dir)
    if not path.is_dir():
        return (
            f"DATA_DIR is {path}, which is not a directory: mount a volume there "
            "or set DATA_DIR to a writable directory."
        )
    if not os.access(path, os.W_OK | os.X_OK):
        return (
            f"DATA_DIR is {path}, which uid {os.getuid()} cannot write to: mount a writable "
            "volume there or set DATA_DIR to a writable directory."
        )
    return None


def connect(settings):
    """A connection to the database in DATA_DIR."""
    return closing(sqlite3.connect(Path(settings.data_dir) / DATABASE))


def init_db(settings):
    """Create the tables that do not exist yet (safe to run on every start)."""
    with connect(settings) as db, db:
        db.executescript(files(__package__).joinpath("schema.sql").read_text())


def hit(settings, name):
    """Add one to the counter `name` and return its new value."""
    with connect(settings) as db, db:
        db.execute(
            "INSERT INTO counters (name, value) VALUES (?, 1)"
            " ON CONFLICT (name) DO UPDATE SET value = value + 1",
            (name,),
        )
        return db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()[0]


def count(settings, name):
    """The counter `name`'s value (0 before its first hit)."""
    with connect(settings) as db:
        row = db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
    return row[0] if row else 0
