"""Benchmark a baked project's Docker workflow against the patterns it grew from (issue 5).

Bakes a Flask service with seven common runtime dependencies and builds that same app, on the
same base image, in each of these ways:

  a     one stage, the code added before the requirements (article 002, the naive variant)
  b     the venv multi-stage Dockerfile (article 004)
  c     the multi-stage pattern of uv's Docker guide
  d     the baked project's own Dockerfile, through its invoke tasks (installer=pip)
  d-uv  the same with installer=uv (when cookiecutter.json has that question)

It measures cold builds, rebuilds after a code change and after a new dependency, the
edit->test loop, the edit->running-service loop (`invoke dev` against a rebuild and restart),
service image sizes and the new layers a code change adds, and writes the table to RESULTS.md
and to the README section between the benchmark markers.

Run from the repository root:
  python benchmarks/run.py [--runs N] [--cold-runs N] [--output PATH] [--only SCENARIO ...]
(--only runs some scenarios and leaves the README alone.)
"""

import argparse
import ast
import datetime
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.docker_env import docker_problem, python_image  # noqa: E402

BENCH = ROOT / "benchmarks"
LOG = BENCH / "results" / "run.log"  # every command's output, for a look after a run (git-ignored)
README = ROOT / "README.md"
MARKERS = ("<!-- benchmark:start -->", "<!-- benchmark:end -->")
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
# (key, label, unit); (a)-(c) have no test gate, so their numbers appear in both rows of a pair.
ROWS = [
    ("cold", "Cold build (d: `--skip-tests`)", "s"),
    ("cold_gate", "Cold build (d: with its test gate; a–c as above)", "s"),
    ("code", "Code change → rebuild service (d: `--skip-tests`)", "s"),
    ("code_gate", "Code change → rebuild service (d: with its test gate; a–c as above)", "s"),
    ("dep", "Add one dependency → rebuild service (d: `--skip-tests`)", "s"),
    ("loop_mount", "Edit → test: `invoke test --mount`", "s"),
    ("loop_pytest", "Edit → test: pytest's own time (as it reports)", "s"),
    ("loop_overhead", "Edit → test: `--mount` above pytest's own time", "s"),
    ("loop_build", "Edit → test: `invoke test` (rebuild and test)", "s"),
    ("dev_reload", "Edit → the running service answers with it: `invoke dev` (no build)", "s"),
    ("restart", "Edit → rebuild the service, restart it, answer (d: `invoke run --skip-tests`)", "s"),
    ("size", "Service image size", "B"),
    ("layers", "New layers after a code change (`docker save`, uncompressed)", "B"),
]
BASELINES = ("a", "b", "c")
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

    def run(self, command, cwd=None, env=None):
        """Run a command, appending its output to the log; (seconds, output). Stops on failure."""
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
        if result.returncode:
            sys.exit(f"{' '.join(map(str, command))} failed ({result.returncode}):\n{result.stdout[-3000:]}")
        return seconds, result.stdout

    def invoke(self, variant, *args):
        """Run one of a baked project's invoke tasks as a user would; (seconds, output)."""
        env = {
            **os.environ,
            "INVOKE_DOCKER_IMAGE": variant.image.split(":")[0],
            "INVOKE_DOCKER_PYTHON_IMAGE": self.base_image,
            "INVOKE_DOCKER_PROGRESS": "plain",
        }
        return self.run([sys.executable, "-m", "invoke", *args], cwd=variant.project, env=env)

    def build(self, variant, gate=None):
        """Build a variant's service image (d: gate=True runs its tests); (seconds, output)."""
        if variant.dockerfile is None:
            result = self.invoke(variant, "build", *([] if gate else ["--skip-tests"]))
        else:
            command = [
                "docker",
                "build",
                "--progress=plain",
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

    def record(self, row, variant, value, busy):
        """Keep one sample; (a)-(c) also fill the test-gate row of their pair."""
        rows = [row, f"{row}_gate"] if variant.dockerfile and f"{row}_gate" in self.samples else [row]
        for name in rows:
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


def docker(*args):
    """Run a docker command quietly; its stdout."""
    return subprocess.run(["docker", *args], check=True, capture_output=True, text=True).stdout


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


def inspect(image):
    """docker image inspect, parsed."""
    return json.loads(docker("image", "inspect", image))[0]


def new_layer_bytes(image, old_layers):
    """Bytes of the image's layers that old_layers lacks: what a push after the change uploads."""
    layers = inspect(image)["RootFS"]["Layers"]
    sizes, links, manifest = {}, {}, None
    with subprocess.Popen(["docker", "save", image], stdout=subprocess.PIPE) as save:
        with tarfile.open(fileobj=save.stdout, mode="r|") as archive:
            for member in archive:
                if member.name == "manifest.json":
                    manifest = json.load(archive.extractfile(member))
                elif member.issym():  # a layer saved once and linked from a second place
                    links[member.name] = os.path.normpath(Path(member.name).parent / member.linkname)
                else:
                    sizes[member.name] = member.size
    paths = [links.get(path, path) for path in manifest[0]["Layers"]]
    return sum(sizes[path] for layer, path in zip(layers, paths, strict=True) if layer not in old_layers)


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
        for name in ("setup.py", "requirements/base.txt", "requirements/test.txt", "requirements/dev.txt"):
            shutil.copyfile(first.project / name, other.project / name)
        bench.invoke(other, "lock", "--check")


def bake(output, installer=None):
    """Bake the template (Flask) into output; the project's path."""
    answers = ["framework=flask", f"project_slug={SLUG}"] + ([f"installer={installer}"] if installer else [])
    subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--no-input", "-o", output, ROOT, *answers],
        check=True,
        capture_output=True,
    )
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


# --- Scenarios ----------------------------------------------------------------------------


def cold_builds(bench, variants, runs):
    """Each build after `docker builder prune --all`: no layers, no cache mounts. The order
    turns by one variant each run, so none always follows the same (larger or smaller) prune."""
    for run in range(runs):
        for variant in variants[run % len(variants) :] + variants[: run % len(variants)]:
            for gate in variant.modes:
                wait_until_quiet()
                docker("builder", "prune", "--all", "--force")
                subprocess.run(["sync"], check=True)  # the prune's deletions on disk, not in the build
                seconds, _ = bench.timed("cold_gate" if gate else "cold", variant, bench.build, variant, gate)
                print(f"  cold {run + 1}/{runs} {variant.key}{' gate' * bool(gate)}: {seconds:.1f} s")


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


def free_port():
    """A TCP port nothing listens on, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/hello/bench", timeout=2) as response:
                if token in json.loads(response.read())["message"]:
                    return
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    sys.exit(f"no answer with {token} on port {port} within {timeout} s")


def background_invoke(bench, variant, *args, port):
    """One of the project's invoke tasks in the background, its output appended to the log."""
    env = {
        **os.environ,
        "INVOKE_DOCKER_IMAGE": variant.image.split(":")[0],
        "INVOKE_DOCKER_PYTHON_IMAGE": bench.base_image,
        "INVOKE_DOCKER_PROGRESS": "plain",
        "INVOKE_DOCKER_PORT": str(port),
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


SCENARIOS = {
    "cold": ("Cold builds", cold_builds),
    "code": ("Code changes", code_changes),
    "loop": ("Edit→test loop", edit_test_loop),
    "dependency": ("New dependency", new_dependency),
    "running": ("Edit→running service", running_service),
}


# --- Report -------------------------------------------------------------------------------


def human_bytes(value):
    """1234567 -> '1.2 MB' (decimal units, as the goals are written)."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if value >= size:
            return f"{value / size:.1f} {unit}"
    return f"{value:.0f} B"


def difference(value, other):
    """'12.3 kB smaller than' / 'larger than' / 'as large as': sizes that round alike still differ."""
    if value == other:
        return "as large as"
    return f"{human_bytes(abs(value - other))} {'smaller' if value < other else 'larger'} than"


def human(value, unit):
    """A number in its unit: seconds or bytes."""
    if unit == "B":
        return human_bytes(value)
    return f"{value:.2f} s" if abs(value) < 10 else f"{value:.1f} s"


def median(bench, row, key):
    """Median of a row's samples for a variant, or None."""
    samples = bench.samples[row].get(key)
    return statistics.median(v for v, _ in samples) if samples else None


def cell(bench, row, key, unit):
    """'median (min–max)', marked † when a sample was taken while something else ran."""
    samples = bench.samples[row].get(key)
    if not samples:
        return "—"
    values = [v for v, _ in samples]
    text = human(statistics.median(values), unit)
    if len(values) > 1 and unit == "s":
        text += f" ({min(values):.2f}–{max(values):.2f})"
    elif human(min(values), unit) != human(max(values), unit):
        text += f" ({human(min(values), unit)}–{human(max(values), unit)})"
    return text + " †" * any(busy for _, busy in samples)


def table(bench, variants):
    """The results as a Markdown table: medians (min–max) and the ratios of (d) to (a)-(c)."""
    ours = [v.key for v in variants if v.dockerfile is None]
    ratios = [(d, x) for d in ours for x in BASELINES]
    header = ["Scenario", *(f"({v.key})" for v in variants), *(f"{d}/{x}" for d, x in ratios)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row, label, unit in ROWS:
        cells = [cell(bench, row, v.key, unit) for v in variants]
        for d, x in ratios:
            top, bottom = median(bench, row, d), median(bench, row, x)
            cells.append(f"{top / bottom:.2f}×" if top is not None and bottom else "—")
        lines.append("| " + " | ".join([label, *cells]) + " |")
    return "\n".join(lines)


def goals(bench, key):
    """The issue's goals for one baked variant: (goal, met or None when unmeasured, the numbers)."""
    m = {row: {v: median(bench, row, v) for v in (key, *BASELINES)} for row, _, _ in ROWS}
    h = human

    def check(goal, rows, test, detail):
        """One goal; None when one of its numbers is missing."""
        if any(m[row][v] is None for row, v in rows):
            return goal, None, ""
        return goal, test(), detail()

    def at_most(goal, row, c_row, factor):
        """The goal that this variant's `row` takes at most `factor` times (c)'s `c_row`."""
        return check(
            goal,
            [(row, key), (c_row, "c")],
            lambda: m[row][key] <= factor * m[c_row]["c"],
            lambda: (
                f"{h(m[row][key], 's')}, {m[row][key] / m[c_row]['c']:.2f}× (c) ({h(m[c_row]['c'], 's')})"
            ),
        )

    return [
        check(
            "code-change rebuild, service, `--skip-tests` ≤ 1.0 s and ≤ 0.4× (b)",
            [("code", key), ("code", "b")],
            lambda: m["code"][key] <= 1.0 and m["code"][key] <= 0.4 * m["code"]["b"],
            lambda: (
                f"{h(m['code'][key], 's')}, {m['code'][key] / m['code']['b']:.2f}× (b) "
                f"({h(m['code']['b'], 's')})"
            ),
        ),
        check(
            "new layers after a code change ≤ 1 MB",
            [("layers", key)],
            lambda: m["layers"][key] <= 1e6,
            lambda: (
                f"{human_bytes(m['layers'][key])}; (a) {human_bytes(m['layers']['a'])}, "
                f"(b) {human_bytes(m['layers']['b'])}, (c) {human_bytes(m['layers']['c'])}"
            ),
        ),
        check(
            "cold build (`--skip-tests`) no slower than (c)",
            [("cold", key), ("cold", "c")],
            lambda: m["cold"][key] <= m["cold"]["c"],
            lambda: (
                f"{h(m['cold'][key], 's')} vs (c) {h(m['cold']['c'], 's')}; "
                f"with the test gate {h(m['cold_gate'][key], 's')}"
            ),
        ),
        at_most(
            "code-change rebuild, service, with the test gate ≤ 0.6× (c)'s (ungated) rebuild",
            "code_gate",
            "code",
            0.6,
        ),
        at_most("cold build with the test gate ≤ 1.15× (c)'s cold build", "cold_gate", "cold", 1.15),
        check(
            "service image smaller than (b) and (c)",
            [("size", key), ("size", "b"), ("size", "c")],
            lambda: m["size"][key] < min(m["size"]["b"], m["size"]["c"]),
            lambda: (
                f"{human_bytes(m['size'][key])} vs (b) {human_bytes(m['size']['b'])}, "
                f"(c) {human_bytes(m['size']['c'])}; {difference(m['size'][key], m['size']['b'])} (b), "
                f"{difference(m['size'][key], m['size']['c'])} (c)"
            ),
        ),
        check(
            "edit→running service (`invoke dev`) ≤ 1.5 s, with no image build",
            [("dev_reload", key)],
            lambda: m["dev_reload"][key] <= 1.5,
            lambda: (
                f"{h(m['dev_reload'][key], 's')}; rebuild and restart: (d) {h(m['restart'][key], 's')}, "
                f"(a) {h(m['restart']['a'], 's')}, (b) {h(m['restart']['b'], 's')}, "
                f"(c) {h(m['restart']['c'], 's')}"
            ),
        ),
        check(
            "edit→test loop (`invoke test --mount`) ≤ 1.5 s above pytest's own time",
            [("loop_overhead", key)],
            lambda: m["loop_overhead"][key] <= 1.5,
            lambda: (
                f"{h(m['loop_overhead'][key], 's')} above pytest's {h(m['loop_pytest'][key], 's')} "
                f"({h(m['loop_mount'][key], 's')} in all)"
            ),
        ),
    ]


def machine(base_image):
    """One line naming the machine, the engine and the base image."""
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    memory = int(re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text()).group(1)) * 1024
    engine = docker("version", "--format", "{{.Server.Version}}").strip()
    buildx = docker("buildx", "version").split()[1]
    image_id = inspect(base_image)["Id"].split(":")[1][:12]
    return (
        f"{os.cpu_count()} CPUs ({cpu.group(1).strip() if cpu else 'unknown CPU'}), "
        f"{memory / 2**30:.1f} GiB RAM, Docker Engine {engine} with buildx {buildx}, "
        f"base image `{base_image}` ({image_id})"
    )


def report(bench, variants, args, started, base_image):
    """The Markdown report: when, where, the table and the goal checklist."""
    date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    checklist = []
    for key in [v.key for v in variants if v.dockerfile is None]:
        for goal, met, detail in goals(bench, key):
            status = "not measured" if met is None else ("**met**" if met else "**not met**") + f": {detail}"
            checklist.append(f"- ({key}) {goal}: {status}")
    legend = "\n".join(f"- ({v.key}) {v.title}" for v in variants)
    busy = (
        f"† marks cells with a sample taken while a pytest run or docker build not the benchmark's "
        f"ran on the machine ({bench.busy} samples in all)."
        if bench.busy
        else "No sample was taken while a pytest run or docker build not the benchmark's ran."
    )
    minutes = (time.perf_counter() - started) / 60
    return f"""Measured {date} on {machine(base_image)}.
`python benchmarks/run.py --runs {args.runs} --cold-runs {args.cold_runs}`: {args.cold_runs} cold builds and \
{args.runs} warm runs per scenario and variant, {minutes:.0f} min in all. Cells are median (min–max).

{legend}

{table(bench, variants)}

- {busy}
- Cold builds follow `docker builder prune --all`, which also empties the cache mounts, and `sync`;
  the variants' order turns by one each run.
- Each code change appends a new comment line to a source file.
- Each added dependency is a different one ({", ".join(NEW_DEPENDENCIES[: args.runs])}), locked with
  `invoke lock` (not timed) into the lock files every variant installs.
- New layers are the rebuilt image's layers that the previous image lacks, sized uncompressed as
  `docker save` writes them.

Goals for the baked project:

{chr(10).join(checklist)}
"""


def publish(text, output, readme_too=True):
    """Write the report, and replace the README's benchmark section when it has the markers."""
    output.write_text(f"# Benchmark results\n\nWritten by `benchmarks/run.py`.\n\n{text}")
    if not readme_too:
        return
    readme = README.read_text()
    start, end = MARKERS
    if start in readme and end in readme.split(start, 1)[1]:
        head, rest = readme.split(start, 1)
        README.write_text(f"{head}{start}\n{text}\n{end}{rest.split(end, 1)[1]}")


def clean_up(bench):
    """Remove the images this run made: every pdt-bench-* tag, and the images rebuilds untagged."""
    tags = [
        t
        for t in docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}").split()
        if t.startswith(f"{PREFIX}-")
    ]
    for image in [*tags, *bench.images]:
        subprocess.run(["docker", "image", "rm", "--force", image], capture_output=True)


def main():
    """Parse the arguments, bake, measure every scenario, report and clean up."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="warm runs per scenario (default 5)")
    parser.add_argument("--cold-runs", type=int, default=5, help="cold builds per variant (default 5)")
    parser.add_argument("--output", type=Path, default=BENCH / "RESULTS.md", help="the Markdown report")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=SCENARIOS,
        help="run only these scenarios (and leave the README's results alone)",
    )
    args = parser.parse_args()
    if not 1 <= args.runs <= len(NEW_DEPENDENCIES):
        parser.error(f"--runs must be 1 to {len(NEW_DEPENDENCIES)} (one new dependency per run)")
    if problem := docker_problem():
        sys.exit(problem)
    options = json.loads((ROOT / "cookiecutter.json").read_text())
    # The template's default Python, which the bakes below get too.
    version = options["python_version"][0]
    base_image = python_image(version)
    if base_image is None:
        sys.exit(f"No python:{version}-slim image (nor its stand-in): run scripts/provision-docker.")
    started = time.perf_counter()
    LOG.parent.mkdir(exist_ok=True)
    LOG.write_text("")
    installers = options.get("installer")
    with tempfile.TemporaryDirectory(prefix="pdt-bench-") as tmp:
        project = bake(Path(tmp, "d"), "pip" if installers else None)
        files = BENCH / "dockerfiles"
        variants = [
            Variant(
                "a",
                "single stage, code added before the requirements (article 002)",
                project,
                files / "a-naive.Dockerfile",
            ),
            Variant("b", "venv multi-stage (article 004)", project, files / "b-venv-multistage.Dockerfile"),
            Variant("c", "uv's Docker guide, multi-stage", project, files / "c-uv-guide.Dockerfile"),
            Variant(
                "d",
                "the baked project through its invoke tasks" + " (installer=pip)" * bool(installers),
                project,
            ),
        ]
        if installers and "uv" in installers:
            variants.append(
                Variant(
                    "d-uv",
                    "the baked project with installer=uv, through its invoke tasks",
                    bake(Path(tmp, "d-uv"), "uv"),
                )
            )
        bench = Bench(base_image, tmp)
        try:
            print(f"Locking the benchmark's dependencies (base image {base_image}) ...")
            lock(bench, variants)
            for name in args.only or SCENARIOS:
                title, scenario = SCENARIOS[name]
                print(f"{title} ...")
                scenario(bench, variants, args.cold_runs if name == "cold" else args.runs)
        finally:
            clean_up(bench)
        text = report(bench, variants, args, started, base_image)
    publish(text, args.output, readme_too=not args.only)
    print(f"\n{text}\nWritten to {args.output}")


if __name__ == "__main__":
    main()
