"""`invoke lock`: pin dependencies with hashes, compiled inside the base image, and tell when a
lock file no longer matches what it is compiled from."""

import hashlib
import json
import re
import tempfile
import time
from pathlib import Path

from invoke import Exit, task

from .docker import ROOT, build_image, setup_keyword

REQUIREMENTS = ROOT / "requirements"
# Each lock file, and what it is compiled from (`invoke lock --check` compares the two).
LOCKS = {
    "base.txt": ("setup.py",),
    "test.txt": ("requirements/test.in", "requirements/base.txt"),
    "dev.txt": ("requirements/dev.in", "requirements/test.txt"),
}
STAMP = "# Locked inputs: sha256="


def inputs_digest(lock):
    """sha256 of what a lock file is compiled from: setup.py's install_requires, or the
    requirement lines (comments aside) of its .in file and of the lock it is constrained by."""
    digest = hashlib.sha256()
    for name in LOCKS[lock]:
        if name == "setup.py":
            declared = setup_keyword("install_requires")
            text = json.dumps(declared) if declared is not None else (ROOT / name).read_text()
        else:
            path = ROOT / name
            lines = path.read_text().splitlines() if path.exists() else []
            text = "\n".join(
                line.strip() for line in lines if line.strip() and not line.strip().startswith("#")
            )
        digest.update(f"{name}\n{text}\n".encode())
    return digest.hexdigest()


def stale_locks():
    """The lock files that are missing or older than what they are compiled from."""
    stale = []
    for lock in LOCKS:
        path = REQUIREMENTS / lock
        first_line = path.read_text().partition("\n")[0] if path.exists() else ""
        if first_line != STAMP + inputs_digest(lock):
            stale.append(f"requirements/{lock}")
    return stale


@task(
    iterable=["upgrade_package"],
    help={
        "check": "Only check: exit non-zero, naming the stale files, when a lock is out of date.",
        "upgrade": "Upgrade every pin to the newest allowed version (pip-compile --upgrade).",
        "upgrade-package": "Upgrade this package only; repeat for more (pip-compile -P).",
        "python-image": "Base image to compile in (default: the docker.python_image setting).",
    },
)
def lock(c, check=False, upgrade=False, upgrade_package=None, python_image=None):
    """Pin dependencies with hashes in requirements/*.txt, compiled inside the base image."""
    if check:
        stale = stale_locks()
        if stale:
            raise Exit(f"Stale lock files: {', '.join(stale)}; run `invoke lock` to update them.")
        print("Lock files are current.")
        return
    lock_args = ["--upgrade"] if upgrade else []
    for package in upgrade_package or []:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*(==\S+)?", package):
            raise Exit(
                f"--upgrade-package {package!r} is not a package name (e.g. flask or flask==3.1.0)."
            )
        lock_args += ["--upgrade-package", package]
    with tempfile.TemporaryDirectory() as out:
        build_image(
            c,
            "locks",
            python_image=python_image,
            output=out,
            args=[f"LOCK_ID={time.time_ns()}", f"LOCK_ARGS={' '.join(lock_args)}"],
        )
        for lock_name in LOCKS:  # in order: each stamp covers the lock written before it
            text = Path(out, lock_name).read_text()
            (REQUIREMENTS / lock_name).write_text(f"{STAMP}{inputs_digest(lock_name)}\n{text}")
    print("Locked: " + ", ".join(f"requirements/{n}" for n in LOCKS))
