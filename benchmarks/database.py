"""What the tests' PostgreSQL server adds to the gated rebuild: the default Flask bake with
`database=sqlite` and with `database=postgres`, each rebuilt after a one-line code change through
`invoke build` (the gate). The server's cost is how much longer the test step takes beyond
pytest's own time with PostgreSQL than with SQLite, less the release step's migrations (what any
database needs; reported on their own): the server's start on a copy of a fresh cluster, a fresh
database, its stop. The plugin's own "ready in" figure is the start alone."""

import re
import statistics
from pathlib import Path

from harness import projects

DATABASES = ("sqlite", "postgres")
ROWS = [
    ("rebuild", "code change → gated service image", "s"),
    ("test_step", "the test step (`test-run`)", "s"),
    ("pytest", "pytest's own time", "s"),
    ("beyond", "test step beyond pytest's time", "s"),
    ("server", "the tests' server ready (its start on the fresh cluster; the plugin's figure)", "s"),
    ("release", "the release step (migrations) on the tests' database (the plugin's figure)", "s"),
]


def measure(bench, runs):
    """{database: {row: [seconds per run]}}, from code-change rebuilds of each bake."""
    from benchmarks.scenarios import SLUG, Variant, edit_code, plain_step_seconds, pytest_seconds

    results = {}
    for database in DATABASES:
        output = Path(bench.tmp, f"db-{database}")
        answers = ["framework=flask", f"database={database}", f"project_slug={SLUG}"]
        projects.bake(output, *answers, check=True, capture_output=True)
        variant = Variant(f"db-{database}", f"flask, database={database}", output / SLUG)
        bench.build(variant, gate=True)  # warm
        rows = results[database] = {row: [] for row, _, _ in ROWS}
        for run in range(runs):
            edit_code(variant.project)
            seconds, log = bench.build(variant, gate=True)
            steps = plain_step_seconds(log)
            test_step = next(v for title, v in steps.items() if title.startswith("[test-run"))
            rows["rebuild"].append(seconds)
            rows["test_step"].append(test_step)
            rows["pytest"].append(pytest_seconds(log))
            rows["beyond"].append(test_step - pytest_seconds(log))
            for row, said in (
                ("server", r"PostgreSQL \S+ for the tests, ready in ([\d.]+) s"),
                ("release", r"Release step on the tests' database done in ([\d.]+) s"),
            ):
                rows[row] += [float(v) for v in re.findall(said, log)[-1:]]
            print(f"  {database} {run + 1}/{runs}: {seconds:.2f} s, test step {test_step:.2f} s")
    return results


def cost(results):
    """Seconds the server adds to the test step beyond pytest's time: PostgreSQL's beyond SQLite's,
    less the release step (migrations, which an app pays with any database), medians."""
    beyond = {d: statistics.median(results[d]["beyond"]) for d in DATABASES}
    return beyond["postgres"] - beyond["sqlite"] - statistics.median(results["postgres"]["release"])


def table(results):
    """The Markdown table: a row per measurement, a column per database."""
    lines = ["| | " + " | ".join(f"database={d}" for d in DATABASES) + " |", "|---" * 3 + "|"]
    for row, title, unit in ROWS:
        cells = []
        for database in DATABASES:
            values = results[database][row]
            cells.append(
                f"{statistics.median(values):.2f} {unit} ({min(values):.2f}–{max(values):.2f})"
                if values
                else "—"
            )
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
