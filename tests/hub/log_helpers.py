"""Helpers for the district log, person page and exception tests: hand-outs at a chosen
moment (sent by a kiosk, as the sync protocol carries them, or written straight into the
table when a test needs many), and people with hostile names in the roster."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import Flask

from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import HubHandOut
from tests import factories
from tests.hub.conftest import District, SimKiosk

SCRIPT_NAME = "<script>alert(1)</script> Mallory"
FORMULA_NAME = '=HYPERLINK("http://evil.example","Click")'
HOSTILE_AWARD = "urn:uuid:99999999-9999-4999-8999-999999999999"
FORMULA_AWARD = "urn:uuid:98989898-9898-4989-8989-989898989898"


def hand_out_at(kiosk: SimKiosk, award: str, employee: str, credential: str, at: datetime,
                receipt: str, manual_reason: str = "", staff: str = "Dee Designee"
                ) -> dict[str, Any]:
    """A ``pin_handed_out`` event as SimKiosk.hand_out makes it, handed out at ``at``."""
    moment = at.isoformat()
    return kiosk.event("pin_handed_out", {
        "distribution_id": str(uuid.uuid4()), "award_id": award, "employee_id": employee,
        "credential": credential, "building": kiosk.building, "staff": staff,
        "handed_out_at": moment, "recorded_at": moment, "receipt": receipt,
        "source": "manual" if manual_reason else "scan",
        "format": "lookup" if manual_reason else "bare_id", "new_award": False,
        "manual": bool(manual_reason), "manual_reason": manual_reason}, at=at)


def write_hand_outs(app: Flask, kiosk: SimKiosk, building_id: int,
                    rows: list[tuple[str, datetime]]) -> None:
    """Hand-outs (id, moment) straight into the hub's table: many, quickly."""
    with app.app_context():
        hub_db.session.add_all(HubHandOut(
            id=hand_out_id, event_id=str(uuid.uuid4()), kiosk_id=kiosk.id,
            building_id=building_id, award_id=f"urn:uuid:{hand_out_id}",
            employee_id=f"E{n % 7 + 100}", credential=factories.TRAUMA, handed_out_at=at,
            receipt=f"PJE-{n + 1:05d}", staff="Dee Designee")
            for n, (hand_out_id, at) in enumerate(rows))
        hub_db.session.commit()
        hub_db.session.remove()


def hostile_roster(district: District) -> None:
    """Two people whose names a page or a spreadsheet must not run (E66, E67)."""
    from kiosk.sync.hub.services.badge_data import import_files

    roster = factories.write_csv(district.folder / "hostile-roster.csv",
                                 factories.ROSTER_HEADER, [
        ["E66", SCRIPT_NAME, "m@example.org", factories.BUILDING, factories.TRAUMA,
         "2023-01-10", HOSTILE_AWARD, "", "false", ""],
        ["E67", FORMULA_NAME, "f@example.org", factories.BUILDING, factories.TRAUMA,
         "2023-01-10", FORMULA_AWARD, "", "false", ""]])
    report = district.call(import_files, [roster])
    assert not report.errors, report.errors
