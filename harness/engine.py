"""Which Docker engine and base images this machine offers the tests and maintenance tasks."""

import os
import subprocess

# The stand-ins scripts/provision-docker builds where no registry serves python:X-slim.
STANDIN_REPOSITORY = "pydocker-template/python"
# Set by .ci/run: a missing engine or base image is then an error, never a skip.
REQUIRE_DOCKER = os.environ.get("PYDOCKER_REQUIRE_DOCKER") == "1"


def _quiet(*command):
    """Run a command silently; True when it succeeded."""
    return subprocess.run(command, capture_output=True).returncode == 0


def docker_problem():
    """Why Docker tests cannot run here, as one sentence, or None when they can."""
    if not _quiet("docker", "--version"):
        return "No docker client on PATH (run scripts/provision-docker)."
    if not _quiet("docker", "info"):
        return "The Docker daemon is not answering (run scripts/provision-docker)."
    if not _quiet("docker", "buildx", "version"):
        return "docker buildx (BuildKit) is missing (run scripts/provision-docker)."
    return None


def python_image(version):
    """The base image for a Python version: the official python:X-slim when it is local,
    else the stand-in; None when neither exists."""
    for image in (f"python:{version}-slim", f"{STANDIN_REPOSITORY}:{version}-slim"):
        if _quiet("docker", "image", "inspect", image):
            return image
    return None


def docker_unavailable(reason):
    """Skip a Docker test for `reason`; in CI (PYDOCKER_REQUIRE_DOCKER=1) fail it instead."""
    import pytest

    if REQUIRE_DOCKER:
        pytest.fail(f"Docker is required here (PYDOCKER_REQUIRE_DOCKER=1): {reason}")
    pytest.skip(reason)
