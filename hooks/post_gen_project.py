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


def install_locks(project_dir: Path, framework: str, python_version: str) -> None:
    """Move the chosen lock files to requirements/ and drop all the others."""
    requirements = project_dir / "requirements"
    locks = requirements / "_locks"
    chosen = locks / f"{framework}-py{python_version}"
    if not locks.is_dir() and all((requirements / f).is_file() for f in LOCK_FILES):
        return  # Already done by an earlier run.
    missing = [f for f in LOCK_FILES if not (chosen / f).is_file()]
    if missing:
        raise TemplateBug(
            f"Template bug: no lock files for {framework} on Python {python_version} "
            f"(missing {', '.join(missing)} in {chosen.relative_to(project_dir)})."
        )
    for lock in sorted(chosen.iterdir()):
        if lock.is_file():
            os.replace(lock, requirements / lock.name)
    shutil.rmtree(locks)


# The example's files that only some frameworks use (the rest of the package serves them all).
EXAMPLE_FILES = {
    "flask": ("app.py", "store.py", "schema.sql"),
    "fastapi": ("app.py", "store.py", "schema.sql"),
    "django": ("settings.py", "urls.py", "wsgi.py"),
    "none": ("worker.py", "store.py", "schema.sql"),
}


def remove_unused(project_dir: Path, answers: dict) -> None:
    """Remove the files the chosen framework and license do not use."""
    framework = answers["framework"]
    package = project_dir / "src" / answers["package_name"]
    used = set(EXAMPLE_FILES.get(framework, ()))
    unused = [package / name for name in sorted(set().union(*EXAMPLE_FILES.values()) - used)]
    if framework != "django":
        # The Django example's app package, and the pytest plugin giving pytest-django its settings.
        unused += [project_dir / "src" / "visits", project_dir / "src" / "servicehost" / "pytest_plugin.py"]
    if answers["license"] == "Proprietary":
        unused.append(project_dir / "LICENSE")
    for path in unused:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.is_file():
            path.unlink()


def finish(project_dir: Path, answers: dict) -> None:
    """Finish the baked project in project_dir; raise TemplateBug if it cannot."""
    install_locks(project_dir, answers["framework"], answers["python_version"])
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
