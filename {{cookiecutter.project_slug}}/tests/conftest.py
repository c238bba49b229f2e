"""Shared fixtures."""

import pytest

from {{ cookiecutter.package_name }}.config import Settings


@pytest.fixture
def settings(tmp_path):
    """Settings as in production, but nothing outside the test's own directory."""
{%- if cookiecutter.framework != "none" %}
    return Settings(port=1)
{%- else %}
    return Settings(interval=0.01, heartbeat_file=str(tmp_path / "heartbeat"))
{%- endif %}
