"""A steady, bounded HTTP load from a second process: `python -m harness.load URL RATE` sends RATE
GET requests a second, each on a new connection, until SIGTERM or SIGINT, then prints what
happened as JSON: requests sent, answered 200, failed (any other status, a refused or reset
connection, a timeout) with the first few failures named, and the slowest answer.

A new connection per request is what a client meets when a replica goes: a reused one could
hide a refused connection behind a pooled socket."""

import http.client
import json
import signal
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

TIMEOUT = 10  # seconds an answer may take before it counts as failed


def one_request(host, port, path):
    """(None, seconds) for a 200, or (what went wrong, seconds)."""
    start = time.monotonic()
    connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
    try:
        connection.request("GET", path, headers={"Connection": "close"})
        response = connection.getresponse()
        response.read()
        problem = None if response.status == 200 else f"HTTP {response.status}"
    except (OSError, http.client.HTTPException) as error:
        problem = f"{type(error).__name__}: {error}"
    finally:
        connection.close()
    return problem, time.monotonic() - start


def main(url, rate):
    parts = urllib.parse.urlsplit(url)
    host, port, path = parts.hostname, parts.port or 80, parts.path or "/"
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    results = []
    lock = threading.Lock()

    def record(future):
        with lock:
            results.append(future.result())

    started = time.monotonic()
    sent = 0
    # Enough threads that a slow answer never delays the next request's departure.
    with ThreadPoolExecutor(max_workers=max(8, int(rate * TIMEOUT / 4))) as pool:
        print("started", flush=True)
        while not stop.is_set():
            due = started + sent / rate
            stop.wait(max(0.0, due - time.monotonic()))
            if stop.is_set():
                break
            pool.submit(one_request, host, port, path).add_done_callback(record)
            sent += 1
    failures = [problem for problem, _ in results if problem]
    report = {
        "sent": sent,
        "ok": len(results) - len(failures),
        "failed": len(failures),
        "failures": failures[:5],
        "seconds": round(time.monotonic() - started, 1),
        "slowest": round(max((seconds for _, seconds in results), default=0.0), 3),
    }
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
