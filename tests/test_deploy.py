"""The Kubernetes manifests a bake renders, proven offline (no cluster is reachable here): `invoke
k8s` for every framework and database renders objects valid against a pinned Kubernetes version's
schemas, and they hold the image's guarantees in a pod (non-root, read-only, probes on the health
endpoint, the release step before the service, state where the database answer puts it)."""

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
        ([], {}, "No registry to deploy from: a cluster pulls the image `invoke push` pushed; set REGISTRY"),
        (["--tag", "no good"], {"REGISTRY": REGISTRY}, "--tag 'no good' is not a Docker tag"),
        (
            ["--overlay", "prod"],
            {"REGISTRY": REGISTRY},
            "There is no overlay 'prod': deploy/kubernetes/overlays/ has example.",
        ),
        ([], {"REGISTRY": REGISTRY, "PATH": "/nonexistent"}, "kubectl is missing: install it"),
    ],
    ids=["no-registry", "bad-tag", "no-overlay", "no-kubectl"],
)
def test_bad_k8s_input_gets_one_sentence(bake, args, env, message):
    project = Project(bake())
    project.env.update(env)
    result = project.invoke("k8s", *args, check=False)
    assert result.returncode == 1 and message in result.output and "Traceback" not in result.output, (
        result.output
    )
