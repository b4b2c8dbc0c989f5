"""One handler maps every typed error (and every surprise) to a page or a fragment."""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, request
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ..db import BUSY_MESSAGE, is_locked
from ..errors import Busy, KioskError, Refused
from ..extensions import db
from ..request_caps import too_large as too_large_message
from .htmx import render, wants_fragment

log = logging.getLogger(__name__)


def register(app: Flask) -> None:
    @app.errorhandler(KioskError)
    def kiosk_error(exc: KioskError):  # type: ignore[no-untyped-def]
        db.session.rollback()
        if isinstance(exc, Refused):
            return render("scan.html", "partials/_verdict.html", status=exc.status,
                          result=exc.result)
        if isinstance(exc, Busy):
            return _busy(exc)
        return _error(exc.status, exc.title, exc.message)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):  # type: ignore[no-untyped-def]
        return _error(400, "Please try again",
                      "This page was open too long or came from somewhere else. "
                      "Reload the page and try again; nothing was recorded.")

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc: RequestEntityTooLarge):  # type: ignore[no-untyped-def]
        """A body larger than its page takes (config.py: BODY_CAPS), refused unread."""
        return _error(413, "Too large", too_large_message("this page"))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        return _error(exc.code or 500, exc.name, exc.description or "")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        if is_locked(exc):  # a lock met outside the engine's own error handling
            db.session.rollback()
            return _busy(Busy(BUSY_MESSAGE))
        log.exception("unexpected error")
        db.session.rollback()
        return _error(500, "Something went wrong",
                      "The kiosk hit an unexpected problem and recorded nothing for this "
                      "action. Try again; if it keeps happening, tell the district office.")


def _busy(exc: Busy):  # type: ignore[no-untyped-def]
    """503 with Retry-After. The page shows the status bar, which reads the database: if that
    is locked too, a plain page says the same."""
    try:
        response = _error(exc.status, exc.title, exc.message)
    except Exception as again:
        if not is_locked(again) and not isinstance(again, Busy):
            raise
        db.session.rollback()
        response = current_app.response_class(
            f"<!doctype html><title>{escape(exc.title)}</title><h1>{escape(exc.title)}</h1>"
            f"<p>{escape(exc.message)}</p>", status=exc.status)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _error(status: int, title: str, message: str):  # type: ignore[no-untyped-def]
    # ``status`` is the response's; the template gets ``code`` (``status`` there is the badges')
    response = render("error.html", "partials/_error.html", status=status, code=status,
                      title=title, message=message, signed_in=g.get("user") is not None)
    if wants_fragment() and request.headers.get("HX-Target") != "verdict":
        # On the scan page an error takes the verdict's place; elsewhere it shows above the
        # panel, which keeps what the person typed.
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
    return response
