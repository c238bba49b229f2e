"""`invoke push`: ship the service image `invoke build` made, tested and built from the commit
checked out, to the REGISTRY setting."""

import json
import re
import shlex
import subprocess
import sys

from invoke import Exit, task

from .docker import (
    REVISION_LABEL,
    TESTS_LABEL,
    check_docker,
    docker,
    image_tag,
    quiet,
    setup_keyword,
    source_revision,
)
from .settings import ROOT, setting

# What Docker allows as a tag.
TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")


@task(
    iterable=["tag"],
    help={
        "tag": "Push this tag too (e.g. latest); repeat for more.",
        "untested": "Push an image built with --skip-tests anyway (says so loudly).",
    },
)
def push(c, tag=None, untested=False):
    """Push the service image as <registry>/<image>:<version> and :<commit>, plus any --tag."""
    registry = setting("REGISTRY").strip().rstrip("/")
    if not registry:
        raise Exit("No registry to push to: set REGISTRY (e.g. ghcr.io/acme) in .env.")
    for name in tag or []:
        if not TAG.fullmatch(name):
            raise Exit(f"--tag {name!r} is not a Docker tag (letters, digits, _ . -; at most 128).")
    revision = source_revision()
    if revision is None:
        raise Exit(
            f"{ROOT.name} is not in a git repository: `invoke push` tags the image with the "
            "commit it was built from, so commit the project to git first."
        )
    commit, dirty = revision
    if dirty:
        raise Exit(
            "The work tree has uncommitted changes, so the commit tag would not match the image: "
            "commit or stash them, then `invoke build` and `invoke push`."
        )
    image = image_tag("service")
    check_docker()
    inspect = quiet(c, f"docker image inspect {shlex.quote(image)}")
    if inspect.failed:
        raise Exit(f"There is no {image} image to push: run `invoke build` first.")
    built = json.loads(inspect.stdout)[0]
    labels = built["Config"]["Labels"] or {}
    if labels.get(REVISION_LABEL) != commit:
        raise Exit(
            f"{image} was not built from the commit checked out ({commit[:12]}): "
            "run `invoke build`, then `invoke push`."
        )
    if labels.get(TESTS_LABEL) != "passed":
        if not untested:
            raise Exit(
                f"{image} was built with --skip-tests: run `invoke build` to test it, "
                "or push it untested with --untested."
            )
        print("WARNING: --untested: pushing an image whose tests did NOT run.", file=sys.stderr)

    short = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", commit], capture_output=True, text=True
    ).stdout.strip()
    version = setup_keyword("version") or "unversioned"
    repository = f"{registry}/{setting('SERVICE_IMAGE')}"
    refs = [f"{repository}:{t}" for t in dict.fromkeys([version, short, *(tag or [])])]
    # Tag the image by its id: exactly the image that was built and tested is pushed.
    for ref in refs:
        docker(c, "tag", built["Id"], ref)
    try:
        for ref in refs:
            docker(c, "push", ref)
    except Exit:
        quiet(c, f"docker image rm {shlex.join(refs)}")  # none left half-made
        host = registry.split("/")[0]
        raise Exit(
            f"The registry {registry} refused the push of {repository} (or could not be reached): "
            f"log in with `docker login {host}` or fix REGISTRY in .env, and push again."
        ) from None
    pushed_image = quiet(c, f"docker image inspect {shlex.quote(refs[0])}", warn=False)
    digests = json.loads(pushed_image.stdout)[0]
    pushed = [d for d in digests["RepoDigests"] if d.startswith(repository + "@")]
    print(f"Pushed {', '.join(refs)}" + (f" ({pushed[0]})" if pushed else "") + ".")
