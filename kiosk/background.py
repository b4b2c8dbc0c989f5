"""Background rounds: a daemon thread that runs a worker's ``run_once`` again and again, a
``pause()`` apart unless something wakes it, and never dies of an error in one round. The print
worker and the sync worker of `kiosk serve` are both made of it."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


class Rounds:
    """Mixed into a worker that has ``run_once()`` and ``pause()``."""

    name = "worker"
    _wake: threading.Event
    _stop: threading.Event
    _thread: threading.Thread | None

    def run_once(self) -> object:
        raise NotImplementedError

    def pause(self) -> float:
        raise NotImplementedError

    def wake_soon(self) -> None:
        self._wake.set()

    def start_rounds(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # keep the worker alive: what it works on stays where it is
                log.exception("%s round failed", self.name)
                self.round_failed()
            self._wake.wait(self.pause())
            self._wake.clear()

    def round_failed(self) -> None:
        """What to remember of a round that raised (nothing, unless a worker says so)."""
