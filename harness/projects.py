"""Baked projects: baking this checkout through cookiecutter's CLI, the commands run in a baked
project (its own invoke tasks, docker, anything), its image names, and a copy run as a host user."""

import grp
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import fail
from harness.template import ROOT

# Image names of this run's projects: another prefix lets two checkouts test on one engine at once.
IMAGE_PREFIX = os.environ.get("PYDOCKER_IMAGE_PREFIX", "pdt-")


def bake(output, *answers, options=(), **run):
    """Run cookiecutter's CLI on this checkout without prompting, answers as NAME=VALUE, into
    output; the CompletedProcess (subprocess.run's keywords in `run`)."""
    command = [sys.executable, "-m", "cookiecutter", "--no-input", *options, "-o", str(output)]
    return subprocess.run([*command, str(ROOT), *answers], **run)


class Project:
    """A baked project to run commands in: its own invoke tasks, docker, anything."""

    def __init__(self, path, env=None, prefix=()):
        self.path = Path(path)
        self.prefix = list(prefix)  # e.g. setpriv, to run as another user
        # The suite's own venv first on PATH: its invoke, ruff and hadolint.
        path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
        self.env = {**os.environ, "PATH": path, **(env or {})}

    def run(self, *command, check=True, **kwargs):
        """Run a command in the project; stdout and stderr together in `.output`."""
        result = subprocess.run(
            [*self.prefix, *command],
            cwd=self.path,
            env=self.env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            **kwargs,
        )
        result.output = result.stdout
        if check and result.returncode:
            fail(f"{' '.join(command)} exited {result.returncode}:\n{result.output[-6000:]}")
        return result

    def invoke(self, *args, **kwargs):
        """Run one of the project's invoke tasks, with the test suite's own invoke."""
        return self.run(sys.executable, "-m", "invoke", *args, **kwargs)

    @property
    def slug(self):
        """The project's distribution name, which is also its console script."""
        return re.search(r'name="([^"]+)"', (self.path / "setup.py").read_text()).group(1)

    @property
    def example(self):
        """The example's package under src/ (beside the template's own servicehost)."""
        packages = sorted(p for p in (self.path / "src").iterdir() if p.is_dir())
        return next(p for p in packages if p.name != "servicehost")

    def write(self, relative, text):
        """Create or replace a file in the project."""
        path = self.path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def image_name(name):
    """This run's image name for a project called name: IMAGE_PREFIX + name, as Docker allows."""
    return IMAGE_PREFIX + re.sub(r"[^a-z0-9]+", "-", name.lower())[:60].strip("-")


def image_of(project, stage="service"):
    """The tag `invoke build` gives a stage's image in this project."""
    return f"{project.env['SERVICE_IMAGE']}:{'latest' if stage == 'service' else stage}"


def as_host_user(project):
    """The project, copied where a non-root user owns it, with commands run as that user when
    the suite runs as root (in CI), so that file ownership through the mount means something."""
    if os.geteuid() != 0:
        return project, os.geteuid()
    uid = 4242
    home = Path(tempfile.mkdtemp(prefix="pdt-host-user-"))
    home.chmod(0o755)
    path = Path(shutil.copytree(project.path, home / "project"))
    for item in [home, *home.rglob("*")]:
        os.chown(item, uid, uid, follow_symlinks=False)
    docker_gid = grp.getgrnam("docker").gr_gid
    user = ["setpriv", f"--reuid={uid}", f"--regid={uid}", f"--groups={docker_gid}", "--"]
    return Project(path, env={**project.env, "HOME": str(home)}, prefix=user), uid


def env_file(path):
    """An .env file's NAME=value lines (comments and blank lines aside): {name: value}."""
    lines = Path(path).read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if "=" in line and not line.lstrip().startswith("#"))
    return {name.strip(): value.strip() for name, value in pairs}


def settings_of(path):
    """A baked project's settings: its .env, {name: value}."""
    return env_file(Path(path) / ".env")


def set_setting(project, name, value):
    """Change one line of the project's .env, as its owner would, and let no variable of the test's
    environment override it."""
    env_file = project.path / ".env"
    text, count = re.subn(rf"^{name}=.*$", f"{name}={value}", env_file.read_text(), flags=re.M)
    assert count == 1, f"no {name} line in .env"
    env_file.write_text(text)
    project.env.pop(name, None)


def set_version(path, version):
    """Set the version in a baked project's setup.py (what a release bumps)."""
    setup = Path(path) / "setup.py"
    setup.write_text(re.sub(r'version="[^"]+"', f'version="{version}"', setup.read_text()))
