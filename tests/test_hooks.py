"""Unit tests of the hook logic, importing the unrendered hooks from their paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from cookiecutter.generate import generate_context
from cookiecutter.prompt import prompt_for_config

from harness.hooks import VALID, load_hook, make_baked_tree, render_hook, run_script
from harness.template import CHOICES, PYTHON_VERSIONS, ROOT

pre = load_hook("pre_gen_project")
post = load_hook("post_gen_project")


# --- pre_gen_project -------------------------------------------------------------


def test_the_hook_checks_every_choice_question_of_cookiecutter_json():
    """The hook keeps no choice lists of its own: it checks each choice question of
    cookiecutter.json against the choices cookiecutter hands it."""
    assert set(pre.CHOICE_FIELDS) == set(CHOICES)


def test_cookiecutter_json_defaults_are_valid():
    """The answers --no-input gives (rendered by cookiecutter) pass validation."""
    context = generate_context(str(ROOT / "cookiecutter.json"))
    answers = prompt_for_config(context, no_input=True)
    assert pre.validate(dict(answers), CHOICES) is None


@pytest.mark.parametrize(
    ("project_name", "slug", "package"),
    [
        ("My Service", "my-service", "my_service"),
        ("Café Ünïcode", "cafe-unicode", "cafe_unicode"),
        ("3d printer", "3d-printer", "_3d_printer"),
        ("Acme_Billing  API!", "acme-billing-api", "acme_billing_api"),
    ],
    ids=["default", "non-ascii", "leading-digit", "punctuation"],
)
def test_names_are_derived_valid_from_any_project_name(project_name, slug, package):
    """cookiecutter.json derives a valid slug (slugify transliterates) and package name."""
    context = generate_context(str(ROOT / "cookiecutter.json"), extra_context={"project_name": project_name})
    answers = prompt_for_config(context, no_input=True)
    assert (answers["project_slug"], answers["package_name"]) == (slug, package)
    assert pre.validate(dict(answers), CHOICES) is None


GOOD_ANSWERS = {
    "project_name-non-ascii": ("project_name", "Élan Vital 2"),
    "project_slug-two-letters": ("project_slug", "ab"),
    "project_slug-leading-digit": ("project_slug", "3d-printer"),
    "project_slug-digits": ("project_slug", "2048"),
    "project_slug-hyphens-digits": ("project_slug", "web-api-2"),
    "package_name-leading-underscore": ("package_name", "_private"),
    "package_name-underscore-digit": ("package_name", "_3d_printer"),
    "package_name-digits": ("package_name", "web_api2"),
    "description-punctuation": ("description", "Uses 'single' quotes & <tags>."),
    "author_email-plus-subdomain": ("author_email", "first.last+tag@sub.example.org"),
    "version-single-number": ("version", "1"),
    "version-every-suffix": ("version", "2024.1.0rc2.post1.dev3"),
    "license-proprietary": ("license", "Proprietary"),
    **{f"python_version-{v}": ("python_version", v) for v in PYTHON_VERSIONS[1:]},
    "framework-none": ("framework", "none"),
    "port-lowest": ("port", "1"),
    "port-highest": ("port", "65535"),
    "port-int": ("port", 5000),
    "build_apt-two": ("build_apt_packages", "gcc libpq-dev"),
    "build_apt-extra-spaces": ("build_apt_packages", "  g++  libstdc++6 "),
    "runtime_apt-dots": ("runtime_apt_packages", "libpq5 python3.11-venv"),
}


@pytest.mark.parametrize(("field", "value"), list(GOOD_ANSWERS.values()), ids=list(GOOD_ANSWERS))
def test_valid_answers_pass(field, value):
    """Unusual but valid answers are accepted."""
    assert pre.validate({**VALID, field: value}, CHOICES) is None


BAD_ANSWERS = {
    "project_name-empty": ("project_name", ""),
    "project_name-blank": ("project_name", "   "),
    "project_name-double-quote": ("project_name", 'My "Service"'),
    "project_name-backslash": ("project_name", "My\\Service"),
    "project_name-newline": ("project_name", "My\nService"),
    "project_name-tab": ("project_name", "My\tService"),
    "project_slug-space": ("project_slug", "my slug"),
    "project_slug-uppercase": ("project_slug", "My-Service"),
    "project_slug-leading-hyphen": ("project_slug", "-service"),
    "project_slug-non-ascii": ("project_slug", "café-ünïcode"),
    "project_slug-double-hyphen": ("project_slug", "my--service"),
    "project_slug-trailing-hyphen": ("project_slug", "my-service-"),
    "project_slug-underscore": ("project_slug", "my_service"),
    "project_slug-trailing-newline": ("project_slug", "my-service\n"),
    "project_slug-path": ("project_slug", "../evil"),
    "package_name-hyphen": ("package_name", "my-service"),
    "package_name-uppercase": ("package_name", "MyService"),
    "package_name-leading-digit": ("package_name", "1service"),
    "package_name-leading-digit-derived": ("package_name", "3d_printer"),
    "package_name-keyword": ("package_name", "class"),
    "package_name-stdlib-module": ("package_name", "json"),
    "package_name-stdlib-package": ("package_name", "email"),
    "package_name-flask": ("package_name", "flask"),
    "package_name-pytest": ("package_name", "pytest"),
    "package_name-werkzeug": ("package_name", "werkzeug"),
    "package_name-non-ascii": ("package_name", "café"),
    "description-empty": ("description", ""),
    "description-double-quote": ("description", 'The "best" one'),
    "description-backslash": ("description", "C:\\temp"),
    "description-dollar": ("description", "Costs $HOME"),
    "description-newline": ("description", "line one\nline two"),
    "author_name-double-quote": ("author_name", 'Jo "JJ" Doe'),
    "author_email-no-at": ("author_email", "you.example.com"),
    "author_email-no-dot": ("author_email", "you@localhost"),
    "author_email-space": ("author_email", "you @example.com"),
    "author_email-two-ats": ("author_email", "a@b@example.com"),
    "version-v-prefix": ("version", "v1.0"),
    "version-word": ("version", "latest"),
    "version-trailing-dot": ("version", "1.0."),
    "version-non-ascii-digit": ("version", "1.\u0663"),
    "version-trailing-newline": ("version", "1.0\n"),
    "license-unknown": ("license", "GPL-3.0"),
    "python_version-unknown": ("python_version", "3.12"),
    "framework-unknown": ("framework", "pyramid"),
    "framework-case": ("framework", "Flask"),
    "port-zero": ("port", "0"),
    "port-too-big": ("port", "65536"),
    "port-word": ("port", "http"),
    "port-negative": ("port", "-1"),
    "port-leading-zero": ("port", "08000"),
    "port-superscript-digit": ("port", "\u00b2"),
    "port-bool": ("port", True),
    "port-empty": ("port", ""),
    "build_apt-shell": ("build_apt_packages", "gcc; rm -rf /"),
    "build_apt-uppercase": ("build_apt_packages", "GCC"),
    "build_apt-one-char": ("build_apt_packages", "a"),
    "build_apt-newline-instruction": ("build_apt_packages", "gcc\nexpose 22"),
    "runtime_apt-substitution": ("runtime_apt_packages", "$(curl x)"),
    "runtime_apt-comma": ("runtime_apt_packages", "libpq5,curl"),
    "runtime_apt-tab": ("runtime_apt_packages", "libpq5\tcurl"),
}


@pytest.mark.parametrize(("field", "value"), list(BAD_ANSWERS.values()), ids=list(BAD_ANSWERS))
def test_bad_answer_is_refused_with_one_sentence(field, value):
    """A bad answer gives one sentence naming the field and what is allowed."""
    error = pre.validate({**VALID, field: value}, CHOICES)
    assert error is not None
    assert error.startswith(f"{field} {value!r} is not allowed: ")
    assert error.endswith(".")
    assert "\n" not in error


def test_missing_answer_is_refused():
    """An answer absent from the context is refused, not a crash."""
    answers = dict(VALID)
    del answers["author_email"]
    assert pre.validate(answers, CHOICES).startswith("author_email None is not allowed")


def test_first_problem_is_reported():
    """With several bad answers, the first one in cookiecutter.json order wins."""
    answers = {**VALID, "port": "0", "version": "latest", "project_slug": "Bad"}
    assert pre.validate(answers, CHOICES).startswith("project_slug ")


def test_unrendered_hook_main_is_not_run_on_import():
    """Importing the unrendered hook defines main() without running it."""
    assert callable(pre.main)


def test_rendered_pre_hook_accepts_valid_answers(tmp_path):
    """The hook as cookiecutter renders it exits 0 on good answers."""
    result = run_script(render_hook("pre_gen_project", VALID, tmp_path), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_rendered_pre_hook_refuses_a_choice_cookiecutter_json_does_not_offer(tmp_path):
    """A replayed or hand-made context with an unknown choice meets the hook's check, against the
    options cookiecutter renders the hook with."""
    answers = {**VALID, "python_version": "3.12"}
    result = run_script(render_hook("pre_gen_project", answers, tmp_path), tmp_path)
    assert result.returncode == 1
    choices = ", ".join(PYTHON_VERSIONS)
    assert result.stderr == f"python_version '3.12' is not allowed: use one of {choices}.\n"


def test_rendered_pre_hook_without_options_leaves_choices_to_cookiecutter(tmp_path):
    """Rendered as cruft renders it (no options in the context), the hook still checks the rest."""
    script = render_hook("pre_gen_project", {**VALID, "python_version": "3.12"}, tmp_path, options=None)
    assert run_script(script, tmp_path).returncode == 0
    script = render_hook("pre_gen_project", {**VALID, "port": "0"}, tmp_path, options=None)
    assert run_script(script, tmp_path).stderr.startswith("port '0' is not allowed")


@pytest.mark.parametrize(
    "name",
    [
        'x""" + __import__("os").system("touch pwned") + r"""',
        "x\\",
        "{{ 7 * 7 }}",
        "x'''; import os; os.system('touch pwned'); '''",
    ],
    ids=["triple-quotes", "trailing-backslash", "jinja", "single-quotes"],
)
def test_rendered_pre_hook_keeps_hostile_answers_as_data(tmp_path, name):
    """A hostile answer is read as text by the rendered hook, never run as code."""
    answers = {**VALID, "project_slug": name}
    result = run_script(render_hook("pre_gen_project", answers, tmp_path), tmp_path)
    assert result.returncode == 1
    assert result.stderr == f"project_slug {name!r} is not allowed: " + (
        "use lowercase letters, digits and single hyphens (e.g. my-service or 3d-printer).\n"
    )
    assert not (tmp_path / "pwned").exists()


# --- post_gen_project ------------------------------------------------------------


def tree(root: Path) -> set[str]:
    """List the files under root as relative POSIX paths."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("framework", "python_version", "license_", "gone", "kept"),
    [
        (
            "flask",
            "3.13",
            "MIT",
            {"src/my_service/worker.py", "src/visits/__init__.py"},
            {"src/my_service/app.py", "LICENSE"},
        ),
        (
            "fastapi",
            "3.11",
            "Proprietary",
            {"src/my_service/worker.py", "LICENSE"},
            {"src/my_service/app.py"},
        ),
        (
            "django",
            "3.14",
            "BSD-3-Clause",
            {"src/my_service/app.py", "src/my_service/worker.py"},
            {"src/my_service/settings.py", "src/visits/__init__.py", "src/servicehost/pytest_plugin.py"},
        ),
        (
            "none",
            "3.11",
            "Apache-2.0",
            {"src/my_service/app.py"},
            {"src/my_service/worker.py", "LICENSE"},
        ),
    ],
    ids=["flask-py3.13-MIT", "fastapi-py3.11-Proprietary", "django-py3.14-BSD", "none-py3.11-Apache"],
)
def test_finish_trims_project(tmp_path, framework, python_version, license_, gone, kept):
    """finish() installs the chosen locks and removes unused files; twice is fine."""
    make_baked_tree(tmp_path)
    answers = {
        **VALID,
        "framework": framework,
        "python_version": python_version,
        "license": license_,
    }
    post.finish(tmp_path, answers)
    after_first_run = tree(tmp_path)
    post.finish(tmp_path, answers)

    assert tree(tmp_path) == after_first_run
    assert not (tmp_path / "requirements" / "_locks").exists()
    for name in post.LOCK_FILES:
        content = (tmp_path / "requirements" / name).read_text()
        assert content == f"{framework} {python_version} {name}\n"
    assert (tmp_path / "requirements" / "base.in").exists()
    assert (tmp_path / "src" / "my_service" / "__init__.py").exists()
    assert gone.isdisjoint(after_first_run)
    assert kept <= after_first_run


@pytest.mark.parametrize(
    "framework, gone, kept",
    [
        (
            "flask",
            {"src/my_service/schema.sql", "src/my_service/middleware.py", "src/visits/__init__.py"},
            {
                "src/my_service/migrations/env.py",
                "src/servicehost/testserver.py",
                "src/servicehost/pytest_plugin.py",
            },
        ),
        (
            "django",
            {"src/my_service/store.py", "src/my_service/migrations/env.py"},
            {"src/my_service/middleware.py", "src/visits/__init__.py", "src/servicehost/database.py"},
        ),
    ],
)
def test_finish_trims_a_postgres_project(tmp_path, framework, gone, kept):
    """database=postgres: its lock set, its example files and the service host's database modules
    stay, SQLite's go, and no password is made (a bake is the same every time: the tasks make it)."""
    make_baked_tree(tmp_path)
    answers = {**VALID, "framework": framework, "database": "postgres"}
    post.finish(tmp_path, answers)
    files = tree(tmp_path)
    assert (tmp_path / "requirements" / "base.txt").read_text() == f"{framework} postgres 3.13 base.txt\n"
    assert gone.isdisjoint(files) and kept <= files
    assert not (tmp_path / "secrets").exists()
    other = make_baked_tree(tmp_path / "other")
    post.finish(other, {**answers, "database": "sqlite"})
    assert {"src/servicehost/database.py", "src/servicehost/testserver.py", "tasks/database.py"}.isdisjoint(
        tree(other)
    )


def test_finish_overwrites_existing_lock_files(tmp_path):
    """A lock file already in requirements/ is replaced by the chosen one."""
    make_baked_tree(tmp_path)
    (tmp_path / "requirements" / "base.txt").write_text("stale\n")
    post.finish(tmp_path, VALID)
    assert (tmp_path / "requirements" / "base.txt").read_text() == ("flask 3.13 base.txt\n")


def test_finish_on_missing_lock_set_is_a_template_bug(tmp_path):
    """A missing lock set raises TemplateBug and changes nothing."""
    make_baked_tree(tmp_path)
    (tmp_path / "requirements/_locks/flask-py3.13/test.txt").unlink()
    before = tree(tmp_path)
    with pytest.raises(post.TemplateBug, match=r"^Template bug: .*test\.txt"):
        post.finish(tmp_path, VALID)
    assert tree(tmp_path) == before


def test_finish_without_any_locks_is_a_template_bug(tmp_path):
    """A project with neither _locks/ nor installed locks is a template bug."""
    with pytest.raises(post.TemplateBug):
        post.finish(tmp_path, VALID)


def test_rendered_post_hook_runs_in_project_dir(tmp_path):
    """The hook as cookiecutter renders it finishes the project in its cwd."""
    project = make_baked_tree(tmp_path / "project")
    answers = {**VALID, "framework": "none", "license": "Proprietary"}
    script = render_hook("post_gen_project", answers, tmp_path)
    result = run_script(script, project)
    assert result.returncode == 0, result.stderr
    assert "src/my_service/app.py" not in tree(project)
    assert "LICENSE" not in tree(project)
    assert (project / "requirements" / "dev.txt").read_text() == "none 3.13 dev.txt\n"


def test_rendered_post_hook_reports_template_bug_in_one_line(tmp_path):
    """A missing lock set makes the rendered hook exit 1 with one sentence."""
    project = tmp_path / "project"
    project.mkdir()
    script = render_hook("post_gen_project", VALID, tmp_path)
    result = run_script(script, project)
    assert result.returncode == 1
    assert result.stderr.startswith("Template bug: ")
    assert result.stderr.count("\n") == 1
