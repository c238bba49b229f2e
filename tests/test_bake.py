"""Every option bakes a clean, lint-free project whose own tests and commands work (no Docker)."""

import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from tests.conftest import OPTIONS, Project, docker_unavailable

# Every framework with every Python version, then every other option once, one at a time.
COMBINATIONS = [
    {"framework": f, "python_version": v} for f in OPTIONS["framework"] for v in OPTIONS["python_version"]
]
ONE_AT_A_TIME = [
    *({"license": name} for name in OPTIONS["license"][1:]),
    {"project_name": "Acme Billing API", "description": "Bills customers, politely."},
    {"author_name": "Ada Lovelace", "author_email": "ada@example.org", "version": "2.1.0rc1"},
    {"installer": "pip"},
    {"port": "5000"},
    {"framework": "fastapi", "port": "9000"},
    {"build_apt_packages": "gcc libc6-dev", "runtime_apt_packages": "libpq5 tzdata"},
]
ANSWER_SETS = [{}, *COMBINATIONS, *ONE_AT_A_TIME]


def answers_id(answers):
    """A readable test id for a set of answers."""
    return ",".join(f"{k}={v}" for k, v in answers.items()) or "defaults"


@pytest.fixture(params=ANSWER_SETS, ids=[answers_id(a) for a in ANSWER_SETS])
def baked(request, bake):
    """A bake of one answer set (shared by every test of this set), and the answers."""
    return bake(**request.param), {**defaults(), **request.param}


def defaults():
    """The answers --no-input gives for the choice variables."""
    return {k: v[0] for k, v in OPTIONS.items() if isinstance(v, list)}


def files(project):
    """Every file of a baked project."""
    return sorted(p for p in project.rglob("*") if p.is_file())


def test_nothing_is_left_unrendered(baked):
    project, _ = baked
    for path in files(project):
        text = path.read_text()
        assert not re.search(r"\{\{|\{%|\{#|cookiecutter\.", text), f"unrendered template syntax in {path}"


def test_python_files_compile(baked):
    project, _ = baked
    for path in project.rglob("*.py"):
        compile(path.read_text(), str(path), "exec")


def test_ruff_finds_nothing(baked):
    project, _ = baked
    Project(project).run("ruff", "check", "--no-cache", ".")
    Project(project).run("ruff", "format", "--no-cache", "--check", ".")


def test_hadolint_finds_nothing(baked):
    project, _ = baked
    Project(project).run("hadolint", "Dockerfile")


def test_every_task_is_listed_with_its_help(baked):
    project, _ = baked
    listing = Project(project).invoke("--list").output
    for name in ("build", "test", "dev", "lock", "shell", "run", "compose", "clean"):
        assert re.search(rf"^\s+{name}\s+\S", listing, re.MULTILINE), (
            f"{name} missing or without help:\n{listing}"
        )


def test_lock_files_are_current(baked):
    project, _ = baked
    assert "Lock files are current." in Project(project).invoke("lock", "--check").output


def test_only_useful_files_are_baked(baked):
    project, answers = baked
    package = project / "src" / answers.get("package_name", project.name.replace("-", "_"))
    web = answers["framework"] != "none"
    assert (package / "app.py").exists() == web
    assert (package / "worker.py").exists() == (not web)
    assert (project / "LICENSE").exists() == (answers["license"] != "Proprietary")
    assert not (project / "requirements" / "_locks").exists()
    assert sorted(p.name for p in (project / "requirements").iterdir()) == [
        "base.txt",
        "dev.in",
        "dev.txt",
        "test.in",
        "test.txt",
    ]


def test_names_are_derived_from_the_project_name(bake):
    project = bake(project_name="Acme Billing API", description="Bills customers, politely.")
    assert project.name == "acme-billing-api"
    assert (project / "src" / "acme_billing_api" / "cli.py").exists()
    assert 'name="acme-billing-api"' in (project / "setup.py").read_text()


def test_apt_packages_go_to_their_stages(bake):
    dockerfile = (
        bake(build_apt_packages="gcc libc6-dev", runtime_apt_packages="libpq5 tzdata") / "Dockerfile"
    ).read_text()
    stages = dict(re.findall(r"^FROM \S+ AS (\S+)\n(.*?)(?=^FROM |\Z)", dockerfile, re.MULTILINE | re.DOTALL))
    assert "install -y --no-install-recommends gcc libc6-dev" in stages["build-base"]
    assert "install -y --no-install-recommends libpq5 tzdata" in stages["base"]
    assert "gcc" not in stages["service"]


def test_port_reaches_the_image_and_the_settings(bake):
    project = bake(port="5000")
    assert "EXPOSE 5000" in (project / "Dockerfile").read_text()
    assert "port: int = 5000" in (project / "src" / "my_service" / "config.py").read_text()


def test_a_worker_exposes_no_port(bake):
    assert "EXPOSE" not in (bake(framework="none") / "Dockerfile").read_text()


def host_python():
    """(python executable, version) on this host for one of the template's Python versions."""
    own = f"{sys.version_info.major}.{sys.version_info.minor}"
    if own in OPTIONS["python_version"]:
        return sys.executable, own
    for version in OPTIONS["python_version"]:
        if shutil.which(f"python{version}"):
            return shutil.which(f"python{version}"), version
    pytest.fail(f"No Python {' or '.join(OPTIONS['python_version'])} on this host.")


@pytest.mark.parametrize("framework", OPTIONS["framework"])
def test_baked_tests_pass_in_a_fresh_venv_on_the_host(bake, framework, tmp_path):
    python, version = host_python()
    project = Project(
        shutil.copytree(bake(framework=framework, python_version=version), tmp_path / "project")
    )
    project.run(python, "-m", "venv", str(tmp_path / "venv"))
    pip = [str(tmp_path / "venv" / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    project.run(*pip, "--require-hashes", "-r", "requirements/base.txt", "-r", "requirements/test.txt")
    project.run(*pip, "--no-deps", "--no-build-isolation", ".")
    result = project.run(str(tmp_path / "venv" / "bin" / "python"), "-m", "pytest", "-p", "no:cacheprovider")
    assert re.search(r"\b\d+ passed\b", result.output) and "failed" not in result.output


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["build", "--target", "nope"], {}, "Unknown target 'nope': the Dockerfile's stages are base, "),
        (["lock", "--upgrade-package", "x;rm"], {}, "--upgrade-package 'x;rm' is not a package name"),
        (
            ["build"],
            {"PATH": "/nonexistent"},
            "Docker is not installed: there is no `docker` command on PATH.",
        ),
        (["build"], {"DOCKER_HOST": "unix:///nonexistent.sock"}, "The Docker daemon is not answering"),
        (["build"], {"PIP_CERT": "/nonexistent.pem"}, "PIP_CERT is /nonexistent.pem, which is not a file"),
        (["dev"], {"DOCKER_HOST": "unix:///nonexistent.sock"}, "The Docker daemon is not answering"),
        (["dev", "--wait"], {}, "--wait waits for a debugger to attach: use it together with --debug."),
    ],
    ids=[
        "unknown-target",
        "bad-package",
        "no-client",
        "no-daemon",
        "bad-pip-cert",
        "dev-no-daemon",
        "dev-wait",
    ],
)
def test_bad_task_input_gets_one_clear_sentence(bake, args, env, message):
    project = Project(bake())
    project.env.update(env)
    result = project.invoke(*args, check=False)
    assert result.returncode != 0
    assert message in result.output and "Traceback" not in result.output


def test_this_repository_is_ruff_clean():
    root = Path(__file__).resolve().parent.parent
    paths = [p for p in ("hooks", "tests", "tasks.py", "benchmarks") if (root / p).exists()]
    Project(root).run(sys.executable, "-m", "ruff", "check", "--no-cache", *paths)
    Project(root).run(sys.executable, "-m", "ruff", "format", "--no-cache", "--check", *paths)


@pytest.mark.docker
def test_compose_file_is_valid(baked, docker_engine):
    project, _ = baked
    if Project(project).run("docker", "compose", "version", check=False).returncode:
        docker_unavailable("No docker compose plugin (run scripts/provision-docker).")
    config = Project(project).run("docker", "compose", "--profile", "debug", "config", "--format", "json")
    services = json.loads(config.output)["services"]
    assert sorted(services) == ["debug", "dev", "service"]
    assert services["service"]["read_only"] and services["dev"]["volumes"][0]["target"] == "/app"
