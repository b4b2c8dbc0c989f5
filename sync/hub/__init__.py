"""The district hub: the kiosks sync with it, and district staff reconcile on it.

``create_hub_app`` is the only way to get one. Same stack as the kiosk, its own database:
SQLite by default, PostgreSQL in production (``KIOSK_HUB_DATABASE_URL``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from kiosk import HERE, TEMPLATES
from kiosk.config import secret_key
from kiosk.request_caps import CappedRequest

from .config import DEFAULTS, hub_instance_from_env
from .extensions import hub_csrf, hub_db, hub_migrate

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_hub_app(config: Mapping[str, Any] | None = None) -> Flask:
    instance = (config or {}).get("INSTANCE_PATH") or hub_instance_from_env()
    app = Flask("kiosk.sync.hub", instance_path=str(instance), instance_relative_config=True,
                template_folder=str(TEMPLATES), static_folder=str(HERE / "static"))
    app.request_class = CappedRequest  # each route's body cap (config.py: BODY_CAPS)
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("hub.cfg", silent=True)
    app.config.from_prefixed_env("KIOSK_HUB")
    if config:
        app.config.from_mapping(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    url = app.config.get("DATABASE_URL") or f"sqlite:///{Path(app.instance_path) / 'hub.sqlite3'}"
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", url)
    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS",
                              {"pool_size": 20, "max_overflow": 20, "pool_pre_ping": True})
    else:
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 30}})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(Path(app.instance_path))

    hub_db.init_app(app)
    hub_migrate.init_app(app, hub_db, directory=str(MIGRATIONS), render_as_batch=True)
    hub_csrf.init_app(app)
    with app.app_context():
        _configure_sqlite(app)

    from . import models  # noqa: F401  (register the tables)
    from .auth import init_auth
    from .views import register_views

    init_auth(app)
    register_views(app)
    return app


def _configure_sqlite(app: Flask) -> None:
    from sqlalchemy import event

    engine = hub_db.engine
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE")
