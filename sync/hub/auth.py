"""Who is asking: district staff by session (log in with a name and a PIN, idle logout, roles),
kiosks by their token (``Authorization: Bearer ...``) on the sync API.

Sessions work as on the kiosk (kiosk/auth.py): a ``HubSession`` row whose random id the signed
cookie carries; logging out ends it. The cookie is Secure as SESSION_COOKIE_SECURE says, by
default ("auto") when the request came over HTTPS."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask, Response, flash, g, redirect, request, session, url_for

from kiosk.auth import init_cookies
from kiosk.domain.staff import CurrentUser, idle_expired
from kiosk.domain.words import count
from kiosk.services.accounts import end_session, open_session, session_open

from .errors import NotAllowed, Unauthorized
from .extensions import hub_db
from .models import HubUser, utcnow
from .services.accounts import HUB_LOGINS, can
from .services.enrollment import kiosk_for_token


def init_auth(app: Flask) -> None:
    init_cookies(app)

    @app.before_request
    def load_user() -> None:
        g.user = None
        g.kiosk = None
        if request.blueprint == "api" or request.endpoint == "static":
            return  # kiosks carry a token; files are the same for anyone
        user_id = session.get("hub_user_id")
        if user_id is None:
            return
        now = utcnow()
        seen = session.get("seen")
        user = hub_db.session.get(HubUser, user_id)
        if (user is None or not user.active or user.pin_hash[-12:] != session.get("pin_tag")
                or not session_open(HUB_LOGINS, session.get("sid"), user_id)):
            session.clear()
            return
        if idle_expired(datetime.fromisoformat(seen) if seen else None, now,
                        app.config["IDLE_MINUTES"]):
            end_session(HUB_LOGINS, session.get("sid"))
            session.clear()
            flash(f"You were logged out after {count(app.config['IDLE_MINUTES'], 'minute')} "
                  "without activity.")
            return
        if request.endpoint != "static":
            session["seen"] = now.isoformat()
        g.user = CurrentUser(user.id, user.name, user.role)  # values, not a live row

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; object-src 'none'; "
            "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Cache-Control", "no-store")
        return response


def start_session(user: HubUser) -> None:
    session.clear()
    session["sid"] = open_session(HUB_LOGINS, user.id)
    session["hub_user_id"] = user.id
    session["pin_tag"] = user.pin_hash[-12:]
    session["seen"] = utcnow().isoformat()


def stop_session() -> None:
    """Log out: the session ends on the server, and the cookie is emptied."""
    end_session(HUB_LOGINS, session.get("sid"))
    session.clear()


def requires(action: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Only a logged-in district user whose role allows ``action`` reaches the view."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.user is None:
                if request.headers.get("HX-Request"):
                    return Response(status=204, headers={"HX-Redirect": url_for("hub.login")})
                return redirect(url_for("hub.login"))
            if not can(g.user.role, action):
                raise NotAllowed("Your login does not allow this. Ask a district admin.")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def kiosk_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Only an enrolled, not revoked kiosk reaches the view (``g.kiosk``)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        kiosk = kiosk_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if kiosk is None:
            raise Unauthorized("This kiosk is not enrolled with the hub, or the district "
                               "revoked it.")
        g.kiosk = kiosk
        return view(*args, **kwargs)

    return wrapped
