"""Build, test, run and lock {{ cookiecutter.project_name }} with Docker. `invoke --list` shows the tasks.

Settings are in the `Collection.configure()` block at the end; override them in invoke.yaml or
with INVOKE_DOCKER_* variables (e.g. INVOKE_DOCKER_PYTHON_IMAGE=python:3.13-slim).
"""

import ast
import contextlib
import functools
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from invoke import Collection, Exit, task

ROOT = Path(__file__).resolve().parent
DOCKERFILE = ROOT / "Dockerfile"
REPORTS = ROOT / "reports"
REQUIREMENTS = ROOT / "requirements"
# Each lock file, and what it is compiled from (`invoke lock --check` compares the two).
LOCKS = {
    "base.txt": ("setup.py",),
    "test.txt": ("requirements/test.in", "requirements/base.txt"),
    "dev.txt": ("requirements/dev.in", "requirements/test.txt"),
}
STAMP = "# Locked inputs: sha256="
# What the localdev image is built from: when none of it changed, `--mount` builds nothing.
LOCALDEV_INPUTS = (
    "Dockerfile",
    "setup.py",
    "pyproject.toml",
    *(f"requirements/{n}" for n in LOCKS),
)
INPUTS_LABEL = "{{ cookiecutter.project_slug }}.inputs"


# --- Docker ------------------------------------------------------------------------------


def docker(c, *args, interactive=False, **kwargs):
    """Print a docker command, run it, and stop with its exit code when it fails."""
    check_docker()
    command = ["docker", *args]
    result = c.run(shlex.join(command), echo=True, warn=True, pty=interactive, **kwargs)
    if result.failed:
        raise Exit(f"`docker {args[0]}` failed (exit code {result.exited}).", code=result.exited)
    return result


@functools.cache
def docker_problem():
    """Why docker cannot build here, in one sentence, or None when it can."""
    if not shutil.which("docker"):
        return "Docker is not installed: there is no `docker` command on PATH."
    if subprocess.run(["docker", "info"], capture_output=True).returncode:
        return "The Docker daemon is not answering (`docker info` failed): start it and retry."
    if subprocess.run(["docker", "buildx", "version"], capture_output=True).returncode:
        return "BuildKit is missing: install the docker buildx plugin, which the Dockerfile needs."
    return None


def check_docker():
    """Stop with one sentence when the docker client, its daemon or BuildKit is missing."""
    problem = docker_problem()
    if problem:
        raise Exit(problem)


def stages():
    """The stage names in the Dockerfile, in order."""
    return re.findall(
        r"^FROM\s+\S+\s+AS\s+(\S+)", DOCKERFILE.read_text(), re.MULTILINE | re.IGNORECASE
    )


def image_tag(c, target):
    """`<image>:latest` for the service, `<image>:<stage>` for every other stage."""
    return f"{c.docker.image}:{'latest' if target == 'service' else target}"


def setup_keyword(name):
    """A literal keyword argument of setup() in setup.py (None when absent or not a literal)."""
    tree = ast.parse((ROOT / "setup.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setup":
            for keyword in node.keywords:
                if keyword.arg == name:
                    with contextlib.suppress(ValueError):
                        return ast.literal_eval(keyword.value)
    return None


@contextlib.contextmanager
def build_secrets():
    """--secret arguments handing the host's PIP_INDEX_URL, PIP_EXTRA_INDEX_URL and PIP_CERT to
    the installers inside the build, as pip.conf, uv.toml and the CA bundle. BuildKit mounts
    secrets only while a RUN step runs: they never reach a layer, the image history or a
    build argument."""
    index, extra, cert = (
        os.environ.get(f"PIP_{n}") for n in ("INDEX_URL", "EXTRA_INDEX_URL", "CERT")
    )
    if cert and not Path(cert).is_file():
        raise Exit(f"PIP_CERT is {cert}, which is not a file: point it at a CA bundle or unset it.")
    pip_conf = ["[global]"]
    uv_toml = ["system-certs = true"] if cert else []
    uv_toml += ["[pip]"]
    if index:
        pip_conf += [f"index-url = {index}"]
        uv_toml += [f"index-url = {json.dumps(index)}"]
    if extra:
        pip_conf += [f"extra-index-url = {extra}"]
        uv_toml += [f"extra-index-url = {json.dumps(extra.split())}"]
    if cert:
        pip_conf += ["cert = /run/secrets/ca_cert"]
    with tempfile.TemporaryDirectory() as tmp:
        args = []
        for name, lines in (("pip_conf", pip_conf), ("uv_toml", uv_toml)):
            path = Path(tmp, name)
            path.touch(mode=0o600)
            path.write_text("\n".join(lines) + "\n")
            args += ["--secret", f"id={name},src={path}"]
        args += ["--secret", f"id=ca_cert,src={cert}"] if cert else []
        yield args


def build_image(
    c,
    target,
    tag=None,
    skip_tests=False,
    no_cache=False,
    python_image=None,
    output=None,
    args=(),
    labels=(),
):
    """docker build one target: tagged as an image, or exported to the `output` directory."""
    known = stages()
    if target not in known:
        raise Exit(f"Unknown target {target!r}: the Dockerfile's stages are {', '.join(known)}.")
    command = ["build", "--target", target, "--progress", c.docker.progress]
    command += ["--build-arg", f"PYTHON_IMAGE={python_image or c.docker.python_image}"]
    command += ["--build-arg", f"VERSION={setup_keyword('version') or 'unversioned'}"]
    if skip_tests:
        print(
            "WARNING: --skip-tests: this image is built WITHOUT running its tests.", file=sys.stderr
        )
        command += ["--build-arg", "TEST_GATE=base"]
    for arg in args:
        command += ["--build-arg", arg]
    for label in labels:
        command += ["--label", label]
    if no_cache:
        command.append("--no-cache")
    command += (
        ["--output", f"type=local,dest={output}"]
        if output
        else ["--tag", tag or image_tag(c, target)]
    )
    with build_secrets() as secrets:
        docker(c, *command, *secrets, str(ROOT), env={"DOCKER_BUILDKIT": "1"})


def run_container(c, image, command=(), mount=False, ports=(), options=()):
    """docker run, removed afterwards; `mount` mounts the working copy at /app, as the host user."""
    args = ["run", "--rm", "--interactive"] + (["--tty"] if sys.stdin.isatty() else [])
    if mount:
        args += ["--user", f"{os.getuid()}:{os.getgid()}", "--volume", f"{ROOT}:/app"]
    for port in ports:
        args += ["--publish", f"127.0.0.1:{port}:{port}"]
    docker(c, *args, *options, image, *command, interactive=sys.stdin.isatty())


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


# --- Lock files --------------------------------------------------------------------------


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


# --- Tasks -------------------------------------------------------------------------------


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
        run_container(
            c, localdev_image(c, python_image), ["pytest", *shlex.split(pytest_args)], mount=True
        )
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
    print(f"Tests passed; reports are in {REPORTS.name}/.")


@task(help={"python-image": "Base image (default: the docker.python_image setting)."})
def shell(c, python_image=None):
    """Open a shell in the localdev image with the working copy mounted at /app."""
    run_container(c, localdev_image(c, python_image), ["bash"], mount=True)


@task(
    help={
        "skip-tests": "Build the service without running the tests first.",
        "python-image": "Base image (default: the docker.python_image setting).",
    }
)
def run(c, skip_tests=False, python_image=None):
    """Build the service image and run it{% if cookiecutter.framework != "none" %} on 127.0.0.1:<port>{% endif %}, read-only as in production."""
    build_image(c, "service", skip_tests=skip_tests, python_image=python_image)
    options = ["--read-only", "--tmpfs", "/tmp"]
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


namespace = Collection(build, test, lock, shell, run, clean)
namespace.configure(
    {
        "docker": {
            # Images are named <image>:latest (service) and <image>:<stage>.
            "image": "{{ cookiecutter.project_slug }}",
            # Base of every stage; any image with the same Python works (a mirror, a local tag).
            "python_image": "python:{{ cookiecutter.python_version }}-slim",
{%- if cookiecutter.framework != "none" %}
            # Port `invoke run` publishes on 127.0.0.1.
            "port": {{ cookiecutter.port }},
{%- endif %}
            # BuildKit progress output: auto, plain or tty.
            "progress": "auto",
        }
    }
)
