"""The district hand-out log and a person's page in Debian's Chromium, at 1366x768 and
1024x768: results as a name is typed, the search in the address bar (the back button brings it
back), a person's page opened from a row, and an exception about them resolved there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.sync.hub.extensions import hub_db
from tests.browser.conftest import LiveServer
from tests.browser.helpers import SCREENSHOTS
from tests.factories import ALICE_BALANCE, ALICE_TRAUMA, BALANCE, BOB_TRAUMA, TRAUMA
from tests.hub.conftest import LOGINS, PAGE_JACKSON, SHEPHERDSTOWN, District, make_hub

pytestmark = pytest.mark.browser

SIZES = [(1366, 768), (1024, 768)]
ROWS = "#district-log tbody tr[data-hand-out]"


@pytest.fixture
def hub_server(tmp_path: Path, browser: Any) -> Iterator[LiveServer | None]:
    """A hub whose district gave Alice (E1) the same pin at two buildings (an open
    exception), and a few more pins."""
    if browser is None:
        yield None
        return
    hub = make_hub(tmp_path)
    district = District(hub, tmp_path)
    district.badge_data()
    district.building(PAGE_JACKSON)
    district.building(SHEPHERDSTOWN)
    north, south = district.kiosk(PAGE_JACKSON), district.kiosk(SHEPHERDSTOWN)
    north.send(north.hand_out(ALICE_TRAUMA, "E1", TRAUMA, receipt="PJE-00001"),
               north.hand_out(ALICE_BALANCE, "E1", BALANCE, receipt="PJE-00002",
                              manual_reason="QR code torn"),
               north.hand_out(BOB_TRAUMA, "E2", TRAUMA, receipt="PJE-00003"))
    south.send(south.hand_out(ALICE_TRAUMA, "E1", TRAUMA, receipt="SMS-00001"))
    server = LiveServer(hub)
    yield server
    server.stop()
    with hub.app_context():
        hub_db.engine.dispose()


def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, caret="initial")


def _receipts(page: Any) -> list[str]:
    return page.locator(f"{ROWS} td.receipt strong").all_inner_texts()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_search_open_a_person_and_resolve_their_exception(hub_server: LiveServer,
                                                          new_page: Any, width: int,
                                                          height: int) -> None:
    page = new_page(base_url=hub_server.url, viewport={"width": width, "height": height})
    name, pin, _ = LOGINS["admin"]
    page.goto("/login")
    page.fill("#name", name)
    page.fill("#pin", pin)
    page.press("#pin", "Enter")
    page.wait_for_url(f"{hub_server.url}/")

    page.get_by_role("link", name="Hand-outs", exact=True).click()
    page.wait_for_url("**/hand-outs")
    assert sorted(_receipts(page)) == ["PJE-00001", "PJE-00002", "PJE-00003", "SMS-00001"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "side scrolling"
    _shot(page, f"district-log-{width}")

    page.get_by_label("Name, employee number or receipt").press_sequentially("alice",
                                                                            delay=40)
    page.wait_for_url("**/hand-outs?q=alice")  # the search in the address bar
    page.wait_for_function("""() => document.querySelectorAll(
        "#district-log tbody tr[data-hand-out]").length === 3""")
    assert sorted(_receipts(page)) == ["PJE-00001", "PJE-00002", "SMS-00001"]
    assert "3 hand-outs match this search" in page.locator("#log-count").inner_text()
    assert page.locator("#log-csv").get_attribute("href") == "/hand-outs.csv?q=alice"
    _shot(page, f"district-log-alice-{width}")

    page.locator(ROWS).filter(has_text="SMS-00001").get_by_role("link",
                                                                name="Alice Able").click()
    page.wait_for_url("**/people/E1")
    assert page.get_by_role("heading", level=1).inner_text() == "Alice Able E1"
    exception = page.locator("#person-exceptions tbody tr[data-status='open']")
    assert exception.count() == 1
    assert PAGE_JACKSON in exception.inner_text() and SHEPHERDSTOWN in exception.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "side scrolling"
    _shot(page, f"person-{width}")

    before = page.locator("#open-count").inner_text()
    exception.get_by_label("What was done about exception").fill(
        "Alice gave the second pin back")
    exception.get_by_role("button", name="Resolve").click()
    status = page.locator("#person-panel [role=status]")
    status.wait_for()
    assert "is resolved" in status.inner_text()
    assert page.locator("#person-exceptions tbody tr[data-status='resolved']").count() == 1
    after = page.locator("#open-count").inner_text()  # out of band, in the nav
    assert int(after.strip("()").split()[0]) == int(before.strip("()").split()[0]) - 1
    _shot(page, f"person-resolved-{width}")

    page.go_back()  # the search comes back, as it was
    page.wait_for_url("**/hand-outs?q=alice")
    page.wait_for_function("""() => document.querySelectorAll(
        "#district-log tbody tr[data-hand-out]").length === 3""")
    assert page.get_by_label("Name, employee number or receipt").input_value() == "alice"
