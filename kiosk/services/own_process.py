"""Long work in a process of its own, so that the desk keeps the server's interpreter.

Under `kiosk serve` the desk's requests share one Python interpreter (and its GIL) with the
server's long work. Reading, checking and preparing hundreds of thousands of awards in Python
takes the GIL from the desk at every turn: in the server's process a hand-out waited up to
140 ms behind a big pull (docs/benchmarks.md, "The desk during an import, a pull and a
district bundle"). So the server hands such work to a ``kiosk`` command of its own, on the
same instance and database (``python -m kiosk.cli ... --child``), and waits for its answer:
one line of JSON, the last of its stdout. Two kinds of work go there: a pull of more than one
page (:mod:`pull_process`) and a district bundle of more than one page uploaded on the Sync
page (:mod:`bundle_process`).

The desk still comes first in the database: the child writes in turns (``db.write_in_turns``)
and rings the bell that tells it a desk writer is waiting, as ``kiosk cache import`` does. The
child reads its stdin, which the server never writes: when the server ends, however it ends,
the pipe closes and the child stops at once. Work cut off so goes on from its cursor next time.
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
from typing import Any

from flask import current_app

log = logging.getLogger(__name__)

SETTING = "PULL_IN_OWN_PROCESS"  # set by `kiosk serve`; off in the tests' in-process apps


class ChildStopped(Exception):
    """The child could not start, or ended without an answer: what it last said, in words."""


def wanted() -> bool:
    return bool(current_app.config.get(SETTING))


def kiosk_command(*args: str) -> list[str]:
    """``kiosk ARGS...`` with this interpreter, whatever the ``kiosk`` script is called."""
    return [sys.executable, "-m", "kiosk.cli", *args]


def child_environment() -> dict[str, str]:
    """The server's own instance and database, whatever set them."""
    env = dict(os.environ)
    env["KIOSK_INSTANCE_PATH"] = current_app.instance_path
    env["KIOSK_SQLALCHEMY_DATABASE_URI"] = str(current_app.config["SQLALCHEMY_DATABASE_URI"])
    return env


def run(command: list[str]) -> dict[str, Any]:
    """Run ``command`` (a child: see :func:`become_child`) on the server's instance and wait
    for it; its answer, the JSON object on the last line of its stdout. ChildStopped when it
    could not start or gave no answer (killed, crashed)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            child = subprocess.Popen(command, env=child_environment(),
                                     stdin=subprocess.PIPE, stdout=out, stderr=err)
        except OSError as exc:
            raise ChildStopped(f"could not start: {exc}") from None
        try:
            status = child.wait()  # stdin stays open (never written) until the child is done
        finally:
            assert child.stdin is not None
            child.stdin.close()
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    answer = answer_in(stdout)
    if answer is None:
        tail = stderr.strip().splitlines()[-1:] or [f"exit status {status}"]
        log.warning("%s stopped without an answer: %s", " ".join(command[1:])[:200], stderr)
        raise ChildStopped(f"stopped: {tail[0][:300]}")
    return answer


def answer_in(stdout: str) -> dict[str, Any] | None:
    """The JSON object on the last line of a child's output, if it is one."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    if not lines:
        return None
    try:
        found: Any = json.loads(lines[-1])
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def collect_between_pages() -> None:
    """In the child, garbage is collected here, between two pages, when no transaction is
    open: Python's own full collection (about 80 ms with two pages in memory) would stop the
    child wherever it is, and a hand-out would wait that long for a write lock it holds.
    Elsewhere (automatic collection on) nothing."""
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
