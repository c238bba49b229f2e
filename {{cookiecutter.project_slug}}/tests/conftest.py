"""Shared fixtures."""

import pytest

from {{ cookiecutter.package_name }} import store
from {{ cookiecutter.package_name }}.config import Settings


@pytest.fixture
def settings(tmp_path):
    """Settings as in production, with the database and files in the test's own directory."""
{%- if cookiecutter.framework != "none" %}
    settings = Settings(port=1, data_dir=str(tmp_path))
{%- else %}
    settings = Settings(
        interval=0.01, heartbeat_file=str(tmp_path / "heartbeat"), data_dir=str(tmp_path)
    )
{%- endif %}
    store.init_db(settings)
    return settings
