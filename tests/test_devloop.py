"""The running service in the dev loop, on a real engine: `invoke dev` reloads edits with no
build and stops at once, `invoke dev --debug` stops at a breakpoint over the Debug Adapter
Protocol, Compose runs the service healthy and the dev service reloading, and the dev container
runs as the host user. One localdev image per framework serves every test."""

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import invoke
import pytest

from harness.dap import DapClient, vscode_attach_port
from harness.devloop import containers, dev_running, edit, restore, wait_reloaded
from harness.docker import docker
from harness.engine import docker_unavailable
from harness.network import free_port, get_json, wait_for
from harness.projects import Project, as_host_user, set_setting
from harness.template import ROOT

pytestmark = pytest.mark.docker

FRAMEWORKS = ["flask", "fastapi", "django", "none"]
DEVCONTAINER_CLI = ROOT / ".tools" / "node_modules" / ".bin" / "devcontainer"
# What the tasks print when they build the localdev image (Compose's `dev`).
REBUILT = " build --build-arg LOCALDEV_INPUTS="


@pytest.fixture(scope="module", params=FRAMEWORKS)
def devloop(request, docker_project, compose_plugin):
    """A bake of the framework, owned and run by a non-root host user, with its localdev image
    built; its Compose project is taken down afterwards."""
    baked = docker_project(f"devloop-{request.param}", framework=request.param)
    project, uid = as_host_user(baked)
    project.uid, project.framework = uid, request.param
    project.package = project.example.name
    # The example's module with the /hello endpoint (the unit of work), and one every process of
    # the service imports, under src/.
    if request.param == "django":
        project.endpoint, project.imported = "visits/views.py", f"{project.package}/settings.py"
    else:
        module = "worker.py" if request.param == "none" else "app.py"
        project.endpoint, project.imported = f"{project.package}/{module}", f"{project.package}/store.py"
    project.compose_name = project.env["SERVICE_IMAGE"]
    project.originals = {}
    project.env["COMPOSE_PROJECT_NAME"] = project.compose_name
    project.invoke("build", "--target", "localdev")
    yield project
    project.run("docker", "compose", "down", "--volumes", "--remove-orphans", check=False)


def hello(port):
    """The message of GET /hello/dev."""
    return get_json(f"http://127.0.0.1:{port}/hello/dev")[1]["message"]


def test_dev_reloads_edits_without_building_and_stops_at_once(devloop):
    project = devloop
    port = free_port()
    image_before = docker("image", "inspect", "--format", "{{.Id}}", f"{project.compose_name}:localdev")
    assert REBUILT not in project.invoke("build", "--target", "localdev").output
    env = {"SERVICE_PORT": str(port), "WORK_INTERVAL": "0.2"}
    with contextlib.ExitStack() as undo, dev_running(project, env=env) as dev:
        undo.callback(restore, project)
        if project.framework == "none":
            wait_for(lambda: dev.says("unit of work"), 120, "the worker's first unit of work")
            edit(project, project.endpoint, '"unit of work %d done"', '"edited unit %d done"')
        else:
            wait_for(lambda: dev.says("") and hello(port) == "Hello, dev!", 120, "the dev service to answer")
            edit(project, project.endpoint, 'f"Hello, {name}!"', 'f"Edited, {name}!"')
        # The edit also makes the service write a file into the working copy: it must be ours.
        writes = 'import os\n\nopen("/app/made-by-dev.txt", "w").close()\n'
        edit(project, project.imported, "import os\n", writes)
        if project.framework == "none":
            wait_reloaded(project, lambda: "edited unit" in dev.output, "the next unit of the edited code")
        else:
            wait_reloaded(project, lambda: hello(port) == "Edited, dev!", "the edited response")
        made = project.path / "made-by-dev.txt"
        wait_for(made.exists, 10, "the file the edited service writes")
        assert made.stat().st_uid == project.uid

        # `docker stop` ends it at once, and `invoke dev` with it.
        [container] = containers(project)
        started = time.monotonic()
        docker("stop", container)
        assert time.monotonic() - started < 3, "docker stop took 3 s or more"
        dev.process.wait(10)
        assert dev.process.returncode == 0, dev.output[-3000:]
    assert REBUILT not in dev.output and " run --rm --service-ports " in dev.output
    assert (
        docker("image", "inspect", "--format", "{{.Id}}", f"{project.compose_name}:localdev") == image_before
    )
    assert containers(project) == []


def breakpoint_line(project):
    """The line of the example endpoint's return statement."""
    lines = (project.path / "src" / project.endpoint).read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if "Hello, {name}!" in line)


@pytest.mark.parametrize("devloop", ["flask", "fastapi", "django"], indirect=True)
def test_debugger_stops_at_a_breakpoint_in_the_endpoint(devloop):
    project = devloop
    port = free_port()
    line = breakpoint_line(project)
    source = f"/app/src/{project.endpoint}"
    # The debug port as its owner sets it, in .env; VS Code's attach reads it from there.
    settings = (project.path / ".env").read_text()
    set_setting(project, "DEBUG_PORT", str(free_port()))
    attach_port = vscode_attach_port(project.path)
    with contextlib.ExitStack() as undo:
        undo.callback((project.path / ".env").write_text, settings)
        dev = undo.enter_context(dev_running(project, "--debug", "--wait", env={"SERVICE_PORT": str(port)}))
        wait_for(lambda: dev.says(f"debugpy listens on port {attach_port}"), 120, "debugpy to listen")
        client = None

        def connect():
            nonlocal client
            client = DapClient("127.0.0.1", attach_port, timeout=5)
            client.request(
                "initialize",
                adapterID="debugpy",
                clientID="pdt",
                pathFormat="path",
                linesStartAt1=True,
                columnsStartAt1=True,
            )
            return True

        wait_for(connect, 30, f"debugpy to answer initialize on 127.0.0.1:{attach_port}")
        try:
            attach = client.send("attach", justMyCode=True)
            client.event("initialized")
            breakpoints = client.request(
                "setBreakpoints", source={"path": source}, breakpoints=[{"line": line}]
            )
            assert breakpoints["body"]["breakpoints"][0]["verified"], breakpoints
            client.request("configurationDone")
            client.response(attach)

            # --wait: the service starts only now; then a request runs into the breakpoint.
            healthz = f"http://127.0.0.1:{port}/healthz"
            wait_for(lambda: dev.says("") and get_json(healthz)[0] == 200, 30, "the service to start")
            answer = {}

            def get():
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/hello/debugger", timeout=60) as r:
                    answer["body"] = json.loads(r.read())

            requester = threading.Thread(target=get)
            requester.start()
            stopped = client.event("stopped", timeout=30)
            assert stopped["body"]["reason"] == "breakpoint"
            thread_id = stopped["body"]["threadId"]
            frame = client.request("stackTrace", threadId=thread_id)["body"]["stackFrames"][0]
            assert (frame["source"]["path"], frame["line"]) == (source, line)
            assert requester.is_alive(), "the request finished while stopped at the breakpoint"
            client.request("continue", threadId=thread_id)
            requester.join(30)
            assert answer["body"] == {"message": "Hello, debugger!"}
        finally:
            client.close()
        # Ctrl-C (SIGINT to the job's process group, as a terminal sends it) ends it at once.
        os.killpg(dev.process.pid, signal.SIGINT)
        dev.process.wait(5)
        wait_for(lambda: containers(project) == [], 10, "the dev container to be removed")


@pytest.mark.parametrize("devloop", ["flask"], indirect=True)
def test_compose_runs_the_service_healthy_and_the_dev_service_reloading(devloop):
    project = devloop
    saved = dict(project.env)
    try:
        # The tasks hand Compose their settings and secrets: Compose builds the service (tests run).
        port = free_port()
        project.env["SERVICE_PORT"] = str(port)
        project.invoke("compose", "--", "up", "--detach", "--wait", "service")
        assert get_json(f"http://127.0.0.1:{port}/hello/compose") == (200, {"message": "Hello, compose!"})
        container = f"{project.compose_name}-service-1"
        assert docker("inspect", "--format", "{{.State.Health.Status}}", container).strip() == "healthy"
        project.run("docker", "compose", "down")

        # Plain `docker compose`, as a user types it, runs the dev service: it reloads an edit.
        port = free_port()
        project.env.update(SERVICE_PORT=str(port), UID=str(project.uid), GID=str(project.uid))
        project.run("docker", "compose", "up", "--detach", "dev")
        wait_for(lambda: hello(port) == "Hello, dev!", 60, "the Compose dev service")
        edit(project, project.endpoint, 'f"Hello, {name}!"', 'f"Composed, {name}!"')
        wait_reloaded(project, lambda: hello(port) == "Composed, dev!", "the edit through Compose")
    finally:
        restore(project)
        project.run("docker", "compose", "down", check=False)
        project.env = saved


@pytest.mark.parametrize("devloop", ["flask"], indirect=True)
def test_shell_is_the_dev_service_on_the_working_copy(devloop):
    # `invoke shell` reads its commands from stdin: nothing the tasks run before it may eat them,
    # not even the build of a missing localdev image.
    docker("image", "rm", "--force", f"{devloop.compose_name}:localdev")
    script = 'id -u\necho "DATA_DIR=$DATA_DIR"\nls /app/setup.py\n'
    shell = devloop.invoke("shell", input=script)
    assert shell.output.splitlines()[-3:] == [str(devloop.uid), "DATA_DIR=/app/data", "/app/setup.py"]
    assert containers(devloop) == [], "invoke shell left its container"


@pytest.mark.parametrize("devloop", ["flask"], indirect=True)
def test_bad_dev_input_gets_one_sentence_and_leaves_nothing_running(devloop):
    project = devloop
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        cases = [
            ({"SERVICE_PORT": str(port)}, (), f"Port {port} on 127.0.0.1 is taken"),
            ({"DEBUG_PORT": str(port)}, ("--debug",), f"Port {port} on 127.0.0.1 is taken"),
        ]
        for env, args, message in cases:
            project.env.update(env)
            result = project.invoke("dev", *args, check=False)
            for name in env:
                del project.env[name]
            assert result.returncode != 0 and message in result.output, result.output
            assert "Traceback" not in result.output and containers(project) == []


@pytest.mark.parametrize("devloop", ["flask"], indirect=True)
def test_dev_without_the_compose_plugin_names_how_to_get_it(devloop, tmp_path):
    project = devloop
    plugin = Path(
        shutil.which("docker-compose", path="/usr/libexec/docker/cli-plugins:/usr/lib/docker/cli-plugins")
        or ""
    )
    if os.geteuid() != 0 or not plugin.is_file():
        docker_unavailable("hiding the installed plugin needs root and the plugin in a system directory")
    # The real docker CLI, in a mount namespace where the plugin is an empty file.
    hide = f'mount --bind /dev/null {plugin} && exec "$@"'
    result = subprocess.run(
        ["unshare", "--mount", "sh", "-c", hide, "sh", sys.executable, "-m", "invoke", "dev"],
        cwd=project.path,
        env=project.env,
        capture_output=True,
        text=True,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Docker Compose v2 is missing" in output, output
    assert "docker-compose package from trixie" in output and "Traceback" not in output


def vsc_images():
    """The images the Dev Containers CLI made (named vsc-...), as repository:tag."""
    listed = docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}").split()
    return {image for image in listed if image.startswith("vsc-")}


def devcontainer_user(project, uid):
    """The project as the Dev Containers CLI needs its host user: named in /etc/passwd (it asks
    `id -u -n`) and with invoke on PATH for initializeCommand."""
    if not project.prefix:
        return project
    passwd = project.path.parent / "passwd"
    passwd.write_text(Path("/etc/passwd").read_text() + f"pdt-host:x:{uid}:{uid}::/tmp:/bin/sh\n")
    passwd.chmod(0o644)
    named = ["unshare", "--mount", "sh", "-c", 'mount --bind "$0" /etc/passwd && exec "$@"', str(passwd)]
    # The suite's own Python may sit where the host user cannot run it (root's home), so the user
    # gets invoke in a venv of its own.
    python = next(p for p in ("/usr/bin/python3", "/usr/local/bin/python3") if Path(p).exists())
    tools = project.path.parent / "venv"
    if not tools.exists():
        project.run(python, "-m", "venv", str(tools))
        project.run(str(tools / "bin" / "pip"), "install", "--quiet", f"invoke=={invoke.__version__}")
    env = {**project.env, "PATH": f"{tools / 'bin'}{os.pathsep}{project.env['PATH']}"}
    return Project(project.path, env=env, prefix=[*named, *project.prefix])


def second_checkout(project, uid, name):
    """A copy of the project in a sibling folder, owned by the same user: a git worktree's shape."""
    path = Path(shutil.copytree(project.path, project.path.parent / name))
    if os.geteuid() == 0:
        for item in [path, *path.rglob("*")]:
            os.chown(item, uid, uid, follow_symlinks=False)
    return Project(path, env=dict(project.env), prefix=project.prefix)


@pytest.mark.parametrize("devloop", ["flask"], indirect=True)
def test_two_checkouts_run_dev_loops_and_dev_containers_side_by_side(devloop):
    # Two checkouts of one project in two folders (Compose names its project after the folder),
    # their settings in .env alone: neither takes over the other's containers, each serves its
    # own code on its own port, and both dev containers run as the host user.
    if not DEVCONTAINER_CLI.exists():
        docker_unavailable(f"No Dev Containers CLI at {DEVCONTAINER_CLI} (scripts/test installs it).")
    first = Project(devloop.path, env=dict(devloop.env), prefix=devloop.prefix)
    first.env.pop("COMPOSE_PROJECT_NAME")
    settings = (first.path / ".env").read_text()
    image = f"{devloop.compose_name}:localdev"
    # The image name and base image as the owner sets them (the base under a name of its own: the
    # same image, so the build cache serves it), and no localdev image yet.
    base = f"{devloop.compose_name}-python:checkouts"
    docker("tag", first.env["PYTHON_IMAGE"], base)
    set_setting(first, "SERVICE_IMAGE", devloop.compose_name)
    set_setting(first, "PYTHON_IMAGE", base)
    docker("image", "rm", "--force", image)
    ports = free_port(), free_port()
    set_setting(first, "SERVICE_PORT", str(ports[0]))
    second = second_checkout(first, devloop.uid, f"{devloop.path.name}-review")
    set_setting(second, "SERVICE_PORT", str(ports[1]))
    for checkout in (first, second):
        checkout.compose_name = re.sub(r"[^-_a-z0-9]", "", checkout.path.name.lower())
        checkout.originals = {}
    before = vsc_images()
    try:
        edit(second, devloop.endpoint, 'f"Hello, {name}!"', 'f"Reviewed, {name}!"')
        with dev_running(first) as dev_first:
            wait_for(lambda: dev_first.says("") and hello(ports[0]) == "Hello, dev!", 180, "the first")
            with dev_running(second) as dev_second:
                wait_for(
                    lambda: dev_second.says("") and hello(ports[1]) == "Reviewed, dev!", 120, "the second"
                )
                assert hello(ports[0]) == "Hello, dev!", "the second checkout took over the first"
                assert len(containers(first)) == len(containers(second)) == 1
        # The first built localdev on .env's base; the second found it built, the same inputs.
        assert REBUILT in dev_first.output and base in dev_first.output
        assert REBUILT not in dev_second.output
        docker("image", "inspect", image)

        # Their dev containers, side by side: each runs its own checkout, as the host user.
        ids = {}
        for checkout in (first, second):
            runner = devcontainer_user(checkout, devloop.uid)
            cli = [str(DEVCONTAINER_CLI), "--workspace-folder", str(checkout.path)]
            up = runner.run(cli[0], "up", *cli[1:])
            ids[checkout] = json.loads(up.output.strip().splitlines()[-1])["containerId"]
            runner.run(cli[0], "exec", *cli[1:], "touch", f"made-in-{checkout.path.name}.txt")
        tests = devcontainer_user(first, devloop.uid).run(
            str(DEVCONTAINER_CLI), "exec", "--workspace-folder", str(first.path), "pytest"
        )
        assert re.search(r"\d+ passed", tests.output)
        for checkout in (first, second):
            state = docker("inspect", "--format", "{{.State.Running}}", ids[checkout]).strip()
            assert state == "true", f"the dev container of {checkout.path.name} stopped"
            project_label = '{{index .Config.Labels "com.docker.compose.project"}}'
            assert (
                docker("inspect", "--format", project_label, ids[checkout]).strip() == checkout.compose_name
            )
            made = checkout.path / f"made-in-{checkout.path.name}.txt"
            assert made.stat().st_uid == devloop.uid
        assert (first.path / ".pytest_cache").stat().st_uid == devloop.uid
        assert not (first.path / f"made-in-{second.path.name}.txt").exists()
    finally:
        restore(second)
        for checkout in (first, second):
            for container in containers(checkout):
                docker("rm", "--force", container, check=False)
            checkout.run("docker", "compose", "down", "--volumes", check=False)
        # The CLI names the image it derives after the workspace folder, not the Compose project
        # (vsc-project-<hash>-uid): remove every vsc- image that appeared while it ran.
        derived = vsc_images() - before
        docker("image", "rm", "--force", *derived, base, check=False)
        shutil.rmtree(second.path, ignore_errors=True)
        for made in first.path.glob("made-in-*.txt"):
            made.unlink()
        (first.path / ".env").write_text(settings)
