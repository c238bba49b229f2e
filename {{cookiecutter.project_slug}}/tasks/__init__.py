"""Build, test, run and lock {{ cookiecutter.project_name }} with Docker. `invoke --list` shows the tasks.

One module per concern: settings.py (.env), docker.py (docker, builds, secrets), locks.py
(`lock`), service.py (`build`, `test`, `run`, `clean`), dev.py (`dev`, `shell`, `compose`,
{%- if cookiecutter.database == "postgres" %}
`lint`), release.py (`push`), deploy.py (`deploy`, `k8s`), database.py (`db-dump`,
`db-restore`, `db-shell`). The settings are .env's, which Compose reads too.
{%- else %}
`lint`), release.py (`push`), deploy.py (`deploy`, `k8s`). The settings are .env's, which
Compose reads too.
{%- endif %}
"""

import sys

from invoke import Collection, Exit

{% if cookiecutter.database == "postgres" -%}
from .database import db_dump, db_restore, db_shell
{% endif -%}
from .deploy import deploy, k8s
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

namespace = Collection(build, test, dev, lock, shell, lint, run, compose, push, deploy, k8s, clean)
{%- if cookiecutter.database == "postgres" %}
for database_task in (db_dump, db_restore, db_shell):
    namespace.add_task(database_task)
{%- endif %}
