"""Issue #18's proof: an app shaped like a real one (tests/real_app.py: its own package, config.py
and cli.py, an app factory taking its config, Jinja templates, a static file, an .sql file, Alembic
migrations kept in the package, Babel catalogues compiled by a build step, its own conftest.py)
moves into a baked project by the README's "Bring your existing app" steps without touching a
file the template owns, and then, on a real engine: its tests pass in the build and on the
mount, measuring every module of it; the service runs read-only as uid 10001 with its release
step applied, turns healthy, serves its translated page and static file, and keeps a write
across containers; `invoke dev` serves it and reloads an edit; no .env file reaches the build
context, the image or a wheel. Without the example and with `app = ""`, the rest still builds
and answers its health check.

One bake and one moved-in project per framework serve every check of that framework."""

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
import zipfile

import pytest

from harness.devloop import containers, dev_running, edit, restore, wait_reloaded
from harness.docker import docker, production, running, volume
from harness.git import GIT_IDENTITY
from harness.network import free_port, get_json, wait_for
from harness.projects import as_host_user, image_of
from harness.real_app import (
    APPS,
    delete_example,
    example_packages,
    move_in,
    servicehost_table,
    set_servicehost,
)
from harness.template import OPTIONS

pytestmark = pytest.mark.docker

FRAMEWORKS = [name for name in OPTIONS["framework"] if name in APPS]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==(\S+)", re.MULTILINE)
ENV_FILES = (".env", ".env.production")
# An edit `invoke dev` must pick up, per framework: (module, old text, new text).
EDITS = {
    "flask": (
        "flaskr/views.py",
        "return jsonify(store.stats(engine()))",
        'return jsonify({**store.stats(engine()), "edited": True})',
    ),
    "fastapi": (
        "notes_api/main.py",
        "return store.stats(engine)",
        'return {**store.stats(engine), "edited": True}',
    ),
    "none": ("jobs/worker.py", '"jobs: run %d done"', '"jobs: edited run %d done"'),
    "django": (
        "catalog/views.py",
        "return JsonResponse(stats_of_books())",
        'return JsonResponse({**stats_of_books(), "edited": True})',
    ),
}
DATABASES = {
    "flask": "flaskr.sqlite3",
    "fastapi": "notes.sqlite3",
    "none": "jobs.sqlite3",
    "django": "bookshelf.sqlite3",
}
# The app's test that needs what the build steps make: compiled catalogues, collected files.
NEEDS_BUILD_STEPS = {"flask": "translated", "fastapi": "translated", "django": "collected_stylesheet"}


def pins(text):
    """{name: version} of a lock file."""
    return {name.lower(): version for name, version in PIN.findall(text)}


def git(project, *args):
    return project.run("git", *args).output


def get(url, data=None, headers=None):
    """(status, body text) of a GET, or of a POST when data is given; HTTP errors too."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=3) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def add_note(base, framework, text):
    """Add a note through the app's own endpoint: a form for Flask, JSON for FastAPI."""
    if framework in ("flask", "django"):
        return get(f"{base}/notes", urllib.parse.urlencode({"text": text}).encode())
    body = json.dumps({"text": text}).encode()
    return get(f"{base}/notes", body, {"Content-Type": "application/json"})


def health(container):
    return docker("inspect", "--format", "{{.State.Health.Status}}", container).strip()


def runs_done(container):
    """The worker's run numbers, as its log reports them."""
    logs = subprocess.run(["docker", "logs", container], capture_output=True, text=True)
    return [int(n) for n in re.findall(r"jobs: (?:edited )?run (\d+) done", logs.stdout + logs.stderr)]


@pytest.fixture(scope="module", params=FRAMEWORKS)
def moved_in(request, docker_project):
    """A bake of the framework, under git as baked, owned and run by a non-root host user, with
    the real app moved in and `invoke lock` run; its Compose project is taken down afterwards."""
    framework = request.param
    baked = docker_project(f"real-app-{framework}", framework=framework)
    project, uid = as_host_user(baked)
    project.uid, project.framework, project.app = uid, framework, APPS[framework]
    project.baked_examples = example_packages(project)  # before they are deleted
    project.compose_name = project.env["SERVICE_IMAGE"]
    project.env.update(
        GIT_IDENTITY,
        COMPOSE_PROJECT_NAME=project.compose_name,
        DATA_VOLUME=f"{project.compose_name}-data",
    )
    project.originals = {}
    git(project, "init", "--quiet")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", "baked")
    move_in(project, project.app)
    own(project)
    project.invoke("lock")
    yield project
    project.run("docker", "compose", "down", "--volumes", "--remove-orphans", check=False)


def own(project):
    """Give the host user what the suite wrote in the project as root (the moved-in files)."""
    if os.geteuid() == 0:
        for path in [project.path, *project.path.rglob("*")]:
            os.chown(path, project.uid, project.uid, follow_symlinks=False)


def test_moving_in_touches_no_template_file_and_locks_exactly_the_pins(moved_in):
    project, app = moved_in, moved_in.app
    status = git(project, "status", "--porcelain", "--untracked-files=all").splitlines()
    changed = {line[3:]: line[:2].strip() for line in status}
    assert f"src/{app.package}/__init__.py" in changed and "tests/conftest.py" in changed, changed

    def allowed(path, how):
        if path.startswith(tuple(f"src/{name}/" for name in project.baked_examples)):
            return how == "D"  # the example, deleted
        return (
            path.startswith((*(f"src/{name}/" for name in app.packages), "tests/"))
            or path in {"setup.py", "pyproject.toml", "requirements/test.in"}
            or re.fullmatch(r"requirements/[^/]+\.txt", path)
        )

    assert not {p: h for p, h in changed.items() if not allowed(p, h)}, changed

    # setup.py: only install_requires; pyproject.toml: only the [tool.servicehost] table.
    def without_requires(text):
        return re.sub(r"install_requires=\[.*?\],", "", text, flags=re.DOTALL)

    def without_table(text):
        start, end = servicehost_table(text)
        return text[:start] + text[end:]

    for name, strip in (("setup.py", without_requires), ("pyproject.toml", without_table)):
        assert strip(git(project, "show", f"HEAD:{name}")) == strip((project.path / name).read_text()), name

    # The lock: the bake's own pins, kept, and exactly the app's, nothing the index chose.
    baked = pins(git(project, "show", "HEAD:requirements/base.txt"))
    locked = pins((project.path / "requirements/base.txt").read_text())
    assert locked == {**baked, **app.pins}, set(locked.items()) ^ set({**baked, **app.pins}.items())


def test_its_tests_pass_in_the_build_and_on_the_mount_measuring_every_module(moved_in):
    project, app = moved_in, moved_in.app
    result = project.invoke("test")
    assert "Tests passed" in result.output
    # Every test of the app ran and passed (the JUnit report: the build's output may be cached).
    junit = ET.parse(project.path / "reports" / "junit.xml").getroot()
    cases = [case for case in junit.iter("testcase") if case.get("classname").startswith("tests.test_")]
    assert not [case for case in cases if len(case)], "a test failed or was skipped"
    own = re.findall(r"^def (test_\w+)", "".join(app.tests.values()), re.MULTILINE)
    assert set(own) <= {case.get("name") for case in cases}, own

    # Coverage measures every module of the app, imported by its tests or run by Alembic.
    root = ET.parse(project.path / "reports" / "coverage.xml").getroot()
    measured = {c.get("filename") for c in root.iter("class")}
    modules = {
        str(path.relative_to(project.path / "src"))
        for package in app.packages
        for path in (project.path / "src" / package).rglob("*.py")
    }
    assert modules <= measured, modules - measured
    examples = tuple(f"{name}/" for name in project.baked_examples)
    assert not [name for name in measured if name.startswith(examples)], measured

    # On the mount too, the build steps run first: their output (compiled catalogues, collected
    # files) is what the test NEEDS_BUILD_STEPS names reads, and it passed.
    mounted = project.invoke("test", "--mount", "--", "-rA")
    assert re.search(r"\b\d+ passed\b", mounted.output) and not re.search(r"\d+ failed", mounted.output)
    for step in app.servicehost.get("build-steps", []):
        assert f"build step: {step}" in mounted.output, mounted.output[-2000:]
    if app.framework in NEEDS_BUILD_STEPS:
        assert re.search(rf"^PASSED \S+::\w*{NEEDS_BUILD_STEPS[app.framework]}", mounted.output, re.M)


def test_the_service_runs_read_only_migrated_healthy_and_keeps_its_state(moved_in):
    project, app = moved_in, moved_in.app
    project.invoke("build")
    image = image_of(project)
    web = app.framework != "none"
    options = ["--health-interval", "1s"] + ([] if web else ["--env", "WORK_INTERVAL=0.2"])
    port = free_port() if web else None
    base = f"http://127.0.0.1:{port}"

    with volume() as data:
        if app.servicehost.get("ready"):  # before the release step, the app is not ready
            with running(image, *production(data, port)):
                wait_for(lambda: get(f"{base}/healthz")[0] == 503, 30, "/healthz to answer 503")
                assert "no such table: notes" in get(f"{base}/healthz")[1]

        # The release step, as `invoke run` runs it: same image, same options, same volume.
        release = project.run("docker", "run", "--rm", *production(data), image, "release").output
        assert f"release step: {app.servicehost['release'][0]}" in release, release

        with running(image, *production(data, port), *options) as first:
            wait_for(lambda: health(first) == "healthy", 60, "the container to turn healthy")
            assert docker("exec", first, "id", "-u").strip() == "10001"
            inspect = json.loads(docker("inspect", first))[0]
            assert inspect["HostConfig"]["ReadonlyRootfs"] is True
            if web:
                page_path, text = app.page
                status, page = get(base + page_path)
                assert status == 200 and text in page, page
                assert get(base + app.static[0]) == (200, app.static[1])
                assert add_note(base, app.framework, "kept")[0] == 201
            else:
                wait_for(lambda: len(runs_done(first)) >= 2, 30, "two runs")
                docker("kill", first)
                last = runs_done(first)[-1]
        with running(image, *production(data, port), *options) as second:
            if web:
                wait_for(lambda: get(f"{base}/healthz")[0] == 200, 30, "/healthz")
                assert "<li>kept</li>" in get(base + app.page[0])[1]
            else:
                wait_for(lambda: runs_done(second), 30, "a run in the new container")
                assert last < runs_done(second)[0] <= last + 2, (last, runs_done(second))
                docker("kill", second)
                total = docker("run", "--rm", *production(data), image, "python", "-m", "jobs.cli", "total")
                assert int(total) >= last + 1
                cat = ["run", "--rm", "--volume", f"{data}:/data", "--entrypoint", "cat", image]
                report = docker(*cat, "/data/report.html")
                assert "runs so far.</p>" in report and app.files["jobs/static/report.css"] in report


@pytest.mark.usefixtures("compose_plugin")
def test_invoke_dev_serves_the_app_and_reloads_an_edit(moved_in):
    project, app = moved_in, moved_in.app
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {"SERVICE_PORT": str(port), "WORK_INTERVAL": "0.2"}
    try:
        with dev_running(project, env=env) as dev:
            if app.framework == "none":
                wait_for(lambda: dev.says("jobs: run"), 120, "the worker's first run")
                edit(project, *EDITS[app.framework])
                wait_for(lambda: "jobs: edited run" in dev.output, 30, "a run of the edited code")
            else:
                # The release step ran first (the page reads the migrated table), in data/.
                wait_for(lambda: dev.says("") and app.page[1] in get(base + app.page[0])[1], 120, "the page")
                assert get(base + app.static[0]) == (200, app.static[1])
                edit(project, *EDITS[app.framework])
                wait_reloaded(project, lambda: json.loads(get(f"{base}/stats")[1]).get("edited"), "the edit")
            database = project.path / "data" / DATABASES[app.framework]
            assert database.stat().st_uid == project.uid
    finally:
        restore(project)
    assert containers(project) == []


def test_env_files_reach_no_build_context_image_or_wheel(moved_in, tmp_path):
    project, app = moved_in, moved_in.app
    depths = ["", f"src/{app.package}/", f"src/{app.package}/sub/", "tests/"]
    planted = [f"{depth}{name}" for depth in depths for name in ENV_FILES]
    settings = (project.path / ".env").read_text()  # the project's own, which stays
    for path in planted:
        project.write(path, f"{settings if path == '.env' else ''}SECRET=planted\n")
    own(project)
    try:
        # The build context, as BuildKit sends it (the project's .dockerignore applies).
        home = project.path.parent  # the host user's, writable by the commands it runs
        (home / "context.Dockerfile").write_text("FROM scratch\nCOPY . /\n")
        context = home / "context"
        project.run(
            *["docker", "build", "--quiet", "--file", str(home / "context.Dockerfile")],
            *["--output", f"type=local,dest={context}", str(project.path)],
        )
        assert (context / "src" / app.package / "__init__.py").is_file()
        assert not [str(p) for p in context.rglob(".env*")]

        # The image (the runtime stage: what the service ships, before its tests).
        project.invoke("build", "--target", "runtime")
        found = docker(
            "run",
            "--rm",
            "--entrypoint",
            "find",
            image_of(project, "runtime"),
            "/app",
            "/opt/venv",
            "-name",
            ".env*",
        )
        assert found.split() == []

        # A wheel, from setup.py with the suite's pip (on a copy: the build leaves build/ behind).
        copy = shutil.copytree(project.path, tmp_path / "project", symlinks=True)
        dist = tmp_path / "dist"
        pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--ignore-requires-python", "--quiet"]
        subprocess.run([*pip, "--wheel-dir", str(dist), "."], cwd=copy, check=True, capture_output=True)
        (wheel,) = dist.glob("*.whl")
        names = zipfile.ZipFile(wheel).namelist()
        data = [name for name in app.files if not name.endswith(".py")]
        assert set(data) <= set(names), set(data) - set(names)
        assert not [n for n in names if n.rsplit("/", 1)[-1].startswith(".env")], names
    finally:
        for path in planted:
            if path == ".env":
                project.write(path, settings)
            else:
                (project.path / path).unlink()


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_without_the_example_the_rest_builds_and_answers_health(docker_project, framework):
    project = docker_project(f"real-app-empty-{framework}", framework=framework)
    if framework == "django":
        # Django's example is its app, src/visits/; the project (settings, wsgi.py) stays and
        # forgets the app, as the README says, and its build and release steps stay too.
        shutil.rmtree(project.path / "src" / "visits")
        (project.path / "tests" / "test_example.py").unlink()
        app_lines = {"settings.py": '    "visits",\n', "urls.py": '    path("", include("visits.urls")),\n'}
        for module, line in app_lines.items():
            path = project.example / module
            assert line in path.read_text(), module
            path.write_text(path.read_text().replace(line, ""))
    else:
        delete_example(project)
        set_servicehost(project, app="", release=[])  # as the README says: nothing of it runs
    assert "Tests passed" in project.invoke("test").output
    junit = ET.parse(project.path / "reports" / "junit.xml").getroot()
    ran = {case.get("classname") for case in junit.iter("testcase")}
    assert ran == {"tests.test_servicehost"}, ran  # the rest: the template's own tests
    project.invoke("build")
    web = framework != "none"
    port = free_port() if web else None
    with volume() as data:
        # Its release step, as `invoke run` runs it: nothing, or Django's own migrations.
        project.run("docker", "run", "--rm", *production(data), image_of(project), "release")
        with running(image_of(project), *production(data, port), "--health-interval", "1s") as c:
            wait_for(lambda: health(c) == "healthy", 60, "the container to turn healthy")
            if web:
                assert get_json(f"http://127.0.0.1:{port}/healthz")[0] == 200
                for path in ("/", "/hello/world", "/static/x.css"):
                    assert get(f"http://127.0.0.1:{port}{path}")[0] == 404, path
