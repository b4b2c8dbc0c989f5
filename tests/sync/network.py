"""The loopback network of the sync tests: the hub served for real over HTTP (and restartable on
the same port and database), and a flaky TCP proxy between the kiosks and the hub.

The proxy decides the fate of each connection as it accepts it, from a script first and then
from a seeded random generator, so a failure seen once is seen again on every run:

- ``pass``: the request goes to the hub and its answer comes back;
- ``drop_request``: the request is read and thrown away; the hub never sees it;
- ``drop_response``: the hub gets the request and answers (and commits), the answer is lost;
- ``cut_response``: the hub answers, and half of its answer arrives before the line drops.

``down`` refuses everything (the building's network cable pulled). When the hub is stopped, the
proxy cannot reach it and drops the kiosk's connection, as a dead hub would.
"""

from __future__ import annotations

import random
import socket
import threading
from collections import Counter, deque
from collections.abc import Iterable

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

FATES = ("pass", "drop_request", "drop_response", "cut_response")
IO_TIMEOUT = 30.0


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class HubServer:
    """The hub app on 127.0.0.1, in a background thread; ``restart`` keeps the port."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.port = 0
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        assert self._server is None, "the hub is running already"
        server = make_server("127.0.0.1", self.port, self.app, threaded=True,
                             request_handler=_QuietHandler)
        self.port = server.port
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="hub-server", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the hub server did not stop"
        self._server = self._thread = None

    def restart(self) -> None:
        self.stop()
        self.start()


def _read_request(conn: socket.socket) -> bytes:
    """One HTTP request (headers and a Content-Length body), as the kiosk's client sends it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def _read_to_end(conn: socket.socket) -> bytes:
    parts = []
    while chunk := conn.recv(65536):
        parts.append(chunk)
    return b"".join(parts)


def _cut(response: bytes) -> bytes:
    """The headers and half the body: the line dropped while the answer was arriving."""
    head, sep, body = response.partition(b"\r\n\r\n")
    if not sep or not body:
        return response[: len(response) // 2]
    return head + sep + body[: max(1, len(body) // 2)]


class FlakyProxy:
    """A TCP proxy on 127.0.0.1 in front of ``hub``; every connection gets a fate (see the module
    docstring). ``fates`` lists what happened, in order of connection."""

    def __init__(self, hub: HubServer) -> None:
        self.hub = hub
        self.down = False
        self.fates: list[str] = []
        self._script: deque[str] = deque()
        self._rng = random.Random(0)
        self._odds: dict[str, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._handlers: list[threading.Thread] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.02)
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, name="flaky-proxy", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- what the network does -------------------------------------------------------------

    def script(self, fates: Iterable[str]) -> None:
        """The next connections get these fates, in order (then the odds decide again)."""
        fates = list(fates)
        assert set(fates) <= set(FATES), fates
        with self._lock:
            self._script.extend(fates)

    def chaos(self, seed: int, **odds: float) -> None:
        """From now on each connection fails at random: ``odds`` maps a fate to its chance."""
        assert set(odds) <= set(FATES) - {"pass"}, odds
        assert sum(odds.values()) < 1
        with self._lock:
            self._rng = random.Random(seed)
            self._odds = dict(odds)

    def heal(self) -> None:
        """A good network again: no script, no odds, not down."""
        with self._lock:
            self._script.clear()
            self._odds = {}
            self.down = False

    def counts(self) -> Counter[str]:
        with self._lock:
            return Counter(self.fates)

    def _fate(self) -> str:
        with self._lock:
            if self.down:
                fate = "down"
            elif self._script:
                fate = self._script.popleft()
            else:
                fate, roll = "pass", self._rng.random()
                for name, chance in sorted(self._odds.items()):
                    if roll < chance:
                        fate = name
                        break
                    roll -= chance
            self.fates.append(fate)
            return fate

    # --- the proxy itself ------------------------------------------------------------------

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(IO_TIMEOUT)
            handler = threading.Thread(target=self._handle, args=(conn, self._fate()),
                                       name="flaky-proxy-connection", daemon=True)
            self._handlers.append(handler)
            handler.start()

    def _handle(self, client: socket.socket, fate: str) -> None:
        with client:
            try:
                if fate == "down":
                    return
                request = _read_request(client)
                if fate == "drop_request" or not self.hub.running:
                    return
                try:
                    upstream = socket.create_connection(("127.0.0.1", self.hub.port),
                                                        timeout=IO_TIMEOUT)
                except OSError:
                    return  # the hub is down: the kiosk's connection drops
                with upstream:
                    upstream.sendall(request)
                    response = _read_to_end(upstream)
                if fate == "pass":
                    client.sendall(response)
                elif fate == "cut_response":
                    client.sendall(_cut(response))
                # drop_response: the hub answered; the answer is lost on the way
            except OSError:
                pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._listener.close()
        for handler in self._handlers:
            handler.join(timeout=10)
