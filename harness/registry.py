"""A real registry (Docker's distribution, Debian's docker-registry) on a free loopback port, and
what it holds, read through its HTTP API."""

import contextlib
import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from harness import fail
from harness.engine import docker_unavailable
from harness.network import free_port


class Registry:
    """A running registry: its address (host:port) and what it holds, read through its HTTP API."""

    def __init__(self, address):
        self.address = address

    def _get(self, path, accept=None):
        request = urllib.request.Request(f"http://{self.address}{path}")
        if accept:
            request.add_header("Accept", accept)
        return urllib.request.urlopen(request, timeout=5)

    def tags(self, repository):
        """The tags of a repository; empty when the registry does not know it."""
        try:
            with self._get(f"/v2/{repository}/tags/list") as response:
                return set(json.loads(response.read())["tags"] or [])
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return set()
            raise

    def digest(self, repository, tag):
        """The manifest digest a tag points to."""
        accept = "application/vnd.docker.distribution.manifest.v2+json"
        with self._get(f"/v2/{repository}/manifests/{tag}", accept) as response:
            return response.headers["Docker-Content-Digest"]


@contextlib.contextmanager
def serving_registry(storage, readonly=False):
    """`docker-registry serve` (Docker's distribution, Debian's package) on a free loopback port,
    storing in `storage`; stopped on exit. Docker pushes to 127.0.0.0/8 over plain HTTP."""
    if not shutil.which("docker-registry"):
        docker_unavailable("No docker-registry command (run scripts/provision-docker).")
    port = free_port()
    config = Path(storage).with_name(f"registry-{port}.yml")
    readonly_block = "  maintenance:\n    readonly:\n      enabled: true\n" if readonly else ""
    config.write_text(
        f"version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {storage}\n"
        f"{readonly_block}http:\n  addr: 127.0.0.1:{port}\n"
    )
    log = config.with_suffix(".log")
    with open(log, "w") as output:
        process = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=output, stderr=output)
    registry = Registry(f"127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 15
        while True:
            with contextlib.suppress(OSError):
                with registry._get("/v2/"):
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                fail(f"docker-registry did not start on {registry.address}:\n{log.read_text()}")
            time.sleep(0.1)
        yield registry
    finally:
        process.terminate()
        process.wait(timeout=10)
