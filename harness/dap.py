"""A minimal Debug Adapter Protocol client: what an editor sends to debugpy over TCP, as
Content-Length framed JSON messages (https://microsoft.github.io/debug-adapter-protocol/)."""

import json
import socket
import time


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
