"""What the benchmark measures: the ways to build the app (variants), the commands that build,
time and record them (Bench), and the scenarios, each a function of (bench, variants, runs)."""

import ast
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from benchmarks import database, engine, rollout, runtime
from benchmarks.report import ROWS, human_bytes
from harness import projects
from harness.docker import docker, inspect, new_layer_bytes
from harness.hooks import BUILD_LOCK, set_locks
from harness.network import free_port, get_json
from harness.template import ROOT

BENCH = ROOT / "benchmarks"
LOG = BENCH / "results" / "run.log"  # every command's output, for a look after a run (git-ignored)
SLUG, PACKAGE, PREFIX = "bench-service", "bench_service", "pdt-bench"
# Added to the template's own flask and gunicorn, whose lower bounds are kept.
DEPENDENCIES = ["sqlalchemy>=2.0", "psycopg[binary]>=3.1", "pydantic>=2.0", "requests>=2.31", "numpy>=2.0"]
# One new dependency per run of the add-a-dependency scenario, each new to the build cache.
NEW_DEPENDENCIES = [
    "python-dateutil",
    "attrs",
    "tabulate",
    "cachetools",
    "more-itertools",
    "toolz",
    "humanize",
    "pytz",
    "platformdirs",
    "tomli-w",
]
# The app keeps its state in DATA_DIR; (a)-(c) make no data directory of their own, so /tmp it is.
RUN_OPTIONS = ["--env", "DATA_DIR=/tmp"]


@dataclass
class Variant:
    """One way to build the app: a comparison Dockerfile, or a baked project's own tasks."""

    key: str
    title: str
    project: Path
    dockerfile: Path | None = None  # None: the project's own Dockerfile, through invoke

    @property
    def image(self):
        """The service image's tag."""
        return f"{PREFIX}-{self.key}:latest"

    @property
    def modes(self):
        """The builds a code change is measured with: --skip-tests and the test gate for (d)."""
        return [None] if self.dockerfile else [False, True]


class Bench:
    """The measurements of one benchmark run, and the commands that take them."""

    def __init__(self, base_image, secrets_dir):
        self.base_image = base_image
        self.secrets = secret_args(secrets_dir)
        self.samples = {row: {} for row, _, _ in ROWS}  # row -> variant key -> [(value, busy)]
        self.busy = 0
        self.images = set()  # the ids of every image built, for clean_up()
        self.dangling = dangling_images()  # untagged before the run: not ours to remove
        self.tmp = secrets_dir  # where scenarios may bake projects of their own
        self.runtime = {}  # the running services' measurements (benchmarks/runtime.py)
        self.database = {}  # the gated rebuilds with SQLite and PostgreSQL (benchmarks/database.py)
        self.rollout = {}  # deploys on Swarm under load (benchmarks/rollout.py)
        self.steps = {}  # variant key -> [{step: seconds}] of each cold gated build
        # row -> variant key -> [seconds] of each cold build less its waits before secret mounts
        self.unwaited = {"cold": {}, "cold_gate": {}}
        self.engine = ""  # the engine's facts that move build times (benchmarks/engine.py)

    def run(self, command, cwd=None, env=None, check=True):
        """Run a command, appending its output to the log; (seconds, output). Stops on failure
        unless check is False."""
        started = time.perf_counter()
        result = subprocess.run(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        seconds = time.perf_counter() - started
        with LOG.open("a") as log:
            log.write(f"\n$ {' '.join(map(str, command))}  [{cwd or '.'}, {seconds:.2f} s]\n{result.stdout}")
        if check and result.returncode:
            sys.exit(f"{' '.join(map(str, command))} failed ({result.returncode}):\n{result.stdout[-3000:]}")
        return seconds, result.stdout

    def env(self, variant, progress="plain"):
        """The environment a baked project's invoke tasks run in: its image name, the base image."""
        return {
            **os.environ,
            "SERVICE_IMAGE": variant.image.split(":")[0],
            "PYTHON_IMAGE": self.base_image,
            "BUILDKIT_PROGRESS": progress,
        }

    def invoke(self, variant, *args, progress="plain"):
        """Run one of a baked project's invoke tasks as a user would; (seconds, output)."""
        command = [sys.executable, "-m", "invoke", *args]
        return self.run(command, cwd=variant.project, env=self.env(variant, progress))

    def build(self, variant, gate=None, progress="plain"):
        """Build a variant's service image (d: gate=True runs its tests); (seconds, output), the
        output in BuildKit's `progress` format (plain, or rawjson: each step's times)."""
        if variant.dockerfile is None:
            result = self.invoke(variant, "build", *([] if gate else ["--skip-tests"]), progress=progress)
        else:
            command = [
                "docker",
                "build",
                f"--progress={progress}",
                "--file",
                variant.dockerfile,
                "--tag",
                variant.image,
                "--build-arg",
                f"PYTHON_IMAGE={self.base_image}",
                *self.secrets,
                variant.project,
            ]
            result = self.run(command, env={**os.environ, "DOCKER_BUILDKIT": "1"})
        self.images.add(inspect(variant.image)["Id"])
        return result

    def rows(self, row, variant):
        """The rows a sample fills: (a)-(c), which have no test gate, also fill its pair's."""
        return [row, f"{row}_gate"] if variant.dockerfile and f"{row}_gate" in self.samples else [row]

    def record(self, row, variant, value, busy):
        """Keep one sample (in each of bench.rows)."""
        for name in self.rows(row, variant):
            self.samples[name].setdefault(variant.key, []).append((value, busy))
        self.busy += busy

    def timed(self, row, variant, command, *args):
        """command(*args) -> (seconds, output); records the seconds, and whether a pytest run or
        docker build not ours was running before or after it."""
        before = foreign_activity()
        seconds, output = command(*args)
        self.record(row, variant, seconds, bool(before or foreign_activity()))
        return seconds, output


def secret_args(directory):
    """--secret arguments giving (a)-(c) what the baked tasks give (d): pip.conf and the CA bundle."""
    cert = os.environ.get("PIP_CERT")
    index, extra = os.environ.get("PIP_INDEX_URL"), os.environ.get("PIP_EXTRA_INDEX_URL")
    lines = ["[global]"] + [f"index-url = {index}"] * bool(index)
    lines += [f"extra-index-url = {extra}"] * bool(extra) + ["cert = /run/secrets/ca_cert"] * bool(cert)
    pip_conf = Path(directory, "pip.conf")
    pip_conf.touch(mode=0o600)
    pip_conf.write_text("\n".join(lines) + "\n")
    args = ["--secret", f"id=pip_conf,src={pip_conf}"]
    return args + (["--secret", f"id=ca_cert,src={cert}"] if cert else [])


def foreign_activity():
    """PIDs of pytest runs and docker builds now running that are not ours (CI, colleagues)."""
    pattern = "pytest|docker build|buildx build"
    return subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout.split()


def wait_until_quiet():
    """Wait until no pytest run or docker build is running: never prune the cache under CI."""
    waited = False
    while pids := foreign_activity():
        if not waited:
            print(f"  waiting for pytest runs and docker builds to end, to prune (pids {' '.join(pids)})")
            waited = True
        time.sleep(10)


def edit_code(project):
    """A one-line code change, new to the build cache."""
    with open(project / "src" / PACKAGE / "store.py", "a") as source:
        source.write(f"# benchmark edit {uuid.uuid4()}\n")


def set_requirements(project, extra=()):
    """Declare the benchmark's runtime dependencies in setup.py (template bounds for flask, gunicorn)."""
    setup = project / "setup.py"
    text = setup.read_text()
    match = re.search(r"install_requires=(\[.*?\]),", text, re.DOTALL)
    kept = [r for r in ast.literal_eval(match.group(1)) if re.match(r"(flask|gunicorn)\b", r)]
    listed = "".join(f'        "{r}",\n' for r in [*kept, *DEPENDENCIES, *extra])
    setup.write_text(f"{text[: match.start()]}install_requires=[\n{listed}    ],{text[match.end() :]}")


def lock(bench, variants):
    """`invoke lock` in the first baked project; the others get the same setup.py and lock files."""
    first, *others = [v for v in variants if v.dockerfile is None]
    bench.invoke(first, "lock")
    for other in others:
        for name in ("setup.py", *(f"requirements/{n}" for n in (*set_locks(), BUILD_LOCK))):
            shutil.copyfile(first.project / name, other.project / name)
        bench.invoke(other, "lock", "--check")


def bake(output, installer=None):
    """Bake the template (Flask) into output; the project's path."""
    answers = ["framework=flask", f"project_slug={SLUG}"] + ([f"installer={installer}"] if installer else [])
    projects.bake(output, *answers, check=True, capture_output=True)
    project = Path(output, SLUG)
    set_requirements(project)
    return project


def smoke_test(variant):
    """Start the service image and wait for /healthz: every variant must run the same app."""
    container = docker("run", "--detach", *RUN_OPTIONS, "--publish", "127.0.0.1::8000", variant.image).strip()
    try:
        port = docker("port", container, "8000").splitlines()[0].rsplit(":", 1)[1]
        for _ in range(60):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        sys.exit(f"{variant.image} never answered /healthz:\n{docker('logs', container)}")
    finally:
        docker("rm", "--force", container)


def pytest_seconds(output):
    """pytest's own reported duration ("N passed in X.XXs")."""
    return float(re.findall(r"\d+ passed\b.*? in ([\d.]+)s", output)[-1])


def cold_builds(bench, variants, runs):
    """Each build after `docker builder prune --all`: no layers, no cache mounts. The order
    turns by one variant each run, so none always follows the same (larger or smaller) prune."""
    for run in range(runs):
        for variant in variants[run % len(variants) :] + variants[: run % len(variants)]:
            for gate in variant.modes:
                wait_until_quiet()
                docker("builder", "prune", "--all", "--force")
                subprocess.run(["sync"], check=True)  # the prune's deletions on disk, not in the build
                row = "cold_gate" if gate else "cold"
                seconds, output = bench.timed(row, variant, bench.build, variant, gate, "rawjson")
                waited = engine.secret_waits(output)
                for name in bench.rows(row, variant):
                    bench.unwaited[name].setdefault(variant.key, []).append(seconds - waited)
                print(
                    f"  cold {run + 1}/{runs} {variant.key}{' gate' * bool(gate)}: {seconds:.1f} s, "
                    f"{waited:.1f} s of it waiting before secret mounts"
                )
                if gate:
                    bench.steps.setdefault(variant.key, []).append(engine.step_seconds(output))


def plain_step_seconds(output):
    """BuildKit plain-progress output -> {step title: seconds it took} (cached steps aside)."""
    titles = dict(re.findall(r"^#(\d+) (\[.+)$", output, re.MULTILINE))
    done = re.findall(r"^#(\d+) DONE ([\d.]+)s$", output, re.MULTILINE)
    return {titles[n]: float(t) for n, t in done if n in titles}


def code_changes(bench, variants, runs):
    """A one-line code change, then the service rebuild; its size and new layers."""
    for variant in variants:  # warm: what the first timed change rebuilds on
        for gate in variant.modes:
            bench.build(variant, gate)
        smoke_test(variant)
    for run in range(runs):
        for variant in variants:
            for gate in variant.modes:
                before = set(inspect(variant.image)["RootFS"]["Layers"])
                edit_code(variant.project)
                seconds, _ = bench.timed("code_gate" if gate else "code", variant, bench.build, variant, gate)
                new = new_layer_bytes(variant.image, before)
                size = inspect(variant.image)["Size"]
                bench.record("layers", variant, new, False)
                bench.record("size", variant, size, False)
                print(
                    f"  code {run + 1}/{runs} {variant.key}{' gate' * bool(gate)}: {seconds:.2f} s, "
                    f"{human_bytes(new)} new, image {human_bytes(size)}"
                )


def edit_test_loop(bench, variants, runs):
    """(d) only: an edit, then `invoke test --mount`, and an edit, then `invoke test`."""
    baked = [v for v in variants if v.dockerfile is None]
    for variant in baked:  # warm: the localdev image and the test stages exist
        bench.invoke(variant, "test", "--mount")
        bench.invoke(variant, "test")
    for run in range(runs):
        for variant in baked:
            edit_code(variant.project)
            mount, output = bench.timed("loop_mount", variant, bench.invoke, variant, "test", "--mount")
            own = pytest_seconds(output)
            bench.record("loop_pytest", variant, own, False)
            bench.record("loop_overhead", variant, mount - own, False)
            edit_code(variant.project)
            rebuild, _ = bench.timed("loop_build", variant, bench.invoke, variant, "test")
            print(
                f"  loop {run + 1}/{runs} {variant.key}: --mount {mount:.2f} s (pytest {own:.2f} s), "
                f"rebuild and test {rebuild:.2f} s"
            )


def new_dependency(bench, variants, runs):
    """A dependency new to every cache, locked (not timed), then each service rebuild."""
    for run in range(runs):
        package = NEW_DEPENDENCIES[run]
        for variant in variants:
            if variant.dockerfile is None:
                set_requirements(variant.project, [package])
        lock(bench, variants)
        for variant in variants:
            seconds, _ = bench.timed("dep", variant, bench.build, variant, False)
            print(f"  dependency {run + 1}/{runs} (+{package}) {variant.key}: {seconds:.1f} s")


def edit_response(project, token):
    """Change what /hello answers, so that a response tells which edit served it."""
    app = project / "src" / PACKAGE / "app.py"
    pattern = r'message=f"Hello[^"]*, \{name\}!"'
    app.write_text(re.sub(pattern, f'message=f"Hello {token}, {{name}}!"', app.read_text()))


def wait_for_answer(port, token, process=None, timeout=120):
    """Poll /hello until its answer has token; fail when the process serving it ended."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if process is not None and process.poll() is not None:
            sys.exit(f"the service exited ({process.returncode}) before answering; see {LOG}")
        try:
            if token in get_json(f"http://127.0.0.1:{port}/hello/bench")[1]["message"]:
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    sys.exit(f"no answer with {token} on port {port} within {timeout} s")


def background_invoke(bench, variant, *args, port):
    """One of the project's invoke tasks in the background, its output appended to the log."""
    env = {
        **bench.env(variant),
        "SERVICE_PORT": str(port),
        "COMPOSE_PROJECT_NAME": variant.image.split(":")[0],
    }
    with LOG.open("a") as log:
        log.write(f"\n$ invoke {' '.join(args)}  [{variant.project}, background]\n")
        log.flush()
        return subprocess.Popen(
            [sys.executable, "-m", "invoke", *args],
            cwd=variant.project,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop(process, *filters):
    """Remove the containers matching the docker ps filters, then end the process."""
    ids = docker("ps", "--all", "--quiet", *(f"--filter={f}" for f in filters)).split()
    if ids:
        docker("rm", "--force", *ids)
    if process is not None:
        process.kill()
        process.wait(30)


def running_service(bench, variants, runs):
    """An edit, then the time until the running service answers with it: (d) `invoke dev`,
    which reloads without a build, against rebuilding the service image and restarting it."""
    for variant in variants:
        port = free_port()
        bench.build(variant, False)  # warm: what the first timed rebuild starts from
        for run in range(runs):
            token = uuid.uuid4().hex[:8]
            edit_response(variant.project, token)
            busy = foreign_activity()
            started = time.perf_counter()
            if variant.dockerfile:
                bench.build(variant)
                docker("run", "--detach", *RUN_OPTIONS, "--publish", f"127.0.0.1:{port}:8000", variant.image)
                wait_for_answer(port, token)
                process = None
            else:
                process = background_invoke(bench, variant, "run", "--skip-tests", port=port)
                wait_for_answer(port, token, process)
            seconds = time.perf_counter() - started
            bench.record("restart", variant, seconds, bool(busy or foreign_activity()))
            stop(process, f"ancestor={variant.image}")
            print(f"  restart {run + 1}/{runs} {variant.key}: {seconds:.2f} s")
        if variant.dockerfile:
            continue
        process = background_invoke(bench, variant, "dev", port=port)
        label = f"label=com.docker.compose.project={variant.image.split(':')[0]}"
        try:
            token = uuid.uuid4().hex[:8]
            edit_response(variant.project, token)
            wait_for_answer(port, token, process)  # warm: the localdev image exists and serves
            for run in range(runs):
                token = uuid.uuid4().hex[:8]
                busy = foreign_activity()
                started = time.perf_counter()
                edit_response(variant.project, token)
                wait_for_answer(port, token, process, timeout=30)
                seconds = time.perf_counter() - started
                bench.record("dev_reload", variant, seconds, bool(busy or foreign_activity()))
                print(f"  invoke dev {run + 1}/{runs} {variant.key}: {seconds:.2f} s")
        finally:
            stop(process, label)
            subprocess.run(  # the dev service's network and volume
                ["docker", "compose", "down", "--volumes"],
                cwd=variant.project,
                env={**os.environ, "COMPOSE_PROJECT_NAME": variant.image.split(":")[0]},
                capture_output=True,
            )


def running_services(bench, variants, runs):
    """Each framework's default bake, running: start, throughput, latency, memory, vs its peer."""
    bench.runtime = runtime.measure(bench.base_image, bench.tmp, runs)


def database_server(bench, variants, runs):
    """The flask bake with SQLite and with PostgreSQL: what the tests' server adds to the gate."""
    bench.database = database.measure(bench, runs)


def swarm_rollout(bench, variants, runs):
    """The flask postgres bake on Swarm: rolling updates and a rollback under a steady load."""
    bench.rollout = rollout.measure(bench, runs)


SCENARIOS = {
    "cold": ("Cold builds", cold_builds),
    "code": ("Code changes", code_changes),
    "loop": ("Edit→test loop", edit_test_loop),
    "dependency": ("New dependency", new_dependency),
    "running": ("Edit→running service", running_service),
    "runtime": ("The running service, per framework", running_services),
    "database": ("The tests' PostgreSQL server in the gated rebuild", database_server),
    "rollout": ("Rolling updates on Swarm under load", swarm_rollout),
}


def dangling_images():
    """The ids of the engine's untagged images."""
    return set(docker("image", "ls", "--quiet", "--filter", "dangling=true").split())


def clean_up(bench):
    """Remove the images this run made: every pdt-bench-* tag, and the images rebuilds untagged
    (the tasks' own rebuilds too, such as `invoke run`'s)."""
    tags = [
        t
        for t in docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}").split()
        if t.startswith(f"{PREFIX}-")
    ]
    for image in [*tags, *bench.images]:
        subprocess.run(["docker", "image", "rm", "--force", image], capture_output=True)
    for image in dangling_images() - bench.dangling:
        subprocess.run(["docker", "image", "rm", image], capture_output=True)
