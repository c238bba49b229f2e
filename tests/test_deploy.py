"""What a bake deploys beyond one host, proven offline for every framework and database.
Kubernetes (no cluster is reachable here): `invoke k8s` renders objects valid against a pinned
Kubernetes version's schemas, and they hold the image's guarantees in a pod (non-root, read-only,
probes on the health endpoint, the release step before the service, state where the database
answer puts it). Docker Swarm: `invoke deploy --print` gives a stack file that Docker's own stack
loader accepts, with the update order and the proxy each answer calls for (tests/test_swarm.py
deploys one on a live swarm)."""

import json
import shutil
import subprocess

import pytest
import yaml

from harness.engine import docker_unavailable
from harness.projects import Project
from harness.template import OPTIONS

# The Kubernetes version the manifests are validated against (kubernetes-validate ships its schemas).
KUBERNETES_VERSION = "1.34"
REGISTRY = "registry.example.com/team"


@pytest.fixture(scope="module")
def kubectl():
    """kubectl, whose kustomize renders; scripts/provision-docker installs it."""
    if (
        not shutil.which("kubectl")
        or subprocess.run(["kubectl", "version", "--client"], capture_output=True).returncode
    ):
        docker_unavailable("kubectl is missing (run scripts/provision-docker).")


def rendered(bake, tmp_path, **answers):
    """The project and the objects `invoke k8s --tag 1.2.3` prints, validated by kubernetes-validate."""
    project = Project(shutil.copytree(bake(**answers), tmp_path / "project"))
    project.env["REGISTRY"] = REGISTRY
    output = project.invoke("k8s", "--tag", "1.2.3").output
    manifests = tmp_path / "manifests.yaml"
    manifests.write_text(output)
    project.run("kubernetes-validate", "--kubernetes-version", KUBERNETES_VERSION, "--strict", str(manifests))
    assert not list((project.path / "deploy" / "kubernetes").glob(".render-*")), "the render left files"
    return project, {doc["kind"]: doc for doc in yaml.safe_load_all(output)}


@pytest.mark.parametrize("database", OPTIONS["database"])
@pytest.mark.parametrize("framework", OPTIONS["framework"])
def test_k8s_renders_valid_manifests_that_keep_the_images_guarantees(
    bake, tmp_path, kubectl, framework, database
):
    project, objects = rendered(bake, tmp_path, framework=framework, database=database)
    web, postgres = framework != "none", database == "postgres"
    expected = {
        "Deployment",
        *(["Service"] if web else []),
        "PodDisruptionBudget" if postgres else "PersistentVolumeClaim",
    }
    assert set(objects) == expected
    deployment = objects["Deployment"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"] == labels == {"app.kubernetes.io/name": project.slug}
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "fsGroup": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert pod["automountServiceAccountToken"] is False
    [release] = pod["initContainers"]
    [service] = pod["containers"]
    # The release step, on the same image and settings, before the service of each new pod.
    assert release["args"] == ["release"] and service["args"] == ["serve"]
    for container in (release, service):
        assert container["image"] == f"{REGISTRY}/{project.slug}:1.2.3"
        assert container["securityContext"] == {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        }
        assert {m["mountPath"]: m["name"] for m in container["volumeMounts"]} == {
            "/tmp": "tmp",
            "/data": "data",
        }
        assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]
        assert container["env"] == service["env"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["tmp"]["emptyDir"]["medium"] == "Memory"
    # The grace period covers the preStop pause and the server's graceful shutdown (20 s).
    assert pod["terminationGracePeriodSeconds"] >= 20 + (5 if web else 0)
    if web:
        assert service["ports"] == [{"name": "http", "containerPort": int(OPTIONS["port"])}]
        probes = {kind: service[f"{kind}Probe"]["httpGet"] for kind in ("startup", "readiness", "liveness")}
        assert probes == {
            "startup": {"path": "/healthz/live", "port": "http"},
            "readiness": {"path": "/healthz", "port": "http"},
            "liveness": {"path": "/healthz/live", "port": "http"},
        }
        assert service["lifecycle"]["preStop"]["exec"]["command"] == ["sleep", "5"]
        assert objects["Service"]["spec"]["selector"] == labels
        assert objects["Service"]["spec"]["ports"][0]["targetPort"] == "http"
    else:
        assert service["livenessProbe"]["exec"]["command"] == [project.slug, "healthcheck"]
    if postgres:  # several replicas, rolled one at a time, the connection string from a Secret
        assert deployment["spec"]["replicas"] > 1
        assert deployment["spec"]["strategy"] == {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
        }
        assert objects["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"] == labels
        [url] = [e for e in service["env"] if e["name"] == "DATABASE_URL"]
        assert url["valueFrom"]["secretKeyRef"] == {"name": f"{project.slug}-database", "key": "url"}
    else:  # one writer: one replica, replaced (not rolled), DATA_DIR on a claim
        assert deployment["spec"]["replicas"] == 1 and deployment["spec"]["strategy"] == {"type": "Recreate"}
        assert (
            volumes["data"]["persistentVolumeClaim"]["claimName"]
            == objects["PersistentVolumeClaim"]["metadata"]["name"]
        )


def test_the_schema_check_catches_what_it_is_for(bake, tmp_path, kubectl):
    # A misspelt field is refused by the strict schema check the test above relies on.
    project, _ = rendered(bake, tmp_path)
    deployment = project.path / "deploy" / "kubernetes" / "base" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("runAsNonRoot:", "runAsNonroot:"))
    output = project.invoke("k8s", "--tag", "1.2.3").output
    manifests = tmp_path / "broken.yaml"
    manifests.write_text(output)
    checked = project.run(
        "kubernetes-validate",
        "--kubernetes-version",
        KUBERNETES_VERSION,
        "--strict",
        str(manifests),
        check=False,
    )
    assert checked.returncode == 1 and "runAsNonroot" in checked.output


@pytest.mark.parametrize(
    "args, env, message",
    [
        (
            ["--overlay", "prod"],
            {"REGISTRY": REGISTRY},
            "There is no overlay 'prod': deploy/kubernetes/overlays/ has example.",
        ),
        ([], {"REGISTRY": REGISTRY, "PATH": "/nonexistent"}, "kubectl is missing: install it"),
    ],
    ids=["no-overlay", "no-kubectl"],
)
def test_bad_k8s_input_gets_one_sentence(bake, args, env, message):
    project = Project(bake())
    project.env.update(env)
    result = project.invoke("k8s", *args, check=False)
    assert result.returncode == 1 and message in result.output and "Traceback" not in result.output, (
        result.output
    )


@pytest.fixture(scope="module")
def stack_loader():
    """The docker CLI with its Compose plugin (which merges the files) and `docker stack config`
    (Docker's own stack loader and schema); neither needs the daemon."""
    for command in (["docker", "compose", "version"], ["docker", "stack", "config", "--help"]):
        if not shutil.which("docker") or subprocess.run(command, capture_output=True).returncode:
            docker_unavailable(f"`{' '.join(command)}` failed (run scripts/provision-docker).")


@pytest.mark.parametrize("database", OPTIONS["database"])
@pytest.mark.parametrize("framework", OPTIONS["framework"])
def test_the_swarm_stack_file_loads_and_rolls_out_health_gated(
    bake, tmp_path, stack_loader, framework, database
):
    project = Project(shutil.copytree(bake(framework=framework, database=database), tmp_path / "project"))
    project.env["REGISTRY"] = REGISTRY
    output = project.invoke("deploy", "--tag", "1.2.3", "--print").output
    stack = json.loads(output[output.index("{") :])
    (tmp_path / "stack.json").write_text(output[output.index("{") :])
    # Docker's stack loader, with its schema: what `docker stack deploy` reads first.
    loaded = yaml.safe_load(
        project.run("docker", "stack", "config", "-c", str(tmp_path / "stack.json")).output
    )
    web, postgres = framework != "none", database == "postgres"
    services = loaded["services"]
    assert set(services) == {"release", "service", *(["db"] if postgres else []), *(["proxy"] if web else [])}
    image = f"{REGISTRY}/{project.slug}:1.2.3"
    assert services["release"]["image"] == services["service"]["image"] == image
    assert services["release"]["deploy"]["mode"] == "replicated-job"
    service = services["service"]
    assert service["read_only"] is True and service["cap_drop"] == ["ALL"]
    # /tmp in memory as a Swarm service takes it (a stack's `tmpfs:` is dropped unsaid).
    assert {"type": "tmpfs", "target": "/tmp"} in service["volumes"] and "tmpfs" not in service
    assert service["stop_grace_period"] == "30s"
    update = service["deploy"]["update_config"]
    assert (update["order"], update["failure_action"], update["parallelism"]) == (
        "start-first",
        "rollback",
        1,
    )
    assert service["deploy"]["replicas"] == (1 if not postgres else 3 if web else 2)
    for name in ("build", "depends_on", "develop", "profiles", "ports"):
        assert name not in service, name
    if postgres:
        assert service["environment"]["DATABASE_URL"] == "postgresql://app@db:5432/app"
        assert services["db"]["deploy"]["update_config"]["order"] == "stop-first"
        assert services["db"]["deploy"]["placement"]["constraints"] == ["node.role == manager"]
        [secret] = stack["secrets"]
        assert secret.startswith("db_password-")
    else:
        assert service["deploy"]["placement"]["constraints"] == ["node.role == manager"]
    if web:
        assert service["deploy"]["endpoint_mode"] == "dnsrr"
        port = int(project.run("sh", "-c", ". ./.env && echo $SERVICE_PORT").output)
        assert services["proxy"]["ports"] == [
            {"mode": "host", "target": port, "published": port, "protocol": "tcp"}
        ]
        assert services["proxy"]["deploy"]["mode"] == "global"
    # Docker's loader refuses what `docker stack deploy` would: the test above means something.
    broken = {**stack, "services": {**stack["services"], "dev": {"image": "x", "develop": {}}}}
    (tmp_path / "broken.json").write_text(json.dumps(broken))
    refused = project.run("docker", "stack", "config", "-c", str(tmp_path / "broken.json"), check=False)
    assert refused.returncode == 1 and "Additional property develop is not allowed" in refused.output


NO_REGISTRY = "No registry to deploy from: the orchestrator pulls the image `invoke push` pushed"


@pytest.mark.parametrize("task", ["deploy", "k8s"])
@pytest.mark.parametrize(
    "args, env, message",
    [
        ([], {}, NO_REGISTRY + "; set REGISTRY (e.g. ghcr.io/acme) in .env."),
        (["--tag", "no good"], {"REGISTRY": REGISTRY}, "--tag 'no good' is not a Docker tag"),
    ],
    ids=["no-registry", "bad-tag"],
)
def test_bad_deploy_input_gets_one_sentence(bake, task, args, env, message):
    project = Project(bake())
    project.env.update(env)
    result = project.invoke(task, *args, check=False)
    assert result.returncode == 1 and message in result.output and "Traceback" not in result.output, (
        result.output
    )
