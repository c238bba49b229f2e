"""The dev loop: the localdev image (test and dev tools, the working copy mounted at /app)."""

import hashlib
import json
import shlex

from invoke import task

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
