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


def test_h0008_works_out_who_is_owed_from_what_is_stored(tmp_path):
    """A hub upgraded with awards and hand-outs already stored starts with who is owed kept:
    an award of a pin credential not revoked and not handed out (or handed out and voided)."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from kiosk.sync.hub import MIGRATIONS

    app = _fresh(tmp_path)
    with app.app_context():
        upgrade(directory=str(MIGRATIONS), revision="h0007")
        with hub_db.engine.begin() as db:
            db.execute(text(
                "INSERT INTO hub_credential (id, name, name_key, has_pin, pin_name) VALUES "
                "(1, 'Trauma', 'trauma', true, ''), (2, 'Talk', 'talk', false, '')"))
            db.execute(text("INSERT INTO hub_building (id, name, name_key, created_at) "
                            "VALUES (1, 'School', 'school', '2026-01-01')"))
            db.execute(text(
                "INSERT INTO hub_kiosk (id, building_id, name, token_hash, public_key, "
                "enrolled_at, last_seq, last_hash) VALUES "
                "('k1', 1, 'Front', 'h', 'ed25519:x', '2026-01-01', 0, '')"))
            for award, person, credential, revoked in (
                    ("a1", "E1", 1, False), ("a2", "E2", 1, False), ("a3", "E3", 1, True),
                    ("a4", "E4", 2, False), ("a5", "E5", 1, False)):
                db.execute(text(
                    "INSERT INTO hub_award (id, employee_id, person_name, email, building, "
                    "credential_id, revoked, revocation_reason, aliases, updated_at) VALUES "
                    "(:a, :p, 'N', '', 'School', :c, :r, '', '', '2026-01-01')"),
                    {"a": award, "p": person, "c": credential, "r": revoked})
            for hand_out, person, voided in (("h2", "E2", None), ("h5", "E5", "2026-02-02")):
                db.execute(text(
                    "INSERT INTO hub_hand_out (id, event_id, kiosk_id, building_id, award_id, "
                    "employee_id, credential, handed_out_at, receipt, staff, voided_at, "
                    "void_reason, manual_reason) VALUES (:h, :h, 'k1', 1, 'a', :p, 'Trauma', "
                    "'2026-02-01', '', '', :v, '', '')"), {"h": hand_out, "p": person,
                                                          "v": voided})
        upgrade(directory=str(MIGRATIONS))
        with hub_db.engine.connect() as db:
            kept = set(db.execute(text(
                "SELECT employee_id, credential_id, building FROM hub_owed")).all())
        assert kept == {("E1", 1, "School"), ("E5", 1, "School")}
        hub_db.engine.dispose()
