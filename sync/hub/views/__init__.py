"""The hub's blueprints: the sync API for kiosks (JSON, token), the pages for district staff."""

from __future__ import annotations

from typing import Any

from flask import Flask, g

from ..services.accounts import can


def register_views(app: Flask) -> None:
    from . import api, errors, pages

    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    errors.register(app)

    @app.context_processor
    def page_context() -> dict[str, Any]:
        from kiosk.sync.hub.views.pages import local

        return {"may": lambda action: g.get("user") is not None and can(g.user.role, action),
                "local": local, "district": app.config.get("DISTRICT_NAME") or "District",
                "idle_seconds": int(app.config["IDLE_MINUTES"] * 60)}
