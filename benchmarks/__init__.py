"""The benchmark of issue 5: `python -m benchmarks.run --help` (see run.py)."""
