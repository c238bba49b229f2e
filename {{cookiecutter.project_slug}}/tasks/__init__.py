"""Build, test, run and lock {{ cookiecutter.project_name }} with Docker. `invoke --list` shows the tasks.

One module per concern: docker.py (docker, builds, secrets), locks.py (`lock`), service.py
(`build`, `test`, `run`, `clean`), dev.py (`shell`). Settings are in the `configure()` block
below; override them in invoke.yaml or with INVOKE_DOCKER_* variables
(e.g. INVOKE_DOCKER_PYTHON_IMAGE=python:{{ cookiecutter.python_version }}-slim).
"""

import sys

from invoke import Collection, Exit

from .dev import shell
from .locks import lock
from .service import build, clean, run, test

# The tasks run containers as your user id (os.getuid) and quote commands for a POSIX shell.
if sys.platform == "win32":
    raise Exit(
        "These tasks do not run in a native Windows shell: "
        "run them in WSL 2, as README.md explains under Windows."
    )

namespace = Collection(build, test, lock, shell, run, clean)
namespace.configure(
    {
        "docker": {
            # Images are named <image>:latest (service) and <image>:<stage>.
            "image": "{{ cookiecutter.project_slug }}",
            # Base of every stage; any image with the same Python works (a mirror, a local tag).
            "python_image": "python:{{ cookiecutter.python_version }}-slim",
{%- if cookiecutter.framework != "none" %}
            # Port `invoke run` publishes on 127.0.0.1.
            "port": {{ cookiecutter.port }},
{%- endif %}
            # BuildKit progress output: auto, plain or tty.
            "progress": "auto",
        }
    }
)
