"""A district bundle uploaded on the Sync page: a big one is imported in a process of its own
(:mod:`own_process`), as a big pull is, so that the desk keeps the server's interpreter.

Under `kiosk serve` the server saves the upload to a private file in the instance folder
(removed afterwards, whatever happens), counting its lines as it copies them. A file of a page
of changes or less (``PULL_PAGE_CHANGES``) is imported in the server. A bigger one goes to
``kiosk sync import FILE --child``, which checks and applies it exactly as the command does
(:func:`district_import.import_path`), and answers one line of JSON: its report, or its
refusal or error, which the server raises as the import in the server would have.

The child does the checking too: it must read the whole file anyway, and the check is the
cheap part (0.17 s for a file of 200,000 changes, 84 MB; reading and preparing its changes take
seconds), so the server never needs to trust a file it did not check, or check one twice.
The line count that picks the process is the file's word for itself; both ways check it all.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from flask import current_app

from kiosk.sync.district_file import MAX_FILE_BYTES, TOO_LARGE

from ..db import BUSY_MESSAGE, is_locked
from ..errors import Busy, InvalidInput, KioskError
from ..extensions import db
from . import district_import, own_process
from .district_import import DistrictImport

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
PREFIX = "district-bundle-"  # the private copies' names in the instance folder
STALE_SECONDS = 6 * 3600  # a copy this old was left by a server stopped during its import
# the errors an answer names, so that the server raises the same kind: a refusal (400 and
# "Please check what you entered"), the database busy (503 and Retry-After), else KioskError
KINDS: dict[str, type[KioskError]] = {"refused": InvalidInput, "busy": Busy}
GO_ON = "What it applied is kept: import the file again to go on from there."


def import_upload(stream: IO[bytes]) -> DistrictImport:
    """The Sync page's import: in the server, or in a child when under `kiosk serve` the file
    holds more than a page of changes. Raises as :func:`district_import.import_bundle`."""
    if not own_process.wanted():
        return district_import.import_bundle(stream)
    folder = Path(current_app.instance_path)
    _remove_stale(folder)
    try:  # made with mode 0600: this process's user only
        fd, name = tempfile.mkstemp(prefix=PREFIX, suffix=".jsonl", dir=folder)
    except OSError as exc:
        raise _unsaved(exc) from None
    path = Path(name)
    try:
        try:
            with os.fdopen(fd, "wb") as out:
                lines = _copy(stream, out)
        except OSError as exc:
            raise _unsaved(exc) from None
        if lines - 2 <= int(current_app.config["PULL_PAGE_CHANGES"]):  # less the head and end
            return district_import.import_path(path)
        log.info("a district bundle of %d lines: imported in a process of its own", lines)
        return import_in_child(path)
    finally:
        _remove(path)


def _unsaved(exc: OSError) -> KioskError:
    return KioskError(f"The file could not be saved in the kiosk's instance folder "
                      f"({exc.strerror or exc}). Nothing was applied.")


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:  # Windows: a virus scanner holding it, say
        log.warning("could not remove %s: %s", path, exc)


def _remove_stale(folder: Path) -> None:
    """Copies left by a server stopped in the middle of an import (a power cut)."""
    now = time.time()
    for path in folder.glob(f"{PREFIX}*.jsonl"):
        try:
            if now - path.stat().st_mtime > STALE_SECONDS:
                _remove(path)
        except OSError:
            pass


def _copy(stream: IO[bytes], out: IO[bytes]) -> int:
    """Copy ``stream`` to ``out`` (at most :data:`MAX_FILE_BYTES`); its lines."""
    lines = total = 0
    while block := stream.read(CHUNK):
        total += len(block)
        if total > MAX_FILE_BYTES:
            raise InvalidInput(TOO_LARGE)
        lines += block.count(b"\n")
        out.write(block)
    return lines


def child_command(path: Path) -> list[str]:
    return own_process.kiosk_command("sync", "import", "--child", str(path))


def import_in_child(path: Path) -> DistrictImport:
    """Import the file at ``path`` in a child process: its report, or the refusal or error of
    the import, raised here. A child that stops without an answer (killed, crashed) has
    applied whole pages, each with its cursor: the next import goes on from there."""
    db.session.rollback()  # the server holds no transaction while the child writes
    try:
        answer = own_process.run(child_command(path))
    except own_process.ChildStopped as exc:
        raise KioskError(f"The import stopped before it was done (its process {exc}). "
                         f"{GO_ON}") from None
    db.session.rollback()  # what the child wrote, read afresh
    return report_of(answer)


def child_answer(path: Path) -> dict[str, Any]:
    """In the child (``kiosk sync import FILE --child``): the import of ``path``, as the line
    of JSON that :func:`report_of` reads."""
    try:
        return {"report": asdict(district_import.import_path(path))}
    except KioskError as exc:
        kind = next((k for k, cls in KINDS.items() if isinstance(exc, cls)), "")
        return {"error": exc.message, "kind": kind}
    except Exception as exc:  # what the page's error handler makes a 503 (views/errors.py)
        if is_locked(exc):
            return {"error": BUSY_MESSAGE, "kind": "busy"}
        raise


def report_of(answer: dict[str, Any]) -> DistrictImport:
    """The child's report, or its refusal or error raised as the import in the server would
    have raised it."""
    if "error" in answer:
        raise KINDS.get(str(answer.get("kind")), KioskError)(str(answer["error"]))
    found: Any = answer.get("report")
    try:  # found["applied"] is a TypeError when found is not an object
        return DistrictImport(applied=int(found["applied"]), already=int(found["already"]),
                              data_as_of=str(found["data_as_of"]),
                              older=bool(found.get("older")))
    except (KeyError, TypeError, ValueError):
        raise KioskError(f"The import's own process gave no report. {GO_ON}") from None
