"""What a running service is judged by, for each framework's default bake: start → first 200 and
→ Docker's `healthy`, throughput and tail latency under a bounded loopback load (wrk), against the
same app in the same image served as its peers serve it, and memory at rest and under that load.

wrk runs in the container's own network namespace (nsenter), against its loopback: the figures are
the server's. From the host, each run also measured what the runs before left there: gunicorn's
sync workers close every connection, so a run opens tens of thousands through docker's bridge and
NAT, and the next run met some 14,000 sockets in TIME_WAIT and as many conntrack entries (the same
container served 3102, then 810 and 755 requests/s; runs varied 3-4x, in turns). A container's
namespace is new with it."""

import os
import re
import shutil
import statistics
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

from harness import projects
from harness.docker import docker, production
from harness.network import free_port

FRAMEWORKS = ("flask", "fastapi", "django")
SLUG, PACKAGE = "runtime-service", "runtime_service"
CPUS = os.cpu_count()
# wrk's load: bounded (a fixed number of connections), long enough for a steady rate.
CONNECTIONS, THREADS, SECONDS = 16, 2, 10
PATH = "/hello/bench"
# The same app as its peers serve it, in the same image, the worker count they recommend.
PEERS = {
    "flask": (
        f"gunicorn, 2×{CPUS}+1 sync workers",
        ["gunicorn", "--workers", str(2 * CPUS + 1), "--bind", "0.0.0.0:8000", f"{PACKAGE}.app:create_app()"],
    ),
    "fastapi": (
        f"uvicorn, {CPUS} workers (as `fastapi run --workers {CPUS}`)",
        ["uvicorn", "--factory", f"{PACKAGE}.app:create_app", "--workers", str(CPUS), "--host", "0.0.0.0"],
    ),
    "django": (
        f"gunicorn, 2×{CPUS}+1 sync workers",
        ["gunicorn", "--workers", str(2 * CPUS + 1), "--bind", "0.0.0.0:8000", f"{PACKAGE}.wsgi:application"],
    ),
}
ROWS = [
    ("first_200", "`docker run` → first 200 from /healthz", "s"),
    ("healthy", "`docker run` → Docker's `healthy`", "s"),
    ("requests", f"requests/s (wrk, {CONNECTIONS} connections, {SECONDS} s, {PATH})", "n"),
    ("p50", "latency p50", "ms"),
    ("p99", "latency p99", "ms"),
    ("errors", "failed requests (non-2xx, socket errors)", "n"),
    ("memory_rest", "memory at rest (`docker stats`)", "MiB"),
    ("memory_load", "memory under the load", "MiB"),
]


def ensure_wrk():
    """wrk on PATH, from Debian's packages when missing (the machine's root installs it), and the
    root that nsenter needs to enter a container's network namespace."""
    if os.geteuid() != 0 or not shutil.which("nsenter"):
        raise SystemExit(
            "The running-service scenario runs wrk in each container's network namespace: "
            "run it as root, with nsenter (util-linux)."
        )
    if shutil.which("wrk"):
        return
    if shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: install it (Debian: apt-get install wrk).")


def answers(port, path="/healthz"):
    """True when GET path answers 200."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def health(container):
    return docker("inspect", "--format", "{{.State.Health.Status}}", container).strip()


def memory_mib(container):
    """The container's memory use as `docker stats` reports it, in MiB."""
    usage = docker("stats", "--no-stream", "--format", "{{.MemUsage}}", container).split("/")[0].strip()
    number, unit = re.fullmatch(r"([\d.]+)\s*([KMG]i?B|B)", usage).groups()
    scale = {
        "B": 2**-20,
        "KiB": 2**-10,
        "kB": 1e3 / 2**20,
        "MiB": 1,
        "MB": 1e6 / 2**20,
        "GiB": 2**10,
        "GB": 1e9 / 2**20,
    }
    return float(number) * scale[unit]


def load(container):
    """wrk against the service, on the container's loopback: {requests, p50, p99 (ms), errors}."""
    pid = docker("inspect", "--format", "{{.State.Pid}}", container).strip()
    url = f"http://127.0.0.1:8000{PATH}"
    command = ["nsenter", f"--net=/proc/{pid}/ns/net", "wrk", f"-t{THREADS}", f"-c{CONNECTIONS}"]
    command += [f"-d{SECONDS}s", "--latency", url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    units = {"us": 1e-3, "ms": 1, "s": 1e3}

    def percentile(p):
        value, unit = re.search(rf"^\s*{p}%\s+([\d.]+)(us|ms|s)\b", output, re.M).groups()
        return float(value) * units[unit]

    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    errors += int((re.search(r"Non-2xx or 3xx responses: (\d+)", output) or [0, 0])[1])
    requests = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return {"requests": requests, "p50": percentile(50), "p99": percentile(99), "errors": errors}


def start_times(image, data, runs):
    """(seconds to the first 200, seconds to `healthy`) of each of `runs` fresh containers."""
    samples = []
    for _ in range(runs):
        port = free_port()
        started = time.perf_counter()
        container = docker("run", "--detach", *production(data, port), image).strip()
        try:
            while not answers(port):
                if time.perf_counter() - started > 60:
                    raise SystemExit(f"{image} did not answer within 60 s:\n{docker('logs', container)}")
                time.sleep(0.01)
            first = time.perf_counter() - started
            while health(container) != "healthy":
                if time.perf_counter() - started > 60:
                    raise SystemExit(f"{image} did not turn healthy within 60 s")
                time.sleep(0.05)
            samples.append((first, time.perf_counter() - started))
        finally:
            docker("rm", "--force", container)
    return samples


def under_load(image, data, command=()):
    """Throughput, latency and memory of one container (our command, or a peer's)."""
    port = free_port()
    options = [*production(data, port)]
    if command:
        options += ["--entrypoint", command[0]]
    container = docker("run", "--detach", *options, image, *command[1:]).strip()
    try:
        deadline = time.perf_counter() + 60
        while not answers(port, PATH):
            if time.perf_counter() > deadline:
                raise SystemExit(f"{image} {' '.join(command)} did not answer:\n{docker('logs', container)}")
            time.sleep(0.05)
        time.sleep(2)  # at rest: every worker up
        rest = memory_mib(container)
        peak = []
        sampler = threading.Timer(SECONDS / 2, lambda: peak.append(memory_mib(container)))
        sampler.start()
        result = load(container)
        sampler.join()
        return {**result, "memory_rest": rest, "memory_load": peak[0]}
    finally:
        docker("rm", "--force", container)


def measure(base_image, tmp, runs):
    """{framework: {"ours": {row: [values]}, "peer": {row: [values]}}} for each default bake."""
    ensure_wrk()
    results = {}
    for framework in FRAMEWORKS:
        out = Path(tmp, f"runtime-{framework}")
        projects.bake(out, f"framework={framework}", f"project_slug={SLUG}", check=True, capture_output=True)
        project = projects.Project(
            out / SLUG, env={"SERVICE_IMAGE": f"pdt-bench-runtime-{framework}", "PYTHON_IMAGE": base_image}
        )
        project.invoke("build", "--skip-tests")
        image = f"pdt-bench-runtime-{framework}:latest"
        data = docker("volume", "create").strip()
        try:
            docker("run", "--rm", *production(data), image, "release")
            ours = {row: [] for row, _, _ in ROWS}
            peer = {row: [] for row, _, _ in ROWS}
            for first, healthy in start_times(image, data, runs):
                ours["first_200"].append(first)
                ours["healthy"].append(healthy)
            for _ in range(runs):
                for samples, command in ((ours, ()), (peer, PEERS[framework][1])):
                    for row, value in under_load(image, data, command).items():
                        samples[row].append(value)
            results[framework] = {"ours": ours, "peer": peer}
            print(
                f"  {framework}: first 200 {statistics.median(ours['first_200']):.2f} s, healthy "
                f"{statistics.median(ours['healthy']):.2f} s, {statistics.median(ours['requests']):.0f} "
                f"req/s vs the peer's {statistics.median(peer['requests']):.0f}"
            )
        finally:
            docker("volume", "rm", "--force", data, check=False)
            docker("image", "rm", "--force", image, check=False)
    return results


def table(results):
    """The running service's table: ours and the peer's, per framework, medians (min–max)."""
    if not results:
        return ""
    header = ["Running service", *[c for f in results for c in (f"{f} (ours)", f"{f} ({PEERS[f][0]})")]]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row, label, unit in ROWS:
        cells = []
        for framework in results:
            for side in ("ours", "peer"):
                values = results[framework][side][row]
                cells.append(cell(values, unit))
        lines.append("| " + " | ".join([label, *cells]) + " |")
    return "\n".join(lines)


def cell(values, unit):
    """'median (min–max) unit', or — when not measured."""
    if not values:
        return "—"
    digits = {"s": 2, "ms": 1, "MiB": 0, "n": 0}[unit]
    suffix = {"s": " s", "ms": " ms", "MiB": " MiB", "n": ""}[unit]
    text = f"{statistics.median(values):.{digits}f}{suffix}"
    if len(values) > 1 and min(values) != max(values):
        text += f" ({min(values):.{digits}f}–{max(values):.{digits}f})"
    return text
