"""A long pull in a process of its own, so that the desk keeps the server's interpreter.

Under `kiosk serve` the desk's requests share one Python interpreter (and its GIL) with the
sync worker. A routine pull is a page or less and stays in the server. A pull of more than
one page (a kiosk's first pull of a big district, a roster the district re-imported) reads,
checks and prepares hundreds of thousands of awards in Python: in the server's process that
work takes the GIL from the desk at every turn, and a hand-out waited up to 140 ms behind it
(docs/benchmarks.md). So the server hands such a pull to ``kiosk sync pull --child``, a
process of its own on the same instance, and waits for its one-line JSON answer. The desk
still comes first in the database: the child writes in turns (``db.write_in_turns``) and
rings the bell that tells it a desk writer is waiting, as ``kiosk cache import`` does.

The child goes on from the cursor the server left; a pull cut off (the child killed, the
server stopped) starts again from the last page written, every change being idempotent. The
child reads its stdin, which the server never writes: when the server ends, however it
ends, the pipe closes and the child stops at once.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
from dataclasses import asdict, dataclass
from typing import Any

from flask import current_app

from kiosk.sync.client import HubRefused, HubUnreachable

log = logging.getLogger(__name__)

SETTING = "PULL_IN_OWN_PROCESS"  # set by `kiosk serve`; off in the tests' in-process apps


@dataclass
class PullAnswer:
    """What the child says, on the last line of its stdout."""

    pulled: int = 0
    error: str = ""
    refused_status: int = 0
    refused_code: str = ""

    def to_line(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_output(cls, stdout: str) -> PullAnswer | None:
        lines = [line for line in stdout.splitlines() if line.strip()]
        if not lines:
            return None
        try:
            found: Any = json.loads(lines[-1])
        except ValueError:
            return None
        if not isinstance(found, dict):
            return None
        return cls(pulled=int(found.get("pulled") or 0), error=str(found.get("error") or ""),
                   refused_status=int(found.get("refused_status") or 0),
                   refused_code=str(found.get("refused_code") or ""))


def wanted() -> bool:
    return bool(current_app.config.get(SETTING))


def child_command(timeout: float) -> list[str]:
    return [sys.executable, "-m", "kiosk.cli", "sync", "pull", "--child",
            "--timeout", str(timeout)]


def child_environment() -> dict[str, str]:
    """The server's own instance and database, whatever set them."""
    env = dict(os.environ)
    env["KIOSK_INSTANCE_PATH"] = current_app.instance_path
    env["KIOSK_SQLALCHEMY_DATABASE_URI"] = str(current_app.config["SQLALCHEMY_DATABASE_URI"])
    return env


def pull_in_child(timeout: float) -> int:
    """Run the rest of the pull in a child process; the changes it pulled. Raises as an
    in-process pull would: HubRefused, or HubUnreachable for anything else that stopped it."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            child = subprocess.Popen(child_command(timeout), env=child_environment(),
                                     stdin=subprocess.PIPE, stdout=out, stderr=err)
        except OSError as exc:
            raise HubUnreachable(f"the pull's own process could not start: {exc}") from None
        try:
            status = child.wait()  # stdin stays open (never written) until the child is done
        finally:
            assert child.stdin is not None
            child.stdin.close()
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    answer = PullAnswer.from_output(stdout)
    if answer is None:
        tail = stderr.strip().splitlines()[-1:] or [f"exit status {status}"]
        log.warning("the pull's own process stopped without an answer: %s", stderr)
        raise HubUnreachable(f"the pull's own process stopped: {tail[0][:300]}")
    if answer.refused_status:
        raise HubRefused(answer.refused_status, answer.refused_code, answer.error)
    if answer.error:
        raise HubUnreachable(answer.error)
    return answer.pulled


def collect_between_pages() -> None:
    """In the child, garbage is collected here, between two pages, when no transaction is
    open: Python's own full collection (about 80 ms with two pages in memory) would stop the
    child wherever it is, and a hand-out would wait that long for a write lock it holds."""
    if not gc.isenabled():
        gc.collect()


def become_child() -> None:
    """In the child: no collection in the middle of a write (:func:`collect_between_pages`),
    and an end as soon as the server that started it ends (its stdin, never written, reaches
    end of file)."""
    gc.freeze()  # the modules and the app, loaded once: never scanned again
    gc.disable()

    def watch() -> None:
        try:
            sys.stdin.buffer.read()
        except (OSError, ValueError):
            pass
        os._exit(3)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
