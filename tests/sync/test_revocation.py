"""Revocations: a kiosk the district revoked is refused (and loses nothing), and an award the
district revoked is refused at every kiosk after its next pull."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.services.district_bundle import export_bundle
from kiosk.services.district_status import sync_status
from kiosk.sync.hub.errors import InvalidInput as HubInvalidInput
from kiosk.sync.hub.services.badge_data import import_files as hub_import
from kiosk.sync.hub.services.bundles import import_bundle
from kiosk.sync.hub.services.enrollment import revoke
from tests import factories
from tests.factories import ALICE_BALANCE, ALICE_TRAUMA, TRAUMA

from .conftest import District, sync_until_done


@pytest.mark.parametrize("answer", ["whole", "cut short"])
def test_revoked_kiosk_is_refused_and_its_outbox_is_untouched(
        district: District, tmp_path: Path, answer: str) -> None:
    kiosk, other, _ = district.kiosks
    sync_until_done(kiosk)
    kiosk.hand_out(ALICE_TRAUMA)
    kiosk.receive(TRAUMA, 3)
    before = kiosk.outbox()
    assert [e["status"] for e in before].count("pending") == 2
    on_hub = [e.id for e in district.hub.events(kiosk.kiosk_id)]

    district.hub.call(revoke, kiosk.kiosk_id, None)
    if answer == "cut short":
        district.proxy.script(["cut_response"])
    report = kiosk.sync()

    assert not report.ok and report.refused and report.pushed == 0
    if answer == "whole":
        assert "revoked" in report.error
    status = kiosk.call(sync_status)
    assert status.error == report.error and not status.online
    assert status.waiting == 2 and status.rejected == 0
    assert kiosk.outbox() == before  # nothing marked sent, rejected or deleted
    assert [e.id for e in district.hub.events(kiosk.kiosk_id)] == on_hub

    # its sync bundle is refused too
    bundle = tmp_path / "bundle.json"
    assert kiosk.call(export_bundle, bundle) == 2
    with pytest.raises(HubInvalidInput, match="revoked"):
        district.hub.call(import_bundle, bundle.read_bytes(), "District Admin")
    assert kiosk.outbox() == before
    assert [e.id for e in district.hub.events(kiosk.kiosk_id)] == on_hub

    assert other.sync().ok  # the other kiosks go on


def revoked_roster(folder: Path) -> list[Path]:
    rows = [list(r) for r in factories.ROSTER if r[6] == ALICE_TRAUMA]
    rows[0][8:10] = ["true", "Course not completed"]
    return [factories.write_csv(folder / "roster-update.csv", factories.ROSTER_HEADER, rows)]


def revocation_list(folder: Path) -> list[Path]:
    path = folder / "revocations.json"
    path.write_text(json.dumps({
        "@context": "https://w3id.org/openbadges/v2",
        "id": "https://district.example/badges/revocations",
        "type": "RevocationList",
        "issuer": "https://district.example/badges/issuer",
        "revokedAssertions": [{"id": ALICE_TRAUMA, "revocationReason": "Course not completed"}],
    }))
    return [path]


@pytest.mark.parametrize("how", [revoked_roster, revocation_list], ids=["roster", "ob2-list"])
def test_revocation_at_the_district_reaches_every_kiosk_on_its_next_pull(
        district: District, tmp_path: Path, how) -> None:  # type: ignore[no-untyped-def]
    for kiosk in district.kiosks:
        sync_until_done(kiosk)
        assert kiosk.verdict(ALICE_TRAUMA) == "ok"

    report = district.hub.call(hub_import, how(tmp_path))
    assert not report.errors, report.errors
    assert district.kiosks[0].verdict(ALICE_TRAUMA) == "ok"  # not pulled yet

    for kiosk in district.kiosks:
        pulled = kiosk.sync()
        assert pulled.ok and pulled.pulled >= 1
        assert kiosk.verdict(ALICE_TRAUMA) == "revoked"
        assert kiosk.verdict(ALICE_BALANCE) == "ok"

    # importing it again changes nothing, and pulling again brings nothing
    again = district.hub.call(hub_import, how(tmp_path))
    assert again.added == again.changed == again.documents == 0
    for kiosk in district.kiosks:
        assert kiosk.sync().pulled == 0
        assert kiosk.verdict(ALICE_TRAUMA) == "revoked"
