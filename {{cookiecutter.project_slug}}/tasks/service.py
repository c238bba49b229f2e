"""Build, test, run and clean up the service image."""

import shlex
import shutil
import xml.etree.ElementTree as ET

from invoke import Exit, task

{% if cookiecutter.framework != "none" -%}
from .dev import check_port, localdev_image
{% else -%}
from .dev import localdev_image
{% endif -%}
from .docker import (
    ROOT,
    build_image,
    build_steps_declared,
    check_docker,
    docker,
    image_tag,
    run_container,
)
from .locks import lock

REPORTS = ROOT / "reports"
# The service's DATA_DIR in the image (the Dockerfile's `runtime` stage sets it).
DATA_DIR = "/data"


@task(
    help={
        "target": "Dockerfile stage to build (default: service).",
        "tag": "Image tag (default: <image>:latest for service, <image>:<target> otherwise).",
        "skip-tests": "Build the service without running the tests first (says so loudly).",
        "no-cache": "Rebuild every step instead of reusing the build cache.",
        "python-image": "Base image (default: the docker.python_image setting).",
    }
)
def build(c, target="service", tag=None, skip_tests=False, no_cache=False, python_image=None):
    """Build an image; the service image only when its tests pass inside the build."""
    if target == "localdev" and not (tag or no_cache):
        localdev_image(c, python_image)  # labelled with its inputs, as the dev loop builds it
        return
    build_image(c, target, tag, skip_tests, no_cache, python_image)


@task(
    help={
        "mount": "Run pytest in the localdev image on the mounted working copy (no rebuild).",
        "python-image": "Base image (default: the docker.python_image setting).",
    }
)
def test(c, mount=False, python_image=None):
    """Run the tests in Docker; pytest arguments go after `--` (invoke test -- -k name)."""
    lock(c, check=True)
    pytest_args = c.remainder
    if mount:
        command = ["pytest", *shlex.split(pytest_args)]
        if build_steps_declared():  # first, on the working copy: the tests see what the build made
            script = '{{ cookiecutter.project_slug }} build-steps && exec "$@"'
            command = ["sh", "-c", script, "sh", *command]
        run_container(c, localdev_image(c, python_image), command, mount=True)
        return
    shutil.rmtree(REPORTS, ignore_errors=True)
    build_image(
        c,
        "test-reports",
        python_image=python_image,
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


@task(
    help={
        "skip-tests": "Build the service without running the tests first.",
        "python-image": "Base image (default: the docker.python_image setting).",
    }
)
def run(c, skip_tests=False, python_image=None):
    """Build the service image and run it{% if cookiecutter.framework != "none" %} on 127.0.0.1:<port>{% endif %}, read-only, state in a volume."""
{%- if cookiecutter.framework != "none" %}
    check_port(c.docker.port, "port")
{%- endif %}
    build_image(c, "service", skip_tests=skip_tests, python_image=python_image)
    # Writable: /tmp (gone with the container) and DATA_DIR, a named volume that outlives it.
    options = ["--read-only", "--tmpfs", "/tmp", "--volume", f"{c.docker.data_volume}:{DATA_DIR}"]
    # The release step (migrations, pyproject.toml's [tool.servicehost] release) first, on the same
    # volume: the service starts only once it succeeded.
    try:
        run_container(c, image_tag(c, "service"), ["release"], options=options)
    except Exit as failed:
        raise Exit(
            f"The release step failed (exit code {failed.code}, its output above): the service was"
            " not started.",
            code=failed.code,
        ) from None
{%- if cookiecutter.framework != "none" %}
    run_container(
        c,
        image_tag(c, "service"),
        ports=[c.docker.port],
        options=[*options, "--env", f"PORT={c.docker.port}"],
    )
{%- else %}
    run_container(c, image_tag(c, "service"), options=options)
{%- endif %}


@task
def clean(c):
    """Remove this project's images and reports (nothing else)."""
    check_docker()
    listed = c.run(
        f"docker image ls --quiet --filter reference={shlex.quote(c.docker.image)}", hide=True
    )
    images = sorted(set(listed.stdout.split()))
    if images:
        docker(c, "image", "rm", "--force", *images)
    shutil.rmtree(REPORTS, ignore_errors=True)
