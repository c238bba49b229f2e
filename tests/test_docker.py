"""Baked projects on a real Docker engine: service images that build, start, answer, turn
healthy, stop at once and hold only what ships; tests inside the build as a gate; code changes
that rebuild only a small layer; the source-mounted dev loop; build secrets kept out of images."""

import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.devloop import Background
from harness.docker import (
    build_steps,
    docker,
    image_layers,
    new_layer_bytes,
    production,
    running,
    saved_image,
    units_done,
    volume,
)
from harness.network import free_port, get_json, post_json, wait_for
from harness.projects import as_host_user, image_of, set_setting
from harness.template import DEFAULT_PYTHON, PYTHON_VERSIONS

pytestmark = pytest.mark.docker

# Every framework on the default Python with uv, and pip once: every check of this module.
SERVICES = [
    {"framework": "flask"},
    {"framework": "fastapi"},
    {"framework": "none"},
    {"framework": "flask", "installer": "pip"},
    {"framework": "django"},
]
# Each other Python cookiecutter.json offers, once, fastapi and flask in turn (fastapi first, on
# the newest, for its compiled pydantic-core): only the checks marked `every_python`. They come
# after SERVICES, so a service keeps its index.
OTHER_PYTHONS = [
    {"framework": ("fastapi", "flask")[i % 2], "python_version": version}
    for i, version in enumerate(PYTHON_VERSIONS[1:])
]
# Steps that install dependencies or tools: a code-only change must find every one cached.
DEPENDENCY_STAGES = ("build-base", "uv", "service-deps", "entry", "test-tools")
every_python = pytest.mark.every_python


def service_id(answers):
    """A test id for a service's answers, with its Python: flask-3.14, flask-3.14-pip, ..."""
    defaults = {"framework": None, "python_version": DEFAULT_PYTHON}
    return "-".join({**defaults, **answers}.values())


def pytest_generate_tests(metafunc):
    """Run each test on SERVICES, and those marked `every_python` on OTHER_PYTHONS too."""
    if "service" in metafunc.fixturenames:
        every = metafunc.definition.get_closest_marker("every_python")
        services = SERVICES + (OTHER_PYTHONS if every else [])
        only = metafunc.definition.get_closest_marker("frameworks")
        if only:
            services = [answers for answers in services if answers["framework"] in only.args]
        if metafunc.definition.get_closest_marker("one_installer"):  # what the installer cannot change
            services = [answers for answers in services if "installer" not in answers]
        metafunc.parametrize("service", services, ids=service_id, indirect=True, scope="module")


@pytest.fixture(scope="module")
def service(request, docker_project):
    """A baked project whose service image was built with `invoke build --target service`, which
    runs its tests as the gate."""
    project = docker_project(f"service-{service_id(request.param)}", **request.param)
    project.invoke("build", "--target", "service")
    project.answers = request.param
    return project


@pytest.fixture
def variant(service, docker_project, request):
    """A fresh copy of the same bake as `service`, for a test that changes files."""
    name = f"{request.node.originalname.removeprefix('test_')}-{request.node.callspec.id}"
    project = docker_project(name, **service.answers)
    project.answers = service.answers
    return project


@pytest.mark.frameworks("flask")
def test_a_failing_release_step_starts_no_service_and_says_why(variant):
    # The project's migrations fail: `invoke run` and Compose both stop before the service.
    pyproject = variant.path / "pyproject.toml"
    text = pyproject.read_text()
    failing = "release = [\"python -c 'raise SystemExit(3)'\"]"
    pyproject.write_text(re.sub(r"^release = .*$", lambda _: failing, text, flags=re.M))
    port = free_port()
    variant.env.update(SERVICE_PORT=str(port), DATA_VOLUME=f"{variant.slug}-{port}")
    label = f"ancestor={image_of(variant)}"
    try:
        run = variant.invoke("run", check=False)
        assert run.returncode == 3, run.output[-3000:]
        assert "The release step `python -c 'raise SystemExit(3)'` failed (exit code 3)" in run.output
        stopped = "The release step failed (exit code 3, its output above): the service was not started."
        assert stopped in run.output
        up = variant.invoke("compose", "--", "up", "--detach", "--wait", "service", check=False)
        assert up.returncode != 0 and "release" in up.output, up.output[-3000:]
        assert docker("ps", "--quiet", "--filter", label).split() == [], "a service started anyway"
    finally:
        variant.run("docker", "compose", "down", "--volumes", check=False)
        docker("volume", "rm", "--force", variant.env["DATA_VOLUME"], check=False)


@pytest.mark.frameworks("flask")
def test_invoke_run_is_composes_service_with_the_settings_of_env(variant, compose_plugin):
    # `invoke run` and a plain `docker compose up` run one container description, compose.yaml's
    # `service`, on the port and volume its owner set in .env.
    port = free_port()
    data = f"{variant.slug}-run-{port}"
    set_setting(variant, "SERVICE_PORT", str(port))
    set_setting(variant, "DATA_VOLUME", data)
    hello = f"http://127.0.0.1:{port}/hello/run"
    run = Background(variant, "run")
    try:
        wait_for(lambda: run.says("") and get_json(hello)[0] == 200, 300, "invoke run to serve")
        assert get_json(hello)[1] == {"message": "Hello, run!"}
        assert "release step: " in run.output, "the release step did not run first"
        [listed] = [
            json.loads(line)
            for line in variant.run(
                "docker", "compose", "ps", "--format", "json", "service"
            ).output.splitlines()
        ]
        container = docker("inspect", listed["ID"])
        [inspected] = json.loads(container)
        assert inspected["Config"]["Image"] == image_of(variant)
        assert [m["Name"] for m in inspected["Mounts"]] == [data]
        assert inspected["HostConfig"]["ReadonlyRootfs"]
        # Ctrl-C ends it; plain Compose then runs the same service, on the same port and volume.
        os.killpg(run.process.pid, signal.SIGINT)
        run.process.wait(30)
        variant.run("docker", "compose", "up", "--detach", "--wait", "service")
        assert get_json(hello)[1] == {"message": "Hello, run!"}
        assert docker("volume", "ls", "--quiet", "--filter", f"name=^{data}$").split() == [data]
    finally:
        run.stop()
        variant.run("docker", "compose", "down", "--volumes", check=False)
        docker("volume", "rm", "--force", data, check=False)


@every_python
def test_service_answers_turns_healthy_and_stops_at_once(service):
    port = free_port()
    web = service.answers["framework"] != "none"
    with contextlib.ExitStack() as stack:
        data = stack.enter_context(volume())
        # The release step first, on the same volume, as `invoke run` and Compose run it.
        docker("run", "--rm", *production(data), image_of(service), "release")
        # The image's own health check timing: probed every 0.5 s while starting.
        check = json.loads(
            docker("image", "inspect", "--format", "{{json .Config.Healthcheck}}", image_of(service))
        )
        assert check["StartInterval"] == 500_000_000 and check["StartPeriod"] == 30_000_000_000, check
        options = production(data, port if web else None)
        container = stack.enter_context(running(image_of(service), *options))
        if web:
            wait_for(lambda: get_json(f"http://127.0.0.1:{port}/healthz")[0] == 200, 30, "/healthz")
            assert get_json(f"http://127.0.0.1:{port}/healthz")[1]["status"] == "ok"
            assert get_json(f"http://127.0.0.1:{port}/hello/docker") == (200, {"message": "Hello, docker!"})
        health = lambda: docker("inspect", "--format", "{{.State.Health.Status}}", container).strip()  # noqa: E731
        wait_for(lambda: health() == "healthy", 30, "the container to turn healthy")
        # No init and no shell in between: SIGTERM goes straight to the service's own command.
        pid1 = docker("exec", container, "cat", "/proc/1/cmdline").split("\0")
        assert pid1[1:3] == [f"/opt/venv/bin/{service.slug}", "serve"], pid1
        started = time.monotonic()
        docker("stop", container)
        assert time.monotonic() - started < 3, "docker stop took 3 s or more"
        # 0, or 143 from a server that re-raises SIGTERM after its graceful shutdown; never 137,
        # the SIGKILL Docker sends when the container ignores SIGTERM.
        assert docker("inspect", "--format", "{{.State.ExitCode}}", container).strip() in {"0", "143"}


def test_state_lives_in_the_volume_and_outlives_the_container(service):
    port = free_port()
    web = service.answers["framework"] != "none"
    options = ["--env", "WORK_INTERVAL=0.2"] if not web else []
    with volume() as data:
        # The release step first, on the same volume, as `invoke run` and Compose run it.
        docker("run", "--rm", *production(data, None), image_of(service), "release")
        with running(image_of(service), *production(data, port if web else None), *options) as first:
            if web:
                wait_for(lambda: get_json(f"http://127.0.0.1:{port}/healthz")[0] == 200, 30, "/healthz")
                visits = [post_json(f"http://127.0.0.1:{port}/visits")["visits"] for _ in range(2)]
                assert visits == [1, 2]
            else:
                wait_for(lambda: units_done(first), 30, "a unit of work")
                docker("kill", first)  # no unit after the last one its log reports
                visits = units_done(first)
            docker("rm", "--force", first)
        with running(image_of(service), *production(data, port if web else None), *options) as second:
            if web:
                wait_for(lambda: get_json(f"http://127.0.0.1:{port}/healthz")[0] == 200, 30, "/healthz")
                assert get_json(f"http://127.0.0.1:{port}/visits") == (200, {"visits": 2})
            else:
                wait_for(lambda: units_done(second), 30, "a unit of work")
                # Counting on from the first container's total, not from 1 (a unit it stored but
                # was killed before reporting is the only gap allowed).
                assert visits[-1] < units_done(second)[0] <= visits[-1] + 2, (visits, units_done(second))


@pytest.mark.frameworks("django")
def test_django_serves_collected_static_files_and_runs_its_commands(service):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with volume() as data:
        # The release step migrates; any management command runs through the entrypoint.
        once = ["run", "--rm", *production(data), image_of(service)]
        assert "Applying visits.0001_initial... OK" in docker(*once, "release")
        shown = docker(*once, "django-admin", "showmigrations", "visits")
        assert shown.split() == ["visits", "[X]", "0001_initial"]
        with running(image_of(service), *production(data, port)):
            wait_for(lambda: get_json(f"{base}/healthz")[0] == 200, 30, "/healthz")
            with urllib.request.urlopen(f"{base}/", timeout=2) as response:
                page = response.read().decode()
            # DEBUG is off: the page links the hashed name collectstatic made in the build.
            css = re.search(r'href="(/static/visits/style\.[0-9a-f]{12}\.css)"', page)
            assert css, page
            request = urllib.request.Request(base + css.group(1), headers={"Accept-Encoding": "gzip"})
            with urllib.request.urlopen(request, timeout=2) as response:
                assert response.headers["Content-Encoding"] == "gzip"
                assert "immutable" in response.headers["Cache-Control"]
            assert post_json(f"{base}/visits") == {"visits": 1}
            # A Host header outside ALLOWED_HOSTS: Django refuses it, the health endpoint answers.
            for path, status in (("/healthz", 200), ("/", 400)):
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", path, headers={"Host": "service.internal"})
                assert connection.getresponse().status == status, path
                connection.close()


@pytest.mark.parametrize(
    ("options", "sentence"),
    [
        (["--read-only"], "DATA_DIR is /data, which uid 10001 cannot write to: "),
        (["--env", "DATA_DIR=/nowhere"], "DATA_DIR is /nowhere, which is not a directory: "),
    ],
    ids=["read-only-without-volume", "missing"],
)
def test_a_data_dir_it_cannot_use_stops_the_service_with_one_sentence(service, options, sentence):
    run = subprocess.run(
        ["docker", "run", "--rm", "--tmpfs", "/tmp", *options, image_of(service)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert run.stderr.startswith(sentence) and run.stderr.count("\n") == 1, run.stderr
    assert "Traceback" not in run.stdout + run.stderr


# The modules of the code (/app/src) and of its dependencies (the venv's site-packages) that have
# no bytecode beside them (Python's own cache path).
UNCOMPILED = (
    "import importlib.util as u, pathlib as p, sysconfig as s; print([str(f) for d in"
    ' ("src", s.get_path("purelib")) for f in p.Path(d).rglob("*.py")'
    " if not p.Path(u.cache_from_source(f)).is_file()])"
)

# What test-tools and entry install that the service image must not import.
SHIPS_NOT = ("pytest", "coverage", "setuptools")
# What built the project's entry in the venv, from its WHEEL file: "setuptools(84.2.1)".
BUILT_BY = (
    'import importlib.metadata as m; w = m.distribution("{}").read_text("WHEEL");'
    ' print(next(x for x in w.splitlines() if x.startswith("Generator:"))[10:].replace(" ", ""))'
)


@every_python
def test_service_image_holds_only_what_ships(service):
    image = image_of(service)
    config = json.loads(docker("image", "inspect", image))[0]["Config"]
    assert config["User"] == "10001:10001"
    assert (config["Entrypoint"], config["Cmd"]) == ([service.slug], ["serve"])
    probe = docker(
        "run",
        "--rm",
        "--entrypoint",
        "sh",
        image,
        "-c",
        f"""
        id -u
        stat -c %u:%g /data
        ls -A /app
        for tool in gcc cc g++ make pip-compile pytest; do command -v $tool; done
        python -c 'import importlib.util as u; print([m for m in {json.dumps(SHIPS_NOT)} if u.find_spec(m)])'
        python -c 'import sys; print("%d.%d" % sys.version_info[:2])'
        python -c '{UNCOMPILED}'
        python -c '{BUILT_BY.format(service.slug)}'
        find / -xdev \\( -name test_servicehost.py -o -name test_example.py \\) -print 2>/dev/null
        true
    """,
    ).split()
    version = service.answers.get("python_version", DEFAULT_PYTHON)
    # /app: the code, the pyproject.toml naming the app, and what the build steps made (Django's
    # collected static files); every module of the code and its dependencies compiled (the second
    # "[]"); the project built by the setuptools requirements/build.txt pins, which does not ship.
    made = ["static"] if service.answers["framework"] == "django" else []
    build_lock = (service.path / "requirements" / "build.txt").read_text()
    builder = re.search(r"^setuptools==(\S+) ", build_lock, re.MULTILINE).group(1)
    expected = ["10001", "10001:10001", "pyproject.toml", "src", *made, "[]", version, "[]"]
    expected.append(f"setuptools({builder})")
    assert probe == expected, f"unexpected in the image: {probe}"


# The diff id of an empty layer (an empty tar): what a step that writes no file adds.
EMPTY_LAYER = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"


def test_service_is_the_runtime_its_tests_ran_on(service):
    # `test-run` is `runtime` with the tests mounted; the gate in `service` must add no file.
    service.invoke("build", "--target", "runtime")
    shipped = image_layers(image_of(service))
    assert shipped[:-1] == image_layers(image_of(service, "runtime")) and shipped[-1] == EMPTY_LAYER


def test_invoke_test_passes_and_leaves_reports(service):
    result = service.invoke("test")
    covered = re.search(r"Tests passed, (\d+)% covered; reports are in reports/", result.output)
    assert covered and 0 < int(covered.group(1)) <= 100, result.output[-2000:]
    suite = ET.parse(service.path / "reports" / "junit.xml").getroot().find("testsuite")
    assert int(suite.get("tests")) > 0
    assert (suite.get("failures"), suite.get("errors")) == ("0", "0")
    assert ET.parse(service.path / "reports" / "coverage.xml").getroot().tag == "coverage"
    # A fresh bake's tests warn of nothing (pytest's summary would count "1 warning").
    log = (service.path / "reports" / "pytest.log").read_text()
    assert not re.search(r"\b\d+ warnings?\b", log), log[-2000:]


def test_failing_test_fails_invoke_and_plain_docker_builds(variant, base_image):
    variant.write("tests/test_zz_fails.py", "def test_this_fails():\n    assert 1 == 2\n")
    # Passes with --mount as the host user, but the service cannot write to its working directory:
    # the build runs the tests as the service's uid, so it fails there, not in production.
    variant.write(
        "tests/test_zz_writes.py",
        "from pathlib import Path\n\n\ndef test_writes_to_the_cwd():\n    Path('out.txt').write_text('x')\n",
    )

    build = variant.invoke("build", "--target", "service", check=False)
    assert build.returncode != 0
    assert "test_this_fails" in build.output and "Tests failed (pytest exit code 1)" in build.output
    assert "test_writes_to_the_cwd" in build.output and "Permission denied" in build.output

    version = variant.answers.get("python_version", DEFAULT_PYTHON)
    plain = variant.run(
        "docker", "build", "--build-arg", f"PYTHON_IMAGE={base_image(version)}", ".", check=False
    )
    assert plain.returncode != 0 and "Tests failed" in plain.output

    test = variant.invoke("test", check=False)
    assert test.returncode == 1
    suite = ET.parse(variant.path / "reports" / "junit.xml").getroot().find("testsuite")
    assert suite.get("failures") == "2"


def test_skip_tests_builds_the_service_anyway_and_says_so(variant):
    variant.write("tests/test_zz_fails.py", "def test_this_fails():\n    assert 1 == 2\n")
    build = variant.invoke("build", "--skip-tests")
    assert "WITHOUT running its tests" in build.output
    assert "test_this_fails" not in build.output


def test_code_change_rebuilds_only_a_small_layer(variant):
    variant.invoke("build", "--target", "service")
    before = image_layers(image_of(variant))
    with open(variant.example / "store.py", "a") as source:
        source.write(f"# a one-line code change, new to the build cache: {uuid.uuid4()}\n")

    rebuild = variant.invoke("build", "--target", "service")
    steps = build_steps(rebuild.output)
    dependency_steps = {t: s for t, s in steps.items() if t.split()[0].strip("[") in DEPENDENCY_STAGES}
    assert dependency_steps and set(dependency_steps.values()) == {"CACHED"}, dependency_steps
    assert any(t.startswith("[test-run") and s == "DONE" for t, s in steps.items()), "tests did not re-run"
    assert 0 < new_layer_bytes(image_of(variant), before) < 1_000_000


def test_mount_loop_picks_up_edits_without_building(variant):
    project, uid = as_host_user(variant)
    package = project.example.name
    first = project.invoke("test", "--mount")
    assert re.search(r"\d+ passed", first.output)

    with open(project.path / "src" / package / "store.py", "a") as source:
        source.write('\n\ndef edited():\n    return "picked up"\n')
    project.write(
        "tests/test_zz_new.py",
        (
            "from pathlib import Path\n\n"
            f"from {package}.store import edited\n\n\n"
            "def test_edit_is_picked_up():\n"
            '    Path("made-in-container.txt").write_text(edited())\n'
            '    assert edited() == "picked up"\n'
        ),
    )
    again = project.invoke("test", "--mount", "--", "-k", "edit_is_picked_up")
    assert "docker build" not in again.output, "the localdev image was rebuilt"
    assert re.search(r"\b1 passed\b", again.output)
    made = project.path / "made-in-container.txt"
    assert made.read_text() == "picked up" and made.stat().st_uid == uid

    # The editable install survives the mount: console script and imports come from /app/src.
    mounted = ["docker", "run", "--rm", "--volume", f"{project.path}:/app", image_of(project, "localdev")]
    assert project.run(*mounted, project.slug, "--version").output.strip() == "0.1.0"
    where = project.run(*mounted, "python", "-c", f"import {package}; print({package}.__file__)").output
    assert where.strip() == f"/app/src/{package}/__init__.py"


def test_build_secrets_never_reach_the_image(variant, tmp_path):
    token = f"pdt-token-{uuid.uuid4().hex}"
    with open(variant.path / "setup.py", "a") as setup:
        setup.write(f"# makes the app stage run the installer again: {uuid.uuid4()}\n")

    # An index on the build's own loopback, where nothing listens: the installer must try it.
    variant.env["PIP_INDEX_URL"] = f"https://__token__:{token}@127.0.0.1:9/simple"
    unreachable = variant.invoke("build", "--target", "service", "--skip-tests", check=False)
    assert unreachable.returncode != 0 and "127.0.0.1:9" in unreachable.output
    assert token not in unreachable.output

    # The same credentials on a reachable index (PyPI ignores them): the build succeeds.
    variant.env["PIP_INDEX_URL"] = f"https://__token__:{token}@pypi.org/simple"
    build = variant.invoke("build", "--target", "service", "--skip-tests")
    image = image_of(variant)
    assert token not in build.output
    assert token not in docker("history", "--no-trunc", image)
    assert token not in docker("image", "inspect", image)
    assert token.encode() not in saved_image(image, tmp_path).read_bytes()


def test_build_tools_stay_in_the_build_stages(docker_project):
    project = docker_project(
        "apt", framework="flask", build_apt_packages="gcc libc6-dev", runtime_apt_packages="libpq5"
    )
    project.invoke("build", "--target", "build-base")
    assert "gcc" in docker("run", "--rm", image_of(project, "build-base"), "gcc", "--version")
    project.invoke("build", "--target", "service")
    probe = docker(
        "run",
        "--rm",
        "--entrypoint",
        "sh",
        image_of(project),
        "-c",
        "command -v gcc cc; ls /usr/lib/*-linux-gnu/libpq.so.5",
    )
    assert [Path(p).name for p in probe.split()] == ["libpq.so.5"], f"service image: {probe}"


# Apps of the test's own that take their time: a request (WSGI, ASGI) or a unit of work of 3 s.
SLOW = '''"""Slow on purpose: what is in flight when SIGTERM comes."""

import asyncio
import time


def application(environ, start_response):
    time.sleep(3)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"finished"]


async def asgi(scope, receive, send):
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await asyncio.sleep(3)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"finished"})


def work():
    print("unit started", flush=True)
    time.sleep(3)
    print("unit finished", flush=True)
'''


@pytest.mark.one_installer
def test_sigterm_lets_what_is_in_flight_finish_then_exits_0(variant):
    # `docker stop` (and an orchestrator's rolling update) while a request or a unit of work is in
    # flight: the server stops accepting, finishes it within GRACEFUL_TIMEOUT, and exits 0.
    variant.write("src/slow.py", SLOW)
    variant.invoke("build", "--skip-tests")
    framework = variant.answers["framework"]
    app = {"none": "slow:work", "fastapi": "slow:asgi"}.get(framework, "slow:application")
    port = free_port()
    with (
        volume() as data,
        running(
            image_of(variant), *production(data, None if framework == "none" else port), "--env", f"APP={app}"
        ) as container,
    ):
        answers = []
        if framework == "none":
            wait_for(lambda: "unit started" in docker("logs", container), 30, "a unit of work to start")
        else:
            wait_for(lambda: get_json(f"http://127.0.0.1:{port}/healthz")[0] == 200, 30, "/healthz")
            slow = f"http://127.0.0.1:{port}/slow"
            request = threading.Thread(
                target=lambda: answers.append(urllib.request.urlopen(slow, timeout=30).read())
            )
            request.start()
            time.sleep(1)  # the request is in flight
        started = time.monotonic()
        docker("stop", "--time", "30", container)
        stopped = time.monotonic() - started
        if framework == "none":
            logs = docker("logs", container)
            assert logs.index("unit started") < logs.index("unit finished"), logs
        else:
            request.join(30)
            assert answers == [b"finished"]
        assert 1 < stopped < 15, f"docker stop took {stopped:.1f} s"  # waited for it, was not killed
        assert docker("inspect", "--format", "{{.State.ExitCode}}", container).strip() == "0"
