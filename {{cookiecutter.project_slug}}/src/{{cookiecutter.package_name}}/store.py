{%- if cookiecutter.database == "postgres" -%}
"""The example's state: a table in the PostgreSQL database at DATABASE_URL (the service host
checked it and put in the password from DATABASE_PASSWORD_FILE). Alembic's migrations beside this
file (migrations/) create the table; the release step applies them (`alembic upgrade head`)."""

import os

import psycopg

# What the app answers 503 for: the database does not answer (down, restarting, unreachable).
Unavailable = psycopg.OperationalError


def connect():
    """A connection to the database; leaving its `with` block commits (or rolls back) and
    closes it. One per request keeps a worker process's state small; add a pool
    (psycopg_pool) when connections become the bottleneck."""
    return psycopg.connect(os.environ["DATABASE_URL"], connect_timeout=5)


def hit(name):
    """Add one to the counter `name` and return its new value."""
    with connect() as db:
        return db.execute(
            "INSERT INTO counters (name, value) VALUES (%s, 1)"
            " ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
            (name,),
        ).fetchone()[0]


def count(name):
    """The counter `name`'s value (0 before its first hit)."""
    with connect() as db:
        row = db.execute("SELECT value FROM counters WHERE name = %s", (name,)).fetchone()
    return row[0] if row else 0
{%- else -%}
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

{%- endif %}
