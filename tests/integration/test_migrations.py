"""The schema comes from Alembic migrations; `kiosk init` on an existing instance keeps its data."""

from __future__ import annotations

import uuid

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from kiosk.extensions import db
from kiosk.models import Building, Distribution, StaffUser
from kiosk.services.accounts import log_in
from kiosk.services.cache_import import import_files
from kiosk.services.hand_out import hand_out
from kiosk.services.stock import receive_stock
from tests import factories as f

INIT = ["init", "--building", "Page Jackson Elementary", "--admin", "Ada Admin", "--pin", "1111"]


def _init(app, *args: str):  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(args=list(args or INIT))
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def _seed_a_hand_out(app, folder) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        catalogue = f.write_csv(folder / "catalogue.csv",
                                ["credential", "released_on", "has_pin", "pin_name"],
                                [list(c) for c in f.CATALOGUE])
        roster = f.write_csv(folder / "roster.csv", f.ROSTER_HEADER, f.ROSTER)
        assert not import_files([catalogue, roster]).errors
        receive_stock(f.TRAUMA, 3, None)
        admin = db.session.scalar(select(StaffUser)).id
        dist_id = hand_out(f.ALICE_TRAUMA, str(uuid.uuid4()), admin).distribution.id
        db.session.remove()
    return dist_id


def test_a_fresh_instance_has_no_schema_until_init(fresh_app):
    with fresh_app.app_context():
        assert inspect(db.engine).get_table_names() == []


def test_init_creates_the_schema_through_migrations(fresh_app):
    result = _init(fresh_app)
    assert "Page Jackson Elementary" in result.output
    with fresh_app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        assert "alembic_version" in tables
        assert set(db.metadata.tables) <= tables
        here = db.session.scalar(select(Building).where(Building.is_here.is_(True)))
        assert (here.name, here.code) == ("Page Jackson Elementary", "PJE")
        assert log_in("Ada Admin", "1111").role == "admin"


def test_the_migrated_schema_matches_the_models(fresh_app):
    _init(fresh_app)
    with fresh_app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_the_migrated_database_enforces_one_pin_per_claim(fresh_app):
    _init(fresh_app)
    with fresh_app.app_context():
        uniques = inspect(db.engine).get_unique_constraints("distribution")
        columns = {tuple(u["column_names"]) for u in uniques}
        assert ("person_id", "credential_id", "claim_no") in columns


def test_init_again_leaves_the_data_alone(fresh_app, tmp_path):
    _init(fresh_app)
    dist_id = _seed_a_hand_out(fresh_app, tmp_path)
    result = _init(fresh_app, "init", "--building", "Another School", "--admin", "Ada Admin",
                   "--pin", "9999")
    assert "already set up for Page Jackson Elementary" in result.output
    assert "PIN was left unchanged" in result.output
    with fresh_app.app_context():
        assert db.session.get(Distribution, dist_id) is not None
        assert len(db.session.scalars(select(Distribution)).all()) == 1
        assert log_in("Ada Admin", "1111")
        names = db.session.scalars(select(Building.name).where(Building.is_here.is_(True))).all()
        assert names == ["Page Jackson Elementary"]


def test_init_again_can_add_a_second_admin(fresh_app):
    _init(fresh_app)
    _init(fresh_app, "init", "--building", "Page Jackson Elementary", "--admin", "Bea Boss",
          "--pin", "2468")
    with fresh_app.app_context():
        assert log_in("Bea Boss", "2468").role == "admin"
        assert log_in("Ada Admin", "1111").role == "admin"


def test_init_refuses_a_bad_pin_with_a_clear_message(fresh_app):
    result = fresh_app.test_cli_runner().invoke(
        args=["init", "--building", "Page Jackson Elementary", "--admin", "Ada Admin",
              "--pin", "12"])
    assert result.exit_code == 2
    assert "PIN" in result.output
    assert "Traceback" not in result.output
