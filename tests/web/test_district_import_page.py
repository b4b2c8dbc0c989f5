"""The Sync page's district bundle form, with a file signed here by a stand-in for the hub's
key (tests/sync/test_district_bundle.py imports the files a real hub makes): an admin's form,
every refusal a clear 400 or 413 with nothing applied, never a 500, names from the file escaped."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.services import lookups
from kiosk.services.district import CURSOR, HUB_BUILDING, HUB_KEY, HUB_URL, KIOSK_ID, TOKEN_FILE
from kiosk.services.scan import check_proof
from kiosk.sync.district_file import key_from_secret, write_bundle
from kiosk.sync.protocol import public_key_text
from tests import factories
from tests.conftest import KioskClient

KIOSK = "5f0c0000-0000-4000-8000-000000000001"
HUB = key_from_secret("the district hub's secret")
NEW_AWARD = "urn:uuid:cdcdcdcd-cdcd-4dcd-8dcd-cdcdcdcdcdcd"
REVOKED = {"id": factories.ALICE_TRAUMA, "employee_id": "E1", "name": "Alice Able",
           "email": "alice@example.org", "building": factories.BUILDING,
           "credential": factories.TRAUMA, "issued_on": "2023-01-10", "expires_on": None,
           "revoked": True, "revocation_reason": "Course not completed", "aliases": []}
NEW = {**REVOKED, "id": NEW_AWARD, "employee_id": "E88", "name": "Nell New",
       "email": "nell@example.org", "revoked": False, "revocation_reason": ""}


@pytest.fixture
def enrolled(app: Flask) -> Flask:
    """The kiosk as if enrolled with a hub whose key it learned."""
    with app.app_context():
        for key, value in ((HUB_URL, "http://127.0.0.1:9"), (KIOSK_ID, KIOSK),
                           (HUB_BUILDING, factories.BUILDING),
                           (HUB_KEY, public_key_text(HUB.public_key()))):
            lookups.set_setting(key, value)
        db.session.commit()
        db.session.remove()
    (Path(app.instance_path) / TOKEN_FILE).write_text("token")
    return app


def bundle(key: Any = HUB, **head: Any) -> bytes:
    out = io.BytesIO()
    changes = [(7, "award", json.dumps(REVOKED)), (9, "award", json.dumps(NEW))]
    write_bundle(out, {"building": factories.BUILDING, "kiosk_id": KIOSK,
                       "kiosk_name": "Front office", "made_at": "2026-12-01T10:00:00+00:00",
                       "hub_key": public_key_text(HUB.public_key()), **head},
                 changes, {"next": 12, "data_as_of": "2026-12-01T09:59:00+00:00"}, key)
    return out.getvalue()


def upload(client: KioskClient, data: bytes, name: str = "district.jsonl") -> Any:
    return client.post("/sync/import", headers={"HX-Request": "true"},
                       data={"bundle": (io.BytesIO(data), name)})


def rows(app: Flask) -> dict[str, list[str]]:
    with app.app_context():
        found = {t.name: sorted(repr(tuple(r)) for r in db.session.execute(select(t)))
                 for t in db.metadata.sorted_tables if t.name != "staff_session"}
        db.session.remove()
    return found


def test_an_admin_imports_a_district_bundle_once(enrolled: Flask,
                                                 login_as: Callable[[str], KioskClient]) -> None:
    admin = login_as("admin")
    assert 'id="district-import"' in admin.get("/sync").get_data(as_text=True)
    first = upload(admin, bundle())
    text = first.get_data(as_text=True)
    assert first.status_code == 200, text[:300]
    assert "2 changes applied, 0 already here; badge data as of Tue 01 Dec 2026, 04:59" in text
    with enrolled.app_context():
        assert lookups.get_setting(CURSOR) == "12"
        assert check_proof(factories.ALICE_TRAUMA).reason.value == "revoked"
        assert check_proof(NEW_AWARD).reason.value == "ok"
        db.session.remove()
    before = rows(enrolled)
    again = upload(admin, bundle())
    assert "Nothing new: this kiosk already had all 2 of the file&#39;s changes" in \
        again.get_data(as_text=True)
    assert rows(enrolled) == before


def changed(data: bytes) -> bytes:
    return data.replace(b"Course not completed", b"Course not complete!")


REFUSALS: dict[str, tuple[Callable[[], bytes], str]] = {
    "a changed byte": (lambda: changed(bundle()), "changed after the hub made it"),
    "another key": (lambda: bundle(key_from_secret("elsewhere"), hub_key=public_key_text(
        key_from_secret("elsewhere").public_key())), "signed by another key"),
    "another kiosk, a hostile name": (
        lambda: bundle(kiosk_id="0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f",
                       kiosk_name="<b onmouseover=x>Desk</b>"),
        "made for another kiosk of Page Jackson Elementary (&#39;&lt;b onmouseover=x&gt;Desk"),
    "another building, a hostile name": (
        lambda: bundle(building="<script>alert(1)</script>"),
        "made for &#39;&lt;script&gt;alert(1)&lt;/script&gt;&#39;"),
    "cut off": (lambda: bundle()[:-40], "cut off"),
    "empty": (lambda: b"", "not a district bundle"),
    "garbage": (lambda: bytes(range(256)) * 40, "not a district bundle"),
    "a newer protocol": (lambda: bundle().replace(b'"protocol":1', b'"protocol":2', 1),
                         "of sync protocol 2"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_file_that_is_not_the_hubs_for_this_kiosk_is_refused(
        enrolled: Flask, login_as: Callable[[str], KioskClient], case: str) -> None:
    admin = login_as("admin")
    make, said = REFUSALS[case]
    before = rows(enrolled)
    answer = upload(admin, make())
    text = answer.get_data(as_text=True)
    assert answer.status_code == 400, text[:300]
    assert said in text and "<script>alert" not in text and "<b onmouseover" not in text
    assert rows(enrolled) == before


def test_no_file_not_enrolled_too_large_and_roles(app: Flask,
                                                  login_as: Callable[[str], KioskClient]) -> None:
    admin = login_as("admin")
    assert 'id="district-import"' not in admin.get("/sync").get_data(as_text=True)
    assert "Choose the district bundle file" in admin.post(
        "/sync/import", data={}).get_data(as_text=True)
    refused = upload(admin, bundle())
    assert refused.status_code == 400
    assert "Enroll this kiosk with the district hub first" in refused.get_data(as_text=True)
    assert upload(login_as("office"), bundle()).status_code == 403
    app.config["BODY_CAPS"] = {**app.config["BODY_CAPS"], "district.import_bundle": 1024}
    huge = upload(admin, b"x" * 4096)
    assert huge.status_code == 413
    assert "nothing was read or recorded" in huge.get_data(as_text=True)
