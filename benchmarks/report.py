"""The benchmark's report: its rows, the Markdown table of medians and ratios, and the goals of
the speed issues checked against the medians."""

import datetime
import os
import re
import statistics
import time
from pathlib import Path

from benchmarks import database, rollout, runtime
from harness.docker import docker, inspect

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
            "code-change rebuild, service, with the test gate ≤ 0.25× (c)'s (ungated) rebuild",
            "code_gate",
            "code",
            0.25,
        ),
        at_most("cold build with the test gate ≤ 1.0× (c)'s cold build (no gate)", "cold_gate", "cold", 1.0),
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


def slowest_steps(bench, count=8):
    """Where a cold gated build's time goes: its slowest steps, median seconds over the runs."""
    lines = []
    for key, runs in bench.steps.items():
        titles = set().union(*runs)
        medians = {t: statistics.median(r.get(t, 0.0) for r in runs) for t in titles}
        top = sorted(medians.items(), key=lambda item: -item[1])[:count]
        shown = "; ".join(f"`{' '.join(t.split())[:70]}` {v:.1f} s" for t, v in top)
        lines.append(f"- ({key}) {shown}")
    return "\n".join(lines)


def unwaited(bench, variants):
    """The cold builds less each one's own waits before secret mounts, median: what they would
    take on BuildKit 0.16 and later, which does not wait; the gated ones also as a ratio to (c)."""
    cold, gated = bench.unwaited["cold"], bench.unwaited["cold_gate"]
    if "c" not in cold:
        return ""
    c = statistics.median(cold["c"])
    parts = []
    for v in variants:
        if v.key not in cold:
            continue
        text = f"({v.key}) {statistics.median(cold[v.key]):.1f} s"
        if v.dockerfile is None and v.key in gated:
            g = statistics.median(gated[v.key])
            text += f", with its test gate {g:.1f} s, {g / c:.2f}× (c)"
        parts.append(text)
    return (
        "Each cold build less its own waits before secret mounts (what it would take on BuildKit 0.16 "
        f"and later, which does not wait), median: {'; '.join(parts)}.\n"
    )


def runtime_goals(results):
    """The issue's goals for the running services: (goal, met, the numbers), per framework."""
    checks = []
    for framework, sides in results.items():
        ours, peer = ({row: statistics.median(v) for row, v in side.items() if v} for side in sides.values())
        first, healthy = ours["first_200"], ours["healthy"]
        checks += [
            (f"{framework}: `docker run` → first 200 ≤ 1 s", first <= 1.0, f"{first:.2f} s"),
            (
                f"{framework}: Docker's `healthy` within 1 s of the first 200",
                healthy - first <= 1.0,
                f"{healthy:.2f} s, {healthy - first:.2f} s after",
            ),
            (
                f"{framework}: throughput at least the peer's ({runtime.PEERS[framework][0]}), no errors",
                ours["requests"] >= peer["requests"] and not ours["errors"],
                f"{ours['requests']:.0f} vs {peer['requests']:.0f} requests/s, {ours['errors']:.0f} failed",
            ),
        ]
    return checks


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


def report(bench, variants, args, started, base_image, added):
    """The Markdown report: when, where, the table and the goal checklist."""
    date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    checklist = []
    for key in [v.key for v in variants if v.dockerfile is None]:
        for goal, met, detail in goals(bench, key):
            status = "not measured" if met is None else ("**met**" if met else "**not met**") + f": {detail}"
            checklist.append(f"- ({key}) {goal}: {status}")
    for goal, met, detail in runtime_goals(bench.runtime):
        checklist.append(f"- {goal}: {'**met**' if met else '**not met**'}: {detail}")
    if bench.rollout:
        failed = sum(sum(kind["failed"]) for kind in bench.rollout.values())
        sent = sum(sum(kind["sent"]) for kind in bench.rollout.values())
        met = "**met**" if failed == 0 else "**not met**"
        checklist.append(
            f"- rolling updates and a rollback on Swarm fail no request: {met}: {failed} of {sent}"
        )
    if bench.database:
        server = database.cost(bench.database)
        met = "**met**" if server <= 1.0 else "**not met**"
        checklist.append(
            f"- the tests' PostgreSQL server adds ≤ 1.0 s to the gated rebuild: {met}: {server:.2f} s"
        )
    legend = "\n".join(f"- ({v.key}) {v.title}" for v in variants)
    steps = ""
    if bench.steps:
        steps = f"""
Where the cold builds with the test gate spend their time (BuildKit's own step times, median;
steps of parallel stages overlap, so they add up to more than the build):

{slowest_steps(bench)}

{unwaited(bench, variants)}"""
    running = ""
    if bench.runtime:
        running = f"""
Each framework's default bake, running (`runtime` scenario; {args.runs} runs): ours is the image's own
command, the peer the same app in the same image as its peers serve it. wrk runs in the container's
network namespace, on its loopback (benchmarks/runtime.py says why). Memory is `docker stats`'s.

{runtime.table(bench.runtime)}
"""
    if bench.database:
        running += f"""
The tests' PostgreSQL server (`database` scenario; {args.runs} runs): the default Flask bake with
SQLite and with PostgreSQL, a code change, then `invoke build` (the gate). The server's cost is the
test step's time beyond pytest's, PostgreSQL's minus SQLite's, less the release step (migrations,
which any database needs): {database.cost(bench.database):.2f} s.

{database.table(bench.database)}
"""
    if bench.rollout:
        running += f"""
Rolling updates on Docker Swarm (`rollout` scenario; {args.runs} updates, then one rollback): the
Flask bake with PostgreSQL, three replicas behind HAProxy on a single-node swarm, each version
built, pushed to a local registry and deployed by `invoke deploy` under a steady load of
{rollout.RATE} GET requests a second (a new connection each) through the proxy.

{rollout.table(bench.rollout)}
"""
    busy = (
        f"† marks cells with a sample taken while a pytest run or docker build not the benchmark's "
        f"ran on the machine ({bench.busy} samples in all)."
        if bench.busy
        else "No sample was taken while a pytest run or docker build not the benchmark's ran."
    )
    minutes = (time.perf_counter() - started) / 60
    return f"""Measured {date} on {machine(base_image)}.
`python -m benchmarks.run --runs {args.runs} --cold-runs {args.cold_runs}`: {args.cold_runs} cold builds and \
{args.runs} warm runs per scenario and variant, {minutes:.0f} min in all. Cells are median (min–max).
{bench.engine}

{legend}

{table(bench, variants)}
{steps}{running}
- {busy}
- Cold builds follow `docker builder prune --all`, which also empties the cache mounts, and `sync`;
  the variants' order turns by one each run.
- Each code change appends a new comment line to a source file.
- Each added dependency is a different one ({", ".join(added)}), locked with
  `invoke lock` (not timed) into the lock files every variant installs.
- New layers are the rebuilt image's layers that the previous image lacks, sized uncompressed as
  `docker save` writes them.

Goals for the baked project:

{chr(10).join(checklist)}
"""
