"""A pytest plugin giving pytest-django the settings module the service uses
(DJANGO_SETTINGS_MODULE, unless the environment or `--ds` sets it), so that tests run on the
same settings as `serve`, `release` and `django-admin`. pyproject.toml enables it
(`-p servicehost.pytest_plugin` in addopts)."""

import os
from pathlib import Path

import pytest

from servicehost.settings import PYPROJECT, Settings, django_settings_module


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config, parser, args):
    """Set the default before pytest-django reads it (a wrapper runs before every plain hook)."""
    # The pyproject.toml pytest read its options from: the project's, wherever servicehost is.
    inipath = early_config.inipath
    pyproject = inipath if inipath and Path(inipath).name == "pyproject.toml" else PYPROJECT
    module = django_settings_module(Settings.load(pyproject=pyproject).app)
    if module:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", module)
    return (yield)
