"""What the kiosk's people see of the sync: the warning at login when the kiosk has not synced
for SYNC_WARN_DAYS (counted from its enrollment until its first sync), and the sync badge on
every page (first sync waiting, online or offline, events waiting, last sync, and the date of
the district data verdicts are checked against)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from kiosk.db import write_transaction
from kiosk.models import utcnow
from kiosk.services import lookups
from kiosk.services.district import ENROLLED_AT, LAST_OK
from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import HubChange
from kiosk.sync.protocol import time_text
from tests.conftest import KioskClient
from tests.factories import ALICE_TRAUMA
from tests.web.dom import parse

from .conftest import District, Kiosk

ZONE = ZoneInfo("America/New_York")  # the kiosk's TIMEZONE


def log_in(kiosk: Kiosk, role: str = "designee") -> str:
    """Log in on the kiosk's login page; the page it lands on."""
    kiosk.app.test_client_class = KioskClient
    client = kiosk.app.test_client()
    assert isinstance(client, KioskClient)
    client.login(role)
    return client.get("/scan").get_data(as_text=True)


def moved_back(kiosk: Kiosk, key: str, ago: timedelta) -> datetime:
    """Make the kiosk's time ``key`` (its last good sync, its enrollment) ``ago``; when that
    was."""
    when = utcnow() - ago

    def note() -> None:
        with write_transaction():
            lookups.set_setting(key, time_text(when))

    kiosk.call(note)
    return when


def last_synced(kiosk: Kiosk, ago: timedelta) -> datetime:
    """Make the kiosk's last good sync ``ago``; when that was."""
    return moved_back(kiosk, LAST_OK, ago)


def last_ok(kiosk: Kiosk) -> datetime:
    return datetime.fromisoformat(kiosk.call(lookups.get_setting, LAST_OK) or "")


def test_a_kiosk_that_has_not_synced_for_days_warns_at_login(district: District) -> None:
    kiosk = district.kiosks[0]
    assert kiosk.app.config["SYNC_WARN_DAYS"] == 3
    assert "synced with the district" not in log_in(kiosk)  # enrolled a moment ago

    assert kiosk.sync().ok
    assert "synced with the district" not in log_in(kiosk)

    last_synced(kiosk, timedelta(days=2, hours=23))
    assert "synced with the district" not in log_in(kiosk)

    day = last_synced(kiosk, timedelta(days=3, hours=1)).astimezone(ZONE)
    page = log_in(kiosk)
    assert f"This kiosk last synced with the district on {day:%a %d %b %Y}" in page

    assert kiosk.sync().ok
    assert "synced with the district" not in log_in(kiosk)


def test_the_sync_badge_says_how_the_kiosk_stands(district: District) -> None:
    kiosk = district.kiosks[0]
    kiosk.app.test_client_class = KioskClient
    client = kiosk.app.test_client()
    assert isinstance(client, KioskClient)
    client.login("office")

    def badge(path: str = "/scan") -> str:
        page = client.get(path, headers={"HX-Request": "true"} if path.startswith("/status")
                          else {}).get_data(as_text=True)
        start = page.index('id="sync-badge"')
        return " ".join(page[start:page.index("</a>", start)].split())

    assert "District sync: waiting for its first sync" in badge()  # enrolled, never synced
    assert "3 events waiting" in badge()

    assert kiosk.sync().ok
    data_as_of = district.hub.call(lambda: hub_db.session.scalar(
        select(func.max(HubChange.created_at))))
    assert isinstance(data_as_of, datetime)
    for path in ("/scan", "/stock", "/sync", "/status/badges"):
        text = badge(path)
        assert "District sync: online" in text, path
        assert "0 events waiting" in text, path
        assert f"last sync {last_ok(kiosk).astimezone(ZONE):%d %b %H:%M}" in text, path
        assert ("checked against district data from "
                f"{data_as_of.astimezone(ZONE):%d %b %Y %H:%M}") in text, path

    district.proxy.down = True
    kiosk.hand_out(ALICE_TRAUMA)
    assert not kiosk.sync().ok
    text = badge()
    assert "District sync: offline" in text and "1 event waiting" in text

    district.proxy.heal()
    assert kiosk.sync().ok
    text = badge()
    assert "District sync: online" in text and "0 events waiting" in text


def test_before_its_first_sync_a_kiosk_is_stale_days_after_it_enrolled(
        district: District) -> None:
    kiosk = district.kiosks[0]
    kiosk.app.test_client_class = KioskClient
    client = kiosk.app.test_client()
    assert isinstance(client, KioskClient)
    client.login("office")

    def sync_page() -> tuple[str, str, set[str]]:
        """The Sync panel's heading and alert, and the sync badge's classes."""
        doc = parse(client.get("/sync").get_data(as_text=True))
        alert = doc.find("p", class_="error", role="alert")
        return (doc.one(id="sync-state-h").text, alert.text if alert else "",
                doc.one(id="sync-badge").classes)

    heading, alert, classes = sync_page()
    assert heading == "Enrolled, waiting for its first sync with the district"
    assert alert == "" and "bad" not in classes
    assert "synced with the district" not in log_in(kiosk)

    moved_back(kiosk, ENROLLED_AT, timedelta(days=2, hours=23))
    heading, alert, classes = sync_page()
    assert alert == "" and "bad" not in classes
    assert "synced with the district" not in log_in(kiosk)

    enrolled = moved_back(kiosk, ENROLLED_AT, timedelta(days=3, hours=1))
    heading, alert, classes = sync_page()
    assert heading == "Enrolled, waiting for its first sync with the district"
    assert alert.startswith("This kiosk enrolled more than 3 days ago and has not synced with "
                            "the district since.")
    assert "bad" in classes
    assert ("This kiosk has not synced with the district since it enrolled on "
            f"{enrolled.astimezone(ZONE):%a %d %b %Y}.") in log_in(kiosk)

    assert kiosk.sync().ok
    heading, alert, classes = sync_page()
    assert heading == "Online" and alert == "" and "bad" not in classes
    assert "synced with the district" not in log_in(kiosk)
