"""Fixtures shared by the template's tests: bakes (each answer set once per session), baked
projects' own commands, and the Docker engine."""

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.docker_env import REQUIRE_DOCKER, docker_problem, python_image

ROOT = Path(__file__).resolve().parent.parent
OPTIONS = json.loads((ROOT / "cookiecutter.json").read_text())
# Image names of this run's projects: another prefix lets two checkouts test on one engine at once.
IMAGE_PREFIX = os.environ.get("PYDOCKER_IMAGE_PREFIX", "pdt-")
# A git identity for the commits tests make, which CI machines may lack.
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Template Tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "Template Tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
}


@pytest.fixture(scope="session")
def bake(cookies_session):
    """bake(**answers) -> the baked project's path; each set of answers is baked once per session."""
    baked = {}

    def _bake(**answers):
        key = tuple(sorted(answers.items()))
        if key not in baked:
            result = cookies_session.bake(extra_context=answers)
            assert result.exit_code == 0, result.exception
            baked[key] = Path(result.project_path)
        return baked[key]

    return _bake


class Project:
    """A baked project to run commands in: its own invoke tasks, docker, anything."""

    def __init__(self, path, env=None, prefix=()):
        self.path = Path(path)
        self.prefix = list(prefix)  # e.g. setpriv, to run as another user
        # The suite's own venv first on PATH: its invoke, ruff and hadolint.
        path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
        self.env = {**os.environ, "PATH": path, **(env or {})}

    def run(self, *command, check=True, **kwargs):
        """Run a command in the project; stdout and stderr together in `.output`."""
        result = subprocess.run(
            [*self.prefix, *command],
            cwd=self.path,
            env=self.env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            **kwargs,
        )
        result.output = result.stdout
        if check and result.returncode:
            pytest.fail(f"{' '.join(command)} exited {result.returncode}:\n{result.output[-6000:]}")
        return result

    def invoke(self, *args, **kwargs):
        """Run one of the project's invoke tasks, with the test suite's own invoke."""
        return self.run(sys.executable, "-m", "invoke", *args, **kwargs)

    @property
    def slug(self):
        """The project's distribution name, which is also its console script."""
        return re.search(r'name="([^"]+)"', (self.path / "setup.py").read_text()).group(1)

    @property
    def example(self):
        """The example's package under src/ (beside the template's own servicehost)."""
        packages = sorted(p for p in (self.path / "src").iterdir() if p.is_dir())
        return next(p for p in packages if p.name != "servicehost")

    def write(self, relative, text):
        """Create or replace a file in the project."""
        path = self.path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def docker_unavailable(reason):
    """Skip a Docker test for `reason`; in CI (PYDOCKER_REQUIRE_DOCKER=1) fail it instead."""
    if REQUIRE_DOCKER:
        pytest.fail(f"Docker is required here (PYDOCKER_REQUIRE_DOCKER=1): {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def docker_engine():
    """A Docker engine with BuildKit, or the test does not run (see docker_unavailable)."""
    problem = docker_problem()
    if problem:
        docker_unavailable(problem)


@pytest.fixture(scope="session")
def base_image(docker_engine):
    """base_image(version) -> the python:X-slim image (or its stand-in) the builds start from."""

    def _image(version):
        image = python_image(version)
        if image is None:
            docker_unavailable(f"No python:{version}-slim image (run scripts/provision-docker).")
        return image

    return _image


@pytest.fixture(scope="session")
def docker_project(bake, base_image, tmp_path_factory):
    """docker_project(name, **answers) -> a private copy of a bake that builds on this engine
    under an image name of its own (IMAGE_PREFIX + NAME); its images are removed after the session."""
    images = []

    def _project(name, **answers):
        path = tmp_path_factory.mktemp(name)
        shutil.copytree(bake(**answers), path, dirs_exist_ok=True)
        image = IMAGE_PREFIX + re.sub(r"[^a-z0-9]+", "-", name.lower())[:60].strip("-")
        images.append(image)
        version = answers.get("python_version", OPTIONS["python_version"][0])
        return Project(
            path,
            env={
                "INVOKE_DOCKER_IMAGE": image,
                "INVOKE_DOCKER_PYTHON_IMAGE": base_image(version),
                "INVOKE_DOCKER_PROGRESS": "plain",
            },
        )

    yield _project
    for image in images:
        listed = subprocess.run(["docker", "image", "ls", "-q", image], capture_output=True, text=True)
        if listed.stdout.split():
            subprocess.run(["docker", "image", "rm", "-f", *set(listed.stdout.split())], capture_output=True)


class Registry:
    """A running registry: its address (host:port) and what it holds, read through its HTTP API."""

    def __init__(self, address):
        self.address = address

    def _get(self, path, accept=None):
        request = urllib.request.Request(f"http://{self.address}{path}")
        if accept:
            request.add_header("Accept", accept)
        return urllib.request.urlopen(request, timeout=5)

    def tags(self, repository):
        """The tags of a repository; empty when the registry does not know it."""
        try:
            with self._get(f"/v2/{repository}/tags/list") as response:
                return set(json.loads(response.read())["tags"] or [])
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return set()
            raise

    def digest(self, repository, tag):
        """The manifest digest a tag points to."""
        accept = "application/vnd.docker.distribution.manifest.v2+json"
        with self._get(f"/v2/{repository}/manifests/{tag}", accept) as response:
            return response.headers["Docker-Content-Digest"]


@contextlib.contextmanager
def serving_registry(storage, readonly=False):
    """`docker-registry serve` (Docker's distribution, Debian's package) on a free loopback port,
    storing in `storage`; stopped on exit. Docker pushes to 127.0.0.0/8 over plain HTTP."""
    if not shutil.which("docker-registry"):
        docker_unavailable("No docker-registry command (run scripts/provision-docker).")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = Path(storage).with_name(f"registry-{port}.yml")
    readonly_block = "  maintenance:\n    readonly:\n      enabled: true\n" if readonly else ""
    config.write_text(
        f"version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {storage}\n"
        f"{readonly_block}http:\n  addr: 127.0.0.1:{port}\n"
    )
    log = config.with_suffix(".log")
    with open(log, "w") as output:
        process = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=output, stderr=output)
    registry = Registry(f"127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 15
        while True:
            with contextlib.suppress(OSError):
                with registry._get("/v2/"):
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"docker-registry did not start on {registry.address}:\n{log.read_text()}")
            time.sleep(0.1)
        yield registry
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def registry(docker_engine, tmp_path_factory):
    """A real registry on a free 127.0.0.1 port with its own storage, for the whole session."""
    storage = tmp_path_factory.mktemp("registry") / "storage"
    storage.mkdir()
    with serving_registry(storage) as running:
        running.storage = storage
        yield running
