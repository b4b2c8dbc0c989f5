"""Who is logged in, idle logout, the role check every view goes through, and the session
cookie.

A session is a row on the server (``StaffSession``) and a signed cookie with its random id,
the user, a tag of the user's PIN hash and the time of the last activity. Logging out (or idle
logout) ends the row: a copy of the cookie is worth nothing after. A PIN change or switching a
login off ends every session of that user (the tag, ``active``). The cookie is HttpOnly,
SameSite=Strict, and Secure as SESSION_COOKIE_SECURE says (``cookie_secure``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask, Response, flash, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from .domain.staff import CurrentUser, can, idle_expired
from .domain.words import count
from .errors import NotAllowed
from .extensions import db
from .models import StaffUser, utcnow
from .services.accounts import KIOSK_LOGINS, end_session, open_session, session_open

# Requests a page makes by itself (files, the status bar's polling, the camera's frames): they
# are not activity, so they do not keep an idle session logged in. (A code the camera reads is
# sent as a scan: that is activity.)
PASSIVE_ENDPOINTS = frozenset({"static", "printer.badges", "scan.camera_frame"})
# Answered the same for anyone: no need to read who is logged in.
ANONYMOUS_ENDPOINTS = frozenset({"static", "auth.healthz"})


def init_auth(app: Flask) -> None:
    init_cookies(app)

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
        if (user is None or not user.active or user.pin_hash[-12:] != session.get("pin_tag")
                or not session_open(KIOSK_LOGINS, session.get("sid"), user_id)):
            session.clear()
            return
        if idle_expired(last_seen, now, app.config["IDLE_MINUTES"]):
            end_session(KIOSK_LOGINS, session.get("sid"))
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
    session["sid"] = open_session(KIOSK_LOGINS, user.id)
    session["user_id"] = user.id
    session["pin_tag"] = user.pin_hash[-12:]  # a PIN change ends every other session
    session["seen"] = utcnow().isoformat()


def stop_session() -> None:
    """Log out: the session ends on the server, and the cookie is emptied."""
    end_session(KIOSK_LOGINS, session.get("sid"))
    session.clear()


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


# --- the session cookie ----------------------------------------------------------------------

COOKIE_SECURE_CHOICES = {"auto": None, "true": True, "false": False, "1": True, "0": False,
                         "yes": True, "no": False, "on": True, "off": False}


def cookie_secure(setting: object) -> bool | None:
    """SESSION_COOKIE_SECURE as True (always Secure), False (never) or None ("auto": Secure
    when the request came over HTTPS)."""
    if isinstance(setting, bool):
        return setting
    choice = str(setting).strip().lower()
    if choice not in COOKIE_SECURE_CHOICES:
        raise ValueError(f"SESSION_COOKIE_SECURE is auto, true or false, not {setting!r}")
    return COOKIE_SECURE_CHOICES[choice]


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, Secure as SESSION_COOKIE_SECURE says: always, never, or
    ("auto") when this request came over HTTPS (``request.is_secure``; behind a proxy, with
    TRUSTED_PROXIES set, as its X-Forwarded-Proto says)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        secure = cookie_secure(app.config["SESSION_COOKIE_SECURE"])
        return request.is_secure if secure is None else secure


def init_cookies(app: Flask) -> None:
    """The session cookie's Secure flag, and the reverse proxies whose X-Forwarded-For,
    X-Forwarded-Proto and X-Forwarded-Host are believed (TRUSTED_PROXIES: how many stand in
    front of the app; 0, the default, believes none of those headers)."""
    cookie_secure(app.config["SESSION_COOKIE_SECURE"])  # a wrong setting fails at start-up
    app.session_interface = SessionCookies()
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies,  # type: ignore[method-assign]
                                x_proto=proxies, x_host=proxies)
