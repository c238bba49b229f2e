"""Beyond one host: `k8s` renders the Kubernetes manifests (deploy/kubernetes) for the image
`invoke push` pushed, to pipe into `kubectl apply -f -` or to commit for a GitOps tool."""

import json
import shutil
import tempfile
from pathlib import Path

from invoke import Exit, task

from .docker import setup_keyword
from .release import TAG
from .settings import ROOT, setting

KUBERNETES = ROOT / "deploy" / "kubernetes"


@task(
    help={
        "tag": "Image tag (default: setup.py's version, one of the tags `invoke push` pushes).",
        "overlay": "The overlay under deploy/kubernetes/overlays/ (default: example).",
    }
)
def k8s(c, tag=None, overlay="example"):
    """Print the Kubernetes manifests of an overlay for REGISTRY/SERVICE_IMAGE:TAG."""
    registry = setting("REGISTRY").strip().rstrip("/")
    if not registry:
        raise Exit(
            "No registry to deploy from: a cluster pulls the image `invoke push` pushed; set"
            " REGISTRY (e.g. ghcr.io/acme) in .env."
        )
    tag = tag or setup_keyword("version") or "unversioned"
    if not TAG.fullmatch(tag):
        raise Exit(f"--tag {tag!r} is not a Docker tag (letters, digits, _ . -; at most 128).")
    overlays = sorted(p.name for p in (KUBERNETES / "overlays").iterdir() if p.is_dir())
    if overlay not in overlays:
        listed = ", ".join(overlays)
        raise Exit(f"There is no overlay {overlay!r}: deploy/kubernetes/overlays/ has {listed}.")
    if not shutil.which("kubectl"):
        raise Exit("kubectl is missing: install it (its built-in kustomize renders the manifests).")
    # An overlay of the overlay, naming the image: the committed files stay as they are.
    with tempfile.TemporaryDirectory(dir=KUBERNETES, prefix=".render-") as tmp:
        name = f"{registry}/{setting('SERVICE_IMAGE')}"
        image = {"name": "service", "newName": name, "newTag": tag}
        kustomization = {"resources": [f"../overlays/{overlay}"], "images": [image]}
        Path(tmp, "kustomization.yaml").write_text(json.dumps(kustomization, indent=2) + "\n")
        rendered = c.run(f"kubectl kustomize {tmp}", hide=True, warn=True, in_stream=False)
    if rendered.failed:
        raise Exit(f"kubectl kustomize failed on overlays/{overlay}: {rendered.stderr.strip()}")
    print(rendered.stdout, end="")
