{%- set web = cookiecutter.framework != "none" -%}
"""The dev loop: the localdev image (test and dev tools, the working copy mounted at /app), the
reloading service with an optional debugger (`dev`), Compose with the tasks' settings, and lint."""

import contextlib
import hashlib
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys

from invoke import Exit, task

from .docker import ROOT, build_image, check_docker, docker, image_tag, run_container, secret_files
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
    if not shutil.which("docker"):
        check_docker()  # says so, in one sentence
    inspect = c.run(f"docker image inspect {shlex.quote(tag)}", hide=True, warn=True)
    if inspect.failed:
        check_docker()  # no such image, or no Docker at all: say which
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


def check_compose():
    """Stop with one sentence when Docker, its daemon or the Compose v2 plugin is missing."""
    check_docker()
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode:
        raise Exit(
            "Docker Compose v2 is missing (`docker compose version` failed): install the compose"
            " plugin (Docker Desktop and docker-ce include it; on Debian, the docker-compose"
            " package from trixie or later) and retry."
        )


def check_port(port, setting):
    """Stop with one sentence when something already listens on 127.0.0.1:port."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            raise Exit(
                f"Port {port} on 127.0.0.1 is taken: stop what listens there, or choose another"
                f" port with the docker.{setting} setting (e.g. INVOKE_DOCKER_{setting.upper()}"
                f"={port + 1} invoke ...)."
            ) from None


@contextlib.contextmanager
def compose_env(c, python_image=None):
    """What compose.yaml reads: the tasks' settings, your uid and gid, and the build secrets."""
    with secret_files() as secrets:
        yield {
            "INVOKE_DOCKER_IMAGE": c.docker.image,
            "INVOKE_DOCKER_PYTHON_IMAGE": python_image or c.docker.python_image,
{%- if web %}
            "INVOKE_DOCKER_PORT": str(c.docker.port),
{%- endif %}
            "INVOKE_DOCKER_DEBUG_PORT": str(c.docker.debug_port),
            "INVOKE_DOCKER_DATA_VOLUME": c.docker.data_volume,
            "UID": str(os.getuid()),
            "GID": str(os.getgid()),
            "BUILD_SECRET_PIP_CONF": str(secrets["pip_conf"]),
            "BUILD_SECRET_UV_TOML": str(secrets["uv_toml"]),
            **({"PIP_CERT": str(secrets["ca_cert"])} if "ca_cert" in secrets else {}),
        }


def docker_compose(c, *args, python_image=None, interactive=False):
    """Run `docker compose ARGS` on compose.yaml with the tasks' settings."""
    check_compose()
    with compose_env(c, python_image) as env:
        docker(c, "compose", *args, env=env, interactive=interactive)


@task(help={"python-image": "Base image (default: the docker.python_image setting)."})
def shell(c, python_image=None):
    """Open a shell in the localdev image with the working copy mounted at /app."""
    run_container(c, localdev_image(c, python_image), ["bash"], mount=True)


@task(
    help={
        "debug": "Let a debugger attach: debugpy on 127.0.0.1:<docker.debug_port> (no reloading).",
        "wait": "With --debug: start the service only once a debugger attached.",
        "python-image": "Base image (default: the docker.python_image setting).",
    }
)
def dev(c, debug=False, wait=False, python_image=None):
    """Run the service on your working copy, restarting on every change (the Compose `dev`)."""
    if wait and not debug:
        raise Exit("--wait waits for a debugger to attach: use it together with --debug.")
    check_compose()
{%- if web %}
    check_port(c.docker.port, "port")
{%- endif %}
    if debug:
        check_port(c.docker.debug_port, "debug_port")
    localdev_image(c, python_image)
    # Compose's `debug` service is `dev` with the debugger; --wait adds to its command.
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", f"{c.docker.image}-dev-{os.getpid()}")
    args = ["run", "--rm", "--service-ports", "--name", name, "debug" if debug else "dev"]
    if wait:
        args += ["{{ cookiecutter.project_slug }}", "dev", "--debug", "--wait"]
    try:
        docker_compose(c, *args, python_image=python_image, interactive=sys.stdin.isatty())
    except Exit as stopped:
        if stopped.code not in (130, 143):  # Ctrl-C (SIGINT) and `docker stop` (SIGTERM) end it
            raise
    finally:  # without a terminal, Compose leaves the container running when interrupted
        c.run(f"docker rm --force {name}", hide=True, warn=True)


@task(help={"python-image": "Base image (default: the docker.python_image setting)."})
def compose(c, python_image=None):
    """docker compose with the tasks' settings and build secrets: invoke compose -- up service."""
    docker_compose(c, *shlex.split(c.remainder), python_image=python_image)


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
