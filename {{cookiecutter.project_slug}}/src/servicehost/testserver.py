"""A throwaway PostgreSQL server for the tests in the image build. The Dockerfile's test-db stage
is the db service's own image with a fresh cluster in it; test-run mounts it at TEST_POSTGRES
(writable, what the server writes dropped with the step; a read-only cluster is copied first),
and the server runs on that image's own loader and libraries. So the server is the one production
runs, and nothing of it (libpq included) reaches the tests' processes or the image that ships."""

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from servicehost import database

# The fresh cluster the test-db stage made (initdb), owned by the service's uid.
CLUSTER = "test-cluster"


def inside(root, pattern):
    """The paths under `root` matching `pattern` that stay inside it: no absolute symlink on the
    way, which would point at this filesystem's file instead of the mounted image's."""
    found = []
    for path in sorted(glob.glob(str(Path(root) / pattern))):
        link, hops = path, 0
        while os.path.islink(link) and hops < 10:
            target = os.readlink(link)
            if os.path.isabs(target):
                break
            link, hops = os.path.join(os.path.dirname(link), target), hops + 1
        else:
            found.append(path)
    return found


class Server:
    """PostgreSQL on a copy of the mounted image's fresh cluster, on a Unix socket only."""

    def __init__(self, root):
        self.root = Path(root)
        self.process = None
        self.tmp = None
        self.version = None

    def command(self, data):
        """The server's command line: the image's dynamic loader runs its postgres binary."""
        binaries = inside(self.root, "usr/lib/postgresql/*/bin/postgres")
        loaders = inside(self.root, "usr/lib/*-linux-gnu/ld-linux*.so.*") or inside(
            self.root, "lib/*-linux-gnu/ld-linux*.so.*"
        )
        if not binaries or not loaders:
            raise RuntimeError(
                f"TEST_POSTGRES is {self.root}, which holds no Debian-based PostgreSQL image"
                " (usr/lib/postgresql/*/bin/postgres and its loader): set POSTGRES_IMAGE in .env"
                " to one, as the official postgres:<major> image is."
            )
        libraries = [
            *glob.glob(str(self.root / "usr/lib/*-linux-gnu")),
            *glob.glob(str(self.root / "lib/*-linux-gnu")),
        ]
        # Every setting that makes a throwaway server fast: nothing has to survive a crash.
        fast = ["fsync=off", "synchronous_commit=off", "full_page_writes=off", "jit=off"]
        return [
            loaders[0],
            "--library-path",
            ":".join(libraries),
            binaries[-1],
            "-D",
            str(data),
            "-k",
            str(self.tmp),
            "-c",
            "listen_addresses=",
            *(arg for setting in fast for arg in ("-c", setting)),
        ]

    def start(self, timeout=30):
        """Start the server; its URL (the superuser `postgres`, database `postgres`)."""
        if os.geteuid() == 0:
            raise RuntimeError(
                "PostgreSQL does not run as root: run the tests as the service's uid, as the"
                " image build does."
            )
        self.tmp = Path(tempfile.mkdtemp(prefix="postgres-"))
        data = self.root / CLUSTER
        if not os.access(data, os.W_OK):  # the build mounts it writable, its writes dropped after
            data = self.tmp / "data"
            shutil.copytree(self.root / CLUSTER, data, symlinks=True)
            data.chmod(0o700)
        self.version = (data / "PG_VERSION").read_text().strip()
        log = open(self.tmp / "server.log", "wb")
        self.process = subprocess.Popen(
            self.command(data), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        url = f"postgresql://postgres@{quote(str(self.tmp), safe='')}/postgres"
        deadline = time.monotonic() + timeout
        while database.problem(url, timeout=1):
            if self.process.poll() is not None or time.monotonic() > deadline:
                output = (self.tmp / "server.log").read_text(errors="replace").strip()
                self.stop()
                raise RuntimeError(f"The tests' PostgreSQL server did not start:\n{output}")
            time.sleep(0.05)
        return url

    def stop(self):
        """Stop the server at once (nothing of it is kept) and remove its files."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
