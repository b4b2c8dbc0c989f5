"""One tree of typed errors. Services raise them; one handler in views maps them to a page."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .services.scan import ScanResult


class KioskError(Exception):
    """``field``: the name of the form field the refusal is about, when it is one (a page
    shows the message at that field: kiosk/views/answers.py)."""

    status = 400
    title = "That did not work"

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(KioskError):
    title = "Please check what you entered"


class NotFound(KioskError):
    status = 404
    title = "Not found"


class NotAllowed(KioskError):
    status = 403
    title = "Not allowed"


class LoginRefused(KioskError):
    status = 401
    title = "Could not log in"


class Busy(KioskError):
    """The database stayed locked by another writer (another program, such as a `kiosk cache
    import`, or a long write in this one) for longer than a person should wait. Nothing was
    recorded; the answer asks the browser to try again shortly."""

    status = 503
    title = "The kiosk is busy"
    retry_after = 2  # seconds, sent as Retry-After


class Refused(KioskError):
    """A hand-out the rules refuse; carries the scan verdict so the page can show it."""

    status = 409
    title = "Not handed out"

    def __init__(self, result: ScanResult):
        super().__init__(result.reason.headline)
        self.result = result
        self.reason = result.reason
