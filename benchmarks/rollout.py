"""Rolling updates on Docker Swarm under load: the flask postgres bake deployed by `invoke deploy`
on a single-node swarm (images from a real local registry, HAProxy in front of three replicas).
Each run releases a new version (build, push) and deploys it while a second process sends a
steady GET load through the proxy; one more deploy is of an image whose health check fails,
which Swarm rolls back. Reported: requests sent and failed, the slowest answer, and how long
`invoke deploy` took (the release step, then the replicas one by one)."""

import re
import statistics
import sys
import tempfile
from pathlib import Path

from harness import projects
from harness.git import GIT_IDENTITY
from harness.network import free_port
from harness.registry import serving_registry
from harness.swarm import push_unhealthy, remove_pushed, remove_stack, steady_load, swarm

RATE = 40  # requests a second, as tests/test_swarm.py sends
KINDS = {"update": "update to a new version", "rollback": "update whose health check fails (rolled back)"}
ROWS = [
    ("sent", "requests sent during the deploy", "{:.0f}"),
    ("failed", "requests failed (any non-200, refused, reset, timed out)", "{:.0f}"),
    ("slowest", "slowest answer", "{:.3f} s"),
    ("seconds", "`invoke deploy`, start to end", "{:.1f} s"),
]


def measure(bench, runs):
    """{kind: {row: [value per run]}}: `runs` updates, then one rolled-back update."""
    from benchmarks.scenarios import SLUG, Variant

    results = {kind: {row: [] for row, _, _ in ROWS} for kind in KINDS}
    output = Path(bench.tmp, "rollout")
    projects.bake(
        output,
        "framework=flask",
        "database=postgres",
        f"project_slug={SLUG}",
        check=True,
        capture_output=True,
    )
    variant = Variant("rollout", "flask, database=postgres, on Swarm", output / SLUG)
    image, project, port = variant.image.split(":")[0], variant.project, free_port()
    env = {**bench.env(variant), **GIT_IDENTITY}
    settings = project / ".env"
    settings.write_text(
        re.sub(r"^SERVICE_PORT=.*$", f"SERVICE_PORT={port}", settings.read_text(), flags=re.M)
    )

    def run(*command, check=True):
        return bench.run(list(command), cwd=project, env=env, check=check)

    def invoke(*args, check=True):
        return run(sys.executable, "-m", "invoke", *args, check=check)

    def release(version):
        projects.set_version(project, version)
        run("git", "commit", "--quiet", "--all", "--message", f"Version {version}")
        invoke("build")
        invoke("push")
        bench.images.add(f"{env['REGISTRY']}/{image}:{version}")

    def deploy(kind, *args):
        with steady_load(f"http://127.0.0.1:{port}/visits", RATE) as load:
            seconds, _ = invoke("deploy", *args, check=kind == "update")
        for row in ("sent", "failed", "slowest"):
            results[kind][row].append(load[row])
        results[kind]["seconds"].append(seconds)
        print(f"  {kind}: {load['sent']} sent, {load['failed']} failed, {seconds:.1f} s")

    with tempfile.TemporaryDirectory() as storage, serving_registry(storage) as registry:
        env["REGISTRY"] = registry.address
        run("git", "init", "--quiet")
        run("git", "add", "--all")
        run("git", "commit", "--quiet", "--message", "Baked")
        with swarm():
            try:
                release("1.0.0")
                invoke("deploy")
                for number in range(1, runs + 1):
                    release(f"1.{number}.0")
                    deploy("update")
                broken = f"{registry.address}/{image}:broken"
                push_unhealthy(f"{registry.address}/{image}:1.{runs}.0", broken)
                bench.images.add(broken)
                deploy("rollback", "--tag", "broken")
            finally:
                remove_stack(image)
                remove_pushed(registry.address)
    return results


def table(results):
    """The Markdown table: a row per measurement, a column per kind of deploy."""
    lines = ["| | " + " | ".join(KINDS.values()) + " |", "|---" * 3 + "|"]
    for row, title, unit in ROWS:
        cells = []
        for kind in KINDS:
            values = results[kind][row]
            if row == "failed":
                cells.append(f"{sum(values)} of {sum(results[kind]['sent'])}")
            elif len(values) == 1:
                cells.append(unit.format(values[0]))
            else:
                spread = f"{unit.format(min(values))}–{unit.format(max(values))}".replace(" s–", "–")
                cells.append(f"{unit.format(statistics.median(values))} ({spread})")
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
