"""The template's hooks as the tests meet them: imported unrendered from their paths, or rendered
the way cookiecutter renders them and run; good answers, and a fake baked tree for the post hook."""

import importlib.util
import subprocess
import sys
from pathlib import Path

from cookiecutter.utils import create_env_with_context

from harness.template import CHOICES, PYTHON_VERSIONS, ROOT

HOOKS = ROOT / "hooks"

VALID = {
    "project_name": "My Service",
    "project_slug": "my-service",
    "package_name": "my_service",
    "description": "A Python service developed, tested and shipped with Docker.",
    "author_name": "Your Name",
    "author_email": "you@example.com",
    "version": "0.1.0",
    "license": "MIT",
    "python_version": "3.13",
    "framework": "flask",
    "installer": "uv",
    "database": "sqlite",
    "port": "8000",
    "build_apt_packages": "",
    "runtime_apt_packages": "",
}


def set_locks() -> tuple:
    """The lock files each lock set holds (the post hook's), in every bake's requirements/."""
    return load_hook("post_gen_project").LOCK_FILES


# The build backend's lock, in every bake's requirements/: the template ships one for all sets.
BUILD_LOCK = "build.txt"


def lock_set(framework: str, database: str, version: str) -> str:
    """The name of a lock set's directory under requirements/_locks (the post hook's)."""
    return load_hook("post_gen_project").lock_set(framework, database, version)


def load_hook(name: str):
    """Import hooks/<name>.py as a module, without rendering it."""
    spec = importlib.util.spec_from_file_location(name, HOOKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def render_hook(name: str, answers: dict, tmp_path: Path, options: dict | None = CHOICES) -> Path:
    """Render hooks/<name>.py the way cookiecutter does and return the script: with the answers,
    and cookiecutter.json's options as cookiecutter hands them over (None: as cruft renders)."""
    context = {"cookiecutter": answers, **({"_cookiecutter": options} if options is not None else {})}
    source = (HOOKS / f"{name}.py").read_text(encoding="utf-8")
    env = create_env_with_context(context)
    script = tmp_path / f"rendered_{name}.py"
    script.write_text(env.from_string(source).render(**context), encoding="utf-8")
    return script


def run_script(script: Path, cwd: Path) -> subprocess.CompletedProcess:
    """Run a rendered hook script with this Python."""
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def make_baked_tree(root: Path, package: str = "my_service") -> Path:
    """Create a fake baked project holding every file the post hook may touch."""
    post = load_hook("post_gen_project")
    for framework in CHOICES["framework"]:
        for database in CHOICES["database"]:
            for version in PYTHON_VERSIONS:
                locks = root / "requirements" / "_locks" / post.lock_set(framework, database, version)
                locks.mkdir(parents=True)
                label = framework if database == "sqlite" else f"{framework} {database}"
                for name in post.LOCK_FILES:
                    (locks / name).write_text(f"{label} {version} {name}\n")
    (root / "requirements" / "base.in").write_text("flask\n")
    for path in (
        root / "src" / package / "__init__.py",
        root / "src" / package / "app.py",
        root / "src" / package / "worker.py",
        root / "src" / package / "settings.py",
        root / "src" / package / "store.py",
        root / "src" / package / "schema.sql",
        root / "src" / package / "middleware.py",
        root / "src" / package / "migrations" / "env.py",
        root / "src" / "visits" / "__init__.py",
        root / "src" / "servicehost" / "pytest_plugin.py",
        root / "src" / "servicehost" / "database.py",
        root / "src" / "servicehost" / "testserver.py",
        root / "tasks" / "database.py",
        root / "LICENSE",
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    return root
