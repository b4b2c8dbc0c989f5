"""The sync worker: a thread in `kiosk serve` that pushes the outbox and pulls the district's
changes every ``SYNC_SECONDS`` while the kiosk is up, backing off (to at most 5 minutes) while
the hub cannot be reached. A hand-out never waits for it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from kiosk.background import Rounds
from kiosk.extensions import db

log = logging.getLogger(__name__)

BACKOFF_MAX_SECONDS = 300.0


class SyncWorker(Rounds):
    name = "sync-worker"

    def __init__(self, app: Flask, sync: Callable[[float], Any]) -> None:
        """``sync(timeout)`` syncs once if the kiosk is enrolled: a report with ``ok``,
        ``pushed``, ``pulled``, ``summary`` and ``error``, or None when not enrolled
        (kiosk.services.district.sync_if_enrolled; given, so the worker needs no service)."""
        self.app = app
        self.sync = sync
        self.failures = 0
        self._running = False
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> bool:
        """One sync; True when it went through."""
        with self.app.app_context():
            self._running = True
            try:
                report = self.sync(float(self.app.config["SYNC_TIMEOUT_SECONDS"]))
            finally:
                self._running = False
                db.session.remove()
        if report is None:  # not enrolled
            return False
        if report.ok:
            self.failures = 0
            if report.pushed or report.pulled:
                log.info("synced: %s", report.summary)
            return True
        self.failures += 1
        log.warning("sync stopped: %s", report.error)
        return False

    def pause(self) -> float:
        interval = float(self.app.config["SYNC_SECONDS"])
        if not self.failures:
            return interval
        return min(interval * 2 ** min(self.failures - 1, 10), BACKOFF_MAX_SECONDS)

    def round_failed(self) -> None:
        self.failures += 1

    def wake(self) -> None:
        """Sync now rather than after the pause (a kiosk just enrolled: its first sync)."""
        self.wake_soon()

    @property
    def busy(self) -> bool:
        """Syncing now, or woken to sync at once."""
        return self._running or self._wake.is_set()

    def start(self) -> None:
        self.start_rounds()


EXTENSION = "pin_kiosk.sync_worker"


def install(app: Flask, sync: Callable[[float], Any]) -> SyncWorker:
    worker = SyncWorker(app, sync)
    app.extensions[EXTENSION] = worker
    return worker


def worker_of(app: Flask) -> SyncWorker | None:
    worker = app.extensions.get(EXTENSION)
    return worker if isinstance(worker, SyncWorker) else None
