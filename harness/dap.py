"""A minimal Debug Adapter Protocol client: what an editor sends to debugpy over TCP, as
Content-Length framed JSON messages (https://microsoft.github.io/debug-adapter-protocol/)."""

import json
import re
import socket
import time
from pathlib import Path

from harness.projects import env_file


class DapClient:
    """One connection to a debug adapter: send requests, wait for responses and events."""

    def __init__(self, host, port, timeout=30):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buffer = b""
        self.seq = 0
        self.received = []

    def close(self):
        self.sock.close()

    def send(self, command, **arguments):
        """Send a request; its sequence number."""
        self.seq += 1
        body = json.dumps(
            {"seq": self.seq, "type": "request", "command": command, "arguments": arguments}
        ).encode()
        self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return self.seq

    def _read_message(self):
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        header, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        length = int(
            next(
                line.split(b":")[1]
                for line in header.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
        )
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return json.loads(body)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the debug adapter closed the connection")
        self.buffer += chunk

    def wait(self, predicate, timeout=30):
        """The first message (already received or arriving within timeout) matching predicate."""
        deadline = time.monotonic() + timeout
        while True:
            for message in self.received:
                if predicate(message):
                    self.received.remove(message)
                    return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no matching DAP message; received: {self.received}")
            self.sock.settimeout(remaining)
            self.received.append(self._read_message())

    def response(self, seq, timeout=30):
        """The response to request `seq`; fails when the adapter refused it."""
        message = self.wait(lambda m: m["type"] == "response" and m["request_seq"] == seq, timeout)
        if not message["success"]:
            raise AssertionError(f"DAP {message['command']} failed: {message.get('message')}")
        return message

    def event(self, name, timeout=30):
        """The next event called `name`."""
        return self.wait(lambda m: m["type"] == "event" and m["event"] == name, timeout)

    def request(self, command, **arguments):
        """Send a request and return its successful response."""
        return self.response(self.send(command, **arguments))


def vscode_attach_port(project_path, name="Attach to invoke dev --debug"):
    """The port VS Code's attach configuration in .vscode/launch.json connects to, its inputs
    resolved as VS Code and the Command Variable extension resolve them (a key of a file)."""
    root = Path(project_path)
    text = re.sub(r"^\s*//.*$", "", (root / ".vscode" / "launch.json").read_text(), flags=re.M)
    launch = json.loads(text)
    config = next(c for c in launch["configurations"] if c["name"] == name)
    port = str(config["connect"]["port"])
    used = re.fullmatch(r"\$\{input:(\w+)\}", port)
    if used:
        given = next(i for i in launch["inputs"] if i["id"] == used.group(1))
        assert given["command"] == "extension.commandvariable.file.content", given
        path = Path(given["args"]["fileName"].replace("${workspaceFolder}", str(root)))
        port = env_file(path)[given["args"]["key"]]
    return int(port)
