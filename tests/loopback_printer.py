"""A network receipt printer on 127.0.0.1 for tests and benchmarks.

It listens on an ephemeral port like a JetDirect printer (raw TCP), keeps every byte it is sent,
and answers ESC/POS real-time status queries (``DLE EOT 1``, ``2``, ``4``) the way a real
printer does: paper OK, paper low, paper out, cover open, or not at all (``answers=False``,
as many cheap printers do). It can break a connection part-way through a receipt with a TCP
reset, stop (the printer is off: connections are refused), and start again on the same port.

It can also hang: accept connections and never read (``stall=True``), or stop reading part-way
through a receipt (``stall_after=N``). What the kiosk can see of that is the printer's TCP
window, and a real printer's window is its input buffer, a few KB; this printer's window is the
kernel's receive buffer, about 85 KB on 127.0.0.1, so that a hung printer would still seem to
take a whole receipt. Give it ``input_buffer=2048`` (its listening socket's ``SO_RCVBUF``, set
before ``start``) to make it take about 2 KB and no more, like a printer.

A status query is recognised when the bytes received so far end with ``DLE EOT n``: the
kiosk waits for the answer before sending anything else, so a question is always the last
thing on the wire when it is asked.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from dataclasses import dataclass, field

QUERIES = {b"\x10\x04\x01", b"\x10\x04\x02", b"\x10\x04\x04"}


@dataclass
class PrinterMood:
    paper: str = "ok"  # ok, low, out
    cover_open: bool = False
    answers: bool = True  # False: never answers a status query
    reset_after: int | None = None  # close with a reset once this many receipt bytes came
    stall: bool = False  # accept connections, then read nothing (a hung printer)
    stall_after: int | None = None  # hang (stall) once this many receipt bytes came


def status_reply(query: bytes, mood: PrinterMood) -> bytes:
    """The status byte a real ESC/POS printer sends for ``query``."""
    offline = mood.cover_open or mood.paper == "out"
    if query == b"\x10\x04\x01":
        return bytes([0x12 | (0x08 if offline else 0)])
    if query == b"\x10\x04\x02":
        return bytes([0x12 | (0x04 if mood.cover_open else 0)
                      | (0x20 if mood.paper == "out" else 0)])
    paper = {"ok": 0x00, "low": 0x0C, "out": 0x6C}[mood.paper]
    return bytes([0x12 | paper])


@dataclass
class LoopbackPrinter:
    mood: PrinterMood = field(default_factory=PrinterMood)
    port: int = 0
    input_buffer: int | None = None  # SO_RCVBUF: the printer's TCP window (None: the kernel's)
    connections: int = 0
    queries: int = 0
    resets: int = 0
    _data: bytearray = field(default_factory=bytearray)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: socket.socket | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> LoopbackPrinter:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if self.input_buffer is not None:  # before listen(): accepted sockets inherit it
            server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.input_buffer)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        server.settimeout(0.1)
        self.port = server.getsockname()[1]
        self._server = server
        self._stop = threading.Event()
        thread = threading.Thread(target=self._accept, args=(server, self._stop), daemon=True,
                                  name="loopback-printer")
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Switch the printer off: open connections drop, new ones are refused."""
        self._stop.set()
        for thread in self._threads:
            thread.join(5)
        self._threads.clear()
        if self._server is not None:
            self._server.close()
            self._server = None

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def config(self) -> dict[str, object]:
        """The kiosk settings that print here."""
        return {"PRINTER_BACKEND": "network", "PRINTER_HOST": "127.0.0.1",
                "PRINTER_PORT": self.port, "PRINTER_TIMEOUT": 2.0,
                "PRINTER_STATUS_TIMEOUT": 0.3}

    # --- what it printed ---------------------------------------------------------------------

    @property
    def data(self) -> bytes:
        with self._lock:
            return bytes(self._data)

    def receipts(self) -> list[bytes]:
        """Everything received, cut at each printer reset (ESC @): one item per receipt."""
        from tests.unit.escpos_tokens import split_at_resets

        return split_at_resets(self.data)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[bytes]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            receipts = self.receipts()
            if len(receipts) >= count:
                return receipts
            time.sleep(0.02)
        return self.receipts()

    # --- the wire ----------------------------------------------------------------------------

    def _accept(self, server: socket.socket, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(conn, stop), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: socket.socket, stop: threading.Event) -> None:
        conn.settimeout(0.05)
        pending = bytearray()  # this connection's bytes not yet known to be receipt data
        received = 0
        stalled = False
        with conn:
            while not stop.is_set():
                if self.mood.stall:
                    stalled = True
                    time.sleep(0.05)
                    continue
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break  # a reset: what it had read is printed all the same
                if not chunk:
                    break
                pending += chunk
                if stalled:  # questions asked while it hung come first in what it reads now
                    stalled = False
                    while bytes(pending[:3]) in QUERIES:
                        self._answer(conn, bytes(pending[:3]))
                        del pending[:3]
                hang = self.mood.stall_after
                if hang is not None and received + len(pending) >= hang:
                    self._keep(pending[: max(hang - received, 0)])
                    del pending[: max(hang - received, 0)]  # the rest waits, unread
                    received = hang
                    self.mood.stall_after = None
                    self.mood.stall = True  # hung, on every connection
                    continue
                limit = self.mood.reset_after
                if limit is not None and received + len(pending) >= limit:
                    self._keep(pending[: max(limit - received, 0)])
                    self.mood.reset_after = None  # once
                    self.resets += 1
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return  # closing with linger 0 sends a TCP reset
                if bytes(pending[-3:]) in QUERIES:
                    query = bytes(pending[-3:])
                    del pending[-3:]
                    self._keep(pending)
                    received += len(pending)
                    pending.clear()
                    self._answer(conn, query)
            self._keep(pending)

    def _answer(self, conn: socket.socket, query: bytes) -> None:
        self.queries += 1
        if self.mood.answers:
            try:
                conn.sendall(status_reply(query, self.mood))
            except OSError:  # the kiosk has gone
                pass

    def _keep(self, data: bytes | bytearray) -> None:
        with self._lock:
            self._data += data


def main() -> None:
    """Run one printer in a process of its own (the benchmark): prints its port, then serves
    until its standard input closes, then prints how many receipts it received."""
    import argparse
    import json
    import sys

    parser = argparse.ArgumentParser()
    parser.add_argument("--paper", default="ok", choices=("ok", "low", "out"))
    parser.add_argument("--silent", action="store_true", help="never answer status queries")
    parser.add_argument("--stall", action="store_true", help="accept, and never read")
    parser.add_argument("--input-buffer", type=int, help="bytes: the printer's TCP window")
    args = parser.parse_args()
    mood = PrinterMood(paper=args.paper, answers=not args.silent, stall=args.stall)
    printer = LoopbackPrinter(mood, input_buffer=args.input_buffer).start()
    print(printer.port, flush=True)
    sys.stdin.read()
    printer.stop()
    print(json.dumps({"receipts": len(printer.receipts()), "bytes": len(printer.data),
                      "connections": printer.connections}), flush=True)


if __name__ == "__main__":
    main()
