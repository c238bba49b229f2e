"""Template updates reach baked projects (no Docker): cruft bakes from a git copy of this checkout,
a later template commit reaches the project with `cruft update` and the user's changes stay,
lock files are never left broken by an update, and the hooks are safe to run on every
regeneration cruft does."""

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

from harness.git import GIT_IDENTITY
from harness.hooks import VALID, make_baked_tree, render_hook
from harness.projects import Project
from harness.template import DEFAULT_PYTHON, ROOT

TEMPLATE_PARTS = ("cookiecutter.json", "hooks", "{{cookiecutter.project_slug}}")
# The lock set a bake with the default answers ships (flask on the default Python).
LOCK_SET = f"requirements/_locks/flask-py{DEFAULT_PYTHON}"
LOCKS = ("base.txt", "test.txt", "dev.txt")
# What a relock writes: the stamp of the lock's inputs, above the pins (kept as they are here).
RESTAMP = """
from tasks.locks import LOCKS, REQUIREMENTS, STAMP, inputs_digest
for name in LOCKS:
    path = REQUIREMENTS / name
    path.write_text(f"{STAMP}{inputs_digest(name)}\\n" + path.read_text().partition("\\n")[2])
"""


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """An environment that keeps cookiecutter, cruft and git away from $HOME and the host's
    git config, with a git identity (CI may have none)."""
    home = tmp_path_factory.mktemp("home")
    config = home / "cookiecutter.yaml"
    config.write_text(f"cookiecutters_dir: {home / 'cookiecutters'}\nreplay_dir: {home / 'replay'}\n")
    (home / "gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    return {
        **os.environ,
        **GIT_IDENTITY,
        "HOME": str(home),
        "COOKIECUTTER_CONFIG": str(config),
        "GIT_CONFIG_GLOBAL": str(home / "gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }


def run(env, cwd, *command, check=True):
    """Run a command; stdout and stderr together in `.output`."""
    result = subprocess.run(
        command, cwd=cwd, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    result.output = result.stdout
    if check and result.returncode:
        pytest.fail(f"{' '.join(map(str, command))} exited {result.returncode}:\n{result.output}")
    return result


def cruft(env, cwd, *args, check=True):
    return run(env, cwd, sys.executable, "-m", "cruft", *args, check=check)


def commit(env, repo, message):
    run(env, repo, "git", "add", "--all")
    run(env, repo, "git", "commit", "--quiet", "--message", message)
    return run(env, repo, "git", "rev-parse", "HEAD").output.strip()


def edit(path, old, new):
    """Replace text that must be there."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def append(path, text):
    with path.open("a") as file:
        file.write(text)


def relock(env, project):
    """What `invoke lock` writes when every pin still fits: new stamps over the same pins."""
    run(env, project, sys.executable, "-c", RESTAMP)


@pytest.fixture(scope="module")
def template(tmp_path_factory, env):
    """A git repository of this checkout's template as it is now (uncommitted changes too), at
    `first`, and a later version on top: a Dockerfile comment, a README line, a new bound in
    setup.py and a new test tool, relocked the way `invoke relock` does it (bake, relock the
    bake, ship its locks back)."""
    path = tmp_path_factory.mktemp("template")
    for part in TEMPLATE_PARTS:
        if (ROOT / part).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.py[cod]", ".*_cache")
            shutil.copytree(ROOT / part, path / part, ignore=ignore)
        else:
            shutil.copy2(ROOT / part, path / part)
    run(env, path, "git", "init", "--quiet")
    first = commit(env, path, "the template as checked out")

    project = path / "{{cookiecutter.project_slug}}"
    append(project / "Dockerfile", "# A template improvement.\n")
    append(project / "README.md", "\nA line the template added.\n")
    edit(project / "setup.py", '"flask>=3.0",', '"flask>=3.1",')
    edit(project / "requirements" / "test.in", "-c base.txt\n", "-c base.txt\npytest-timeout\n")
    out = tmp_path_factory.mktemp("relock")
    run(env, out, sys.executable, "-m", "cookiecutter", "--no-input", str(path), "project_slug=lock-probe")
    relock(env, out / "lock-probe")
    for name in LOCKS:
        text = (out / "lock-probe" / "requirements" / name).read_text()
        text = text.replace("lock-probe (setup.py)", "{{ cookiecutter.project_slug }} (setup.py)")
        (project / LOCK_SET / name).write_text(text)
    commit(env, path, "Dockerfile and README improved; flask>=3.1, pytest-timeout, relocked")
    return path, first


def create(template, env, out):
    """`cruft create` a project from the template's first version, commit it in its own git
    repository, and make the user's changes: in the README the template also changes, in the
    code, and a new test tool, relocked."""
    path, first = template
    cruft(env, out.parent, "create", "--no-input", "--checkout", first, "--output-dir", str(out), str(path))
    (project,) = out.iterdir()
    run(env, project, "git", "init", "--quiet")
    commit(env, project, "baked")
    assert "Lock files are current." in lock_check(env, project).output
    edit(project / "README.md", "A Python service developed", "Our billing service, developed")
    append(project / "src" / "my_service" / "app.py", "\n# The user's own line.\n")
    append(project / "requirements" / "test.in", "pytest-randomly\n")
    relock(env, project)
    return Project(project, env=env)


def lock_check(env, project):
    return Project(project, env=env).invoke("lock", "--check", check=False)


def conflicted(project):
    """Files of the project that hold merge conflict markers (or .rej files cruft left)."""
    found = []
    for path in sorted(project.rglob("*")):
        if ".git" in path.parts or not path.is_file():
            continue
        if path.suffix == ".rej" or re.search(r"^(<{7}|>{7}) ", path.read_text(), re.MULTILINE):
            found.append(path.relative_to(project).as_posix())
    return found


def out_of_date(problems):
    return (
        f"Lock files out of date: {problems}; "
        "run `invoke lock` to rewrite them from setup.py, pyproject.toml and requirements/*.in."
    )


def test_update_applies_the_template_change_and_keeps_the_users(template, env, tmp_path):
    """Behind, updated, up to date: the template's changes arrive, the user's stay, the project's
    lock files are left alone (the [tool.cruft] skip list), and `invoke lock --check` names
    those the merged inputs made stale, in one sentence that says to run `invoke lock`."""
    project = create(template, env, tmp_path / "out")
    commit(env, project.path, "the user's changes, relocked")
    users_locks = {name: (project.path / "requirements" / name).read_text() for name in LOCKS}

    behind = cruft(env, project.path, "check", check=False)
    assert behind.returncode == 1 and "out of date" in behind.output
    cruft(env, project.path, "update", "-y")

    assert (project.path / "Dockerfile").read_text().endswith("# A template improvement.\n")
    readme = (project.path / "README.md").read_text()
    assert "Our billing service, developed" in readme and "A line the template added." in readme
    assert (project.path / "src/my_service/app.py").read_text().endswith("# The user's own line.\n")
    assert '"flask>=3.1",' in (project.path / "setup.py").read_text()
    test_in = (project.path / "requirements" / "test.in").read_text()
    assert "pytest-timeout" in test_in and "pytest-randomly" in test_in
    assert conflicted(project.path) == []
    assert {n: (project.path / "requirements" / n).read_text() for n in LOCKS} == users_locks
    assert "up to date" in cruft(env, project.path, "check").output

    check = project.invoke("lock", "--check", check=False)
    sentence = out_of_date("requirements/base.txt (stale), requirements/test.txt (stale)")
    assert check.returncode == 1 and check.output.strip() == sentence
    refused = project.invoke("test", check=False)
    assert refused.returncode == 1 and refused.output.strip() == sentence


def test_a_conflicted_lock_is_named_by_invoke_lock_check(template, env, tmp_path):
    """Without the skip list, cruft merges the lock files line by line: both sides changed
    test.txt's stamp, so it conflicts (and cruft still says "Good work!" and exits 0);
    `invoke lock --check` and `invoke test` name it, in one sentence that says to run
    `invoke lock`."""
    project = create(template, env, tmp_path / "out")
    pyproject = project.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().partition("\n[tool.cruft]")[0])
    commit(env, project.path, "the user's changes, relocked; lock files merged on updates")

    assert "Good work!" in cruft(env, project.path, "update", "-y").output

    assert conflicted(project.path) == ["requirements/test.txt"]
    check = project.invoke("lock", "--check", check=False)
    sentence = out_of_date("requirements/test.txt (merge conflict markers), requirements/dev.txt (stale)")
    assert check.returncode == 1 and check.output.strip() == sentence
    refused = project.invoke("test", check=False)
    assert refused.returncode == 1 and refused.output.strip() == sentence


def test_the_skip_list_is_the_lock_files(bake, env):
    """pyproject.toml's [tool.cruft] skip list names exactly the lock files tasks/locks.py writes."""
    project = bake()
    skip = tomllib.loads((project / "pyproject.toml").read_text())["tool"]["cruft"]["skip"]
    listed = run(env, project, sys.executable, "-c", "from tasks.locks import LOCKS; print(*LOCKS)")
    assert skip == [f"requirements/{name}" for name in listed.output.split()]


def test_a_plain_cookiecutter_bake_links_with_its_answers_file(template, env, tmp_path):
    """A project baked from this checkout without cruft links to the commit it was baked from
    with the answers file it carries (`cruft diff` then finds nothing), and updates like any
    other."""
    path, first = template
    answers = {"project_name": "Acme Billing", "framework": "none", "python_version": "3.11"}
    out = tmp_path / "out"
    config = env["COOKIECUTTER_CONFIG"]
    cookiecutter(str(ROOT), no_input=True, extra_context=answers, output_dir=str(out), config_file=config)
    project = out / "acme-billing"
    run(env, project, "git", "init", "--quiet")
    commit(env, project, "baked with cookiecutter")

    # Without the answers, cruft renders another project (the defaults): the link is wrong.
    cruft(env, project, "link", "-y", "--checkout", first, str(path))
    assert cruft(env, project, "diff", "--exit-code", check=False).returncode != 0
    (project / ".cruft.json").unlink()

    answers_file = (project / ".cookiecutter-answers.json").read_text()
    cruft(env, project, "link", "-y", "--checkout", first, "--extra-context", answers_file, str(path))
    context = json.loads((project / ".cruft.json").read_text())["context"]["cookiecutter"]
    assert {k: v for k, v in context.items() if not k.startswith("_")} == json.loads(answers_file)
    cruft(env, project, "diff", "--exit-code")
    commit(env, project, "linked with cruft")

    cruft(env, project, "update", "-y")
    assert (project / "Dockerfile").read_text().endswith("# A template improvement.\n")
    assert conflicted(project) == []


def test_a_conflicted_setup_py_gets_one_sentence(bake, env, tmp_path):
    project = shutil.copytree(bake(), tmp_path / "project")
    edit(project / "setup.py", "    install_requires=[", "<<<<<<< ours\n    install_requires=[")
    check = lock_check(env, project)
    assert check.returncode == 1
    assert re.fullmatch(
        r"setup\.py is not valid Python \(line \d+: [^\n]+\): fix it, e\.g\. resolve the "
        r"conflict markers a merge or `cruft update` left, and retry\.",
        check.output.strip(),
    ), check.output


FAKE_DOCKER = """#!/bin/sh
# A docker client whose build records the build context's lock files, then fails.
case "$1" in
  info|buildx) exit 0 ;;
  build) for f in requirements/*.txt; do echo "$f $(head -c 7 "$f")"; done > "$SEEN"; exit 3 ;;
esac
exit 1
"""


def test_invoke_lock_sets_a_conflicted_lock_aside_and_restores_it_on_failure(bake, env, tmp_path):
    """While the compile runs, a conflicted lock is out of the build context (pip-compile cannot
    read it) and the others stay (their pins are kept); a failed compile puts it back as it was."""
    project = shutil.copytree(bake(), tmp_path / "project")
    test_txt = project / "requirements" / "test.txt"
    stamp, _, rest = test_txt.read_text().partition("\n")
    test_txt.write_text(f"<<<<<<< ours\n{stamp}\n=======\n# theirs\n>>>>>>> theirs\n{rest}")
    before = test_txt.read_bytes()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(FAKE_DOCKER)
    (bin_dir / "docker").chmod(0o755)
    seen = tmp_path / "seen"
    env = {**env, "PATH": f"{bin_dir}{os.pathsep}{env['PATH']}", "SEEN": str(seen)}

    result = Project(project, env=env).invoke("lock", check=False)

    assert result.returncode == 3, result.output
    assert "Compiling requirements/test.txt afresh: it has merge conflict markers." in result.output
    assert "`docker build` failed (exit code 3)." in result.output
    assert seen.read_text().splitlines() == [
        "requirements/base.txt # Locke",
        "requirements/build.txt # Locke",
        "requirements/dev.txt # Locke",
    ]
    assert test_txt.read_bytes() == before


# --- hooks: safe on every regeneration --------------------------------------------------------

# Run a script with every way out of the process refused: network, subprocesses (docker, git),
# and randomness from the OS; and with no writes, moves or removals outside the working directory.
GUARD = """
import os, random, runpy, sys
cwd = os.getcwd()
REFUSED = ("socket.", "subprocess.", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
           "os.fork", "pty.", "urllib.", "http.", "ctypes.")
def refuse_randomness(*args, **kwargs):
    raise RuntimeError("hook tried randomness")
os.urandom = refuse_randomness
for name in ("random", "randint", "randrange", "choice", "choices", "shuffle", "sample",
             "getrandbits", "uniform", "randbytes"):
    setattr(random, name, refuse_randomness)
def inside(path):
    return os.path.realpath(os.path.join(cwd, os.fsdecode(path))).startswith(cwd + os.sep)
def guard(event, args):
    if event.startswith(REFUSED):
        raise RuntimeError(f"hook tried {event}")
    writes = event == "open" and isinstance(args[0], (str, bytes)) and (
        any(m in (args[1] or "") for m in "wax+") or (args[2] or 0) & (os.O_WRONLY | os.O_RDWR))
    paths = args[:2] if event == "os.rename" else args[:1]
    if (writes or event in ("os.rename", "os.remove", "os.rmdir", "shutil.rmtree", "os.mkdir")) and not all(
        inside(p) for p in paths if isinstance(p, (str, bytes))):
        raise RuntimeError(f"hook tried {event} outside its directory: {args}")
sys.addaudithook(guard)
runpy.run_path(sys.argv[1], run_name="__main__")
"""


def guarded(script, cwd, tmp_path):
    """Run a script under GUARD, with a PATH that holds neither docker nor git."""
    empty = tmp_path / "empty-path"
    empty.mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-c", GUARD, str(script)],
        cwd=cwd,
        env={"PATH": str(empty), "HOME": str(empty), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    "body",
    [
        "import subprocess; subprocess.run(['git', 'init'])",
        "import socket; socket.create_connection(('pypi.org', 443))",
        "import uuid; uuid.uuid4()",
        "open('../outside-the-project', 'w')",
    ],
    ids=["subprocess", "network", "random", "write-outside"],
)
def test_the_guard_refuses_what_hooks_must_not_do(tmp_path, body):
    script = tmp_path / "script.py"
    script.write_text(body + "\n")
    (tmp_path / "cwd").mkdir()
    result = guarded(script, tmp_path / "cwd", tmp_path)
    assert result.returncode == 1 and "RuntimeError: hook tried " in result.stderr


def test_hooks_run_without_network_docker_git_or_randomness(tmp_path):
    """Both rendered hooks do their whole job under the guard."""
    answers = {**VALID, "framework": "none", "license": "Proprietary"}
    project = make_baked_tree(tmp_path / "project")
    pre = guarded(render_hook("pre_gen_project", answers, tmp_path), project, tmp_path)
    assert pre.returncode == 0, pre.stderr
    post = guarded(render_hook("post_gen_project", answers, tmp_path), project, tmp_path)
    assert post.returncode == 0, post.stderr
    assert not (project / "requirements" / "_locks").exists()
    assert (project / "requirements" / "base.txt").read_text() == "none 3.13 base.txt\n"
    assert not (project / "LICENSE").exists()


def tree_bytes(root):
    return {
        p.relative_to(root).as_posix(): (p.stat().st_mode, p.read_bytes())
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_two_bakes_with_the_same_answers_are_identical(env, tmp_path):
    """Byte for byte, file modes too: cruft's regenerations of old and new template versions
    differ only where the template changed."""
    answers = {"project_name": "Acme Billing", "framework": "fastapi", "installer": "pip"}
    trees = [
        tree_bytes(
            Path(
                cookiecutter(
                    str(ROOT),
                    no_input=True,
                    extra_context=answers,
                    output_dir=str(tmp_path / out),
                    config_file=env["COOKIECUTTER_CONFIG"],
                )
            )
        )
        for out in ("one", "two")
    ]
    assert trees[0] == trees[1]
    assert "requirements/base.txt" in trees[0]
