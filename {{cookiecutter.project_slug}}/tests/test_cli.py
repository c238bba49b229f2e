"""The `{{ cookiecutter.project_slug }}` command, as the image's HEALTHCHECK and users run it."""

import os

import pytest

from {{ cookiecutter.package_name }} import __version__, cli
from {{ cookiecutter.package_name }}.config import Settings


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == __version__


def test_dev_refuses_wait_without_debug(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["dev", "--wait"])
    assert exit_info.value.code == 2
    assert "use it with --debug" in capsys.readouterr().err


def test_unknown_command_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["nope"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
{%- if cookiecutter.framework != "none" %}


def test_healthcheck_fails_when_nothing_answers(settings):
    assert cli.healthcheck(settings) == 1
{%- else %}


def test_healthcheck_fails_without_heartbeat(settings):
    assert cli.healthcheck(settings) == 1


def test_healthcheck_passes_after_a_beat(settings):
    from {{ cookiecutter.package_name }}.worker import Worker

    Worker(settings).beat()
    assert cli.healthcheck(settings) == 0
{%- endif %}


def test_settings_come_from_the_environment():
{%- if cookiecutter.framework != "none" %}
    settings = Settings.from_env({"PORT": "9000", "LOG_LEVEL": "debug"})
    assert (settings.port, settings.log_level) == (9000, "DEBUG")
{%- else %}
    settings = Settings.from_env({"WORK_INTERVAL": "0.5", "LOG_LEVEL": "debug"})
    assert (settings.interval, settings.log_level) == (0.5, "DEBUG")
{%- endif %}


def test_init_db_creates_the_database_in_the_data_dir(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    assert cli.main(["init-db"]) == 0
    assert os.path.isfile(tmp_path / "state.sqlite3")
    assert capsys.readouterr().out.strip() == f"Database ready in {tmp_path}."


@pytest.mark.parametrize("make", ["nothing", "a file"])
def test_a_data_dir_that_is_not_a_directory_is_one_sentence(tmp_path, monkeypatch, capsys, make):
    path = tmp_path / "state"
    if make == "a file":
        path.write_text("")
    monkeypatch.setenv("DATA_DIR", str(path))
    assert cli.main(["serve"]) == 2
    assert capsys.readouterr().err == (
        f"DATA_DIR is {path}, which is not a directory: mount a volume there "
        "or set DATA_DIR to a writable directory.\n"
    )
