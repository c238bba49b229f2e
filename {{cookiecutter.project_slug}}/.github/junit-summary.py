"""Markdown for a CI run's summary from pytest's JUnit XML: the totals, then each failed test.

Usage: python3 .github/junit-summary.py reports/junit.xml >> "$GITHUB_STEP_SUMMARY"
"""

import sys
import xml.etree.ElementTree as ET


def summary(path):
    """The Markdown summary of one JUnit XML file."""
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    kinds = ("tests", "failures", "errors", "skipped")
    totals = {kind: sum(int(suite.get(kind, 0)) for suite in suites) for kind in kinds}
    passed = totals["tests"] - totals["failures"] - totals["errors"] - totals["skipped"]
    lines = [
        "### Tests",
        "",
        "| passed | failed | errors | skipped |",
        "|---|---|---|---|",
        f"| {passed} | {totals['failures']} | {totals['errors']} | {totals['skipped']} |",
    ]
    for case in root.iter("testcase"):
        for problem in [*case.findall("failure"), *case.findall("error")]:
            name = f"{case.get('classname')}.{case.get('name')}"
            text = (problem.text or problem.get("message") or "").strip()
            lines += ["", f"**{problem.tag}: `{name}`**", "", "```", text, "```"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(summary(sys.argv[1]))
