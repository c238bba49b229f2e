"""Day two on a real engine and a real registry: `invoke lint` in the localdev image, and
`invoke push`, which ships only the tested image built from the commit checked out, and refuses
everything else with one sentence."""

import json
import re
import subprocess

import pytest

from harness.docker import docker, running
from harness.git import GIT_IDENTITY, commit
from harness.network import free_port, get_json, wait_for
from harness.projects import Project, set_setting
from harness.registry import serving_registry

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def release(docker_project):
    """A flask project in a git repository of its own, its service image built by `invoke build`."""
    project = docker_project("release", framework="flask")
    project.env.update(GIT_IDENTITY)
    project.run("git", "init", "--quiet")
    commit(project, "Baked")
    project.invoke("build")
    return project


def with_env(project, **env):
    """The same project, its commands run with more environment variables."""
    return Project(project.path, env={**project.env, **env})


def short_commit(project):
    return project.run("git", "rev-parse", "--short", "HEAD").output.strip()


def repository(project):
    """The project's image name, which is also its repository in the registry."""
    return project.env["SERVICE_IMAGE"]


def local_refs(prefix):
    """Local image references that start with prefix."""
    listed = docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}")
    return [ref for ref in listed.split() if ref.startswith(prefix)]


def test_lint_passes_on_a_fresh_bake_and_names_each_problem(release):
    assert "Lint found nothing." in release.invoke("lint").output
    cli = release.path / "src" / "my_service" / "store.py"
    dockerfile = release.path / "Dockerfile"
    try:
        cli.write_text(cli.read_text().replace("import os\n", "import os\nimport json\n", 1))
        unused = release.invoke("lint", check=False)
        assert unused.returncode == 1
        unused_json = r"F401 .*`json` imported but unused\n\s*--> src/my_service/store.py:6:8"
        assert re.search(unused_json, unused.output)
        assert "Lint found problems, listed above with their files" in unused.output
        release.run("git", "checkout", "--", "src")

        with open(dockerfile, "a") as text:
            text.write("ADD setup.py /tmp/setup.py\n")
        added = release.invoke("lint", check=False)
        assert added.returncode == 1
        assert re.search(r"^Dockerfile:\d+ DL3020 ", added.output, re.MULTILINE), added.output[-3000:]
        release.run("git", "checkout", "--", "Dockerfile")

        # A base image moved in .env but not in the Dockerfile: a plain `docker build .` would
        # build on the old one.
        env_file = release.path / ".env"
        moved = re.sub(
            r"^PYTHON_IMAGE=.*$", "PYTHON_IMAGE=python:3.99-slim", env_file.read_text(), flags=re.M
        )
        env_file.write_text(moved)
        drifted = release.invoke("lint", check=False)
        assert drifted.returncode == 1 and "Lint found problems" in drifted.output
        assert "differs from PYTHON_IMAGE=python:3.99-slim in .env: make them the same" in drifted.output
    finally:
        release.run("git", "checkout", "--", ".")
    assert release.run("git", "status", "--porcelain").output == ""


def test_push_refuses_a_registry_that_refuses(release, registry, tmp_path):
    nowhere = f"127.0.0.1:{free_port()}"
    refused = with_env(release, REGISTRY=nowhere).invoke("push", check=False)
    assert refused.returncode == 1
    assert refused.output.rstrip().endswith(
        f"The registry {nowhere} refused the push of {nowhere}/{repository(release)} (or could not "
        f"be reached): log in with `docker login {nowhere}` or fix REGISTRY in .env, "
        "and push again."
    )
    assert local_refs(nowhere) == [], "push left its tags behind"

    # A registry that answers but takes no pushes (distribution's read-only mode).
    with serving_registry(registry.storage, readonly=True) as readonly:
        team = f"{readonly.address}/team"
        refused = with_env(release, REGISTRY=team).invoke("push", check=False)
        assert refused.returncode == 1
        assert f"The registry {team} refused the push" in refused.output
        assert f"`docker login {readonly.address}`" in refused.output
        assert readonly.tags(f"team/{repository(release)}") == set()
    assert local_refs(readonly.address) == []


def test_push_refuses_an_untested_image(release, registry):
    pushing = with_env(release, REGISTRY=registry.address)
    release.invoke("build", "--skip-tests")
    try:
        refused = pushing.invoke("push", check=False)
        assert refused.returncode == 1
        assert refused.output.strip() == (
            f"{repository(release)}:latest was built with --skip-tests: run `invoke build` to test "
            "it, or push it untested with --untested."
        )
        assert registry.tags(repository(release)) == set()
    finally:
        release.invoke("build")


def test_nothing_is_pushed_when_tests_fail(release, registry):
    pushing = with_env(release, REGISTRY=registry.address)
    release.write("tests/test_zz_fails.py", "def test_this_fails():\n    assert 1 == 2\n")
    commit(release, "A failing test")
    try:
        assert release.invoke("build", check=False).returncode != 0
        refused = pushing.invoke("push", check=False)
        assert refused.returncode == 1
        assert refused.output.strip() == (
            f"{repository(release)}:latest was not built from the commit checked out "
            f"({release.run('git', 'rev-parse', 'HEAD').output[:12]}): run `invoke build`, "
            "then `invoke push`."
        )
        assert registry.tags(repository(release)) == set()
    finally:
        release.run("git", "reset", "--quiet", "--hard", "HEAD~1")


def test_push_ships_the_tested_image_which_comes_back_by_digest(release, registry, request):
    # The registry as its owner sets it: in .env, committed; the image built from that commit.
    set_setting(release, "REGISTRY", registry.address)
    commit(release, "Push to the suite's registry")
    request.addfinalizer(lambda: release.run("git", "reset", "--quiet", "--hard", "HEAD~1"))
    release.invoke("build")
    pushed = release.invoke("push", "--tag", "smoke")
    version, commit_tag = "0.1.0", short_commit(release)
    name = repository(release)
    assert registry.tags(name) == {version, commit_tag, "smoke"}
    digest = registry.digest(name, version)
    assert {registry.digest(name, tag) for tag in (commit_tag, "smoke")} == {digest}
    remote = f"{registry.address}/{name}"
    refs = f"{remote}:{version}, {remote}:{commit_tag}, {remote}:smoke"
    assert f"Pushed {refs} ({remote}@{digest})." in pushed.output

    # Nothing of it left locally; then back from the registry, by digest alone.
    image_id = docker("image", "inspect", "--format", "{{.Id}}", f"{name}:latest").strip()
    docker("image", "rm", "--force", image_id)
    assert subprocess.run(["docker", "image", "inspect", image_id], capture_output=True).returncode
    docker("pull", "--quiet", f"{remote}@{digest}")
    try:
        labels = json.loads(docker("image", "inspect", f"{remote}@{digest}"))[0]["Config"]["Labels"]
        head = release.run("git", "rev-parse", "HEAD").output.strip()
        assert labels["org.opencontainers.image.revision"] == head
        assert labels["my-service.tests"] == "passed"
        port = free_port()
        with running(f"{remote}@{digest}", "--publish", f"127.0.0.1:{port}:8000"):
            wait_for(lambda: get_json(f"http://127.0.0.1:{port}/healthz")[0] == 200, 30, "/healthz")
    finally:
        subprocess.run(["docker", "image", "rm", "--force", f"{remote}@{digest}"], capture_output=True)
