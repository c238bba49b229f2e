"""Docker commands, containers and volumes that clean up after themselves, and images' layers:
what a push of a rebuilt image uploads, measured one way for the tests and the benchmark."""

import contextlib
import json
import os
import re
import subprocess
import tarfile
from pathlib import Path

from harness import fail


def docker(*args, check=True):
    """Run a docker command, returning its stdout; a failure stops the test (or the benchmark)."""
    result = subprocess.run(["docker", *args], capture_output=True, text=True)
    if check and result.returncode:
        fail(f"docker {' '.join(args)} exited {result.returncode}: {result.stderr}")
    return result.stdout


def inspect(image):
    """docker image inspect, parsed."""
    return json.loads(docker("image", "inspect", image))[0]


def image_layers(image):
    """The image's layer diff ids, bottom to top."""
    return inspect(image)["RootFS"]["Layers"]


def new_layer_bytes(image, old_layers):
    """Bytes of the image's layers that old_layers lacks: what a push after a rebuild uploads,
    each layer sized uncompressed as `docker save` writes it."""
    layers = image_layers(image)
    sizes, links, manifest = {}, {}, None
    with subprocess.Popen(["docker", "save", image], stdout=subprocess.PIPE) as save:
        with tarfile.open(fileobj=save.stdout, mode="r|") as archive:
            for member in archive:
                if member.name == "manifest.json":
                    manifest = json.load(archive.extractfile(member))
                elif member.issym():  # a layer saved once and linked from a second place
                    links[member.name] = os.path.normpath(Path(member.name).parent / member.linkname)
                else:
                    sizes[member.name] = member.size
    if save.returncode or manifest is None:
        fail(f"docker save {image} exited {save.returncode}")
    paths = [links.get(path, path) for path in manifest[0]["Layers"]]
    return sum(sizes[path] for layer, path in zip(layers, paths, strict=True) if layer not in old_layers)


def saved_image(image, directory):
    """`docker save` the image into directory; the archive's path."""
    archive = Path(directory, "image.tar")
    docker("save", "--output", str(archive), image)
    return archive


def build_steps(output):
    """BuildKit plain-progress output -> {step title: final status (CACHED, DONE or ERROR)}."""
    titles = dict(re.findall(r"^#(\d+) (\[.+)$", output, re.MULTILINE))
    statuses = dict(re.findall(r"^#(\d+) (CACHED|DONE|ERROR)\b", output, re.MULTILINE))
    return {title: statuses.get(number) for number, title in titles.items()}


@contextlib.contextmanager
def volume():
    """A new named volume, removed afterwards."""
    name = docker("volume", "create").strip()
    try:
        yield name
    finally:
        docker("volume", "rm", "--force", name, check=False)


def production(volume_name, port=None):
    """`docker run` options as in production: read-only, /tmp a tmpfs, state in a volume."""
    options = ["--read-only", "--tmpfs", "/tmp", "--volume", f"{volume_name}:/data"]
    return options + (["--publish", f"127.0.0.1:{port}:8000"] if port else [])


@contextlib.contextmanager
def running(image, *options):
    """A detached container of the image, removed afterwards."""
    container = docker("run", "--detach", *options, image).strip()
    try:
        yield container
    finally:
        docker("rm", "--force", container, check=False)


def units_done(container):
    """The example worker's running totals, as its log reports them."""
    logs = subprocess.run(["docker", "logs", container], capture_output=True, text=True)
    return [int(n) for n in re.findall(r"unit of work (\d+) done", logs.stdout + logs.stderr)]
