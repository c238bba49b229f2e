"""Docker Swarm for the tests and the benchmark: a swarm on this engine, other engines joined as
workers (left as it was found), a stack's tasks, and a steady load from a second process
(harness/load.py) while something happens to the stack."""

import contextlib
import json
import subprocess
import sys
import time

from harness import fail
from harness.docker import docker
from harness.template import ROOT


def swarm_state():
    """This engine's swarm state: inactive, active, pending, ..."""
    return docker("info", "--format", "{{.Swarm.LocalNodeState}}").strip()


@contextlib.contextmanager
def swarm(address="127.0.0.1", workers=()):
    """A swarm on this engine, advertised on `address`, and the engines in `workers` ((docker
    command prefix, address) pairs) joined to it as workers; left again afterwards if it was made
    here (only a swarm made here is joined)."""
    bridge = "docker_gwbridge" in docker("network", "ls", "--format", "{{.Name}}").split()
    made = swarm_state() != "active"
    joined = []
    try:
        if made:
            docker("swarm", "init", "--advertise-addr", address)
            token = docker("swarm", "join-token", "--quiet", "worker").strip()
            for engine, worker_address in workers:
                join = ["swarm", "join", "--token", token, "--advertise-addr", worker_address]
                subprocess.run([*engine, *join, f"{address}:2377"], check=True, capture_output=True)
                joined.append(engine)
        yield
    finally:
        for engine in joined:
            subprocess.run([*engine, "swarm", "leave", "--force"], capture_output=True)
        if made:
            docker("swarm", "leave", "--force", check=False)
            if not bridge:  # the network swarm mode made for its containers' outside traffic
                docker("network", "rm", "docker_gwbridge", check=False)


def remove_stack(name):
    """`docker stack rm` and wait until its containers, networks and volumes are gone."""
    docker("stack", "rm", name, check=False)
    deadline = time.monotonic() + 60
    label = f"label=com.docker.stack.namespace={name}"
    while time.monotonic() < deadline:
        left = docker("ps", "-aq", "--filter", label) + docker("network", "ls", "-q", "--filter", label)
        if not left.split():
            break
        time.sleep(0.5)
    volumes = docker("volume", "ls", "-q", "--filter", label).split()
    if volumes:
        docker("volume", "rm", "-f", *volumes, check=False)


def local_node():
    """This engine's node id in its swarm."""
    return docker("info", "--format", "{{.Swarm.NodeID}}").strip()


def tasks(service, state="running"):
    """The service's tasks in a state (running: serving, which with a health check means
    healthy), each as `docker inspect` shows it (NodeID: where it runs)."""
    ids = docker("service", "ps", "-q", "--filter", f"desired-state={state}", service).split()
    return [t for t in json.loads(docker("inspect", *ids)) if t["Status"]["State"] == state] if ids else []


def images_running(service):
    """The images the service's running tasks run (without their digests)."""
    return sorted(t["Spec"]["ContainerSpec"]["Image"].split("@")[0] for t in tasks(service))


@contextlib.contextmanager
def steady_load(url, rate):
    """GET url `rate` times a second from a second process while the block runs; the report
    (sent, ok, failed, failures, seconds, slowest) is filled in afterwards."""
    report = {}
    command = [sys.executable, "-m", "harness.load", url, str(rate)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    if process.stdout.readline().strip() != "started":
        fail(f"the load generator did not start: {process.communicate()}")
    try:
        yield report
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
        report.update(json.loads(output.splitlines()[-1]))


def push_unhealthy(image, tag):
    """Build and push `tag`: `image` with a health check that always fails, soon (an update
    Swarm must roll back)."""
    dockerfile = f'FROM {image}\nHEALTHCHECK --interval=1s --start-period=2s --retries=2 CMD ["false"]\n'
    subprocess.run(
        ["docker", "build", "--quiet", "--tag", tag, "-"],
        input=dockerfile,
        text=True,
        check=True,
        capture_output=True,
    )
    docker("push", "--quiet", tag)


def remove_pushed(registry_address):
    """Remove this engine's images tagged for the registry (what pushes and deploys left)."""
    listed = docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}").split()
    refs = [ref for ref in listed if ref.startswith(f"{registry_address}/")]
    if refs:
        docker("image", "rm", "--force", *refs, check=False)
