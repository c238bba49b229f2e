"""The example worker: one unit of work, which the service calls every WORK_INTERVAL seconds
(pyproject.toml's [tool.servicehost] app names this function)."""

import logging

from {{ cookiecutter.package_name }} import store

log = logging.getLogger(__name__)


def work():
    """One unit of work; replace the body with the real job. Returns how many units were done in
    all, a count kept in {% if cookiecutter.database == "postgres" %}the database{% else %}DATA_DIR{% endif %}, so it goes on across restarts."""
    total = store.hit({% if cookiecutter.database != "postgres" %}store.data_dir(), {% endif %}"units")
    log.info("unit of work %d done", total)
    return total
