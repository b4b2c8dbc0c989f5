"""The hub's schema comes from its own Alembic migrations (`kiosk hub init`), and they make
exactly the tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from kiosk.sync.hub import create_hub_app
from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.services.accounts import log_in
from kiosk.sync.hub.services.setup import init_hub


def _fresh(tmp_path):  # type: ignore[no-untyped-def]
    return create_hub_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "hub"),
                           "SECRET_KEY": "test", "PIN_HASH_METHOD": "pbkdf2:sha256:1000"})


def test_init_makes_the_schema_the_models_describe(tmp_path):
    app = _fresh(tmp_path)
    with app.app_context():
        assert inspect(hub_db.engine).get_table_names() == []
        lines = init_hub("Dana District", "9999")
        assert "Dana District can log in as a district admin." in lines
        with hub_db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, hub_db.metadata) == []
        assert log_in("Dana District", "9999").role == "district_admin"
        hub_db.engine.dispose()


def test_init_again_keeps_the_logins_and_adds_none(tmp_path):
    app = _fresh(tmp_path)
    with app.app_context():
        init_hub("Dana District", "9999")
        lines = init_hub("Eve Evil", "1234")
        assert "The hub has logins already; none was added." in lines
        assert log_in("Dana District", "9999").role == "district_admin"
        hub_db.engine.dispose()
