"""The dev loop as a user drives it: `invoke dev` in the background, edits to the working copy
as an editor saves them, and the Compose containers a project leaves."""

import contextlib
import subprocess
import sys
import threading
import time

import pytest

from harness import fail
from harness.docker import docker
from harness.network import wait_for


def containers(project):
    """The ids of the project's Compose containers, running or not."""
    label = f"label=com.docker.compose.project={project.compose_name}"
    return docker("ps", "--all", "--quiet", "--filter", label).split()


class Background:
    """A command running in the background, its output collected line by line."""

    def __init__(self, project, *args, env=None):
        self.lines = []
        self.process = subprocess.Popen(
            [*project.prefix, sys.executable, "-m", "invoke", *args],
            cwd=project.path,
            env={**project.env, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,  # a process group of its own, as a terminal's job
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self):
        return "".join(self.lines)

    def says(self, text):
        """True once the output holds text; fails at once when the command ended."""
        if self.process.poll() is not None:
            time.sleep(0.5)
            fail(f"exited {self.process.returncode}:\n{self.output[-3000:]}")
        return text in self.output

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)


@contextlib.contextmanager
def dev_running(project, *args, env=None):
    """`invoke dev ARGS` in the background; afterwards no container of it may be left."""
    dev = Background(project, "dev", *args, env=env)
    try:
        yield dev
    finally:
        dev.stop()
        for container in containers(project):
            docker("rm", "--force", container, check=False)


def edit(project, module, old, new):
    """Replace text in a module under src/, as an editor saves it (undone by restore)."""
    path = project.path / "src" / module
    text = path.read_text()
    assert old in text
    project.originals.setdefault(path, text)
    path.write_text(text.replace(old, new))


def restore(project):
    """Undo every edit, so the next test starts from the bake."""
    for path, text in project.originals.items():
        path.write_text(text)
    project.originals.clear()


def wait_reloaded(project, condition, what, timeout=30):
    """Wait for the edited code to run. A stat reloader's first look at the files (Django's,
    Werkzeug's, under load) can come just after an edit made the moment the service answered: the
    edited files are saved once more, as an editor would, if the first save was not seen."""
    try:
        wait_for(condition, 10, what)
    except pytest.fail.Exception:
        for path in project.originals:
            path.touch()
        wait_for(condition, timeout, f"{what}, saved twice")
