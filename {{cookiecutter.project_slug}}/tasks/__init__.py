"""Build, test, run and lock {{ cookiecutter.project_name }} with Docker. `invoke --list` shows the tasks.

One module per concern: docker.py (docker, builds, secrets), locks.py (`lock`), service.py
(`build`, `test`, `run`, `clean`), dev.py (`dev`, `shell`, `compose`). Settings are in the
`configure()` block below; override them in invoke.yaml or with INVOKE_DOCKER_* variables
(e.g. INVOKE_DOCKER_PYTHON_IMAGE=python:{{ cookiecutter.python_version }}-slim), which
compose.yaml reads too.
"""

from invoke import Collection

from .dev import compose, dev, shell
from .locks import lock
from .service import build, clean, run, test

namespace = Collection(build, test, dev, lock, shell, run, compose, clean)
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
            # Port on 127.0.0.1 where `invoke dev --debug` lets a debugger attach (debugpy).
            "debug_port": 5678,
            # BuildKit progress output: auto, plain or tty.
            "progress": "auto",
        }
    }
)
