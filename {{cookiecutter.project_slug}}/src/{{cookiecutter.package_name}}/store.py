"""The example's state: a SQLite database in DATA_DIR, the one directory the service may write
to. Its schema ships inside the package (schema.sql, next to this file), read as package data;
`python -m {{ cookiecutter.package_name }}.store` creates it, as the release step (pyproject.toml)."""

import os
import sqlite3
import sys
from contextlib import closing
from importlib.resources import files
from pathlib import Path

DATABASE = "state.sqlite3"


def data_dir():
    """DATA_DIR, as the image and the dev loop set it."""
    return os.environ.get("DATA_DIR", "/data")


def connect(directory):
    """A connection to the database in `directory`."""
    return closing(sqlite3.connect(Path(directory) / DATABASE, timeout=10))


def init_db(directory):
    """Create the tables that do not exist yet (safe to run on every release)."""
    with connect(directory) as db, db:
        db.executescript(files(__package__).joinpath("schema.sql").read_text())


def hit(directory, name):
    """Add one to the counter `name` and return its new value."""
    with connect(directory) as db, db:
        db.execute(
            "INSERT INTO counters (name, value) VALUES (?, 1)"
            " ON CONFLICT (name) DO UPDATE SET value = value + 1",
            (name,),
        )
        return db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()[0]


def count(directory, name):
    """The counter `name`'s value (0 before its first hit)."""
    with connect(directory) as db:
        row = db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
    return row[0] if row else 0


if __name__ == "__main__":
    init_db(data_dir())
    print(f"Database ready in {data_dir()}.", file=sys.stderr)
