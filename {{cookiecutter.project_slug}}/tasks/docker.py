"""Docker helpers every task shares: one way to run docker, build a stage and run a container,
and the build secrets that hand a private index or CA to the installers inside the build."""

import ast
import contextlib
import functools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from invoke import Exit

from .settings import ROOT, setting

DOCKERFILE = ROOT / "Dockerfile"
# Labels `invoke build` puts on the service image, which `invoke push` checks before it pushes:
# whether the test gate ran, and the git commit the image was built from (+"-dirty" when the
# work tree had uncommitted changes).
TESTS_LABEL = "{{ cookiecutter.project_slug }}.tests"
REVISION_LABEL = "org.opencontainers.image.revision"


def docker(c, *args, interactive=False, stdin=False, **kwargs):
    """Print a docker command, run it, and stop with its exit code when it fails: with one
    sentence naming what is missing when Docker itself is (checked only then, to start fast).
    Only a command that reads our stdin (`stdin`: a container's) gets it, never a build."""
    if not shutil.which("docker"):
        check_docker()  # says so, in one sentence
    command = ["docker", *args]
    kwargs.setdefault("in_stream", None if stdin else False)
    result = c.run(shlex.join(command), echo=True, warn=True, pty=interactive, **kwargs)
    if result.failed:
        check_docker()
        raise Exit(f"`docker {args[0]}` failed (exit code {result.exited}).", code=result.exited)
    return result


def quiet(c, command, warn=True):
    """Run a command without printing it or its output, and without handing it our stdin (which
    a later command, such as `invoke shell`'s, is to read)."""
    return c.run(command, hide=True, warn=warn, in_stream=False)


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


def image_tag(target):
    """`SERVICE_IMAGE:latest` for the service, `SERVICE_IMAGE:<stage>` for every other stage."""
    return f"{setting('SERVICE_IMAGE')}:{'latest' if target == 'service' else target}"


def setup_keyword(name):
    """A literal keyword argument of setup() in setup.py (None when absent or not a literal)."""
    try:
        tree = ast.parse((ROOT / "setup.py").read_text())
    except SyntaxError as error:
        raise Exit(
            f"setup.py is not valid Python (line {error.lineno}: {error.msg}): fix it, "
            "e.g. resolve the conflict markers a merge or `cruft update` left, and retry."
        ) from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setup":
            for keyword in node.keywords:
                if keyword.arg == name:
                    with contextlib.suppress(ValueError):
                        return ast.literal_eval(keyword.value)
    return None


def build_steps_declared():
    """Whether pyproject.toml's [tool.servicehost] declares build steps (True when this Python,
    before 3.11, has no TOML reader to tell: then they run, and find out themselves)."""
    try:
        import tomllib
    except ImportError:
        return True
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return bool(pyproject.get("tool", {}).get("servicehost", {}).get("build-steps"))


def source_revision():
    """(commit, dirty) of the git work tree holding the project, or None outside git."""
    if not shutil.which("git"):
        return None
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True)
    if head.returncode:
        return None
    status = subprocess.run([*git, "status", "--porcelain", "--", "."], capture_output=True)
    return head.stdout.strip(), bool(status.stdout.strip())


@contextlib.contextmanager
def secret_files():
    """{secret id: file}: the host's PIP_INDEX_URL, PIP_EXTRA_INDEX_URL and PIP_CERT as pip.conf,
    uv.toml and the CA bundle for the installers inside the build, in a private temporary
    directory that is removed afterwards."""
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
        files = {}
        for name, lines in (("pip_conf", pip_conf), ("uv_toml", uv_toml)):
            files[name] = Path(tmp, name)
            files[name].touch(mode=0o600)
            files[name].write_text("\n".join(lines) + "\n")
        if cert:
            files["ca_cert"] = Path(cert)
        yield files


def build_image(
    c,
    target,
    tag=None,
    skip_tests=False,
    no_cache=False,
    output=None,
    args=(),
    labels=(),
):
    """docker build one target: tagged as an image, or exported to the `output` directory."""
    known = stages()
    if target not in known:
        raise Exit(f"Unknown target {target!r}: the Dockerfile's stages are {', '.join(known)}.")
    stage = target
    if skip_tests and target == "service":
        print(
            "WARNING: --skip-tests: this image is built WITHOUT running its tests.", file=sys.stderr
        )
        stage = "runtime"  # `service` is `runtime` once the tests passed
    command = ["build", "--target", stage]
    command += ["--build-arg", f"PYTHON_IMAGE={setting('PYTHON_IMAGE')}"]
{%- if cookiecutter.database == "postgres" %}
    command += ["--build-arg", f"POSTGRES_IMAGE={setting('POSTGRES_IMAGE')}"]
{%- endif %}
    command += ["--build-arg", f"VERSION={setup_keyword('version') or 'unversioned'}"]
    for arg in args:
        command += ["--build-arg", arg]
    labels = list(labels)
    if target == "service":
        labels.append(f"{TESTS_LABEL}={'skipped' if skip_tests else 'passed'}")
        revision = source_revision()
        if revision:
            labels.append(f"{REVISION_LABEL}={revision[0]}{'-dirty' if revision[1] else ''}")
    for label in labels:
        command += ["--label", label]
    if no_cache:
        command.append("--no-cache")
    # BuildKit cache import/export (CI: the GitHub Actions cache), one scope per target.
    for option in ("cache-from", "cache-to"):
        cache = setting(f"BUILD_{option.upper().replace('-', '_')}")
        if cache:
            command += [f"--{option}", cache.replace("{target}", target)]
    # --load: a builder other than the engine's own (CI's docker-container) keeps images to
    # itself unless told to load them into the engine.
    command += (
        ["--output", f"type=local,dest={output}"]
        if output
        else ["--load", "--tag", tag or image_tag(target)]
    )
    # BuildKit mounts secrets only while a RUN step runs: never in a layer, the history or an arg.
    with secret_files() as files:
        secrets = [a for n, path in files.items() for a in ("--secret", f"id={n},src={path}")]
        docker(c, *command, *secrets, str(ROOT), env={"DOCKER_BUILDKIT": "1"})


def run_container(c, image, command=(), mount=False):
    """docker run, removed afterwards; `mount` mounts the working copy at /app, as the host user."""
    args = ["run", "--rm", "--interactive"] + (["--tty"] if sys.stdin.isatty() else [])
    if mount:
        args += ["--user", f"{os.getuid()}:{os.getgid()}", "--volume", f"{ROOT}:/app"]
    docker(c, *args, image, *command, interactive=sys.stdin.isatty(), stdin=True)
