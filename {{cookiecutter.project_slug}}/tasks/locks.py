"""`invoke lock`: pin dependencies with hashes, compiled inside the base image, and tell when a
lock file no longer matches what it is compiled from, or a merge left conflict markers in it."""

import contextlib
import hashlib
import json
import os
import re
import tempfile
import time
from pathlib import Path

from invoke import Exit, task

from .docker import build_image, check_docker, setup_keyword
from .settings import ROOT

REQUIREMENTS = ROOT / "requirements"
# Each lock file, and what it is compiled from (`invoke lock --check` compares the two).
LOCKS = {
    "base.txt": ("setup.py",),
    "test.txt": ("requirements/test.in", "requirements/base.txt"),
    "dev.txt": ("requirements/dev.in", "requirements/test.txt"),
    "build.txt": ("pyproject.toml",),  # its [build-system]: what builds the project
}
STAMP = "# Locked inputs: sha256="
# What git (a merge, a rebase, `cruft update`) leaves around the two sides of a conflict.
CONFLICT_MARKER = re.compile(r"^(<{7}|={7}|>{7}|\|{7})( |$)", re.MULTILINE)


def inputs_digest(lock):
    """sha256 of what a lock file is compiled from: setup.py's install_requires, pyproject.toml's
    [build-system], or the requirement lines of its .in file and of the lock it is constrained
    by (comments and blank lines aside)."""
    digest = hashlib.sha256()
    for name in LOCKS[lock]:
        if name == "setup.py":
            declared = setup_keyword("install_requires")
            text = json.dumps(declared) if declared is not None else (ROOT / name).read_text()
        else:
            path = ROOT / name
            lines = path.read_text().splitlines() if path.exists() else []
            if name == "pyproject.toml":
                lines = build_system(lines)
            text = "\n".join(
                line.strip() for line in lines if line.strip() and not line.strip().startswith("#")
            )
        digest.update(f"{name}\n{text}\n".encode())
    return digest.hexdigest()


def build_system(lines):
    """The lines of pyproject.toml's [build-system] table (read as text: the tasks run on
    Pythons without a TOML reader)."""
    table = []
    for line in lines:
        if re.match(r"\s*\[", line):
            if table:
                break
            if re.fullmatch(r"\s*\[\s*build-system\s*\]\s*(#.*)?", line):
                table.append(line)
        elif table:
            table.append(line)
    return table


def conflicted_locks():
    """The lock files a merge left conflict markers in: pip-compile cannot read them."""
    return [
        lock
        for lock in LOCKS
        if (REQUIREMENTS / lock).exists()
        and CONFLICT_MARKER.search((REQUIREMENTS / lock).read_text())
    ]


def lock_problems():
    """What is wrong with each lock file ("requirements/base.txt (stale)"); empty when current."""
    conflicted = conflicted_locks()
    problems = []
    for lock in LOCKS:
        path = REQUIREMENTS / lock
        first_line = path.read_text().partition("\n")[0] if path.exists() else ""
        if lock in conflicted:
            problems.append(f"requirements/{lock} (merge conflict markers)")
        elif not path.exists():
            problems.append(f"requirements/{lock} (missing)")
        elif first_line != STAMP + inputs_digest(lock):
            problems.append(f"requirements/{lock} (stale)")
    return problems


@contextlib.contextmanager
def set_aside(locks):
    """Move conflicted lock files out of the build context while pip-compile runs (it reads the
    old lock to keep its pins, and cannot parse conflict markers), so they are compiled afresh;
    they come back unchanged if the compile fails. The other locks stay and keep their pins."""
    with tempfile.TemporaryDirectory() as aside:
        for lock in locks:
            print(f"Compiling requirements/{lock} afresh: it has merge conflict markers.")
            os.replace(REQUIREMENTS / lock, Path(aside, lock))
        try:
            yield
        except BaseException:
            for lock in locks:
                os.replace(Path(aside, lock), REQUIREMENTS / lock)
            raise


@task(
    iterable=["upgrade_package"],
    help={
        "check": "Only check: exit non-zero, naming the files, when a lock is stale or conflicted.",
        "upgrade": "Upgrade every pin to the newest allowed version (pip-compile --upgrade).",
        "upgrade-package": "Upgrade this package only; repeat for more (pip-compile -P).",
    },
)
def lock(c, check=False, upgrade=False, upgrade_package=None):
    """Pin dependencies with hashes in requirements/*.txt, compiled inside PYTHON_IMAGE."""
    if check:
        problems = lock_problems()
        if problems:
            raise Exit(
                f"Lock files out of date: {', '.join(problems)}; run `invoke lock` to rewrite "
                "them from setup.py, pyproject.toml and requirements/*.in."
            )
        print("Lock files are current.")
        return
    lock_args = ["--upgrade"] if upgrade else []
    for package in upgrade_package or []:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*(==\S+)?", package):
            raise Exit(
                f"--upgrade-package {package!r} is not a package name (e.g. flask or flask==3.1.0)."
            )
        lock_args += ["--upgrade-package", package]
    check_docker()
    with tempfile.TemporaryDirectory() as out, set_aside(conflicted_locks()):
        build_image(
            c,
            "locks",
            output=out,
            args=[f"LOCK_ID={time.time_ns()}", f"LOCK_ARGS={' '.join(lock_args)}"],
        )
        for lock_name in LOCKS:  # in order: each stamp covers the lock written before it
            text = Path(out, lock_name).read_text()
            (REQUIREMENTS / lock_name).write_text(f"{STAMP}{inputs_digest(lock_name)}\n{text}")
    print("Locked: " + ", ".join(f"requirements/{n}" for n in LOCKS))
