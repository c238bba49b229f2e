"""Fixtures shared by the template's tests: bakes (each answer set once per session), baked
projects' own commands, and the Docker engine."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docker_env import REQUIRE_DOCKER, docker_problem, python_image

ROOT = Path(__file__).resolve().parent.parent
OPTIONS = json.loads((ROOT / "cookiecutter.json").read_text())
# Image names of this run's projects: another prefix lets two checkouts test on one engine at once.
IMAGE_PREFIX = os.environ.get("PYDOCKER_IMAGE_PREFIX", "pdt-")


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
