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
service image sizes and the new layers a code change adds, and where a cold gated build spends
its time. It also bakes each web framework's default project and measures it running: start to
first answer and to Docker's `healthy`, throughput, latency and memory under a wrk load, against
the same app served as its peers serve it. It writes the tables to RESULTS.md and to the README
section between the benchmark markers.

Run from the repository root (as a module, so that it finds harness/ beside it):
  python -m benchmarks.run [--runs N] [--cold-runs N] [--output PATH] [--only SCENARIO ...]
(--only runs some scenarios and leaves the README alone.)

This module is the entry point; scenarios.py holds what is measured, engine.py the machine's
facts that move build times, report.py the table and the goals, publishing.py the writing of
RESULTS.md and the README section.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import engine
from benchmarks.publishing import publish
from benchmarks.report import report
from benchmarks.scenarios import BENCH, LOG, NEW_DEPENDENCIES, SCENARIOS, Bench, Variant, bake, clean_up, lock
from harness.engine import docker_problem, python_image
from harness.template import OPTIONS, PYTHON_VERSIONS


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
    # The template's default Python, which the bakes below get too.
    version = PYTHON_VERSIONS[0]
    base_image = python_image(version)
    if base_image is None:
        sys.exit(f"No python:{version}-slim image (nor its stand-in): run scripts/provision-docker.")
    started = time.perf_counter()
    LOG.parent.mkdir(exist_ok=True)
    LOG.write_text("")
    installers = OPTIONS.get("installer")
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
        bench.engine = engine.facts(base_image)
        try:
            print(f"Locking the benchmark's dependencies (base image {base_image}) ...")
            lock(bench, variants)
            for name in args.only or SCENARIOS:
                title, scenario = SCENARIOS[name]
                print(f"{title} ...")
                scenario(bench, variants, args.cold_runs if name == "cold" else args.runs)
        finally:
            clean_up(bench)
        text = report(bench, variants, args, started, base_image, NEW_DEPENDENCIES[: args.runs])
    publish(text, args.output, readme_too=not args.only)
    print(f"\n{text}\nWritten to {args.output}")


if __name__ == "__main__":
    main()
