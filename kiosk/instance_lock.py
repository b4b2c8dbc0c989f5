"""The instance lock: an advisory lock on INSTANCE/kiosk.lock that `kiosk serve` holds for as
long as it runs and `kiosk restore` holds while it works, so that neither starts under the
other (nor a second `kiosk serve` on the same folder). The system lets go of the lock when the
process ends, however it ends; the empty file stays."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO

from flask import Flask

from .errors import KioskError

LOCK_FILE = "kiosk.lock"
INSTANCE_LOCK = "kiosk.instance_lock"


class InstanceLock:
    """An advisory lock on INSTANCE/kiosk.lock, held by `kiosk serve` for as long as it runs
    and by `kiosk restore` while it works. The system lets go of it when the process ends,
    however it ends."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / LOCK_FILE
        self._file: IO[bytes] | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        f = open(self.path, "a+b")  # kept open while the lock is held
        try:
            _lock(f)
        except OSError:
            f.close()
            return False
        self._file = f
        return True

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing lets go of the lock
            self._file = None


def _lock(f: IO[bytes]) -> None:
    if sys.platform == "win32":
        import msvcrt

        f.seek(0)
        msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


IN_USE = ("The kiosk is running on this instance folder ({folder}): `kiosk serve`, or a "
          "restore, holds {lock}. Stop it first.")


def hold_instance(app: Flask) -> InstanceLock:
    """Hold this instance for as long as the app's process runs (`kiosk serve`)."""
    lock = app.extensions.get(INSTANCE_LOCK)
    if isinstance(lock, InstanceLock):
        return lock
    lock = InstanceLock(Path(app.instance_path))
    if not lock.acquire():
        raise KioskError(IN_USE.format(folder=app.instance_path, lock=lock.path))
    app.extensions[INSTANCE_LOCK] = lock
    return lock
