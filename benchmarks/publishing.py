"""Publishing a benchmark report: RESULTS.md, and the README's section between the markers."""

from harness.template import ROOT

README = ROOT / "README.md"
MARKERS = ("<!-- benchmark:start -->", "<!-- benchmark:end -->")


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
