"""Build, test, run and lock {{ cookiecutter.project_name }} with Docker. `invoke --list` shows the tasks.

One module per concern: docker.py (docker, builds, secrets), locks.py (`lock`), service.py
(`build`, `test`, `run`, `clean`), dev.py (`dev`, `shell`, `compose`, `lint`), release.py
(`push`). Settings are in the `configure()` block below; override them in invoke.yaml or with
INVOKE_DOCKER_* variables (e.g. INVOKE_DOCKER_PYTHON_IMAGE=python:{{ cookiecutter.python_version }}-slim),
which compose.yaml reads too.
"""

import sys

from invoke import Collection, Exit

from .dev import compose, dev, lint, shell
from .locks import lock
from .release import push
from .service import build, clean, run, test

# The tasks run containers as your user id (os.getuid) and quote commands for a POSIX shell.
if sys.platform == "win32":
    raise Exit(
        "These tasks do not run in a native Windows shell: "
        "run them in WSL 2, as README.md explains under Windows."
    )

namespace = Collection(build, test, dev, lock, shell, lint, run, compose, push, clean)
namespace.configure(
    {
        "docker": {
            # Images are named <image>:latest (service) and <image>:<stage>.
            "image": "{{ cookiecutter.project_slug }}",
            # Base of every stage; any image with the same Python works (a mirror, a local tag).
            "python_image": "python:{{ cookiecutter.python_version }}-slim",
{%- if cookiecutter.framework != "none" %}
            # Port `invoke run` and `invoke dev` publish on 127.0.0.1.
            "port": {{ cookiecutter.port }},
{%- endif %}
            # Named volume `invoke run` and Compose's `service` mount at the service's DATA_DIR:
            # its state outlives the container (`docker volume rm` it to start afresh).
            "data_volume": "{{ cookiecutter.project_slug }}-data",
            # Port on 127.0.0.1 where `invoke dev --debug` lets a debugger attach (debugpy).
            "debug_port": 5678,
            # BuildKit progress output: auto, plain or tty.
            "progress": "auto",
            # Where `invoke push` pushes <image>:<tag> (e.g. ghcr.io/acme); empty: nowhere.
            "registry": "",
            # BuildKit cache to import and export on every build, {target} replaced by the stage
            # built (CI: type=gha,scope={target} and type=gha,mode=max,scope={target}).
            "cache_from": "",
            "cache_to": "",
        }
    }
)
