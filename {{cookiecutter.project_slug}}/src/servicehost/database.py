"""The service's PostgreSQL database: DATABASE_URL, the one connection setting the app, the
release step and the tests read. Its password may come from a file instead (DATABASE_PASSWORD_FILE,
a Compose or orchestrator secret); it is then put into DATABASE_URL for this process and every
command it runs. A message never shows the password."""

import contextlib
import hashlib
import itertools
import os
import re
import sys
import time
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from servicehost.settings import SettingError

SCHEMES = ("postgresql", "postgres")
SPELLED = "postgresql://USER@HOST:PORT/DATABASE"


def hidden(url):
    """The URL with its password, if any, replaced by ***."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def parse(url):
    """The parts of DATABASE_URL; a SettingError (one sentence, no password) when malformed."""
    shown = hidden(url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError as error:
        raise SettingError(
            f"DATABASE_URL is {shown!r}, which is not a URL ({error}): spell it {SPELLED}."
        ) from None
    if parts.scheme not in SCHEMES:
        raise SettingError(
            f"DATABASE_URL is {shown!r}: it must start with postgresql:// ({SPELLED})."
        )
    if not parts.hostname or not parts.path.strip("/"):
        lacking = "database" if parts.hostname else "host"
        raise SettingError(
            f"DATABASE_URL is {shown!r}, which names no {lacking}: spell it {SPELLED}."
        )
    return parts


def configure(environ=os.environ):
    """Check DATABASE_URL and put DATABASE_PASSWORD_FILE's password into it, in `environ`."""
    url = environ.get("DATABASE_URL", "").strip()
    if not url:
        raise SettingError(
            f"DATABASE_URL is not set: set it to {SPELLED} (the password in DATABASE_PASSWORD_FILE"
            " or in the URL)."
        )
    parts = parse(url)
    password_file = environ.get("DATABASE_PASSWORD_FILE", "")
    if password_file:
        if parts.password is not None:
            raise SettingError(
                "DATABASE_URL has a password and DATABASE_PASSWORD_FILE is set too: give it once."
            )
        try:
            password = open(password_file).read().rstrip("\r\n")
        except OSError as error:
            raise SettingError(
                f"DATABASE_PASSWORD_FILE is {password_file}, which cannot be read"
                f" ({error.strerror}): mount the secret there or unset it."
            ) from None
        user = quote(unquote(parts.username or ""), safe="")
        host = parts.netloc.rpartition("@")[2]
        url = url.replace(f"//{parts.netloc}", f"//{user}:{quote(password, safe='')}@{host}", 1)
        del environ["DATABASE_PASSWORD_FILE"]  # it is in the URL now, for every command after
    environ["DATABASE_URL"] = url
    return url


def renamed(url, name):
    """`url` naming the database `name` instead."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def where(url):
    """host:port/database of a URL, for messages."""
    parts = urlsplit(url)
    return f"{unquote(parts.hostname or '')}:{parts.port or 5432}/{parts.path.strip('/')}"


def problem(url, timeout=2):
    """Why the database at `url` does not answer a query, in one line, or None when it does."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=timeout) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        return " ".join(str(error).split()) or type(error).__name__
    return None


# What the server says when waiting longer cannot help: a wrong password, user or database.
REFUSED = re.compile(r"password authentication failed|role .* does not exist|no password supplied")
MISSING = re.compile(r'database "([^"]+)" does not exist')


def wait(url, timeout):
    """Wait up to `timeout` seconds for the database to answer; a SettingError (one sentence)
    at once when it refuses us, or when it did not answer in time."""
    deadline = time.monotonic() + timeout
    for attempt in itertools.count():
        why = problem(url)
        if why is None:
            return
        missing = MISSING.search(why)
        if missing:
            server = where(url).rpartition("/")[0]
            raise SettingError(
                f"The database {missing.group(1)!r} does not exist on {server} (DATABASE_URL):"
                " create it, or name one that exists."
            )
        if REFUSED.search(why):
            user = unquote(urlsplit(url).username or "")
            raise SettingError(
                f"The database at {where(url)} refused user {user!r} (DATABASE_URL): check its"
                " password (DATABASE_PASSWORD_FILE or the URL) and the user name."
            )
        if time.monotonic() >= deadline:
            raise SettingError(
                f"The database at {where(url)} (DATABASE_URL) did not answer within"
                f" {timeout:g} s ({why.partition(': ')[2] or why}): check that it runs and that"
                " DATABASE_URL names it."
            )
        if not attempt:
            waiting = f"Waiting up to {timeout:g} s for the database at {where(url)}: {why}"
            print(waiting, file=sys.stderr, flush=True)
        time.sleep(0.5)


@contextlib.contextmanager
def locked(url, name):
    """Hold a PostgreSQL advisory lock called `name` while the block runs: whoever else asks for
    it (another replica's release step) waits until this one is done."""
    import psycopg

    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            yield
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (key,))
