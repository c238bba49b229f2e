"""Trim the freshly baked project to the answers given.

Runs in the project directory on the Python that runs cookiecutter (3.8+,
standard library only, no network). Running it twice is harmless.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

LOCK_FILES = ("base.txt", "test.txt", "dev.txt")


class TemplateBug(Exception):
    """The template itself is broken (not the user's answers)."""


def lock_set(framework: str, database: str, python_version: str) -> str:
    """The name of the lock files' directory for these answers (sqlite's has no database part)."""
    return f"{framework}{'' if database == 'sqlite' else '-' + database}-py{python_version}"


def install_locks(project_dir: Path, framework: str, database: str, python_version: str) -> None:
    """Move the chosen lock files to requirements/ and drop all the others."""
    requirements = project_dir / "requirements"
    locks = requirements / "_locks"
    chosen = locks / lock_set(framework, database, python_version)
    if not locks.is_dir() and all((requirements / f).is_file() for f in LOCK_FILES):
        return  # Already done by an earlier run.
    missing = [f for f in LOCK_FILES if not (chosen / f).is_file()]
    if missing:
        raise TemplateBug(
            f"Template bug: no lock files for {framework} with {database} on Python {python_version} "
            f"(missing {', '.join(missing)} in {chosen.relative_to(project_dir)})."
        )
    for lock in sorted(chosen.iterdir()):
        if lock.is_file():
            os.replace(lock, requirements / lock.name)
    shutil.rmtree(locks)


# The example's files that only some frameworks and databases use (the rest serves them all):
# SQLite's schema.sql, PostgreSQL's Alembic migrations, Django's project modules.
EXAMPLE_FILES = {
    ("flask", "sqlite"): ("app.py", "store.py", "schema.sql"),
    ("flask", "postgres"): ("app.py", "store.py", "migrations"),
    ("fastapi", "sqlite"): ("app.py", "store.py", "schema.sql"),
    ("fastapi", "postgres"): ("app.py", "store.py", "migrations"),
    ("django", "sqlite"): ("settings.py", "urls.py", "wsgi.py"),
    ("django", "postgres"): ("settings.py", "urls.py", "wsgi.py", "middleware.py"),
    ("none", "sqlite"): ("worker.py", "store.py", "schema.sql"),
    ("none", "postgres"): ("worker.py", "store.py", "migrations"),
}
# PostgreSQL's modules: the service host's (DATABASE_URL, the tests' throwaway server) and the
# db tasks.
POSTGRES_FILES = ("src/servicehost/database.py", "src/servicehost/testserver.py", "tasks/database.py")


def remove_unused(project_dir: Path, answers: dict) -> None:
    """Remove the files the chosen framework, database and license do not use."""
    framework, database = answers["framework"], answers["database"]
    package = project_dir / "src" / answers["package_name"]
    servicehost = project_dir / "src" / "servicehost"
    used = set(EXAMPLE_FILES.get((framework, database), ()))
    unused = [package / name for name in sorted(set().union(*EXAMPLE_FILES.values()) - used)]
    if framework != "django":
        unused.append(project_dir / "src" / "visits")  # the Django example's app package
    if database != "postgres":
        unused += [project_dir / name for name in POSTGRES_FILES]
        if framework != "django":  # the plugin gives pytest-django its settings, tests a database
            unused.append(servicehost / "pytest_plugin.py")
    kubernetes = project_dir / "deploy" / "kubernetes" / "base"
    # A Service (and on Swarm a proxy) for a web service; a volume claim for SQLite, a disruption
    # budget for replicas.
    if framework == "none":
        unused += [kubernetes / "service.yaml", project_dir / "deploy" / "swarm" / "haproxy.cfg"]
    unused.append(kubernetes / ("pvc.yaml" if database == "postgres" else "pdb.yaml"))
    if answers["license"] == "Proprietary":
        unused.append(project_dir / "LICENSE")
    for path in unused:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.is_file():
            path.unlink()


def finish(project_dir: Path, answers: dict) -> None:
    """Finish the baked project in project_dir; raise TemplateBug if it cannot."""
    install_locks(project_dir, answers["framework"], answers["database"], answers["python_version"])
    remove_unused(project_dir, answers)


def main() -> None:
    """Finish the project in the current directory; exit 1 on a template bug."""
    # Rendered by cookiecutter as a JSON literal: an answer stays data, never code.
    answers = json.loads(r"""{{ cookiecutter | tojson }}""")
    try:
        finish(Path.cwd(), answers)
    except TemplateBug as bug:
        print(bug, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
