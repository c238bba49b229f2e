"""Beyond one host, live: the flask postgres bake as a Docker Swarm stack on two engines (this one
as the manager, a second one in a network namespace of the test's own as a worker: its own
loopback, a veth link, its own dockerd), images from the real registry `invoke push` pushes to,
HAProxy in front of the replicas. `invoke deploy` runs the release step, then updates the
replicas one at a time, each new one healthy before an old one stops: under a steady load from a
second process, an update and a rolled-back one fail no request; a killed replica and a killed
database lose no write."""

import json
import subprocess

import pytest

from harness.docker import docker
from harness.engine import docker_unavailable
from harness.git import GIT_IDENTITY, commit
from harness.hosts import HOST_ADDRESS, SECOND_ADDRESS, copy_image, host_problem, second_host
from harness.network import free_port, get_json, post_json, wait_for
from harness.projects import Project, set_setting, set_version, settings_of
from harness.swarm import (
    images_running,
    local_node,
    push_unhealthy,
    remove_pushed,
    remove_stack,
    steady_load,
    swarm,
    tasks,
)

pytestmark = pytest.mark.docker

# Requests a second from the load generator while a deploy runs: steady, well within what three
# replicas serve on two cores.
RATE = 40


@pytest.fixture(scope="session")
def proxy_image(docker_engine, bake):
    """The proxy image a web bake's .env names, which scripts/provision-docker provides."""
    image = settings_of(bake())["PROXY_IMAGE"]
    if subprocess.run(["docker", "image", "inspect", image], capture_output=True).returncode:
        docker_unavailable(f"No {image} image (run scripts/provision-docker).")
    return image


def release(project, version):
    """Bump setup.py's version, commit, build (tests gate it) and push: what a release is."""
    set_version(project.path, version)
    commit(project, f"Version {version}")
    project.invoke("build")
    project.invoke("push")
    return f"{project.env['REGISTRY']}/{project.env['SERVICE_IMAGE']}:{version}"


@pytest.fixture(scope="module")
def cluster(docker_engine, registry, proxy_image):
    """A swarm of this engine (the manager) and a second engine in a network namespace (a
    worker), which gets the registry on its own loopback and the proxy image no registry serves."""
    problem = host_problem()
    if problem:
        docker_unavailable(f"No second Docker host: {problem}.")
    port = int(registry.address.rsplit(":", 1)[1])
    with second_host(relayed_ports=[port]) as engine:
        copy_image(proxy_image, engine)
        try:
            with swarm(HOST_ADDRESS, workers=[(engine, SECOND_ADDRESS)]):
                yield engine
        finally:
            remove_pushed(registry.address)


@pytest.fixture(scope="module")
def stack(docker_project, registry, postgres_image, cluster):
    """The flask postgres bake in git, version 1.0.0 pushed and deployed as a stack."""
    project = docker_project("swarm", framework="flask", database="postgres")
    project.env.update(GIT_IDENTITY, REGISTRY=registry.address)
    project.port = free_port()
    set_setting(project, "SERVICE_PORT", str(project.port))
    project.base = f"http://127.0.0.1:{project.port}"
    project.run("git", "init", "--quiet")
    commit(project, "Baked")
    project.image = release(project, "1.0.0")
    project.name = project.env["SERVICE_IMAGE"]
    project.service = f"{project.name}_service"
    try:
        project.first = project.invoke("deploy")
        yield project
    finally:
        remove_stack(project.name)


def versions(project, answers=9):
    """The versions /healthz reports over several requests (the proxy spreads them)."""
    return {get_json(project.base + "/healthz")[1]["version"] for _ in range(answers)}


def test_an_engine_that_is_no_manager_gets_one_sentence(cluster, bake):
    # The worker's engine: in the swarm, but it cannot deploy.
    project = Project(bake(), env={"REGISTRY": "127.0.0.1:5000", "DOCKER_HOST": cluster[-1]})
    refused = project.invoke("deploy", check=False)
    assert refused.returncode == 1, refused.output
    assert "This Docker engine is not a Swarm manager: run `docker swarm init`" in refused.output


def test_deploy_runs_the_release_step_then_healthy_replicas_on_both_hosts(stack):
    assert f"Deployed {stack.image} as the stack {stack.name}: 3 healthy replicas" in stack.first.output
    assert images_running(stack.service) == [stack.image] * 3
    nodes = docker("node", "ls", "--format", "{{.Hostname}} {{.Status}} {{.ManagerStatus}}").splitlines()
    assert len(nodes) == 2 and all(" Ready " in f"{node} " for node in nodes), nodes
    assert len({t["NodeID"] for t in tasks(stack.service)}) == 2  # replicas on both hosts
    jobs = tasks(f"{stack.name}_release", state="complete")
    assert [job["Spec"]["ContainerSpec"]["Image"].split("@")[0] for job in jobs] == [stack.image]
    # The proxy routes to new replicas once its DNS lookup and health check see them (1 s each).
    wait_for(lambda: get_json(stack.base + "/healthz")[0] == 200, 10, "the proxy to route to the replicas")
    # The migrations ran: the service writes to its table, through the proxy.
    before = get_json(stack.base + "/visits")[1]["visits"]
    assert post_json(stack.base + "/visits") == {"visits": before + 1}
    assert versions(stack) == {"1.0.0"}
    # The proxy is the only way in: the service publishes no port.
    [service] = json.loads(docker("service", "inspect", stack.service))
    assert not service["Endpoint"].get("Ports"), service["Endpoint"]


def test_a_rolling_update_under_load_fails_no_request(stack):
    new = release(stack, "1.1.0")
    with steady_load(stack.base + "/visits", RATE) as load:
        deployed = stack.invoke("deploy")
    assert f"Deployed {new} as the stack {stack.name}: 3 healthy replicas" in deployed.output
    assert load["failed"] == 0, load
    assert load["sent"] >= RATE * 5, load  # the load ran through the whole update
    assert images_running(stack.service) == [new] * 3
    assert versions(stack) == {"1.1.0"}
    stack.image = new


def test_an_update_whose_health_check_fails_rolls_back_under_load(stack):
    broken = f"{stack.env['REGISTRY']}/{stack.env['SERVICE_IMAGE']}:broken"
    push_unhealthy(stack.image, broken)
    with steady_load(stack.base + "/visits", RATE) as load:
        refused = stack.invoke("deploy", "--tag", "broken", check=False)
    assert refused.returncode == 1, refused.output
    assert f"The update of {stack.service} failed and was rolled back" in refused.output
    assert load["failed"] == 0, load
    assert images_running(stack.service) == [stack.image] * 3
    assert versions(stack) == {"1.1.0"}


def test_a_killed_replica_and_a_killed_database_lose_no_committed_write(stack):
    written = post_json(stack.base + "/visits")["visits"]
    [victim, *_] = [t for t in tasks(stack.service) if t["NodeID"] == local_node()]
    docker("kill", victim["Status"]["ContainerStatus"]["ContainerID"])

    def replaced():
        running = tasks(stack.service)
        return len(running) == 3 and victim["ID"] not in {t["ID"] for t in running}

    wait_for(replaced, 60, "Swarm to replace the killed replica")
    [db] = tasks(f"{stack.name}_db")
    docker("kill", db["Status"]["ContainerStatus"]["ContainerID"])

    def db_back():
        running = tasks(f"{stack.name}_db")
        return running and running[0]["ID"] != db["ID"] and get_json(stack.base + "/visits")[0] == 200

    wait_for(db_back, 90, "Swarm to restart the killed database and the service to reach it")
    assert get_json(stack.base + "/visits") == (200, {"visits": written})


def test_a_tag_never_pushed_stops_at_the_release_step_and_updates_nothing(stack):
    missing = stack.invoke("deploy", "--tag", "9.9.9", check=False)
    assert missing.returncode == 1, missing.output
    assert "The release step failed (" in missing.output and "nothing was updated" in missing.output
    assert images_running(stack.service) == [stack.image] * 3


def test_a_sqlite_worker_deploys_as_one_replica_beside_its_data(docker_project, registry, stack):
    # The other shape: no proxy, no database service, the state in DATA_DIR on the manager.
    worker = docker_project("swarm-worker", framework="none")
    worker.env.update(GIT_IDENTITY, REGISTRY=registry.address)
    worker.run("git", "init", "--quiet")
    commit(worker, "Baked")
    image = release(worker, "1.0.0")
    name = worker.env["SERVICE_IMAGE"]
    try:
        deployed = worker.invoke("deploy")
        assert f"Deployed {image} as the stack {name}: 1 healthy replica, in" in deployed.output
        assert images_running(f"{name}_service") == [image]
        services = docker("stack", "services", "--format", "{{.Name}}", name).split()
        assert sorted(services) == [f"{name}_release", f"{name}_service"]
        [running] = tasks(f"{name}_service")
        mounts = running["Spec"]["ContainerSpec"]["Mounts"]
        assert [(m["Type"], m.get("Source"), m["Target"]) for m in mounts] == [
            ("volume", f"{name}_data", "/data"),
            ("tmpfs", None, "/tmp"),
        ]
    finally:
        remove_stack(name)
