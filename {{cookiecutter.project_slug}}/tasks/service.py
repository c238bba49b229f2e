"""Build, test, run and clean up the service image."""

import json
import shlex
import shutil
import xml.etree.ElementTree as ET

from invoke import Exit, task

from .dev import (
    COMPOSE,
{%- if cookiecutter.framework != "none" %}
    check_port,
{%- endif %}
{%- if cookiecutter.database == "postgres" %}
    db_password_file,
{%- endif %}
    docker_compose,
    localdev_image,
)
{% if cookiecutter.database == "postgres" -%}
from .docker import build_image, build_steps_declared, check_docker, docker, quiet
{% else -%}
from .docker import build_image, build_steps_declared, check_docker, docker, quiet, run_container
{% endif -%}
from .locks import lock
from .settings import ROOT, setting

REPORTS = ROOT / "reports"


@task(
    help={
        "target": "Dockerfile stage to build (default: service).",
        "tag": "Image tag (default: SERVICE_IMAGE:latest for service, SERVICE_IMAGE:<target>).",
        "skip-tests": "Build the service without running the tests first (says so loudly).",
        "no-cache": "Rebuild every step instead of reusing the build cache.",
    }
)
def build(c, target="service", tag=None, skip_tests=False, no_cache=False):
    """Build an image; the service image only when its tests pass inside the build."""
{%- if cookiecutter.database == "postgres" %}
    db_password_file()  # for Compose after any build (the dev container's too), plain `up` too
{%- endif %}
    if target == "localdev":
        if tag:
            raise Exit("--tag: the localdev image is always SERVICE_IMAGE:localdev (Compose's).")
        localdev_image(c, no_cache)  # Compose's `dev` builds it, as for the dev loop
        return
    build_image(c, target, tag, skip_tests, no_cache)


@task(
    help={
        "mount": "Run pytest in the localdev image on the mounted working copy (no rebuild).",
    }
)
def test(c, mount=False):
    """Run the tests in Docker; pytest arguments go after `--` (invoke test -- -k name)."""
    lock(c, check=True)
    pytest_args = c.remainder
    if mount:
        command = ["pytest", *shlex.split(pytest_args)]
        if build_steps_declared():  # first, on the working copy: the tests see what the build made
            script = '{{ cookiecutter.project_slug }} build-steps && exec "$@"'
            command = ["sh", "-c", script, "sh", *command]
{%- if cookiecutter.database == "postgres" %}
        localdev_image(c)
        # Compose's dev service, on the db service: the tests get a fresh database there.
        docker_compose(c, "run", "--rm", "dev", *command)
{%- else %}
        run_container(c, localdev_image(c), command, mount=True)
{%- endif %}
        return
    shutil.rmtree(REPORTS, ignore_errors=True)
    build_image(
        c,
        "test-reports",
        output=REPORTS,
        args=[f"PYTEST_ADDOPTS={pytest_args}"],
    )
    code = int((REPORTS / "pytest-exit-code").read_text())
    if code:
        raise Exit(
            f"Tests failed (pytest exit code {code}); reports are in {REPORTS.name}/.", code=code
        )
    # Coverage's total, as its own report counts it: lines and branches.
    totals = ET.parse(REPORTS / "coverage.xml").getroot().attrib
    covered = sum(int(totals[f"{kind}-covered"]) for kind in ("lines", "branches"))
    valid = sum(int(totals[f"{kind}-valid"]) for kind in ("lines", "branches"))
    print(f"Tests passed, {covered / max(valid, 1):.0%} covered; reports are in {REPORTS.name}/.")


def release_exit_code(c):
    """How the release step's container of the last `up` exited (0 when there is none)."""
    listed = quiet(c, shlex.join(["docker", *COMPOSE, "ps", "--all", "--quiet", "release"]))
    ids = listed.stdout.split() if listed.ok else []
    if not ids:
        return 0
    inspected = quiet(c, f"docker inspect {ids[0]}", warn=False)
    return json.loads(inspected.stdout)[0]["State"]["ExitCode"]


@task(help={"skip-tests": "Build the service without running the tests first."})
def run(c, skip_tests=False):
    """Build the service image and run it as Compose's `service`, after its release step."""
{%- if cookiecutter.framework != "none" %}
    check_port("SERVICE_PORT")
{%- endif %}
    build_image(c, "service", skip_tests=skip_tests)
    try:
        docker_compose(c, "up", "--no-build", "--attach-dependencies", "service")
    except Exit as stopped:
        if stopped.code in (130, 143):  # Ctrl-C (SIGINT) and `docker stop` (SIGTERM) end it
            return
        code = release_exit_code(c)
        if code:
            raise Exit(
                f"The release step failed (exit code {code}, its output above): the service was"
                " not started.",
                code=code,
            ) from None
        raise


@task
def clean(c):
    """Remove this project's images and reports (nothing else)."""
    check_docker()
    reference = shlex.quote(setting("SERVICE_IMAGE"))
    listed = quiet(c, f"docker image ls --quiet --filter reference={reference}", warn=False)
    images = sorted(set(listed.stdout.split()))
    if images:
        docker(c, "image", "rm", "--force", *images)
    shutil.rmtree(REPORTS, ignore_errors=True)
