"""Fixtures shared by the template's tests: bakes (each answer set once per session), baked
projects on the Docker engine, and a registry. The helpers they use live in harness/."""

import shutil
import subprocess
from pathlib import Path

import pytest

from harness.engine import docker_problem, docker_unavailable, python_image
from harness.projects import Project, image_name, settings_of
from harness.registry import serving_registry
from harness.template import DEFAULT_PYTHON


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
    under an image name of its own (IMAGE_PREFIX + NAME); its images are removed after the session,
    and so are the untagged ones its rebuilds left (those that were not there before)."""
    images = []
    dangling = ["docker", "image", "ls", "--quiet", "--filter", "dangling=true"]
    found = set(subprocess.run(dangling, capture_output=True, text=True).stdout.split())

    def _project(name, **answers):
        path = tmp_path_factory.mktemp(name)
        shutil.copytree(bake(**answers), path, dirs_exist_ok=True)
        image = image_name(name)
        images.append(image)
        version = answers.get("python_version", DEFAULT_PYTHON)
        return Project(
            path,
            env={
                "SERVICE_IMAGE": image,
                "PYTHON_IMAGE": base_image(version),
                "BUILDKIT_PROGRESS": "plain",
            },
        )

    yield _project
    for image in images:
        listed = subprocess.run(["docker", "image", "ls", "-q", image], capture_output=True, text=True)
        if listed.stdout.split():
            subprocess.run(["docker", "image", "rm", "-f", *set(listed.stdout.split())], capture_output=True)
    left = set(subprocess.run(dangling, capture_output=True, text=True).stdout.split()) - found
    if left:
        subprocess.run(["docker", "image", "rm", *left], capture_output=True)


@pytest.fixture(scope="session")
def registry(docker_engine, tmp_path_factory):
    """A real registry on a free 127.0.0.1 port with its own storage, for the whole session."""
    storage = tmp_path_factory.mktemp("registry") / "storage"
    storage.mkdir()
    with serving_registry(storage) as running:
        running.storage = storage
        yield running


@pytest.fixture(scope="module")
def compose_plugin(docker_engine):
    """Docker Compose v2, or the test does not run (see docker_unavailable)."""
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode:
        docker_unavailable("No docker compose plugin (run scripts/provision-docker).")


@pytest.fixture(scope="session")
def postgres_image(docker_engine, bake):
    """The image a postgres bake's .env names, which scripts/provision-docker provides."""
    image = settings_of(bake(database="postgres"))["POSTGRES_IMAGE"]
    if subprocess.run(["docker", "image", "inspect", image], capture_output=True).returncode:
        docker_unavailable(f"No {image} image (run scripts/provision-docker).")
    return image
