"""The dev loop: the localdev image (test and dev tools, the working copy mounted at /app), and
lint, which runs there."""

import hashlib
import json
import shlex

from invoke import Exit, task

from .docker import ROOT, build_image, check_docker, image_tag, run_container
from .locks import LOCKS

# What the localdev image is built from: when none of it changed, `--mount` builds nothing.
LOCALDEV_INPUTS = (
    "Dockerfile",
    "setup.py",
    "pyproject.toml",
    *(f"requirements/{n}" for n in LOCKS),
)
INPUTS_LABEL = "{{ cookiecutter.project_slug }}.inputs"


def localdev_image(c, python_image=None):
    """The localdev image, built only when one of its inputs changed since it was built."""
    python_image = python_image or c.docker.python_image
    digest = hashlib.sha256(python_image.encode())
    for name in LOCALDEV_INPUTS:
        digest.update((ROOT / name).read_bytes())
    tag = image_tag(c, "localdev")
    check_docker()
    inspect = c.run(f"docker image inspect {shlex.quote(tag)}", hide=True, warn=True)
    built = inspect.ok and (json.loads(inspect.stdout)[0]["Config"]["Labels"] or {}).get(
        INPUTS_LABEL
    )
    if built != digest.hexdigest():
        build_image(
            c,
            "localdev",
            python_image=python_image,
            labels=[f"{INPUTS_LABEL}={digest.hexdigest()}"],
        )
    return tag


@task(help={"python-image": "Base image (default: the docker.python_image setting)."})
def shell(c, python_image=None):
    """Open a shell in the localdev image with the working copy mounted at /app."""
    run_container(c, localdev_image(c, python_image), ["bash"], mount=True)


@task(
    help={
        "fix": "Let ruff fix what it can and format the code first.",
        "python-image": "Base image (default: the docker.python_image setting).",
    }
)
def lint(c, fix=False, python_image=None):
    """Lint in the localdev image: ruff (check, format) on the code, hadolint on the Dockerfile."""
    if fix:
        checks = ["ruff check --fix .", "ruff format ."]
    else:
        checks = ["ruff check .", "ruff format --check ."]
    # Every linter runs, so one run lists every finding; any finding fails the whole.
    script = "status=0; " + " ".join(f"{check} || status=1;" for check in checks)
    script += " hadolint Dockerfile || status=1; exit $status"
    try:
        run_container(c, localdev_image(c, python_image), ["sh", "-c", script], mount=True)
    except Exit as error:
        if error.code != 1:
            raise
        raise Exit(
            "Lint found problems, listed above with their files"
            + ("." if fix else "; `invoke lint --fix` fixes what ruff can."),
            code=1,
        ) from None
    print("Lint found nothing.")
