"""Two facts of this machine's engine that move cold build times and differ between machines,
measured in the run itself: how long BuildKit waits before a RUN step that mounts a secret (each
installer step mounts the index settings and CA as secrets), and how often a DNS lookup made from
a container at the same time as others stalls.

The wait is BuildKit's before 0.16 (moby/buildkit 3c87ba1): it took a secret mount for a mount of
the step's root filesystem and checksummed all of it, unless the checksum of that same snapshot
was already known; so it comes once per snapshot that secret-mounting steps start from. The cold
builds' own waits, and their step times, come from their rawjson progress (secret_waits,
step_seconds)."""

import json
import statistics
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path

DOCKERFILE = """\
FROM {image}
RUN echo plain > /plain
RUN --mount=type=secret,id=probe echo secret > /secret
RUN echo after > /after
"""
# Uncached probe builds, their median reported: one alone has read anything from 0.5 s to 3.75 s here.
PROBES = 5
# Three containers at once, each resolving the index's file host LOOKUPS times (A and AAAA).
CONTAINERS, LOOKUPS, HOST = 3, 40, "files.pythonhosted.org"
LOOKUP = f"""
import socket, time
slow = 0
for _ in range({LOOKUPS}):
    started = time.perf_counter()
    socket.getaddrinfo("{HOST}", 443, type=socket.SOCK_STREAM)
    slow += time.perf_counter() - started > 1
    time.sleep(0.05)
print(slow)
"""


def vertices(progress):
    """BuildKit rawjson progress -> {digest: {name, inputs, started, completed, cached}}, the times
    in seconds since the epoch, of each vertex that ran or was cached."""
    decoder, found, at = json.JSONDecoder(), {}, 0
    while (start := progress.find("{", at)) >= 0:
        try:
            status, at = decoder.raw_decode(progress, start)
        except ValueError:
            at = start + 1
            continue
        for vertex in status.get("vertexes") or []:
            if vertex.get("started") and vertex.get("completed"):
                found[vertex["digest"]] = {
                    "name": vertex["name"],
                    "inputs": vertex.get("inputs") or [],
                    "started": stamp(vertex["started"]),
                    "completed": stamp(vertex["completed"]),
                    "cached": bool(vertex.get("cached")),
                }
    return found


def step_seconds(progress):
    """BuildKit rawjson progress -> {step title: seconds it took} (cached steps aside)."""
    found = vertices(progress).values()
    return {
        v["name"]: v["completed"] - v["started"]
        for v in found
        if v["name"].startswith("[") and not v["cached"]
    }


def secret_waits(progress):
    """Seconds a build waited before its RUN steps that mount a secret: from the last of each
    one's inputs done to its start, waits that overlap counted once."""
    found = vertices(progress)
    spans = []
    for vertex in found.values():
        if "--mount=type=secret" in vertex["name"] and not vertex["cached"]:
            ready = max((found[i]["completed"] for i in vertex["inputs"] if i in found), default=None)
            if ready is not None and vertex["started"] > ready:
                spans.append((ready, vertex["started"]))
    waited, end = 0.0, float("-inf")
    for start, stop in sorted(spans):
        waited += max(0.0, stop - max(start, end))
        end = max(end, stop)
    return waited


def stamp(text):
    """An RFC 3339 time with nanoseconds -> seconds since the epoch."""
    whole, _, fraction = text.rstrip("Z").partition(".")
    return datetime.fromisoformat(whole + "+00:00").timestamp() + float(f"0.{fraction or 0}")


def secret_wait(image):
    """Seconds between the step before a secret-mounting RUN step and its start, less the same
    gap before a plain RUN step (uncached builds of a three-step Dockerfile)."""
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "Dockerfile").write_text(DOCKERFILE.format(image=image))
        Path(tmp, "probe").write_text("probe\n")
        build = ["build", "--no-cache", "--progress=rawjson", "--secret", f"id=probe,src={tmp}/probe", tmp]
        result = subprocess.run(["docker", *build], capture_output=True, text=True, check=True)
    found = vertices(result.stderr).values()
    steps = sorted((v["started"], v["completed"]) for v in found if "RUN" in v["name"])
    (_, plain_end), (secret_start, secret_end), (after_start, _) = steps
    return (secret_start - plain_end) - (after_start - secret_end)


def dns_stalls(image):
    """(lookups that took over 1 s, lookups made) from CONTAINERS containers at once."""
    runs = [
        subprocess.Popen(
            ["docker", "run", "--rm", image, "python3", "-c", LOOKUP], stdout=subprocess.PIPE, text=True
        )
        for _ in range(CONTAINERS)
    ]
    outputs = [run.communicate()[0] for run in runs]
    if any(run.returncode for run in runs):
        raise SystemExit(f"The DNS probe could not resolve {HOST} from a container.")
    return sum(int(output) for output in outputs), CONTAINERS * LOOKUPS


def facts(image):
    """The report's sentence on this machine's engine."""
    waits = [secret_wait(image) for _ in range(PROBES)]
    slow, lookups = dns_stalls(image)
    return (
        f"On this machine, BuildKit waits {statistics.median(waits):.2f} s "
        f"({min(waits):.2f}–{max(waits):.2f} s, median of {PROBES} probe builds) before a RUN step "
        f"that mounts a secret, "
        f"reading the whole filesystem it starts from (BuildKit before 0.16; every installer step "
        f"mounts one: (c) waits three times in a row, (d) and (d-uv) once, their install steps all "
        f"starting from one stage), and {slow} of {lookups} DNS lookups made from {CONTAINERS} "
        f"containers at once took over 1 s."
    )
