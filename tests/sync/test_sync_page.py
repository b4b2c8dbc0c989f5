"""The Sync page in a person's hands, against the hub on 127.0.0.1: "Sync now" answers the
panel with the new state, and a kiosk enrolled through the page says that its first sync is
running (the sync worker of `kiosk serve` starts it at once) or waiting, never "offline"."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kiosk.models import utcnow
from kiosk.services import lookups
from kiosk.services.district import ENROLLED_AT, LAST_OK, enrollment, sync_if_enrolled
from kiosk.sync.worker import SyncWorker, install, worker_of
from tests.conftest import KioskClient
from tests.web.dom import Element, parse

from .conftest import District, Kiosk

ZONE = ZoneInfo("America/New_York")  # the kiosk's TIMEZONE
HX = {"HX-Request": "true"}


def client_of(kiosk: Kiosk, role: str) -> KioskClient:
    kiosk.app.test_client_class = KioskClient
    client = kiosk.app.test_client()
    assert isinstance(client, KioskClient)
    client.login(role)
    return client


def panel(text: str) -> dict[str, str]:
    """The Sync panel as a person reads it: its heading and its facts (label -> value)."""
    doc = parse(text)
    dl = doc.one("dl", class_="facts")
    facts = {dt.text: dd.text for dt, dd in zip(dl.find_all("dt"), dl.find_all("dd"),
                                                  strict=True)}
    alert = doc.find("p", class_="error", role="alert")
    return {"heading": doc.one(id="sync-state-h").text, "alert": alert.text if alert else "",
            **facts}


def badge(text: str) -> Element:
    return parse(text).one(id="sync-badge")


def setting_time(kiosk: Kiosk, key: str) -> datetime:
    return datetime.fromisoformat(kiosk.call(lookups.get_setting, key) or "")


def shown(moment: datetime, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    return moment.astimezone(ZONE).strftime(fmt)


# --- Sync now ----------------------------------------------------------------------------------


@pytest.mark.parametrize("hx", [True, False], ids=["htmx", "form"])
def test_sync_now_answers_the_panel_with_the_new_state(district: District, hx: bool) -> None:
    kiosk = district.kiosks[0]
    client = client_of(kiosk, "office")
    before = panel(client.get("/sync").get_data(as_text=True))
    assert before["Last sync"] == "not yet" and before["Events waiting"] == "3"

    response = client.post("/sync/now", headers=HX if hx else {})

    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    text = response.get_data(as_text=True)
    assert ("<html" in text) is not hx
    assert "Pushed 3 events (0 the hub had already, 0 refused), pulled" in text
    after = panel(text)
    assert after["heading"] == "Online"
    assert after["Last sync"] == shown(setting_time(kiosk, LAST_OK))
    assert after["Events waiting"] == "0"
    assert badge(text).text.startswith("Sync: online")
    assert "Sync now" in text  # the office login may sync again: its role was read after the sync


# --- enrolling through the page ------------------------------------------------------------------


def enroll_through_the_page(district: District, kiosk: Kiosk, hx: bool = True) -> str:
    admin = client_of(kiosk, "admin")
    started = utcnow()
    response = admin.post("/sync/enroll", data={"hub": district.url, "code": kiosk.code},
                          headers=HX if hx else {})
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    found = kiosk.call(enrollment)
    assert found is not None
    kiosk.kiosk_id = found.kiosk_id
    assert started <= setting_time(kiosk, ENROLLED_AT) <= utcnow()
    return response.get_data(as_text=True)


@pytest.mark.parametrize("hx", [True, False], ids=["htmx", "form"])
def test_a_kiosk_enrolled_through_the_page_waits_for_its_first_sync(bare_district: District,
                                                                      hx: bool) -> None:
    """No sync worker (the kiosk is not served by `kiosk serve`): waiting, not offline."""
    kiosk = bare_district.kiosks[0]
    text = enroll_through_the_page(bare_district, kiosk, hx)

    assert f"Enrolled with {bare_district.url} for {kiosk.building}." in text
    now = panel(text)
    assert now["heading"] == "Enrolled, waiting for its first sync with the district"
    assert now["Last sync"] == "not yet"
    assert now["Enrolled"] == shown(setting_time(kiosk, ENROLLED_AT))
    assert now["alert"] == ""  # enrolled a moment ago: nothing is stale
    assert "Press Sync now to start it." in text
    mark = badge(text)
    assert mark.text == "Sync: waiting for its first sync · 3 events waiting"
    assert "bad" not in mark.classes
    assert "last sync not yet" in (mark.get("title") or "")

    office = client_of(kiosk, "office")
    assert "synced with the district" not in office.get("/scan").get_data(as_text=True)
    assert office.post("/sync/now", headers=HX).status_code == 200

    text = office.get("/sync").get_data(as_text=True)
    assert panel(text)["heading"] == "Online"
    last = setting_time(kiosk, LAST_OK)
    assert badge(text).text == f"Sync: online · last {shown(last, '%H:%M')}"
    assert f"last sync {shown(last, '%d %b %H:%M')}" in (badge(text).get("title") or "")


def test_the_sync_worker_is_woken_for_the_first_sync(bare_district: District) -> None:
    """Under `kiosk serve` the sync worker is there: enrolling wakes it, and until its round is
    done the page and the badge say the first sync is running."""
    kiosk = bare_district.kiosks[0]
    worker = install(kiosk.app, sync_if_enrolled)  # as `kiosk serve` does; its thread is this test
    assert not worker.busy

    text = enroll_through_the_page(bare_district, kiosk)

    assert worker.busy  # woken: its next round starts at once
    assert panel(text)["heading"] == "First sync with the district is running"
    assert badge(text).text == "Sync: first sync running · 3 events waiting"
    page = client_of(kiosk, "designee").get("/scan").get_data(as_text=True)
    assert badge(page).text == "Sync: first sync running · 3 events waiting"

    worker._wake.clear()  # what its thread does before the round
    assert worker.run_once()

    assert not worker.busy
    text = client_of(kiosk, "office").get("/sync").get_data(as_text=True)
    assert panel(text)["heading"] == "Online"
    assert badge(text).text.startswith("Sync: online · last ")


@pytest.fixture
def served(bare_district: District) -> Iterator[SyncWorker]:
    """The first kiosk's sync worker running in its thread, as under `kiosk serve`, with a
    pause between rounds far longer than any test: only a wake makes it sync."""
    kiosk = bare_district.kiosks[0]
    kiosk.app.config["SYNC_SECONDS"] = 3600.0
    worker = install(kiosk.app, sync_if_enrolled)
    worker.start()
    yield worker
    worker.stop()


def test_under_kiosk_serve_the_first_sync_starts_at_once(bare_district: District,
                                                         served: SyncWorker) -> None:
    kiosk = bare_district.kiosks[0]
    assert worker_of(kiosk.app) is served
    text = enroll_through_the_page(bare_district, kiosk)
    assert panel(text)["heading"] in ("First sync with the district is running", "Online")

    office = client_of(kiosk, "office")
    deadline = time.monotonic() + 30
    while True:
        text = office.get("/sync", headers=HX).get_data(as_text=True)
        if panel(text)["heading"] == "Online" or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    now = panel(text)
    assert now["heading"] == "Online", now
    assert now["Events waiting"] == "0"
    assert now["Last sync"] == shown(setting_time(kiosk, LAST_OK))


def test_a_kiosk_enrolled_again_after_a_revocation_waits_for_its_new_first_sync(
        district: District) -> None:
    from kiosk.sync.hub.services.enrollment import new_code, revoke

    kiosk = district.kiosks[0]
    assert kiosk.sync().ok
    district.hub.call(revoke, kiosk.kiosk_id, None)
    assert not kiosk.sync().ok  # refused: the panel says so
    assert panel(client_of(kiosk, "office").get("/sync").get_data(as_text=True))[
        "heading"] == "Offline"

    building = district.hub.building_id(kiosk.building)
    kiosk.code = district.hub.call(lambda: new_code(building, None).code)
    now = panel(enroll_through_the_page(district, kiosk))

    assert now["heading"] == "Enrolled, waiting for its first sync with the district"
    assert now["Last sync"] == "not yet" and "Last problem" not in now
    assert kiosk.sync().ok
    assert panel(client_of(kiosk, "office").get("/sync").get_data(as_text=True))[
        "heading"] == "Online"
