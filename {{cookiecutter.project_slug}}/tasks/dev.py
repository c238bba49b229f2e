{%- set web = cookiecutter.framework != "none" -%}
"""The dev loop: the localdev image (test and dev tools, the working copy mounted at /app), the
reloading service with an optional debugger (`dev`), Compose with your uid and build secrets,
and lint."""

import hashlib
import json
import os
import re
{%- if cookiecutter.database == "postgres" %}
import secrets
{%- endif %}
import shlex
import shutil
import socket
import subprocess
import sys

from invoke import Exit, task

from .docker import DOCKERFILE, check_docker, docker, image_tag, quiet, run_container, secret_files
from .locks import LOCKS
from .settings import ROOT, port_setting, read_env_file, setting

# What the localdev image is built from: when none of it changed, `--mount` builds nothing.
LOCALDEV_INPUTS = (
    "Dockerfile",
    "setup.py",
    "pyproject.toml",
    *(f"requirements/{n}" for n in LOCKS),
)
INPUTS_LABEL = "{{ cookiecutter.project_slug }}.inputs"
# Compose on this project's compose.yaml and .env, wherever the task runs from.
COMPOSE = ["compose", "--project-directory", str(ROOT)]


def localdev_image(c, no_cache=False):
    """The localdev image, built by Compose (its `dev` service) only when one of its inputs
    changed since it was built."""
    digest = hashlib.sha256(setting("PYTHON_IMAGE").encode())
{%- if cookiecutter.database == "postgres" %}
    digest.update(setting("POSTGRES_IMAGE").encode())
{%- endif %}
    for name in LOCALDEV_INPUTS:
        digest.update((ROOT / name).read_bytes())
    tag = image_tag("localdev")
    if not shutil.which("docker"):
        check_docker()  # says so, in one sentence
    inspect = quiet(c, f"docker image inspect {shlex.quote(tag)}")
    if inspect.failed:
        check_docker()  # no such image, or no Docker at all: say which
    built = inspect.ok and (json.loads(inspect.stdout)[0]["Config"]["Labels"] or {}).get(
        INPUTS_LABEL
    )
    if no_cache or built != digest.hexdigest():
        args = ["--build-arg", f"LOCALDEV_INPUTS={digest.hexdigest()}"]
        docker_compose(c, "build", *args, *(["--no-cache"] if no_cache else []), "dev")
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


def check_port(name):
    """Stop with one sentence when something already listens on 127.0.0.1:<the setting>."""
    port = port_setting(name)
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            raise Exit(
                f"Port {port} on 127.0.0.1 is taken: stop what listens there, or choose another"
                f" {name} in .env or for one run ({name}={port % 65535 + 1} invoke ...)."
            ) from None


{% if cookiecutter.database == "postgres" -%}
def db_password_file():
    """The db's password file (DB_PASSWORD_FILE), made with a random password when missing (a
    fresh clone): Compose hands it to the db and the service as a secret."""
    path = ROOT / setting("DB_PASSWORD_FILE")
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o644)  # the service's uid reads it through the secret's bind mount
        # On stderr: `invoke deploy --print` pipes stdout into `docker stack deploy -c -`.
        print(f"Made a random password for the db in {path.relative_to(ROOT)}.", file=sys.stderr)


{% endif -%}
def docker_compose(c, *args, interactive=False):
    """`docker compose ARGS`, with what compose.yaml reads besides .env: your uid and gid, and
    the build secrets."""
    check_compose()
{%- if cookiecutter.database == "postgres" %}
    db_password_file()
{%- endif %}
    with secret_files() as secrets:
        env = {"UID": str(os.getuid()), "GID": str(os.getgid())}
        for name, path in secrets.items():
            env["PIP_CERT" if name == "ca_cert" else f"BUILD_SECRET_{name.upper()}"] = str(path)
        stdin = args[0] in ("run", "exec")  # a container that reads our stdin
        docker(c, *COMPOSE, *args, env=env, interactive=interactive, stdin=stdin)


@task
def shell(c):
    """Open a shell in Compose's `dev` service: the localdev image on the working copy."""
    localdev_image(c)
{%- if cookiecutter.database == "postgres" %}
    # With the db service up, for migrations and psql.
    docker_compose(c, "run", "--rm", "dev", "bash", interactive=sys.stdin.isatty())
{%- else %}
    docker_compose(c, "run", "--rm", "--no-deps", "dev", "bash", interactive=sys.stdin.isatty())
{%- endif %}


@task(
    help={
        "debug": "Let a debugger attach: debugpy on 127.0.0.1:DEBUG_PORT (no reloading).",
        "wait": "With --debug: start the service only once a debugger attached.",
    }
)
def dev(c, debug=False, wait=False):
    """Run the service on your working copy, restarting on every change (the Compose `dev`)."""
    if wait and not debug:
        raise Exit("--wait waits for a debugger to attach: use it together with --debug.")
{%- if web %}
    check_port("SERVICE_PORT")
{%- endif %}
    if debug:
        check_port("DEBUG_PORT")
    localdev_image(c)
    # Compose's `debug` service is `dev` with the debugger; --wait adds to its command.
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", f"{setting('SERVICE_IMAGE')}-dev-{os.getpid()}")
    args = ["run", "--rm", "--service-ports", "--name", name, "debug" if debug else "dev"]
    if wait:
        args += ["{{ cookiecutter.project_slug }}", "dev", "--debug", "--wait"]
    try:
        docker_compose(c, *args, interactive=sys.stdin.isatty())
    except Exit as stopped:
        if stopped.code not in (130, 143):  # Ctrl-C (SIGINT) and `docker stop` (SIGTERM) end it
            raise
    finally:  # without a terminal, Compose leaves the container running when interrupted
        quiet(c, f"docker rm --force {name}")


@task
def compose(c):
    """docker compose with your uid and build secrets: invoke compose -- up --watch dev."""
    docker_compose(c, *shlex.split(c.remainder))


# The Dockerfile's ARGs that default to a setting of .env.
IMAGE_ARGS = ("PYTHON_IMAGE"{% if cookiecutter.database == "postgres" %}, "POSTGRES_IMAGE"{% else %},{% endif %})


def base_image_problem():
    """Why a plain `docker build .` would build on other images than the tasks, or None."""
    for name in IMAGE_ARGS:
        declared = re.search(rf"^ARG {name}=(\S+)", DOCKERFILE.read_text(), re.MULTILINE)
        dockerfile = declared.group(1) if declared else None
        configured = read_env_file().get(name)
        if dockerfile != configured:
            return (
                f"Dockerfile: ARG {name}={dockerfile} differs from {name}={configured} in .env:"
                " make them the same, so that a plain `docker build .` builds on it too."
            )
    return None


@task(help={"fix": "Let ruff fix what it can and format the code first."})
def lint(c, fix=False):
    """Lint: ruff and hadolint in the localdev image, and the Dockerfile's base against .env."""
    problem = base_image_problem()
    if problem:
        print(problem, file=sys.stderr)
    if fix:
        checks = ["ruff check --fix .", "ruff format ."]
    else:
        checks = ["ruff check .", "ruff format --check ."]
    # Every linter runs, so one run lists every finding; any finding fails the whole.
    script = "status=0; " + " ".join(f"{check} || status=1;" for check in checks)
    script += " hadolint Dockerfile || status=1; exit $status"
    try:
        run_container(c, localdev_image(c), ["sh", "-c", script], mount=True)
        if problem:
            raise Exit(code=1)
    except Exit as error:
        if error.code != 1:
            raise
        raise Exit(
            "Lint found problems, listed above with their files"
            + ("." if fix else "; `invoke lint --fix` fixes what ruff can."),
            code=1,
        ) from None
    print("Lint found nothing.")
