"""One handler maps every typed error (and every surprise) to a page or a fragment."""

from __future__ import annotations

import logging

from flask import Flask, g, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..errors import KioskError, Refused
from ..extensions import db
from .htmx import render, wants_fragment

log = logging.getLogger(__name__)


def register(app: Flask) -> None:
    @app.errorhandler(KioskError)
    def kiosk_error(exc: KioskError):  # type: ignore[no-untyped-def]
        db.session.rollback()
        if isinstance(exc, Refused):
            return render("scan.html", "partials/_verdict.html", status=exc.status,
                          result=exc.result)
        return _error(exc.status, exc.title, exc.message)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):  # type: ignore[no-untyped-def]
        return _error(400, "Please try again",
                      "This page was open too long or came from somewhere else. "
                      "Reload the page and try again; nothing was recorded.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        return _error(exc.code or 500, exc.name, exc.description or "")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        log.exception("unexpected error")
        db.session.rollback()
        return _error(500, "Something went wrong",
                      "The kiosk hit an unexpected problem and recorded nothing for this "
                      "action. Try again; if it keeps happening, tell the district office.")


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
