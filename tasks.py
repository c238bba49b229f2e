"""Maintenance tasks for the template itself (`invoke --list`). Baked projects have their own."""

import sys
import tempfile
from pathlib import Path

from invoke import Exit, task

from harness import projects
from harness.engine import docker_problem, python_image
from harness.hooks import lock_set
from harness.template import OPTIONS, PYTHON_VERSIONS, ROOT

TEMPLATE = ROOT / "{{cookiecutter.project_slug}}"
LOCKS = TEMPLATE / "requirements" / "_locks"
SLUG = "lock-probe"


@task(
    help={
        "upgrade": "Move every pin to the newest allowed version (default: keep pins that still fit).",
        "only": "Relock only this lock set, e.g. flask-py3.13 or flask-postgres-py3.13.",
    }
)
def relock(c, upgrade=False, only=None):
    """Recompile the lock files the template ships, for every framework, database and python_version."""
    problem = docker_problem()
    if problem:
        raise Exit(problem)
    sets = [(f, d, v) for f in OPTIONS["framework"] for d in OPTIONS["database"] for v in PYTHON_VERSIONS]
    if only:
        sets = [s for s in sets if lock_set(*s) == only]
        if not sets:
            raise Exit(
                f"--only {only!r} is not a lock set: use <framework>[-postgres]-py<version>,"
                " e.g. flask-py3.13 or flask-postgres-py3.13."
            )
    for framework, database, version in sets:
        image = python_image(version)
        if not image:
            raise Exit(f"No python:{version}-slim image here: run scripts/provision-docker first.")
        relock_one(c, framework, database, version, image, upgrade)


def relock_one(c, framework, database, version, image, upgrade):
    """Bake one combination, run its own `invoke lock` on the shipped locks, and ship the result."""
    target = LOCKS / lock_set(framework, database, version)
    # A new set starts from the SQLite set's pins, so that what both hold is pinned alike.
    start = target if target.is_dir() else LOCKS / lock_set(framework, "sqlite", version)
    with tempfile.TemporaryDirectory() as out:
        answers = [
            f"project_slug={SLUG}",
            f"framework={framework}",
            f"database={database}",
            f"python_version={version}",
        ]
        projects.bake(out, *answers, options=["--accept-hooks", "no"], check=True)
        project = Path(out, SLUG)
        requirements = project / "requirements"
        for lock in start.glob("*.txt"):  # start from the shipped pins
            text = lock.read_text().replace("{{ cookiecutter.project_slug }}", SLUG)
            (requirements / lock.name).write_text(text)
        with c.cd(str(project)):
            c.run(
                f"{sys.executable} -m invoke lock" + (" --upgrade" if upgrade else ""),
                env={"PYTHON_IMAGE": image},
            )
        target.mkdir(parents=True, exist_ok=True)
        # Each set's own locks; the build backend's lock, one for all (pyproject.toml's
        # [build-system] is the same in every bake).
        shipped = [(target / n, requirements / n) for n in ("base.txt", "test.txt", "dev.txt")]
        shipped.append((TEMPLATE / "requirements" / "build.txt", requirements / "build.txt"))
        for shipped_lock, lock in shipped:
            text = lock.read_text().replace(f"{SLUG} (", "{{ cookiecutter.project_slug }} (")
            shipped_lock.write_text(text)
    print(f"Relocked {target.relative_to(ROOT)} and {TEMPLATE.name}/requirements/build.txt")


@task(
    help={
        "runs": "Warm runs per scenario and variant (default 5).",
        "cold-runs": "Cold builds per variant, each after pruning the whole build cache (default 3).",
        "output": "Where to write the Markdown report (default benchmarks/RESULTS.md).",
    }
)
def bench(c, runs=5, cold_runs=3, output="benchmarks/RESULTS.md"):
    """Benchmark a baked project's builds against the articles' Dockerfiles and uv's guide (15-25 min)."""
    with c.cd(str(ROOT)):
        c.run(f"{sys.executable} -m benchmarks.run --runs {runs} --cold-runs {cold_runs} --output {output}")
