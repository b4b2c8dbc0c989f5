"""Who is logged in, idle logout, and the role check every view goes through."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask, Response, flash, g, redirect, request, session, url_for

from .domain.staff import CurrentUser, can, idle_expired
from .domain.words import count
from .errors import NotAllowed
from .extensions import db
from .models import StaffUser, utcnow

# Requests a page makes by itself (files, the status bar's polling): they are not activity, so
# they do not keep an idle session logged in.
PASSIVE_ENDPOINTS = frozenset({"static", "printer.badges"})
# Answered the same for anyone: no need to read who is logged in.
ANONYMOUS_ENDPOINTS = frozenset({"static", "auth.healthz"})


def init_auth(app: Flask) -> None:
    @app.before_request
    def load_user() -> None:
        """``g.user``: the logged-in user as a CurrentUser (plain values read once), or None."""
        g.user = None
        user_id = session.get("user_id")
        if user_id is None or request.endpoint in ANONYMOUS_ENDPOINTS:
            return
        now = utcnow()
        seen = session.get("seen")
        last_seen = datetime.fromisoformat(seen) if seen else None
        user = db.session.get(StaffUser, user_id)
        if user is None or not user.active or user.pin_hash[-12:] != session.get("pin_tag"):
            session.clear()
            return
        if idle_expired(last_seen, now, app.config["IDLE_MINUTES"]):
            session.clear()
            flash(f"You were logged out after {count(app.config['IDLE_MINUTES'], 'minute')} "
                  "without activity.", "info")
            return
        if request.endpoint not in PASSIVE_ENDPOINTS:
            session["seen"] = now.isoformat()
        g.user = CurrentUser(user.id, user.name, user.role)

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; object-src 'none'; "
            "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if g.get("user") is not None:
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def start_session(user: StaffUser) -> None:
    session.clear()
    session["user_id"] = user.id
    session["pin_tag"] = user.pin_hash[-12:]  # a PIN change ends every other session
    session["seen"] = utcnow().isoformat()


def keep_session(user: StaffUser) -> None:
    """After a change to the logged-in user's own login (a new PIN), this session goes on while
    every other session of that user ends."""
    if g.get("user") is not None and g.user.id == user.id:
        session["pin_tag"] = user.pin_hash[-12:]


def requires(action: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Only a logged-in user whose role allows ``action`` reaches the view."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.user is None:
                return login_redirect()
            if not can(g.user.role, action):
                raise NotAllowed("Your login does not allow this. Ask an administrator.")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def login_redirect() -> Response:
    target = url_for("auth.login")
    if request.headers.get("HX-Request"):
        response = Response(status=204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)  # type: ignore[return-value]
