"""Every option bakes a clean, lint-free project whose own tests and commands work (no Docker)."""

import hashlib
import json
import re
import shlex
import shutil
import sys
from pathlib import Path

import pytest

from harness.dap import vscode_attach_port
from harness.engine import docker_unavailable
from harness.git import GIT_IDENTITY
from harness.projects import Project, set_setting, settings_of
from harness.template import OPTIONS

# Every framework with every Python version, then every other option once, one at a time.
COMBINATIONS = [
    {"framework": f, "python_version": v, **({"database": d} if d != "sqlite" else {})}
    for d in OPTIONS["database"]
    for f in OPTIONS["framework"]
    for v in OPTIONS["python_version"]
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
        if path.suffix == ".html" and "templates" in path.relative_to(project).parts:
            continue  # a Django template's own {% ... %} and {{ ... }}
        text = path.read_text()
        # ${{ ... }} is GitHub Actions' own expression syntax, in .github/ (copied unrendered).
        unrendered = re.search(r"(?<!\$)\{\{|\{%|\{#|cookiecutter\.", text)
        assert not unrendered, f"unrendered template syntax in {path}"


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
    for name in ("build", "test", "dev", "lock", "shell", "lint", "run", "compose", "push", "clean"):
        assert re.search(rf"^\s+{name}\s+\S", listing, re.MULTILINE), (
            f"{name} missing or without help:\n{listing}"
        )


# Digests of .github/ trees already validated: bakes copy it unrendered, so most are identical.
VALID_GITHUB_TREES = set()


def test_workflows_are_valid_and_zizmor_finds_nothing(baked):
    project, _ = baked
    workflows = sorted(str(p) for p in (project / ".github" / "workflows").glob("*.yml"))
    assert [Path(w).name for w in workflows] == ["ci.yml", "lock-upgrade.yml"]
    tree = hashlib.sha256()
    for path in files(project / ".github"):
        tree.update(f"{path.relative_to(project)}\n".encode() + path.read_bytes())
    if tree.hexdigest() in VALID_GITHUB_TREES:
        return  # the same bytes passed below for another bake
    run = Project(project).run
    run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows)
    run("check-jsonschema", "--builtin-schema", "vendor.dependabot", ".github/dependabot.yml")
    assert "No findings" in run("zizmor", "--offline", "--no-progress", ".").output
    VALID_GITHUB_TREES.add(tree.hexdigest())


def test_the_workflow_checks_catch_what_they_are_for(bake, tmp_path):
    project = Project(shutil.copytree(bake(), tmp_path / "project"))
    ci = project.path / ".github" / "workflows" / "ci.yml"
    text = ci.read_text()
    # A permission GitHub does not know.
    broken = tmp_path / "broken.yml"
    broken.write_text(text.replace("  contents: read\n", "  contents: sudo\n", 1))
    schema = project.run(
        "check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(broken), check=False
    )
    assert schema.returncode == 1 and "sudo" in schema.output
    # A tag instead of a commit, and checkout's credentials left on disk.
    text = re.sub(r"actions/checkout@[0-9a-f]{40} # (v[\d.]+)", r"actions/checkout@\1", text)
    ci.write_text(re.sub(r"\n +with:\n +persist-credentials: false", "", text))
    audit = project.run("zizmor", "--offline", "--no-progress", ".", check=False)
    assert audit.returncode != 0
    assert "unpinned-uses" in audit.output and "artipacked" in audit.output


def test_lock_files_are_current(baked):
    project, _ = baked
    assert "Lock files are current." in Project(project).invoke("lock", "--check").output


def test_a_changed_build_system_makes_its_lock_stale(bake, tmp_path):
    """requirements/build.txt is compiled from pyproject.toml's [build-system] alone: a new bound
    there makes it stale, an edit elsewhere in pyproject.toml does not."""
    project = Project(shutil.copytree(bake(), tmp_path / "project"))
    pyproject = project.path / "pyproject.toml"
    text = pyproject.read_text()
    assert "[tool.ruff.lint]" in text and 'requires = ["setuptools>=77"]' in text
    pyproject.write_text(text.replace("[tool.ruff.lint]", "# A comment.\n[tool.ruff.lint]", 1))
    assert "Lock files are current." in project.invoke("lock", "--check").output
    pyproject.write_text(text.replace('requires = ["setuptools>=77"]', 'requires = ["setuptools>=80"]', 1))
    check = project.invoke("lock", "--check", check=False)
    assert check.returncode == 1 and "Lock files out of date: requirements/build.txt (stale);" in check.output


def test_only_useful_files_are_baked(baked):
    project, answers = baked
    package = project / "src" / answers.get("package_name", project.name.replace("-", "_"))
    framework = answers["framework"]
    assert (package / "app.py").exists() == (framework in ("flask", "fastapi"))
    assert (package / "worker.py").exists() == (framework == "none")
    django, postgres = framework == "django", answers["database"] == "postgres"
    assert (package / "settings.py").exists() == django
    assert (package / "store.py").exists() == (not django)
    assert (package / "schema.sql").exists() == (not django and not postgres)
    assert (package / "migrations" / "env.py").exists() == (not django and postgres)
    assert (package / "middleware.py").exists() == (django and postgres)
    assert (project / "src" / "visits").exists() == django
    assert (project / "src" / "servicehost" / "pytest_plugin.py").exists() == (django or postgres)
    for module in ("database.py", "testserver.py"):
        assert (project / "src" / "servicehost" / module).exists() == postgres
    assert (project / "LICENSE").exists() == (answers["license"] != "Proprietary")
    assert not (project / "requirements" / "_locks").exists()
    assert sorted(p.name for p in (project / "requirements").iterdir()) == [
        "base.txt",
        "build.txt",
        "dev.in",
        "dev.txt",
        "test.in",
        "test.txt",
    ]


def test_names_are_derived_from_the_project_name(bake):
    project = bake(project_name="Acme Billing API", description="Bills customers, politely.")
    assert project.name == "acme-billing-api"
    assert (project / "src" / "acme_billing_api" / "app.py").exists()
    assert "acme-billing-api = servicehost.command:main" in (project / "setup.py").read_text()
    assert 'name="acme-billing-api"' in (project / "setup.py").read_text()


def test_apt_packages_go_to_their_stages(bake):
    dockerfile = (
        bake(build_apt_packages="gcc libc6-dev", runtime_apt_packages="libpq5 tzdata") / "Dockerfile"
    ).read_text()
    stages = dict(re.findall(r"^FROM \S+ AS (\S+)\n(.*?)(?=^FROM |\Z)", dockerfile, re.MULTILINE | re.DOTALL))
    assert "install -y --no-install-recommends gcc libc6-dev" in stages["build-base"]
    assert "install -y --no-install-recommends libpq5 tzdata" in stages["python-base"]
    assert "gcc" not in stages["service"]


def test_port_reaches_the_image_and_the_settings(bake):
    project = bake(port="5000")
    assert "EXPOSE 5000" in (project / "Dockerfile").read_text()
    assert "port: int = 5000" in (project / "src" / "servicehost" / "settings.py").read_text()


# The files other tools read their settings from (Compose, the dev container, VS Code, CI, the
# tasks): none may repeat a value of .env.
SETTINGS_READERS = (
    "compose.yaml",
    ".devcontainer/compose.yaml",
    ".devcontainer/devcontainer.json",
    ".vscode/launch.json",
    ".github/workflows/ci.yml",
    "deploy/swarm/*",
    "tasks/*.py",
)


def test_each_setting_is_written_once_in_env(baked):
    project, answers = baked
    settings = settings_of(project)
    web, postgres = answers["framework"] != "none", answers["database"] == "postgres"
    database = ["POSTGRES_IMAGE", "POSTGRES_USER", "POSTGRES_DB", "DB_PASSWORD_FILE"]
    assert set(settings) == {
        "SERVICE_IMAGE",
        "PYTHON_IMAGE",
        *(["SERVICE_PORT"] if web else []),
        "DEBUG_PORT",
        "DATA_VOLUME",
        "REGISTRY",
        *(["PROXY_IMAGE"] if web else []),
        "BUILD_CACHE_FROM",
        "BUILD_CACHE_TO",
        *(database if postgres else []),
    }
    assert settings["SERVICE_IMAGE"] == project.name
    assert settings["PYTHON_IMAGE"] == f"python:{answers['python_version']}-slim"
    # A plain `docker build .` builds on the same images.
    dockerfile = (project / "Dockerfile").read_text()
    for image in ("PYTHON_IMAGE", *(["POSTGRES_IMAGE"] if postgres else [])):
        assert re.findall(rf"^ARG {image}=(\S+)$", dockerfile, re.M) == [settings[image]]
    names = (
        "PYTHON_IMAGE",
        "SERVICE_PORT",
        "DEBUG_PORT",
        "POSTGRES_IMAGE",
        "DB_PASSWORD_FILE",
        "PROXY_IMAGE",
    )
    values = [settings[n] for n in names if n in settings]
    for pattern in SETTINGS_READERS:
        for path in project.glob(pattern):
            text = path.read_text()
            for value in values:
                assert not re.search(rf"(?<![\w.]){re.escape(value)}(?![\w.])", text), (path, value)
            assert not re.search(rf"image: *{re.escape(project.name)}", text), path
    # .env is committed, and the app's secrets beside it are not: git and the build leave them out.
    ignored = (project / ".gitignore").read_text().splitlines()
    assert "!/.env" in ignored and ".env.*" in ignored
    assert "**/.env.*" in (project / ".dockerignore").read_text().splitlines()


def test_vscode_attaches_to_the_debug_port_of_env(bake, tmp_path):
    project = Project(shutil.copytree(bake(), tmp_path / "project"))
    assert vscode_attach_port(project.path) == int(settings_of(project.path)["DEBUG_PORT"])
    set_setting(project, "DEBUG_PORT", "6123")
    assert vscode_attach_port(project.path) == 6123
    extensions = json.loads(
        re.sub(r"^\s*//.*$", "", (project.path / ".vscode/extensions.json").read_text(), flags=re.M)
    )
    assert "rioj7.command-variable" in extensions["recommendations"]


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


# The pips users have on their hosts: the venv's own (23.2 with Python 3.11), Debian 12's, a current one.
HOST_PIPS = ["bundled", "23.0.1", "26.0.1"]


def readme_commands(project, heading):
    """The commands of the first sh block under a heading of a baked README, each split into words."""
    section = (project / "README.md").read_text().split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"^```sh\n(.*?)^```", section, re.MULTILINE | re.DOTALL).group(1)
    return [shlex.split(line) for line in block.splitlines() if line.strip()]


def canonical(name):
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions(*locks):
    """{name: version} of every pin in these lock files, extras aside."""
    pins = {}
    for lock in locks:
        found = re.findall(r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==(\S+)", lock.read_text(), re.MULTILINE)
        pins.update((canonical(name), version) for name, version in found)
    return pins


@pytest.mark.parametrize("pip_version", HOST_PIPS, ids=[f"pip-{v}" for v in HOST_PIPS])
@pytest.mark.parametrize("framework", OPTIONS["framework"])
def test_baked_tests_pass_in_a_fresh_venv_on_the_host(bake, framework, pip_version, tmp_path):
    """The README's steps without Docker, with each pip a host may have: exactly what the locks pin
    gets installed, nothing newer from the index (pip < 24 fetched a locked package's extras there
    when the lock dropped them; build isolation, the newest setuptools), and the baked tests pass."""
    python, version = host_python()
    project = Project(
        shutil.copytree(bake(framework=framework, python_version=version), tmp_path / "project")
    )
    steps = readme_commands(project.path, "Tests on your machine, without Docker")
    venv, install, editable, run_tests = steps
    assert venv == [f"python{version}", "-m", "venv", ".venv"]
    assert install == [
        *(".venv/bin/pip", "install", "--require-hashes"),
        *("-r", "requirements/base.txt", "-r", "requirements/test.txt", "-r", "requirements/build.txt"),
    ]
    assert editable == [".venv/bin/pip", "install", "--no-deps", "--no-build-isolation", "-e", "."]
    assert run_tests == [".venv/bin/pytest"]

    project.run(python, *venv[1:])
    if pip_version != "bundled":
        project.run(".venv/bin/python", "-m", "pip", "install", "--quiet", f"pip=={pip_version}")
    project.run(*install)
    project.run(*editable)

    listing = (
        "import importlib.metadata as m, json; "
        "print(json.dumps({d.name: d.version for d in m.distributions()}))"
    )
    listed = project.run(".venv/bin/python", "-c", listing)
    installed = {canonical(name): v for name, v in json.loads(listed.output).items()}
    assert installed.pop(canonical(project.slug), None), installed
    requirements = project.path / "requirements"
    locked = locked_versions(*(requirements / n for n in ("base.txt", "test.txt", "build.txt")))
    # pip aside: the venv's own, or the one a host has.
    assert {n: v for n, v in installed.items() if n != "pip"} == {
        n: v for n, v in locked.items() if n != "pip"
    }
    dist_info = f"{project.slug.replace('-', '_')}-*.dist-info"
    wheel = next((project.path / ".venv").glob(f"lib/python*/site-packages/{dist_info}/WHEEL"))
    assert f"Generator: setuptools ({locked['setuptools']})" in wheel.read_text()

    result = project.run(*run_tests)
    assert re.search(r"\b\d+ passed\b", result.output) and "failed" not in result.output
    # A fresh bake's tests warn of nothing (pytest's summary would count "1 warning").
    assert not re.search(r"\b\d+ warnings?\b", result.output), result.output


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            ["build", "--target", "nope"],
            {},
            "Unknown target 'nope': the Dockerfile's stages are python-base, ",
        ),
        (["lock", "--upgrade-package", "x;rm"], {}, "--upgrade-package 'x;rm' is not a package name"),
        (
            ["build"],
            {"PATH": "/nonexistent"},
            "Docker is not installed: there is no `docker` command on PATH.",
        ),
        (["build"], {"DOCKER_HOST": "unix:///nonexistent.sock"}, "The Docker daemon is not answering"),
        (["build"], {"PIP_CERT": "/nonexistent.pem"}, "PIP_CERT is /nonexistent.pem, which is not a file"),
        (["push"], {}, "No registry to push to: set REGISTRY (e.g. ghcr.io/acme) in .env."),
        (
            ["push", "--tag", "no good"],
            {"REGISTRY": "127.0.0.1:5000"},
            "--tag 'no good' is not a Docker tag",
        ),
        (
            ["push"],
            {"REGISTRY": "127.0.0.1:5000"},
            "is not in a git repository: `invoke push` tags the image with the commit",
        ),
        (["dev"], {"DOCKER_HOST": "unix:///nonexistent.sock"}, "The Docker daemon is not answering"),
        (["dev", "--wait"], {}, "--wait waits for a debugger to attach: use it together with --debug."),
        (
            ["dev"],
            {"SERVICE_PORT": "eighty"},
            "SERVICE_PORT is 'eighty': set it to a port number from 1 to 65535",
        ),
        (
            ["dev", "--debug"],
            {"DEBUG_PORT": "70000"},
            "DEBUG_PORT is '70000': set it to a port number from 1",
        ),
    ],
    ids=[
        "unknown-target",
        "bad-package",
        "no-client",
        "no-daemon",
        "bad-pip-cert",
        "push-no-registry",
        "push-bad-tag",
        "push-no-git",
        "dev-no-daemon",
        "dev-wait",
        "bad-port",
        "bad-debug-port",
    ],
)
def test_bad_task_input_gets_one_clear_sentence(bake, args, env, message):
    project = Project(bake())
    project.env.update(env)
    result = project.invoke(*args, check=False)
    assert result.returncode != 0
    assert message in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            lambda text: text.replace("SERVICE_IMAGE=", "# SERVICE_IMAGE="),
            "SERVICE_IMAGE is missing from .env: add a line SERVICE_IMAGE=... there.",
        ),
        (lambda text: text + "not a setting\n", "is not NAME=value: 'not a setting'."),
        (lambda text: None, ".env is missing from "),
    ],
    ids=["missing-setting", "bad-line", "no-env-file"],
)
def test_a_broken_env_file_gets_one_sentence(bake, tmp_path, edit, message):
    project = Project(shutil.copytree(bake(), tmp_path / "project"))
    changed = edit((project.path / ".env").read_text())
    if changed is None:
        (project.path / ".env").unlink()
    else:
        (project.path / ".env").write_text(changed)
    result = project.invoke("build", check=False)
    assert result.returncode == 1 and message in result.output and "Traceback" not in result.output, (
        result.output
    )


def test_push_refuses_uncommitted_changes(bake, tmp_path):
    project = Project(
        shutil.copytree(bake(), tmp_path / "project"),
        env={**GIT_IDENTITY, "REGISTRY": "127.0.0.1:5000"},
    )
    project.run("git", "init", "--quiet")
    project.run("git", "add", "--all")
    project.run("git", "commit", "--quiet", "--message", "Baked")
    with open(project.path / "setup.py", "a") as setup:
        setup.write("# not committed\n")
    result = project.invoke("push", check=False)
    assert result.returncode == 1 and "Traceback" not in result.output
    assert result.output.strip() == (
        "The work tree has uncommitted changes, so the commit tag would not match the image: "
        "commit or stash them, then `invoke build` and `invoke push`."
    )


def test_ci_summary_shows_the_junit_results(bake, tmp_path):
    (tmp_path / "test_sample.py").write_text(
        "def test_passes():\n    pass\n\n\ndef test_fails():\n    assert 1 == 2\n"
    )
    junit = tmp_path / "junit.xml"
    runner = Project(tmp_path)
    runner.run(sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={junit}", check=False)
    summary = runner.run(sys.executable, str(bake() / ".github" / "junit-summary.py"), str(junit)).output
    assert "| 1 | 1 | 0 | 0 |" in summary
    assert "**failure: `test_sample.test_fails`**" in summary and "assert 1 == 2" in summary


def test_native_windows_gets_one_sentence_pointing_to_wsl(bake):
    # invoke as on Windows: the baked tasks stop while loading, before any uid or POSIX quoting.
    as_windows = (
        "import sys; from invoke.main import program; sys.platform = 'win32'; "
        "program.run(['invoke', 'build'])"
    )
    result = Project(bake()).run(sys.executable, "-c", as_windows, check=False)
    assert result.returncode == 1
    assert result.output == (
        "These tasks do not run in a native Windows shell: "
        "run them in WSL 2, as README.md explains under Windows.\n"
    )


def test_this_repository_is_ruff_clean():
    root = Path(__file__).resolve().parent.parent
    paths = [p for p in ("hooks", "harness", "tests", "tasks.py", "benchmarks") if (root / p).exists()]
    Project(root).run(sys.executable, "-m", "ruff", "check", "--no-cache", *paths)
    Project(root).run(sys.executable, "-m", "ruff", "format", "--no-cache", "--check", *paths)


@pytest.mark.docker
def test_compose_file_is_valid(baked, docker_engine):
    project, answers = baked
    if Project(project).run("docker", "compose", "version", check=False).returncode:
        docker_unavailable("No docker compose plugin (run scripts/provision-docker).")
    config = Project(project).run("docker", "compose", "--profile", "debug", "config", "--format", "json")
    services = json.loads(config.output)["services"]
    postgres = answers["database"] == "postgres"
    assert sorted(services) == [*(["db"] if postgres else []), "debug", "dev", "release", "service"]
    if postgres:  # everything that runs the app waits for a healthy db, and gets its password as a secret
        for name in ("release", "service", "dev", "debug"):
            assert services[name]["depends_on"]["db"]["condition"] == "service_healthy", name
            assert services[name]["environment"]["DATABASE_PASSWORD_FILE"] == "/run/secrets/db_password"
            assert [s["source"] for s in services[name]["secrets"]] == ["db_password"], name
        assert "PASSWORD" not in json.dumps(services["db"]["environment"]).replace("PASSWORD_FILE", "")
    assert services["service"]["read_only"] and services["dev"]["volumes"][0]["target"] == "/app"
    # The release step runs on the service's own image and volume, and the service waits for it.
    assert services["release"]["image"] == services["service"]["image"]
    assert services["release"]["volumes"] == services["service"]["volumes"]
    assert services["service"]["depends_on"]["release"]["condition"] == "service_completed_successfully"
