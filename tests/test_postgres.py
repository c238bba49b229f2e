"""PostgreSQL bakes on a real engine: the build's tests run on a real server of the db service's
image that never ships, Compose runs the service on its db service, writes outlive `down` and a
killed database, the faults a database brings give one sentence or a 503 and heal, and the db
tasks dump, restore and open psql."""

import json
import re
import subprocess
import time
import urllib.error

import pytest

from harness.devloop import Background
from harness.docker import docker, running
from harness.network import free_port, get_json, post_json, wait_for
from harness.projects import as_host_user, image_of, set_setting, settings_of

pytestmark = pytest.mark.docker

FRAMEWORKS = ["flask", "fastapi", "django", "none"]
# `docker run` options for a service container of the test's own, beside Compose's.
NO_VOLUME = ["--read-only", "--tmpfs", "/tmp", "--env", "DATA_DIR=/tmp"]


def compose_project(project, framework, name=None):
    """Give the project a Compose project name of its own and, for a web service, a free port."""
    project.framework = framework
    project.compose_name = name or project.env["SERVICE_IMAGE"]
    project.env["COMPOSE_PROJECT_NAME"] = project.compose_name
    project.port = free_port()
    if framework != "none":
        set_setting(project, "SERVICE_PORT", str(project.port))
    return project


@pytest.fixture(scope="module", params=FRAMEWORKS)
def pg_service(request, docker_project, postgres_image, compose_plugin):
    """A postgres bake of each framework, its service image built by `invoke build` (the gate)."""
    project = docker_project(f"pg-{request.param}", framework=request.param, database="postgres")
    compose_project(project, request.param)
    project.invoke("build")
    # The gate's log, also when the build came from the cache: `invoke test` exports it.
    project.invoke("test")
    project.build_output = (project.path / "reports" / "pytest.log").read_text()
    yield project
    project.run("docker", "compose", "down", "--volumes", "--remove-orphans", check=False)


def compose(project, *args, check=True):
    return project.run("docker", "compose", *args, check=check)


def container_of(project, service):
    [container] = compose(project, "ps", "--all", "--quiet", service).output.split()
    return container


def psql(project, query):
    """A query's rows, as psql prints them unaligned, run in the db service itself."""
    script = f'psql -tAq -U "$POSTGRES_USER" "$POSTGRES_DB" -c "{query}"'
    return compose(project, "exec", "-T", "db", "sh", "-c", script).output.strip()


def visits(project):
    """The counter the example keeps (the worker's units), read from the db service itself."""
    table = "visits_counter" if project.framework == "django" else "counters"
    name = "units" if project.framework == "none" else "visits"
    return int(psql(project, f"SELECT coalesce(max(value), 0) FROM {table} WHERE name = '{name}'"))


def healthy(project, url):
    try:
        return get_json(url)[0] == 200
    except urllib.error.HTTPError:
        return False


def up(project):
    """`docker compose up --wait service`: db, release step, service; healthy."""
    compose(project, "up", "--detach", "--no-build", "--wait", "service")


def test_the_gate_ran_on_a_real_server_and_nothing_of_it_ships(pg_service):
    output = pg_service.build_output
    assert re.search(r"\d+ passed", output) and not re.search(r"\d+ failed", output), output[-3000:]
    major = settings_of(pg_service.path)["POSTGRES_IMAGE"].rpartition(":")[2]
    ready = rf"^PostgreSQL {major} for the tests, ready in [\d.]+ s$"
    assert re.search(ready, output, re.MULTILINE), output
    if pg_service.framework != "django":  # pytest-django migrates its test database itself
        assert "release step: alembic upgrade head" in output
        assert "Running upgrade  -> 0001" in output
    # No server, no client library, no mount point of the tests' server in what ships.
    probe = "ls /usr/lib/postgresql /opt/test-db 2>&1; ldconfig -p | grep -c libpq; true"
    shown = docker("run", "--rm", "--entrypoint", "sh", image_of(pg_service), "-c", probe)
    assert shown.count("No such file or directory") == 2 and shown.strip().endswith("0"), shown


def test_compose_runs_it_on_its_db_and_a_write_outlives_down_and_a_killed_db(pg_service):
    project, web = pg_service, pg_service.framework != "none"
    base = f"http://127.0.0.1:{project.port}"
    try:
        up(project)
        if web:
            path = "/visits"
            assert [post_json(base + path)["visits"] for _ in range(2)] == [1, 2]
        else:
            wait_for(lambda: visits(project) >= 1, 30, "the worker's first unit")
        written = visits(project)
        assert written >= 1
        # A killed database loses no committed write, and the service carries on with it.
        docker("kill", container_of(project, "db"))
        docker("start", container_of(project, "db"))
        wait_for(
            lambda: compose(project, "ps", "db", "--format", "{{.Health}}").output.strip() == "healthy",
            60,
            "the db to be healthy again",
        )
        assert visits(project) >= written
        # `down` keeps the data volume; `down --volumes` drops it.
        compose(project, "down")
        up(project)
        if web:
            wait_for(lambda: healthy(project, base + "/healthz"), 30, "/healthz")
            assert get_json(base + "/visits") == (200, {"visits": written})
        assert visits(project) >= written
        compose(project, "down", "--volumes")
        up(project)
        if web:
            assert get_json(base + "/visits") == (200, {"visits": 0})
    finally:
        compose(project, "down", "--volumes", check=False)


@pytest.fixture(scope="module")
def flask_pg(docker_project, postgres_image, compose_plugin):
    """The flask postgres bake, built, its Compose services up."""
    project = docker_project("pg-faults", framework="flask", database="postgres")
    compose_project(project, "flask")
    project.invoke("build")
    up(project)
    yield project
    compose(project, "down", "--volumes", "--remove-orphans", check=False)


def test_a_stopped_database_is_a_503_without_a_crash_loop_and_heals(flask_pg):
    base = f"http://127.0.0.1:{flask_pg.port}"
    service = container_of(flask_pg, "service")
    started = docker("inspect", "--format", "{{.State.StartedAt}}", service)
    post_json(base + "/visits")
    db = container_of(flask_pg, "db")
    docker("stop", db)
    try:
        for path in ("/healthz", "/visits"):
            with pytest.raises(urllib.error.HTTPError) as answer:
                get_json(base + path)
            assert answer.value.code == 503, path
        with pytest.raises(urllib.error.HTTPError) as answer:
            get_json(base + "/healthz")
        reason = json.loads(answer.value.read())["reason"]
        assert reason.startswith("the database at db:5432/app does not answer"), reason
    finally:
        docker("start", db)
    wait_for(lambda: healthy(flask_pg, base + "/healthz"), 60, "the service to heal")
    assert get_json(base + "/visits")[0] == 200
    # The same process served throughout: no restart, no crash loop.
    assert docker("inspect", "--format", "{{.State.StartedAt}}", service) == started
    assert docker("inspect", "--format", "{{.RestartCount}}", service).strip() == "0"


def database_url(project, password=None, host="db", name=None):
    settings = settings_of(project.path)
    password = password or (project.path / settings["DB_PASSWORD_FILE"]).read_text()
    return (
        f"postgresql://{settings['POSTGRES_USER']}:{password}@{host}:5432/{name or settings['POSTGRES_DB']}"
    )


def test_the_service_waits_for_a_database_that_is_not_up_yet(flask_pg):
    network = f"{flask_pg.compose_name}_default"
    port = free_port()
    compose(flask_pg, "stop", "db")
    # Read-only, DATA_DIR in the /tmp tmpfs: only the database may hold it up.
    options = ["--network", network, "--publish", f"127.0.0.1:{port}:8000", *NO_VOLUME]
    options += ["--env", f"DATABASE_URL={database_url(flask_pg)}"]
    with running(image_of(flask_pg), *options) as late:
        time.sleep(2)
        logs = subprocess.run(["docker", "logs", late], capture_output=True, text=True)
        assert "Waiting up to 30 s for the database at db:5432/app" in logs.stderr, logs.stderr
        compose(flask_pg, "start", "db")
        wait_for(lambda: healthy(flask_pg, f"http://127.0.0.1:{port}/healthz"), 60, "the late service")
    # And a bounded wait: nothing answers, one sentence, exit 2.
    options = [
        "--network",
        network,
        "--env",
        "DATABASE_WAIT=1",
        "--env",
        f"DATABASE_URL={database_url(flask_pg, host='nothing-here')}",
    ]
    started = time.monotonic()
    alone = subprocess.run(
        ["docker", "run", "--rm", *options, image_of(flask_pg)], capture_output=True, text=True
    )
    assert alone.returncode == 2 and time.monotonic() - started < 20
    assert (
        alone.stderr.strip()
        .splitlines()[-1]
        .startswith("The database at nothing-here:5432/app (DATABASE_URL) did not answer within 1 s")
    ), alone.stderr


@pytest.mark.parametrize(
    "case, sentence",
    [
        (
            "wrong password",
            "The database at db:5432/app refused user 'app' (DATABASE_URL): check its password",
        ),
        ("missing database", "The database 'nowhere' does not exist on db:5432 (DATABASE_URL): create it"),
        ("malformed", "DATABASE_URL is 'mysql://app:***@db/app': it must start with postgresql://"),
        ("no database", "DATABASE_URL is 'postgresql://app:***@db:5432', which names no database"),
    ],
)
def test_bad_database_urls_are_one_sentence_that_hides_the_password(flask_pg, case, sentence):
    url = {
        "wrong password": database_url(flask_pg, password="wrong-Secret-1"),
        "missing database": database_url(flask_pg, name="nowhere"),
        "malformed": "mysql://app:wrong-Secret-1@db/app",
        "no database": "postgresql://app:wrong-Secret-1@db:5432",
    }[case]
    network = f"{flask_pg.compose_name}_default"
    options = ["--network", network, *NO_VOLUME, "--env", f"DATABASE_URL={url}", "--env", "DATABASE_WAIT=5"]
    for command in ("release", "serve"):
        result = subprocess.run(
            ["docker", "run", "--rm", *options, image_of(flask_pg), command], capture_output=True, text=True
        )
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip().splitlines() == [result.stderr.strip()], result.stderr
        assert result.stderr.startswith(sentence), result.stderr
        assert "wrong-Secret-1" not in result.stdout + result.stderr


def test_tests_run_mounted_on_a_fresh_database_of_the_compose_db(flask_pg):
    result = flask_pg.invoke("test", "--mount")
    assert re.search(r"\d+ passed", result.output), result.output[-3000:]
    assert "release step: alembic upgrade head" in result.output
    listed = compose(flask_pg, "exec", "-T", "db", "sh", "-c", 'psql -tAq -U "$POSTGRES_USER" -l').output
    assert "app_test" not in listed and "app|" in listed.replace(" ", ""), listed
    # Without a server to run on, pytest stops at once with one sentence.
    alone = subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "--volume",
            f"{flask_pg.path}:/app",
            image_of(flask_pg, "localdev"),
            "pytest",
        ],
        capture_output=True,
        text=True,
    )
    assert alone.returncode == 4, alone.stdout + alone.stderr
    assert "The tests need PostgreSQL: DATABASE_URL is not set and there is no test server" in alone.stderr


def test_invoke_dev_brings_the_db_up_and_serves_the_working_copy(flask_pg):
    compose(flask_pg, "down")
    dev = Background(flask_pg, "dev")
    try:
        url = f"http://127.0.0.1:{flask_pg.port}/visits"
        wait_for(lambda: dev.says("") and get_json(url)[0] == 200, 180, "invoke dev to serve /visits")
        assert post_json(url)["visits"] >= 1
    finally:
        dev.stop()
        for container in docker(
            "ps",
            "-aq",
            "--filter",
            f"label=com.docker.compose.project={flask_pg.compose_name}",
            "--filter",
            "label=com.docker.compose.service=dev",
        ).split():
            docker("rm", "-f", container, check=False)
        up(flask_pg)


def test_db_dump_and_restore_round_trip_into_a_file_the_host_user_owns(flask_pg, tmp_path):
    project, uid = as_host_user(flask_pg)
    compose_project(project, "flask", f"{flask_pg.compose_name}-host")
    try:
        psql = lambda sql: project.invoke("db-shell", input=sql).output  # noqa: E731
        psql("CREATE TABLE kept (x int); INSERT INTO kept VALUES (42);")
        project.invoke("db-dump", "--file", "backups/one.dump")
        dump = project.path / "backups" / "one.dump"
        assert dump.stat().st_uid == uid and dump.read_bytes().startswith(b"PGDMP")
        psql("DELETE FROM kept; INSERT INTO kept VALUES (7);")
        project.invoke("db-restore", "backups/one.dump")
        assert re.findall(r"^\s*(\d+)\s*$", psql("SELECT x FROM kept;"), re.MULTILINE) == ["42"]
        missing = project.invoke("db-restore", "backups/none.dump", check=False)
        assert missing.returncode == 1 and missing.output.strip().endswith(
            "backups/none.dump is not a file: name a dump `invoke db-dump` wrote."
        )
    finally:
        project.run("docker", "compose", "down", "--volumes", check=False)


@pytest.mark.parametrize("apt", ["", "libpq5"], ids=["no-libpq", "libpq5"])
def test_libpq_the_app_needs_must_come_from_runtime_apt_packages_not_the_test_server(
    docker_project, postgres_image, apt
):
    # psycopg without its binary extra loads the system's libpq: the tests' server brings one, but
    # never to the tests' processes, so only runtime_apt_packages can make the gate pass.
    project = docker_project(
        f"pg-libpq-{apt or 'none'}", framework="flask", database="postgres", runtime_apt_packages=apt
    )
    setup = project.path / "setup.py"
    setup.write_text(setup.read_text().replace('"psycopg[binary]>=3.2"', '"psycopg>=3.2"'))
    lock = project.path / "requirements" / "base.txt"
    text = lock.read_text().replace("psycopg[binary]==", "psycopg==")
    text = re.sub(r"^psycopg-binary==.*?(?=^\S)", "", text, flags=re.MULTILINE | re.DOTALL)
    assert "psycopg-binary" not in text.split("# via")[0]
    lock.write_text(text)
    result = project.invoke("build", check=False)
    if apt:
        assert result.returncode == 0, result.output[-3000:]
    else:
        assert result.returncode == 1
        assert "libpq library not found" in result.output and "Tests failed" in result.output


def test_lint_passes_and_catches_a_postgres_image_the_dockerfile_does_not_build_on(flask_pg):
    assert "Lint found nothing." in flask_pg.invoke("lint").output
    env_file = flask_pg.path / ".env"
    text = env_file.read_text()
    image = settings_of(flask_pg.path)["POSTGRES_IMAGE"]
    try:
        env_file.write_text(re.sub(r"^POSTGRES_IMAGE=.*$", "POSTGRES_IMAGE=postgres:99", text, flags=re.M))
        drifted = flask_pg.invoke("lint", check=False)
        assert drifted.returncode == 1 and "Lint found problems" in drifted.output
        assert f"ARG POSTGRES_IMAGE={image} differs from POSTGRES_IMAGE=postgres:99 in .env" in drifted.output
    finally:
        env_file.write_text(text)
