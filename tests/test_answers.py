"""End to end: the real cookiecutter CLI refuses bad answers and leaves nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
CHOICE_FIELDS = ("license", "python_version", "framework")

BAD_ANSWERS = {
    "project_name-double-quote": ("project_name", 'My "Service"'),
    "project_name-backslash": ("project_name", "My\\Service"),
    "project_slug-space": ("project_slug", "My Slug"),
    "project_slug-double-hyphen": ("project_slug", "my--service"),
    "package_name-hyphen": ("package_name", "my-service"),
    "package_name-leading-digit": ("package_name", "3d_printer"),
    "package_name-keyword": ("package_name", "class"),
    "package_name-stdlib": ("package_name", "json"),
    "package_name-dependency": ("package_name", "flask"),
    "description-empty": ("description", ""),
    "description-double-quote": ("description", 'The "best" one'),
    "author_name-backslash": ("author_name", "Jo\\Doe"),
    "author_email-no-at": ("author_email", "you.example.com"),
    "version-word": ("version", "latest"),
    "license-unknown": ("license", "GPL-3.0"),
    "python_version-unknown": ("python_version", "3.12"),
    "framework-unknown": ("framework", "django"),
    "port-zero": ("port", "0"),
    "port-word": ("port", "http"),
    "build_apt-shell": ("build_apt_packages", "gcc; rm -rf /"),
    "runtime_apt-uppercase": ("runtime_apt_packages", "LibPQ5"),
}


@pytest.fixture(scope="module")
def config_file(tmp_path_factory) -> Path:
    """Write a cookiecutter config that keeps replays and clones out of $HOME."""
    home = tmp_path_factory.mktemp("cookiecutter-home")
    config = home / "config.yaml"
    config.write_text(
        f"cookiecutters_dir: {home / 'cookiecutters'}\nreplay_dir: {home / 'replay'}\n",
        encoding="utf-8",
    )
    return config


def bake(output_dir: Path, config_file: Path, *answers: str):
    """Run the cookiecutter CLI on this template without prompting."""
    command = [sys.executable, "-m", "cookiecutter", "--no-input"]
    command += ["--config-file", str(config_file), "-o", str(output_dir)]
    return subprocess.run(
        [*command, str(REPO_ROOT), *answers],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(("field", "value"), list(BAD_ANSWERS.values()), ids=list(BAD_ANSWERS))
def test_bad_answer_is_refused(tmp_path, config_file, field, value):
    """A bad answer stops cookiecutter with a message naming the field."""
    result = bake(tmp_path, config_file, f"{field}={value}")
    output = result.stderr + result.stdout

    assert result.returncode != 0
    if field in CHOICE_FIELDS:
        # cookiecutter refuses these itself, before any hook runs.
        assert f"provided for choice variable {field}, but the choices are" in output
    else:
        assert f"{field} {value!r} is not allowed: " in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_defaults_bake(tmp_path, config_file):
    """All default answers bake a project, with its lock files in place."""
    result = bake(tmp_path, config_file)

    assert result.returncode == 0, result.stderr + result.stdout
    project = tmp_path / "my-service"
    assert (project / "requirements" / "base.txt").is_file()
    assert not (project / "requirements" / "_locks").exists()


@pytest.mark.parametrize(
    ("project_name", "slug", "package"),
    [("Café Ünïcode", "cafe-unicode", "cafe_unicode"), ("3d printer", "3d-printer", "_3d_printer")],
    ids=["non-ascii", "leading-digit"],
)
def test_any_project_name_bakes_with_derived_names(tmp_path, config_file, project_name, slug, package):
    """A project name in any language, or starting with a digit, bakes with valid derived names."""
    result = bake(tmp_path, config_file, f"project_name={project_name}")

    assert result.returncode == 0, result.stderr + result.stdout
    project = tmp_path / slug
    assert (project / "src" / package / "__init__.py").is_file()
    assert f'app = "{package}.app:create_app()"' in (project / "pyproject.toml").read_text(encoding="utf-8")
    assert f'name="{slug}"' in (project / "setup.py").read_text(encoding="utf-8")
    assert f"# {project_name}:" in (project / "Dockerfile").read_text(encoding="utf-8")
