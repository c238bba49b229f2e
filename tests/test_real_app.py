"""An existing app moves into a baked project by the steps of its README ("Bring your existing
app"): its package data ships in the image and in a wheel, its tests pass in the build (as the
service's uid) and on the mounted working copy, its state lives in the DATA_DIR volume and
outlives the container, and nothing a run left in the working copy reaches an image."""

import re
import shutil
import sys
import urllib.request
import zipfile

import pytest

from tests.conftest import Project
from tests.real_app import ENV_FILE, LEFTOVERS, PACKAGE_DATA, move_in
from tests.test_docker import (
    as_host_user,
    docker,
    free_port,
    get_json,
    image_of,
    post_json,
    production,
    running,
    units_done,
    volume,
    wait_for,
)

PACKAGE = "my_service"


def get_text(url):
    """GET a URL, returning its body as text."""
    with urllib.request.urlopen(url, timeout=2) as response:
        return response.read().decode()


def test_a_wheel_carries_the_package_data_and_none_of_the_leftovers(bake, tmp_path):
    project = Project(shutil.copytree(bake(framework="flask"), tmp_path / "project"))
    move_in(project, PACKAGE, "flask")
    for leftover in LEFTOVERS:
        project.write(f"{leftover.format(package=PACKAGE)}/notes.sqlite3", "state")
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--ignore-requires-python", "--quiet"]
    project.run(*pip, "--wheel-dir", str(tmp_path / "dist"), ".")
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"{PACKAGE}/{name}" for name in PACKAGE_DATA} <= names, names
    assert {f"{PACKAGE}/notes.py", f"{PACKAGE}/schema.sql"} <= names
    assert not [n for n in names if n.endswith(".sqlite3") or "instance" in n], names


@pytest.mark.docker
@pytest.mark.parametrize("framework", ["flask", "fastapi", "none"])
def test_an_existing_app_moves_in_and_ships_with_its_data_and_state(docker_project, framework):
    project, uid = as_host_user(docker_project(f"real-app-{framework}", framework=framework))
    move_in(project, PACKAGE, framework)

    # Its tests pass in the build and on the mounted working copy.
    project.invoke("test")
    mounted = project.invoke("test", "--mount")
    assert re.search(r"\b\d+ passed\b", mounted.output) and "failed" not in mounted.output

    # Mounted runs of its own command leave databases in the working copy, as a dev loop would.
    project.run("mkdir", "-p", *(leftover.format(package=PACKAGE) for leftover in LEFTOVERS))
    init_everywhere = " && ".join(
        f"DATA_DIR=/app/{leftover.format(package=PACKAGE)} {project.slug} init-notes"
        for leftover in LEFTOVERS
    )
    project.run(
        *["docker", "run", "--rm", "--user", f"{uid}:{uid}", "--volume", f"{project.path}:/app"],
        *[image_of(project, "localdev"), "sh", "-c", init_everywhere],
    )
    project.write(ENV_FILE, "SECRET=left-behind\n")
    for leftover in LEFTOVERS:
        made = project.path / leftover.format(package=PACKAGE) / "notes.sqlite3"
        assert made.stat().st_uid == uid

    # The service image: the package data, none of the leftovers.
    project.invoke("build")
    image = image_of(project)
    files = docker("run", "--rm", "--entrypoint", "find", image, "/app", "/data", "-type", "f").split()
    assert {f"/app/src/{PACKAGE}/{name}" for name in PACKAGE_DATA} <= set(files), files
    assert not [f for f in files if f.endswith((".sqlite3", ENV_FILE)) or "/instance/" in f], files

    # State: the app's own command creates its database in the volume; a write outlives the container.
    with volume() as data:
        docker("run", "--rm", *production(data), image, "init-notes")
        if framework == "none":
            with running(image, *production(data), "--env", "WORK_INTERVAL=0.2") as worker:
                wait_for(lambda: units_done(worker), 30, "a unit of work")
            page = docker("run", "--rm", *production(data), image, "notes")
            assert page.startswith("<h1>Packaged Notes</h1><ul><li>unit 1</li>"), page
            return
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with running(image, *production(data, port)):
            wait_for(lambda: get_json(f"{base}/healthz")[0] == 200, 30, "/healthz")
            assert post_json(f"{base}/notes?text=persisted") == {"added": True}
            assert "<h1>Packaged Notes</h1>" in get_text(f"{base}/notes")
            if framework == "flask":
                assert get_text(f"{base}/static/notes.css") == PACKAGE_DATA["static/notes.css"]
        with running(image, *production(data, port)):
            wait_for(lambda: get_json(f"{base}/healthz")[0] == 200, 30, "/healthz")
            assert "<li>persisted</li>" in get_text(f"{base}/notes")
