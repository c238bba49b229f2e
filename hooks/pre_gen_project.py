"""Refuse bad answers before cookiecutter writes the project.

Runs on the Python that runs cookiecutter (3.8+, standard library only).
The logic is in pure functions so tests can import this file unrendered.
"""

from __future__ import annotations

import json
import keyword
import re
import sys
import unicodedata

# The choice questions, checked against the choices cookiecutter.json offers (the one list of
# each: cookiecutter hands its options to the rendered hook, see main()).
CHOICE_FIELDS = ("license", "python_version", "framework", "installer", "database")

# A module named like one of these would shadow the baked project's dependency (or, for the
# last two, the template's own packages: its service host, and the Django example's app).
DEPENDENCY_NAMES = frozenset(
    {
        "alembic",
        "asgiref",
        "dj_database_url",
        "django",
        "fastapi",
        "flask",
        "gunicorn",
        "httpx",
        "mako",
        "psycopg",
        "psycopg_binary",
        "pydantic",
        "pytest",
        "pytest_django",
        "setuptools",
        "sqlalchemy",
        "sqlparse",
        "starlette",
        "uvicorn",
        "uvicorn_worker",
        "werkzeug",
        "whitenoise",
        "servicehost",
        "visits",
    }
)

# Distribution (PEP 508) and Docker image names may start with a digit; package names may not.
SLUG_RE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
PACKAGE_RE = re.compile(r"[a-z_][a-z0-9_]*")
EMAIL_RE = re.compile(r'[^@\s"\\]+@[^@\s"\\]+\.[^@\s"\\]+')
VERSION_RE = re.compile(r"\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?", re.ASCII)
PORT_RE = re.compile(r"[1-9][0-9]*")
APT_PACKAGE_RE = re.compile(r"[a-z0-9][a-z0-9+.-]+")


def _refuse(field: str, value: object, allowed: str) -> str:
    """Return the one-sentence error for a refused answer."""
    return f"{field} {value!r} is not allowed: {allowed}."


def _stdlib_names() -> frozenset[str]:
    """Return the top-level module names of the standard library."""
    names = getattr(sys, "stdlib_module_names", None)
    if names is not None:
        return frozenset(names)
    # Python < 3.10: list what the interpreter's own library directories hold.
    import pkgutil
    import sysconfig

    stdlib = sysconfig.get_paths()["stdlib"]
    paths = [stdlib, stdlib + "/lib-dynload"]
    found = {module.name for module in pkgutil.iter_modules(paths)}
    return frozenset(found | set(sys.builtin_module_names))


def _has_control_chars(text: str) -> bool:
    """Tell whether text contains a control character (newline, tab, ...)."""
    return any(unicodedata.category(char) == "Cc" for char in text)


def check_text(field: str, value: object) -> str | None:
    """Check a free-text answer that lands inside double-quoted strings and Dockerfile LABELs."""
    if (
        not isinstance(value, str)
        or not value.strip()
        or '"' in value
        or "\\" in value
        or "$" in value
        or _has_control_chars(value)
    ):
        return _refuse(
            field,
            value,
            "use non-empty text on one line without double quotes, backslashes or $",
        )
    return None


def check_slug(value: object) -> str | None:
    """Check project_slug: directory, distribution and Docker image name."""
    if not isinstance(value, str) or not SLUG_RE.fullmatch(value):
        return _refuse(
            "project_slug",
            value,
            "use lowercase letters, digits and single hyphens (e.g. my-service or 3d-printer)",
        )
    return None


def check_package_name(value: object) -> str | None:
    """Check package_name: an importable name that shadows nothing."""
    allowed = (
        "use a lowercase Python identifier (letters, digits, underscores) that is "
        "does not start with a digit and is not a keyword, a standard-library module or a "
        "dependency (e.g. my_service or _3d_printer)"
    )
    if (
        not isinstance(value, str)
        or not PACKAGE_RE.fullmatch(value)
        or keyword.iskeyword(value)
        or value in _stdlib_names()
        or value in DEPENDENCY_NAMES
    ):
        return _refuse("package_name", value, allowed)
    return None


def check_email(value: object) -> str | None:
    """Check author_email: a plausible address."""
    if not isinstance(value, str) or not EMAIL_RE.fullmatch(value):
        return _refuse("author_email", value, "use an address like you@example.com")
    return None


def check_version(value: object) -> str | None:
    """Check version: a plain PEP 440 version."""
    if not isinstance(value, str) or not VERSION_RE.fullmatch(value):
        return _refuse(
            "version",
            value,
            "use a PEP 440 version such as 0.1.0, 1.0rc1 or 1.0.post1.dev2",
        )
    return None


def check_choice(field: str, value: object, choices: list[str] | None) -> str | None:
    """Check a choice answer, which extra_context or a replay could set to anything; None
    choices (not handed to the hook) leave the check to cookiecutter's own."""
    if choices is not None and value not in choices:
        return _refuse(field, value, "use one of " + ", ".join(choices))
    return None


def check_port(value: object) -> str | None:
    """Check port: a whole number from 1 to 65535 (text or int)."""
    text = value if isinstance(value, str) else str(value)
    if isinstance(value, bool) or not PORT_RE.fullmatch(text) or int(text) > 65535:
        return _refuse("port", value, "use a whole number from 1 to 65535 (e.g. 8000)")
    return None


def check_apt_packages(field: str, value: object) -> str | None:
    """Check a space-separated list of Debian package names (may be empty)."""
    names = value.split(" ") if isinstance(value, str) else [None]
    if not all(name == "" or APT_PACKAGE_RE.fullmatch(name) for name in names):
        return _refuse(
            field,
            value,
            "leave it empty or list Debian package names separated by spaces (e.g. gcc libpq-dev)",
        )
    return None


def validate(answers: dict, options: dict | None = None) -> str | None:
    """Return the error sentence for the first bad answer, or None if all are fine. `options`
    is cookiecutter.json's, whose lists are the choices (without it, choices are not checked)."""
    get = answers.get
    choices = {field: (options or {}).get(field) for field in CHOICE_FIELDS}
    errors = (
        check_text("project_name", get("project_name")),
        check_slug(get("project_slug")),
        check_package_name(get("package_name")),
        check_text("description", get("description")),
        check_text("author_name", get("author_name")),
        check_email(get("author_email")),
        check_version(get("version")),
        check_choice("license", get("license"), choices["license"]),
        check_choice("python_version", get("python_version"), choices["python_version"]),
        check_choice("framework", get("framework"), choices["framework"]),
        check_choice("installer", get("installer"), choices["installer"]),
        check_choice("database", get("database"), choices["database"]),
        check_port(get("port")),
        check_apt_packages("build_apt_packages", get("build_apt_packages")),
        check_apt_packages("runtime_apt_packages", get("runtime_apt_packages")),
    )
    return next((error for error in errors if error), None)


def main() -> None:
    """Validate the rendered answers; exit 1 with one sentence on stderr if bad."""
    # Rendered by cookiecutter as a JSON literal: an answer stays data, never code.
    answers = json.loads(r"""{{ cookiecutter | tojson }}""")
    # cookiecutter.json's options, which cookiecutter renders hooks with (cruft does not, and
    # refuses a choice cookiecutter.json does not offer itself, as cookiecutter does).
    options = json.loads(r"""{{ _cookiecutter | default({}) | tojson }}""")
    error = validate(answers, options)
    if error:
        print(error, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
