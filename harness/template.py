"""This checkout of the template: its root, and the options cookiecutter.json offers, the one list
of the Python versions every other part (provisioning, hooks, tests, tasks) reads."""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPTIONS = json.loads((ROOT / "cookiecutter.json").read_text())
# The offered Python versions; the first is the default, which the Docker checks build on.
PYTHON_VERSIONS = OPTIONS["python_version"]
DEFAULT_PYTHON = PYTHON_VERSIONS[0]
# The choice questions and their choices, as cookiecutter hands them to the pre_gen hook.
CHOICES = {name: value for name, value in OPTIONS.items() if isinstance(value, list) and name[0] != "_"}
