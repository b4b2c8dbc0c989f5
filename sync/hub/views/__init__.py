"""The hub's blueprints: the sync API for kiosks (JSON, token), the pages for district staff
(the dashboard, exceptions and logins; buildings and kiosks; stock; bundles and badge data;
the exports)."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request
from flask.wrappers import Response
from werkzeug.routing import IntegerConverter

from kiosk.views.htmx import wants_fragment

from ..db import MAX_ID
from ..services.accounts import can


class RecordId(IntegerConverter):
    """``<int:...>`` in the hub's URLs is a record's id: a number larger than any id can be
    names nothing (404), rather than reaching the database."""

    def __init__(self, map, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def register_views(app: Flask) -> None:
    from . import api, buildings, charts, data, errors, exports, owed, pages, people, stock
    from .common import local

    app.url_map.converters["int"] = RecordId  # before the blueprints' rules are made
    app.register_blueprint(api.bp)
    for bp in (pages.bp, people.bp, buildings.bp, stock.bp, owed.bp, charts.bp, data.bp,
               exports.bp):
        app.register_blueprint(bp)
    errors.register(app)

    @app.context_processor
    def page_context() -> dict[str, Any]:
        return {"may": lambda action: g.get("user") is not None and can(g.user.role, action),
                "local": local, "district": app.config.get("DISTRICT_NAME") or "District",
                "idle_seconds": int(app.config["IDLE_MINUTES"] * 60),
                "open_exceptions": _open_exceptions, "fragment_request": wants_fragment()}

    @app.after_request
    def errors_above_the_panel(response: Response) -> Response:
        """An error answering an HTMX request shows in the page's message area and leaves
        the panel (and what was typed in it) alone; refusals that keep the form say where
        they go themselves."""
        if (response.status_code >= 400 and request.blueprint != "api" and wants_fragment()
                and "HX-Retarget" not in response.headers):
            response.headers["HX-Retarget"] = "#messages"
            response.headers["HX-Reswap"] = "innerHTML"
            response.vary.add("HX-Request")
        return response


def _open_exceptions() -> int:
    from ..services.reconcile import open_counts

    if g.get("user") is None:
        return 0
    if "open_exceptions" not in g:
        g.open_exceptions = sum(open_counts().values())
    return int(g.open_exceptions)
