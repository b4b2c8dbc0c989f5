"""One handler maps every typed error: JSON with a code on the sync API, a page elsewhere."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from kiosk.request_caps import too_large as too_large_message
from kiosk.sync.protocol import ProtocolError

from ..errors import HubError
from ..extensions import hub_db

log = logging.getLogger(__name__)


def _api() -> bool:
    return request.path.startswith("/api/")


def _json(status: int, code: str, message: str, headers=None):  # type: ignore[no-untyped-def]
    from .api import answer

    response = answer({"error": code, "message": message}, status)
    for name, value in headers or []:
        if name.lower() != "content-type":  # e.g. Allow on a 405, as RFC 9110 asks
            response.headers[name] = value
    return response


def _page(status: int, title: str, message: str):  # type: ignore[no-untyped-def]
    return render_template("hub/error.html", code=status, title=title, message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(HubError)
    def hub_error(exc: HubError):  # type: ignore[no-untyped-def]
        hub_db.session.rollback()
        if _api():
            return _json(exc.status, exc.code, exc.message)
        return _page(exc.status, exc.title, exc.message)

    @app.errorhandler(ProtocolError)
    def protocol_error(exc: ProtocolError):  # type: ignore[no-untyped-def]
        hub_db.session.rollback()
        return _json(413 if exc.code == "too_large" else 400, exc.code, str(exc))

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc: RequestEntityTooLarge):  # type: ignore[no-untyped-def]
        """A body larger than its route takes (config.py: BODY_CAPS), refused unread."""
        if _api():
            return _json(413, "too_large", too_large_message("this address"))
        return _page(413, "Too large", too_large_message("this page"))

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):  # type: ignore[no-untyped-def]
        return _page(400, "Please try again", "This page was open too long or came from "
                     "somewhere else. Reload it and try again; nothing was recorded.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        if _api():
            return _json(exc.code or 500, (exc.name or "error").lower().replace(" ", "_"),
                         exc.description or "", exc.get_headers())
        return _page(exc.code or 500, exc.name, exc.description or "")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        log.exception("unexpected error")
        hub_db.session.rollback()
        if _api():
            return _json(500, "server_error", "The hub hit an unexpected problem; nothing was "
                         "recorded. Try again.")
        return _page(500, "Something went wrong", "The hub hit an unexpected problem and "
                     "recorded nothing for this action. Try again.")
