"""Pin Kiosk: the building app. ``create_app`` is the only way to get one."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from .config import DEFAULTS, instance_path_from_env, secret_key
from .db import configure_sqlite
from .extensions import csrf, db, migrate
from .request_caps import CappedRequest

HERE = Path(__file__).resolve().parent
# templates/ sits beside kiosk/ in a checkout (and an editable install); a wheel puts it inside.
TEMPLATES = next(p for p in (HERE.parent / "templates", HERE / "templates") if p.is_dir())
MIGRATIONS = HERE / "migrations"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    instance = (config or {}).get("INSTANCE_PATH") or instance_path_from_env()
    app = Flask(
        __name__,
        instance_path=str(instance),
        instance_relative_config=True,
        template_folder=str(TEMPLATES),
    )
    app.request_class = CappedRequest  # each route's body cap (config.py: BODY_CAPS)
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("kiosk.cfg", silent=True)
    app.config.from_prefixed_env("KIOSK")
    if config:
        app.config.from_mapping(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI", f"sqlite:///{Path(app.instance_path) / 'kiosk.sqlite3'}"
    )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(Path(app.instance_path))
    if not app.config["PRINTER_PATH"]:
        app.config["PRINTER_PATH"] = str(Path(app.instance_path) / "receipts")

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    csrf.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)

    from . import models  # noqa: F401  (register the tables)
    from .auth import init_auth
    from .commands import register_commands
    from .services.settings import load_settings
    from .views import register_views

    init_auth(app)
    register_views(app)
    register_commands(app)
    load_settings(app)
    return app
