"""The Compose db service's data: `db-dump` and `db-restore` (pg_dump's custom format, in a file
on your machine, owned by you) and `db-shell` (psql). Each starts the db when it is not running."""

import shlex
import subprocess
import sys
import time
from pathlib import Path

from invoke import Exit, task

from .dev import COMPOSE, docker_compose
from .settings import ROOT

BACKUPS = ROOT / "backups"
# Run inside the db container, as the superuser the image made, on its database (local socket).
DUMP = 'pg_dump --format=custom --username="$POSTGRES_USER" "$POSTGRES_DB"'
RESTORE = (
    "pg_restore --clean --if-exists --no-owner --exit-on-error --single-transaction"
    ' --username="$POSTGRES_USER" --dbname="$POSTGRES_DB"'
)
PSQL = 'psql --username="$POSTGRES_USER" "$POSTGRES_DB"'


def start_db(c):
    """Start the db service (if it is not running) and wait until it is healthy."""
    docker_compose(c, "up", "--detach", "--wait", "db")


def exec_db(c, script, stdin=None, stdout=None):
    """Run a shell script in the db container, our stdin and stdout given as files."""
    start_db(c)
    command = ["docker", *COMPOSE, "exec", "--no-TTY", "db", "sh", "-c", script]
    print(f"$ {shlex.join(command)}", file=sys.stderr)
    return subprocess.run(command, stdin=stdin, stdout=stdout).returncode


@task(help={"file": "Where to write it (default: backups/<database>-<UTC time>.dump)."})
def db_dump(c, file=None):
    """Back up the db service's database into a file (pg_dump's custom format)."""
    path = Path(file) if file else BACKUPS / time.strftime("db-%Y%m%dT%H%M%SZ.dump", time.gmtime())
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as out:
        code = exec_db(c, DUMP, stdout=out)
    if code:
        partial.unlink()
        raise Exit(f"pg_dump failed (exit code {code}, its output above): nothing was written.")
    partial.replace(path)
    print(f"Dumped the database into {path}.")


@task(help={"file": "A file `invoke db-dump` wrote."})
def db_restore(c, file):
    """Replace the db service's database with a dump (what the dump holds, in one transaction)."""
    path = Path(file)
    if not path.is_file():
        raise Exit(f"{file} is not a file: name a dump `invoke db-dump` wrote.")
    with open(path, "rb") as dump:
        code = exec_db(c, RESTORE, stdin=dump)
    if code:
        raise Exit(f"pg_restore failed (exit code {code}, its output above): nothing changed.")
    print(f"Restored the database from {path}.")


@task
def db_shell(c):
    """Open psql on the db service's database."""
    start_db(c)
    terminal = sys.stdin.isatty()  # else psql reads SQL from stdin: invoke db-shell < query.sql
    tty = [] if terminal else ["--no-TTY"]
    docker_compose(c, "exec", *tty, "db", "sh", "-c", PSQL, interactive=terminal)
