"""District bundles (the USB stick, the other way): a kiosk with no network gets what it would
pull (awards, revocations, its stock, other buildings' hand-outs) from one file the hub signed;
the same file twice changes nothing, and a file that is not exactly what the hub made for this
kiosk is refused with a clear message and nothing applied. On both hub stores."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from kiosk.errors import KioskError
from kiosk.extensions import db
from kiosk.services import lookups
from kiosk.services.district import CURSOR, HUB_KEY
from kiosk.services.district_import import import_path
from kiosk.sync.district_file import key_from_secret, write_bundle
from kiosk.sync.hub.services.badge_data import import_files as hub_import
from kiosk.sync.hub.services.district_bundles import kiosk_for, write
from kiosk.sync.hub.services.stock import allocate
from tests import factories
from tests.factories import ALICE_BALANCE, ALICE_TRAUMA, BOB_TRAUMA, TRAUMA

from .conftest import STOCK, District, Kiosk, sync_until_done
from .test_bundles import hub_cli  # noqa: F401  (the fixture)
from .test_sync_page import client_of

NEW_AWARD = "urn:uuid:abababab-abab-4bab-8bab-abababababab"


def district_file(district: District, kiosk: Kiosk, path: Path) -> Path:
    """The file the hub makes for ``kiosk`` (its Buildings & kiosks page, its command)."""
    def made() -> None:
        with open(path, "wb") as out:
            write(kiosk_for(kiosk_id=kiosk.kiosk_id), out)

    district.hub.call(made)
    return path


def district_news(district: District, folder: Path) -> None:
    """What the district did while the first building had no network: a new award, Alice's
    Trauma award revoked, pins allocated to the first building, Bob's pin handed out at the
    second building."""
    first, second, _ = district.kiosks
    rows = [list(r) for r in factories.ROSTER if r[6] == ALICE_TRAUMA]
    rows[0][8:10] = ["true", "Course not completed"]
    rows.append(["E77", "Nell New", "nell@example.org", first.building, TRAUMA, "2024-02-01",
                 NEW_AWARD, "", "false", ""])
    folder.mkdir(parents=True, exist_ok=True)
    report = district.hub.call(hub_import, [factories.write_csv(
        folder / "roster-update.csv", factories.ROSTER_HEADER, rows)])
    assert not report.errors, report.errors
    district.hub.call(allocate, district.hub.building_id(first.building), TRAUMA, 7,
                      "Spring order", "Dana District")
    second.hand_out(BOB_TRAUMA)
    sync_until_done(second)


def state(kiosk: Kiosk) -> dict[str, list[str]]:
    """Every row of every table of the kiosk but the logins' sessions (a page's login): what
    "nothing applied" compares."""
    def read() -> dict[str, list[str]]:
        return {t.name: sorted(repr(tuple(r)) for r in db.session.execute(select(t)))
                for t in db.metadata.sorted_tables if t.name != "staff_session"}

    return kiosk.call(read)


def test_an_offline_kiosk_gets_the_district_data_from_a_file(district: District,
                                                             tmp_path: Path) -> None:
    first = district.kiosks[0]
    district_news(district, tmp_path / "news")
    district.proxy.down = True  # the first building has no network
    assert first.verdict(ALICE_TRAUMA) == "ok" and first.verdict(NEW_AWARD) == "unknown_badge"
    assert first.verdict(BOB_TRAUMA) == "ok"

    bundle = district_file(district, first, tmp_path / "usb.jsonl")
    report = first.call(import_path, bundle)
    assert report.applied > 0 and report.already == 0
    assert report.summary.startswith(f"{report.applied} changes applied, 0 already here; "
                                     "badge data as of ")
    assert first.verdict(ALICE_TRAUMA) == "revoked"
    assert first.verdict(ALICE_BALANCE) == "ok"
    assert first.verdict(NEW_AWARD) == "ok"
    assert first.verdict(BOB_TRAUMA) == "already_issued"  # handed out at the second building
    assert first.on_hand(TRAUMA) == STOCK[TRAUMA] + 7
    with pytest.raises(KioskError, match="Revoked|revoked|Badge revoked"):
        first.hand_out(ALICE_TRAUMA)

    # the same file again: nothing new, nothing changed
    before = state(first)
    again = first.call(import_path, bundle)
    assert (again.applied, again.already) == (0, report.applied)
    assert again.summary.startswith("Nothing new")
    assert state(first) == before

    # back on the network, the pull goes on from the file's cursor: the allocation once
    district.proxy.heal()
    sync_until_done(first)
    assert first.on_hand(TRAUMA) == STOCK[TRAUMA] + 7
    applied = [e for e in first.outbox() if e["kind"] == "stock_applied"]
    assert len(applied) == 1 and applied[0]["status"] == "sent"


def test_a_file_older_than_what_the_kiosk_pulled_applies_nothing(district: District,
                                                                 tmp_path: Path) -> None:
    first = district.kiosks[0]
    old = district_file(district, first, tmp_path / "old.jsonl")
    district_news(district, tmp_path / "news")
    sync_until_done(first)
    assert first.verdict(ALICE_TRAUMA) == "revoked"
    before = state(first)
    report = first.call(import_path, old)
    assert report.applied == 0 and report.older
    assert "older than the district data this kiosk has already" in report.summary
    assert state(first) == before
    assert first.verdict(ALICE_TRAUMA) == "revoked"  # the old award did not come back


def test_a_kiosk_enrolled_before_hubs_sent_their_key_learns_it_at_its_next_pull(
        district: District, tmp_path: Path) -> None:
    first = district.kiosks[0]
    bundle = district_file(district, first, tmp_path / "usb.jsonl")
    first.sql("DELETE FROM setting WHERE key = :key", key=HUB_KEY)
    before = state(first)
    with pytest.raises(KioskError, match="sync online once, or enroll again"):
        first.call(import_path, bundle)
    assert state(first) == before
    sync_until_done(first)
    assert first.call(lookups.get_setting, HUB_KEY)
    assert first.call(import_path, bundle).summary.startswith("Nothing new")


# --- refused files --------------------------------------------------------------------------


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def one_byte_changed(path: Path, district: District) -> bytes:
    data = bytearray(path.read_bytes())
    at = data.index(b"Course not completed")
    data[at] = ord("c")
    return bytes(data)


def signed_elsewhere(path: Path, district: District) -> bytes:
    """The same changes, signed by a key that is not this district's hub's."""
    return resigned(path, key_from_secret("another district's secret"))


def resigned(path: Path, key: Any, **head: Any) -> bytes:
    rows = lines(path)
    first, end = json.loads(rows[0]), json.loads(rows[-1])
    first.pop("format"), first.pop("protocol")
    first.update(head)
    if "hub_key" not in head:
        from kiosk.sync.protocol import public_key_text

        first["hub_key"] = public_key_text(key.public_key())
    changes = [json.loads(r) for r in rows[1:-1]]
    out = io.BytesIO()
    write_bundle(out, first, ((c["cursor"], c["kind"], json.dumps(c["data"])) for c in changes),
                 {"next": end["next"], "data_as_of": end["data_as_of"]}, key)
    return out.getvalue()


def for_another_kiosk_here(path: Path, district: District) -> bytes:
    """Signed by the hub, but for another kiosk of the same building (a hostile name)."""
    key = key_from_secret(str(district.hub.app.config["SECRET_KEY"]))
    return resigned(path, key, kiosk_id="0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f",
                    kiosk_name="<script>alert(1)</script>",
                    hub_key=json.loads(lines(path)[0])["hub_key"])


def for_another_building(path: Path, district: District) -> bytes:
    other = district.kiosks[1]
    return district_file(district, other, path.with_name("other.jsonl")).read_bytes()


def cut_short(path: Path, district: District) -> bytes:
    return b"".join(lines(path)[:-1])


def garbage(path: Path, district: District) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10


def a_sync_bundle(path: Path, district: District) -> bytes:
    return json.dumps({"format": "pin-kiosk-sync-bundle", "protocol": 1, "events": []}).encode()


def a_line_dropped(path: Path, district: District) -> bytes:
    rows = lines(path)
    return b"".join(rows[:2] + rows[3:])


REFUSED = {
    one_byte_changed: "changed after the hub made it",
    signed_elsewhere: "signed by another key",
    for_another_kiosk_here: "made for another kiosk of",
    for_another_building: "made for 'Shepherdstown Middle School'",
    cut_short: "cut off",
    a_line_dropped: "changed after the hub made it",
    garbage: "not a district bundle",
    a_sync_bundle: "upload it on the hub's Bundles page",
}


@pytest.mark.parametrize("spoil", list(REFUSED), ids=[f.__name__ for f in REFUSED])
def test_a_spoiled_file_is_refused_and_nothing_applied(district: District, tmp_path: Path,
                                                       spoil: Any) -> None:
    first = district.kiosks[0]
    district_news(district, tmp_path / "news")
    genuine = district_file(district, first, tmp_path / "usb.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(spoil(genuine, district))
    before = state(first)

    with pytest.raises(KioskError, match=REFUSED[spoil].replace("(", r"\(")):
        first.call(import_path, bad)
    result = first.app.test_cli_runner().invoke(args=["sync", "import", str(bad)])
    assert result.exit_code == 2 and "Error: " in result.output
    page = client_of(first, "admin").post("/sync/import", data={
        "bundle": (io.BytesIO(bad.read_bytes()), "usb.jsonl")}, csrf=True)
    text = page.get_data(as_text=True)
    assert page.status_code == 400, text[:300]
    assert REFUSED[spoil].replace("'", "&#39;") in text
    assert "<script>alert" not in text
    assert state(first) == before

    assert first.call(import_path, genuine).applied > 0  # the genuine file goes in


def test_a_file_too_large_is_refused_before_it_is_read(district: District,
                                                       tmp_path: Path) -> None:
    first = district.kiosks[0]
    first.app.config["BODY_CAPS"] = {**first.app.config["BODY_CAPS"],
                                     "district.import_bundle": 4096}
    before = state(first)
    page = client_of(first, "admin").post("/sync/import", data={
        "bundle": (io.BytesIO(b"{" * 10_000), "huge.jsonl")}, csrf=True)
    assert page.status_code == 413
    assert "nothing was read or recorded" in page.get_data(as_text=True)
    assert state(first) == before


# --- the commands and the pages ------------------------------------------------------------


def test_the_commands_carry_the_district_data(district: District, hub_cli: Kiosk,  # noqa: F811
                                              tmp_path: Path) -> None:
    first = district.kiosks[0]
    district_news(district, tmp_path / "news")
    out = tmp_path / "usb" / "district.jsonl"
    out.parent.mkdir()
    made = hub_cli.app.test_cli_runner().invoke(args=[
        "hub", "district-bundle", "--building", first.building.upper(), "--out", str(out)])
    assert made.exit_code == 0, made.output
    assert f"for kiosk {first.building} at {first.building}" in made.output
    result = first.app.test_cli_runner().invoke(args=["sync", "import", str(out)])
    assert result.exit_code == 0, result.output
    assert "changes applied, 0 already here; badge data as of" in result.output
    assert first.verdict(ALICE_TRAUMA) == "revoked"
    again = first.app.test_cli_runner().invoke(args=["sync", "import", str(out)])
    assert again.exit_code == 0 and "Nothing new" in again.output

    nobody = hub_cli.app.test_cli_runner().invoke(args=[
        "hub", "district-bundle", "--building", "Nowhere School", "--out", str(out)])
    assert nobody.exit_code == 2 and "no building named 'Nowhere School'" in nobody.output


def test_the_sync_page_imports_a_file_for_an_admin_only(district: District,
                                                        tmp_path: Path) -> None:
    first = district.kiosks[0]
    district_news(district, tmp_path / "news")
    bundle = district_file(district, first, tmp_path / "usb.jsonl")
    office = client_of(first, "office")
    assert 'id="district-import"' not in office.get("/sync").get_data(as_text=True)
    refused = office.post("/sync/import", data={
        "bundle": (io.BytesIO(bundle.read_bytes()), "usb.jsonl")}, csrf=True)
    assert refused.status_code == 403
    assert first.verdict(ALICE_TRAUMA) == "ok"

    admin = client_of(first, "admin")
    assert 'id="district-import"' in admin.get("/sync").get_data(as_text=True)
    done = admin.post("/sync/import", headers={"HX-Request": "true"}, data={
        "bundle": (io.BytesIO(bundle.read_bytes()), "usb.jsonl")}, csrf=True)
    text = done.get_data(as_text=True)
    assert done.status_code == 200, text[:300]
    assert "changes applied, 0 already here; badge data as of" in text
    assert first.verdict(ALICE_TRAUMA) == "revoked"
    assert int(first.call(lookups.get_setting, CURSOR) or 0) > 0


def test_the_hub_page_gives_each_kiosk_its_file_for_a_district_admin(district: District,
                                                                     tmp_path: Path) -> None:
    from kiosk.sync.hub.services.accounts import create_user
    from tests.hub.conftest import LOGINS, HubClient

    first = district.kiosks[0]
    district_news(district, tmp_path / "news")
    app = district.hub.app
    for name, pin, role in LOGINS.values():
        district.hub.call(create_user, name, pin, role)
    app.test_client_class = HubClient
    viewer, admin = app.test_client(), app.test_client()
    assert isinstance(viewer, HubClient) and isinstance(admin, HubClient)
    viewer.login("viewer")
    admin.login("admin")
    address = f"/kiosks/{first.kiosk_id}/district-bundle"
    assert address not in viewer.get("/buildings").get_data(as_text=True)
    assert viewer.get(address).status_code == 403
    assert address in admin.get("/buildings").get_data(as_text=True)

    answer = admin.get(address)
    assert answer.status_code == 200
    disposition = answer.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=pin-district-Page-Jackson-Elementary-")
    assert disposition.endswith(f"-{first.kiosk_id[:8]}.jsonl")
    saved = tmp_path / "download.jsonl"
    saved.write_bytes(answer.get_data())
    answer.close()  # as a server does once it has sent the file
    assert first.call(import_path, saved).applied > 0
    assert first.verdict(ALICE_TRAUMA) == "revoked"
    assert admin.get("/kiosks/no-such-kiosk/district-bundle").status_code == 404


def test_an_import_cut_off_goes_on_from_its_cursor(district: District, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.services import district_changes

    first = district.kiosks[0]
    district_news(district, tmp_path / "news")
    bundle = district_file(district, first, tmp_path / "usb.jsonl")
    total = len(lines(bundle)) - 2
    first.app.config["PULL_PAGE_CHANGES"] = 3
    real, pages = district_changes.prepare, []

    def prepare(changes: list[Any], binders: Any, chunk: int | None = None) -> Any:
        pages.append(changes)
        if len(pages) == 2:
            raise OSError("the USB stick was pulled out")
        return real(changes, binders, chunk)

    monkeypatch.setattr(district_changes, "prepare", prepare)
    with pytest.raises(KioskError, match="the USB stick was pulled out"):
        first.call(import_path, bundle)
    cursor = int(first.call(lookups.get_setting, CURSOR) or 0)
    assert cursor == pages[0][-1]["cursor"]  # the first page, and its cursor, whole

    monkeypatch.setattr(district_changes, "prepare", real)
    report = first.call(import_path, bundle)
    assert (report.applied, report.already) == (total - 3, 3)
    assert first.verdict(ALICE_TRAUMA) == "revoked"


def test_a_district_bundle_makes_a_kiosk_that_cannot_sync_fresh_again(district: District,
                                                                      tmp_path: Path) -> None:
    """The warning "its badge data may be out of date" counts from the district's data a
    district bundle brought too, not only from the last sync online."""
    from datetime import timedelta

    from kiosk.services.district_status import sync_status

    from .test_sync_badge import last_synced

    first = district.kiosks[0]
    assert first.sync().ok
    district_news(district, tmp_path / "news")  # the district goes on
    district.proxy.down = True  # the building lost its network after its last sync, days ago
    last_synced(first, timedelta(days=10))
    assert first.call(sync_status).stale
    first.call(import_path, district_file(district, first, tmp_path / "usb.jsonl"))
    status = first.call(sync_status)
    assert not status.stale
    assert status.data_as_of is not None
