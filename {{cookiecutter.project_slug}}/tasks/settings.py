"""The project's settings: `.env`, which `docker compose` reads too, each line overridden by a
variable of the same name in the environment, as Compose overrides it."""

import functools
import os
import re
from pathlib import Path

from invoke import Exit

ROOT = Path(__file__).resolve().parent.parent
ENV_FILE = ROOT / ".env"
# A line of .env as Compose reads it: [export] NAME=value, the value maybe quoted, maybe a
# comment after.
LINE = re.compile(
    r"""\s*(?:export\s+)?([A-Za-z_]\w*)\s*=\s*(?:"([^"]*)"|'([^']*)'|(.*?))\s*(?:\s#.*)?"""
)


def read_env_file(path=ENV_FILE):
    """{name: value} of an .env file (comments and blank lines skipped)."""
    values = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("#"):
            match = LINE.fullmatch(line)
            if not match:
                raise Exit(f"{path.name}, line {number}, is not NAME=value: {line.strip()!r}.")
            name, *value = match.groups()
            values[name] = next(v for v in value if v is not None)
    return values


@functools.cache
def settings():
    """.env's settings, with the environment's values for the names it sets."""
    if not ENV_FILE.is_file():
        raise Exit(f"{ENV_FILE.name} is missing from {ROOT}: it holds the project's settings.")
    return {name: os.environ.get(name, value) for name, value in read_env_file().items()}


def setting(name):
    """One setting's value (a string, maybe empty); one sentence when .env lacks it."""
    values = settings()
    if name not in values:
        raise Exit(f"{name} is missing from {ENV_FILE.name}: add a line {name}=... there.")
    return values[name]


def port_setting(name):
    """A setting that is a port number, checked."""
    value = setting(name)
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise Exit(f"{name} is {value!r}: set it to a port number from 1 to 65535 (.env).")
    return int(value)
