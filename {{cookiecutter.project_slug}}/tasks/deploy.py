{%- set web = cookiecutter.framework != "none" -%}
{%- set postgres = cookiecutter.database == "postgres" -%}
"""Beyond one host, the image `invoke push` pushed: `deploy` runs it as a Docker Swarm stack
(deploy/swarm), `k8s` renders the Kubernetes manifests (deploy/kubernetes) to pipe into
`kubectl apply -f -` or to commit for a GitOps tool."""

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from invoke import Exit, task

from .dev import check_compose{% if postgres %}, db_password_file{% endif %}
from .docker import docker, quiet, setup_keyword
from .release import TAG
from .settings import ROOT, setting

KUBERNETES = ROOT / "deploy" / "kubernetes"
SWARM = ROOT / "deploy" / "swarm" / "compose.yaml"
# The stack's services; the release step runs alone, before the others are updated.
RELEASE = "release"
{% set services = ["service"] + (["db"] if postgres else []) + (["proxy"] if web else []) -%}
SERVICES = ({% for name in services %}"{{ name }}"{% if not loop.last %}, {% endif %}{% endfor %}{% if services | length == 1 %},{% endif %})
# What a Compose service may say that `docker stack deploy` rejects (depends_on's conditions,
# develop, profiles) or does not use (build; networks: a stack has its own overlay network).
NOT_IN_A_STACK = ("build", "depends_on", "develop", "profiles", "networks", "pull_policy")
# How long the release step and the update may take before `invoke deploy` gives up waiting.
TIMEOUT = 300


def deployed_image(tag):
    """REGISTRY/SERVICE_IMAGE:tag, the image `invoke push` pushed (tag: default the version)."""
    registry = setting("REGISTRY").strip().rstrip("/")
    if not registry:
        raise Exit(
            "No registry to deploy from: the orchestrator pulls the image `invoke push` pushed;"
            " set REGISTRY (e.g. ghcr.io/acme) in .env."
        )
    tag = tag or setup_keyword("version") or "unversioned"
    if not TAG.fullmatch(tag):
        raise Exit(f"--tag {tag!r} is not a Docker tag (letters, digits, _ . -; at most 128).")
    return f"{registry}/{setting('SERVICE_IMAGE')}:{tag}"


@task(
    help={
        "tag": "Image tag (default: setup.py's version, one of the tags `invoke push` pushes).",
        "overlay": "The overlay under deploy/kubernetes/overlays/ (default: example).",
    }
)
def k8s(c, tag=None, overlay="example"):
    """Print the Kubernetes manifests of an overlay for REGISTRY/SERVICE_IMAGE:TAG."""
    image = deployed_image(tag)
    overlays = sorted(p.name for p in (KUBERNETES / "overlays").iterdir() if p.is_dir())
    if overlay not in overlays:
        listed = ", ".join(overlays)
        raise Exit(f"There is no overlay {overlay!r}: deploy/kubernetes/overlays/ has {listed}.")
    if not shutil.which("kubectl"):
        raise Exit("kubectl is missing: install it (its built-in kustomize renders the manifests).")
    # An overlay of the overlay, naming the image: the committed files stay as they are.
    with tempfile.TemporaryDirectory(dir=KUBERNETES, prefix=".render-") as tmp:
        name, tag = image.rsplit(":", 1)
        kustomization = {
            "resources": [f"../overlays/{overlay}"],
            "images": [{"name": "service", "newName": name, "newTag": tag}],
        }
        Path(tmp, "kustomization.yaml").write_text(json.dumps(kustomization, indent=2) + "\n")
        rendered = quiet(c, f"kubectl kustomize {tmp}")
    if rendered.failed:
        raise Exit(f"kubectl kustomize failed on overlays/{overlay}: {rendered.stderr.strip()}")
    print(rendered.stdout, end="")


def stack_name():
    """The stack's name: SERVICE_IMAGE's last part (services are <stack>_service, ...)."""
    return setting("SERVICE_IMAGE").rsplit("/", 1)[-1]


def stack_file(image, services):
    """The stack file for these services: compose.yaml and deploy/swarm/compose.yaml merged by
    Compose (which reads .env; `docker stack deploy` does not), less what a stack cannot say.
    Secrets and configs get their content's hash in their names: Swarm never changes one."""
    files = ["-f", str(ROOT / "compose.yaml"), "-f", str(SWARM)]
    command = ["docker", "compose", "--project-directory", str(ROOT), *files, "config"]
    env = {**os.environ, "DEPLOY_IMAGE": image}
    merged = subprocess.run(
        [*command, "--format", "json", *services], capture_output=True, text=True, env=env
    )
    if merged.returncode:
        raise Exit(f"Compose could not merge deploy/swarm/compose.yaml: {merged.stderr.strip()}")
    model = json.loads(merged.stdout)
    stack = {"services": {}, "volumes": {}, "secrets": {}, "configs": {}}
    for name in services:  # not the dependencies Compose added
        service = model["services"][name]
        service = {k: v for k, v in service.items() if v is not None and k not in NOT_IN_A_STACK}
        for port in service.get("ports", []):
            port["published"] = int(port["published"])
        # A Swarm service takes /tmp in memory as a mount: `tmpfs:` would be dropped unsaid.
        tmpfs = [{"type": "tmpfs", "target": path} for path in service.pop("tmpfs", [])]
        service["volumes"] = service.get("volumes", []) + tmpfs
        for volume in service["volumes"]:
            if volume["type"] == "volume":
                stack["volumes"][volume["source"]] = {}  # the stack's own: <stack>_<name>
        for kind in ("secrets", "configs"):
            for use in service.get(kind, []):
                path = Path(model[kind][use["source"]]["file"])
                use["source"] += "-" + hashlib.sha256(path.read_bytes()).hexdigest()[:12]
                stack[kind][use["source"]] = {"file": str(path)}
        stack["services"][name] = service
    return {kind: value for kind, value in stack.items() if value}


def inspect(c, *args):
    """What `docker ARGS` (an inspect command) prints, as a list (empty when none is there)."""
    found = quiet(c, shlex.join(["docker", *args]))
    return json.loads(found.stdout or "[]") if found.ok else []


def service_tasks(c, service, *filters):
    """The service's tasks, each as `docker inspect` shows it."""
    listed = quiet(c, shlex.join(["docker", "service", "ps", "-q", *filters, service]), warn=False)
    return inspect(c, "inspect", *listed.stdout.split()) if listed.stdout.split() else []


def deploy_stack(c, stack, name):
    """`docker stack deploy` of a stack file, not waiting (the waits below say what happened)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json") as file:
        json.dump(stack, file)
        file.flush()
        options = ["--detach", "--with-registry-auth", "-c", file.name]
        docker(c, "stack", "deploy", *options, name, hide="out")


def wait_for_release(c, service):
    """Wait for this run of the release job; stop with its output when it fails."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        [spec] = inspect(c, "service", "inspect", service)
        run = spec["JobStatus"]["JobIteration"].get("Index", 0)
        tasks = service_tasks(c, service)
        states = [t["Status"] for t in tasks if t.get("JobIteration", {}).get("Index", 0) == run]
        if any(state["State"] == "complete" for state in states):
            return
        failed = [state["Err"] for state in states if state["State"] in ("failed", "rejected")]
        if failed:
            logs = quiet(c, f"docker service logs --raw {service}")
            print(logs.stdout[-4000:] + logs.stderr[-4000:])
            raise Exit(
                f"The release step failed ({failed[0]}): nothing was updated; its output is above."
            )
        time.sleep(0.5)
    raise Exit(f"The release step did not finish within {TIMEOUT} s: nothing was updated.")


def wait_for_rollout(c, service, before):
    """Wait until every replica runs the new spec and is healthy (Swarm's "running"); stop with
    one sentence when Swarm rolled the update back."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        [spec] = inspect(c, "service", "inspect", service)
        update = spec.get("UpdateStatus") or {}
        if update.get("StartedAt") != before.get("StartedAt"):  # this deploy changed it
            if update["State"] == "rollback_completed":
                raise Exit(
                    f"The update of {service} failed and was rolled back ({update['Message']}):"
                    " its previous image runs; `docker service ps` shows why the new one failed."
                )
            if update["State"] in ("paused", "rollback_paused"):
                raise Exit(
                    f"The update of {service} failed and is paused ({update['Message']}):"
                    f" `docker service ps` says why, `docker service rollback {service}` undoes it."
                )
            if update["State"] != "completed":
                time.sleep(0.5)
                continue
        wanted = spec["Spec"]["Mode"]["Replicated"]["Replicas"]
        running = service_tasks(c, service, "--filter", "desired-state=running")
        if sum(t["Status"]["State"] == "running" for t in running) == wanted:
            return wanted
        time.sleep(0.5)
    raise Exit(f"{service} did not converge within {TIMEOUT} s: `docker service ps` shows why.")


@task(
    help={
        "tag": "Image tag (default: setup.py's version, one of the tags `invoke push` pushes).",
        "print": "Only print the stack file (for `docker stack deploy -c - NAME`).",
    }
)
def deploy(c, tag=None, print_=False):
    """Deploy REGISTRY/SERVICE_IMAGE:TAG as a Swarm stack: the release step, a rolling update."""
    image = deployed_image(tag)
    name = stack_name()
    check_compose()
{%- if postgres %}
    db_password_file()  # the db_password secret's file
{%- endif %}
    if print_:
        print(json.dumps(stack_file(image, (RELEASE, *SERVICES)), indent=2))
        return
    swarm = json.loads(quiet(c, "docker info --format json", warn=False).stdout)["Swarm"]
    if swarm["LocalNodeState"] != "active" or not swarm["ControlAvailable"]:
        raise Exit(
            "This Docker engine is not a Swarm manager: run `docker swarm init` (one host), or"
            " deploy from a manager node of your swarm (`docker context use`)."
        )
    start = time.monotonic()
    # The release step alone first, beside {% if postgres %}the database (started if new){% else %}the data{% endif %}: no replica is touched.
    deploy_stack(c, stack_file(image, (RELEASE,{% if postgres %} "db"{% endif %})), name)
    wait_for_release(c, f"{name}_{RELEASE}")
    before = inspect(c, "service", "inspect", f"{name}_service")
    before = (before[0].get("UpdateStatus") if before else None) or {}
    deploy_stack(c, stack_file(image, SERVICES), name)
    replicas = wait_for_rollout(c, f"{name}_service", before)
    seconds = time.monotonic() - start
    replicas = f"{replicas} healthy replica" + ("s" if replicas > 1 else "")
    print(f"Deployed {image} as the stack {name}: {replicas}, in {seconds:.0f} s.")
