"""Loopback ports, waiting for something to answer, and JSON over HTTP."""

import contextlib
import http.client
import json
import socket
import time
import urllib.request

from harness import fail


def free_port():
    """A TCP port nothing listens on, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout, what):
    """Poll condition() until it is truthy; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # Not answering yet, or a server restarting mid-answer (a reload): try again.
        with contextlib.suppress(OSError, http.client.HTTPException):
            if condition():
                return
        time.sleep(0.2)
    fail(f"timed out after {timeout} s waiting for {what}")


def get_json(url):
    """GET a URL, returning (status, parsed JSON body)."""
    with urllib.request.urlopen(url, timeout=2) as response:
        return response.status, json.loads(response.read())


def post_json(url):
    """POST to a URL with no body, returning the parsed JSON answer."""
    with urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=2) as response:
        return json.loads(response.read())
