"""A second Docker host on this machine: a network namespace of the test's own (its own loopback,
a veth link to this host) with a second dockerd in it (its own data root, containerd and
socket), for a swarm whose replicas really run on two engines. Its 127.0.0.1 is its own, so
the registry the tests push to (on this host's loopback) is relayed there on the same port:
an image name works alike on both engines."""

import contextlib
import ctypes
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

NETNS = "pdt-host2"
# A /30 for the link: this host is .1, the second host .2.
HOST_ADDRESS, SECOND_ADDRESS = "10.231.77.1", "10.231.77.2"
CLONE_NEWNET = 0x40000000


def host_problem():
    """Why this machine cannot make a second host, in one sentence, or None."""
    if os.geteuid() != 0:
        return "a second Docker host needs root (network namespaces)"
    for command in ("ip", "nsenter", "dockerd"):
        if not shutil.which(command):
            return f"a second Docker host needs `{command}`, which is not on PATH"
    return None


def run(*command):
    subprocess.run(command, check=True, capture_output=True)


def listening_in_netns(netns, port):
    """A TCP socket listening on 127.0.0.1:port inside the network namespace (made by a thread
    that enters it; the socket stays there when the thread leaves)."""
    libc = ctypes.CDLL(None, use_errno=True)
    made = {}

    def make():
        home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open(f"/run/netns/{netns}", os.O_RDONLY)
        try:
            if libc.setns(target, CLONE_NEWNET):
                raise OSError(ctypes.get_errno(), "setns into the second host failed")
            try:
                made["socket"] = socket.create_server(("127.0.0.1", port))
            finally:
                libc.setns(home, CLONE_NEWNET)
        except OSError as error:
            made["error"] = error
        finally:
            os.close(home)
            os.close(target)

    thread = threading.Thread(target=make)
    thread.start()
    thread.join()
    if "error" in made:
        raise made["error"]
    return made["socket"]


def relay(listener, port):
    """Relay every connection to listener on to this host's 127.0.0.1:port, in threads."""

    def pipe(source, sink):
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def serve():
        with contextlib.suppress(OSError):  # the listener closed: done
            while True:
                client, _ = listener.accept()
                upstream = socket.create_connection(("127.0.0.1", port))
                for source, sink in ((client, upstream), (upstream, client)):
                    threading.Thread(target=pipe, args=(source, sink), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()


@contextlib.contextmanager
def second_host(relayed_ports=()):
    """The second host's docker command prefix (["docker", "-H", ...]) while the block runs;
    the namespace, link, daemon and its files are gone afterwards."""
    root = Path(tempfile.mkdtemp(prefix="pdt-host2-"))
    sock = root / "docker.sock"
    listeners = []
    daemon = log = None
    try:
        run("ip", "netns", "add", NETNS)
        run("ip", "link", "add", f"{NETNS}-a", "type", "veth", "peer", "name", f"{NETNS}-b")
        run("ip", "link", "set", f"{NETNS}-b", "netns", NETNS)
        run("ip", "addr", "add", f"{HOST_ADDRESS}/30", "dev", f"{NETNS}-a")
        run("ip", "link", "set", f"{NETNS}-a", "up")
        inside = ["ip", "netns", "exec", NETNS, "ip"]
        run(*inside, "addr", "add", f"{SECOND_ADDRESS}/30", "dev", f"{NETNS}-b")
        run(*inside, "link", "set", f"{NETNS}-b", "up")
        run(*inside, "link", "set", "lo", "up")
        for port in relayed_ports:
            listeners.append(listening_in_netns(NETNS, port))
            relay(listeners[-1], port)
        # nsenter, not `ip netns exec`: that one remounts /sys, hiding the cgroups dockerd needs.
        log = open(root / "dockerd.log", "w")
        daemon = subprocess.Popen(
            [
                "nsenter", f"--net=/run/netns/{NETNS}", "dockerd",
                "--data-root", str(root / "data"), "--exec-root", str(root / "exec"),
                "--pidfile", str(root / "dockerd.pid"), "--host", f"unix://{sock}",
                "--bridge", "none", "--iptables=false", "--ip6tables=false",
            ],
            stdout=log,
            stderr=log,
        )  # fmt: skip
        engine = ["docker", "--host", f"unix://{sock}"]
        deadline = time.monotonic() + 60
        while subprocess.run([*engine, "info"], capture_output=True).returncode:
            if daemon.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the second dockerd did not start: {(root / 'dockerd.log').read_text()[-2000:]}"
                )
            time.sleep(0.3)
        yield engine
    finally:
        for listener in listeners:
            listener.close()
        if daemon is not None:
            daemon.terminate()
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                daemon.kill()
        if log is not None:
            log.close()
        subprocess.run(["ip", "netns", "delete", NETNS], capture_output=True)
        subprocess.run(["ip", "link", "delete", f"{NETNS}-a"], capture_output=True)
        # The daemon's overlay mounts are gone with it; what is left is files.
        subprocess.run(["umount", "--recursive", "--lazy", str(root)], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def copy_image(image, engine):
    """Load an image of this engine into another (for an image no registry serves here)."""
    saved = subprocess.Popen(["docker", "image", "save", image], stdout=subprocess.PIPE)
    subprocess.run([*engine, "image", "load", "--quiet"], stdin=saved.stdout, check=True, capture_output=True)
    if saved.wait():
        raise RuntimeError(f"docker image save {image} failed")
