"""axe-core on every page of the kiosk and of the district hub, for each role, and on the scan
page in each state a person meets: a serious or critical problem fails; the moderate and minor
ones are listed at the end of the run (tests/browser/conftest.py).

The pages walked come from each app's ``url_map``: every GET route without URL parameters is
visited by every role (a page a role may not see shows the "not allowed" page, which is checked
too), so a new page cannot be forgotten; the few routes that are not HTML pages are skipped
below, each with its reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from kiosk.sync.hub.extensions import hub_db
from tests import factories
from tests.browser.a11y import assert_accessible
from tests.browser.conftest import LiveServer
from tests.browser.helpers import log_in, verdict
from tests.hub.conftest import LOGINS as HUB_LOGINS
from tests.hub.conftest import PAGE_JACKSON, SHEPHERDSTOWN, District, make_hub
from tests.web.helpers import hand_out

pytestmark = pytest.mark.browser

# GET routes that are not pages a person reads: they are downloads or machine answers.
KIOSK_SKIP = {
    "/healthz": "a plain-text health check for the service manager",
    "/log.csv": "a CSV download of the hand-out log",
    "/reports/daily.pdf": "a PDF download (the daily sheet)",
    "/reports/period.pdf": "a PDF download (the period report)",
}
HUB_SKIP = {
    "/api/v1/changes": "JSON for the kiosks' sync (token, not a session)",
    "/api/v1/health": "JSON health check for the kiosks and monitoring",
    "/export/dashboard.csv": "a CSV download",
    "/export/dashboard.pdf": "a PDF download",
    "/export/exceptions.csv": "a CSV download",
    "/export/exceptions.pdf": "a PDF download",
    "/owed.csv": "a CSV download",
    "/owed.pdf": "a PDF download",
    "/hand-outs.csv": "a CSV download of the district log",
}
NO_SUCH_PAGE = "/no/such/page"
# Kiosk pages in a state with data, beyond the bare GET of each route: (path, endpoint). Each is
# walked when its endpoint exists (the person lookup is new on the scan page).
KIOSK_STATES = [
    ("/lookup?q=Alice", "scan.lookup"),
    (f"/lookup/award?award={factories.ALICE_BALANCE}", "scan.lookup_award"),
]


def get_pages(app: Flask, skip: dict[str, str]) -> list[str]:
    """Every GET route of ``app`` without URL parameters, except static files and ``skip``."""
    rules = {rule.rule for rule in app.url_map.iter_rules()
             if "GET" in (rule.methods or set()) and not rule.arguments}
    stale = set(skip) - rules
    assert not stale, f"the skip list names routes that no longer exist: {sorted(stale)}"
    return sorted(rules - set(skip))


def walk(page: Any, paths: list[str], who: str) -> dict[str, int]:
    """Visit each path, check the page it ends on, and return each path's status."""
    statuses = {}
    for path in paths:
        response = page.goto(path)
        assert response is not None, path
        statuses[path] = response.status
        assert_accessible(page, f"{path} as {who} ({response.status})")
    return statuses


# --- the kiosk ------------------------------------------------------------------------------


@pytest.fixture
def kiosk_with_data(app: Flask, client: Any) -> Flask:
    """A hand-out on record: the log and the printer queue have a row."""
    client.login("designee")
    hand_out(client, factories.BOB_TRAUMA)
    return app


def test_the_kiosk_pages_when_logged_out(new_page):
    page = new_page()
    assert walk(page, ["/login", NO_SUCH_PAGE], "nobody") == {"/login": 200, NO_SUCH_PAGE: 404}
    page.goto("/login")
    page.fill("#name", factories.LOGINS["designee"][0])
    page.fill("#pin", "0000")
    page.press("#pin", "Enter")
    page.wait_for_selector("[role=alert]")
    assert_accessible(page, "the login page refusing a wrong PIN")


@pytest.mark.parametrize("role", ["designee", "office", "admin"])
def test_every_kiosk_page_for_each_role(kiosk_with_data, new_page, role):
    paths = get_pages(kiosk_with_data, KIOSK_SKIP)
    states = [path for path, endpoint in KIOSK_STATES
              if endpoint in kiosk_with_data.view_functions]
    page = new_page()
    log_in(page, role)
    statuses = walk(page, [*paths, *states, NO_SUCH_PAGE], role)
    assert statuses[NO_SUCH_PAGE] == 404
    assert statuses["/scan"] == 200
    # What a role may not see shows the "not allowed" page, checked above; the admin sees
    # every page, so each is checked as a page too.
    assert {s for p, s in statuses.items() if p != NO_SUCH_PAGE} <= {200, 403}, statuses
    refused = sorted(p for p, s in statuses.items() if s == 403)
    assert refused == {"designee": ["/reports", "/settings", "/slips", "/stock", "/users",
                                    "/waitlist"],
                       "office": ["/settings", "/slips", "/users"],
                       "admin": []}[role]


def test_the_scan_page_in_each_state(new_page):
    page = new_page()
    log_in(page, "designee")
    assert_accessible(page, "the scan page waiting for a scan")

    def scan(payload: str, reason: str) -> Any:
        page.fill("#payload", payload)
        page.press("#payload", "Enter")
        panel = verdict(page, reason)
        assert_accessible(page, f"the scan page with a {reason} verdict")
        return panel

    scan(factories.ALICE_TRAUMA, "ok")
    page.keyboard.press("Enter")  # the scan field is empty: hand the pin out
    done = verdict(page, "handed_out")
    assert_accessible(page, "the scan page with the handed-out panel")
    done.locator("summary").click()
    assert_accessible(page, "the scan page with the void form open")
    scan(factories.ALICE_TRAUMA, "already_issued")
    scan(factories.BOB_REVOKED, "revoked")
    scan(factories.CARA_COMMUNICATION, "no_pin_for_credential")
    scan("urn:uuid:00000000-0000-4000-8000-000000000000", "unknown_badge")
    scan("hello world", "malformed")
    panel = scan(factories.CARA_CHALLENGES, "out_of_stock")  # no Challenges pins in stock
    panel.get_by_role("button", name="Put Cara Cole on the waitlist").click()
    verdict(page, "waitlisted")
    assert_accessible(page, "the scan page with the waitlisted panel")

    # the voided panel, after a second hand-out
    scan(factories.ALICE_BALANCE, "ok")
    page.keyboard.press("Enter")
    done = verdict(page, "handed_out")
    done.locator("summary").click()
    done.locator("input[name=reason]").fill("Scanned the wrong proof")
    done.get_by_role("button", name="Void hand-out").click()
    verdict(page, "voided")
    assert_accessible(page, "the scan page with the voided panel")


# --- the district hub -----------------------------------------------------------------------


def _seed(district: District) -> None:
    """Buildings, badge data, kiosks that reported (a duplicate hand-out, a count that did not
    match, a waitlist entry, a void), stock allocated and moved, and exceptions, one of them
    resolved: every table on every page has rows."""
    from kiosk.sync.hub.services import reconcile

    district.badge_data()
    district.building(PAGE_JACKSON)
    district.building(SHEPHERDSTOWN)
    district.allocate(PAGE_JACKSON, factories.TRAUMA, 10)
    district.allocate(SHEPHERDSTOWN, factories.BALANCE, 4)
    district.transfer(PAGE_JACKSON, SHEPHERDSTOWN, factories.TRAUMA, 2)
    kiosk = district.kiosk(PAGE_JACKSON)
    first = kiosk.hand_out(factories.ALICE_TRAUMA, "E1", factories.TRAUMA)
    again = kiosk.hand_out(factories.ALICE_TRAUMA, "E1", factories.TRAUMA)
    balance = kiosk.hand_out(factories.ALICE_BALANCE, "E1", factories.BALANCE)
    bob = [kiosk.hand_out(factories.BOB_TRAUMA, "E2", factories.TRAUMA) for _ in range(2)]
    kiosk.send(first, again, *bob, balance, kiosk.void(balance),
               kiosk.counted(factories.TRAUMA, 5, 7),
               kiosk.waitlisted("E3", factories.CHALLENGES, factories.CARA_CHALLENGES))
    district.kiosk(SHEPHERDSTOWN, "Library")
    exceptions = district.open_exceptions()
    assert len(exceptions) >= 2, exceptions
    district.call(reconcile.resolve, exceptions[0][0], "Checked with the principal",
                  "Dana District")


@pytest.fixture
def hub_server(tmp_path: Path, browser: Any) -> Iterator[tuple[LiveServer, District] | None]:
    """The district hub, with data, served like the kiosk's ``live_server``."""
    if browser is None:
        yield None
        return
    folder = tmp_path / "hub"
    folder.mkdir()
    hub = make_hub(folder)
    district = District(hub, folder)
    _seed(district)
    server = LiveServer(hub)
    yield server, district
    server.stop()
    with hub.app_context():
        hub_db.engine.dispose()


def hub_log_in(page: Any, server: LiveServer, role: str) -> None:
    """Log in through the hub's login form and land on the dashboard."""
    name, pin, _ = HUB_LOGINS[role]
    page.goto("/login")
    page.fill("#name", name)
    page.fill("#pin", pin)
    page.press("#pin", "Enter")
    page.wait_for_url(f"{server.url}/")


def test_the_hub_pages_when_logged_out(hub_server, new_page):
    server, _ = hub_server
    page = new_page(base_url=server.url)
    assert walk(page, ["/login", NO_SUCH_PAGE], "nobody") == {"/login": 200, NO_SUCH_PAGE: 404}
    page.goto("/login")
    page.fill("#name", HUB_LOGINS["viewer"][0])
    page.fill("#pin", "0000")
    page.press("#pin", "Enter")
    page.wait_for_selector("[role=alert]")
    assert_accessible(page, "the hub's login page refusing a wrong PIN")


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_every_hub_page_for_each_role(hub_server, new_page, role):
    server, _ = hub_server
    paths = get_pages(server.app, HUB_SKIP)
    page = new_page(base_url=server.url)
    hub_log_in(page, server, role)
    extra = ["/exceptions?status=all", "/exceptions?status=resolved", NO_SUCH_PAGE]
    statuses = walk(page, [*paths, *extra], f"hub {role}")
    assert statuses[NO_SUCH_PAGE] == 404
    refused = sorted(p for p, s in statuses.items() if s == 403)
    assert refused == {"admin": [], "viewer": ["/logins"]}[role]
    assert {s for p, s in statuses.items() if p != NO_SUCH_PAGE} <= {200, 403}, statuses


def test_the_hub_pages_after_an_admin_acts(hub_server, new_page, tmp_path):
    """What the hub shows after each kind of action: a new enrollment code, a refused form,
    an import report, a bundle report, a resolved exception."""
    server, district = hub_server
    page = new_page(base_url=server.url)
    hub_log_in(page, server, "admin")

    page.goto("/buildings")
    page.get_by_role("button", name=f"Make an enrollment code for {SHEPHERDSTOWN}").click()
    page.wait_for_selector("#new-code")
    assert_accessible(page, "the buildings page showing a new enrollment code")
    page.fill("#building-name", PAGE_JACKSON)  # there is one already
    page.get_by_role("button", name="Add building").click()
    page.wait_for_selector("#add-building-error")
    assert_accessible(page, "the buildings page refusing a building it has")

    page.goto("/badge-data")
    page.set_input_files("#files", [district.folder / "hub-catalogue.csv",
                                    district.folder / "hub-roster.csv"])
    page.get_by_role("button", name="Import").click()
    page.wait_for_selector("#import-report")
    assert_accessible(page, "the badge data page with an import report")

    kiosk = district.kiosk(SHEPHERDSTOWN, "Gym")
    bundle = tmp_path / "bundle.json"
    bundle.write_bytes(kiosk.bundle(kiosk.hand_out(factories.BOB_TRAUMA, "E2",
                                                   factories.TRAUMA)))
    page.goto("/bundles")
    page.set_input_files("#bundle-file", bundle)
    page.get_by_role("button", name="Upload").click()
    page.wait_for_selector("#bundle-report")
    assert_accessible(page, "the bundles page with an upload report")

    page.goto("/exceptions")
    row = page.locator("tr[data-status=open]").first
    row.locator("input[name=note]").fill("Counted again")
    row.get_by_role("button", name="Resolve").click()
    page.wait_for_selector("#exceptions-panel .flash")
    assert_accessible(page, "the exceptions page after resolving one")

    page.goto("/stock")
    page.select_option("#allocate-building", label=PAGE_JACKSON)
    page.select_option("#allocate-pin", index=1)
    page.fill("#allocate-qty", "3")
    page.get_by_role("button", name="Allocate").click()
    page.wait_for_selector("#stock-panel .flash")
    assert_accessible(page, "the stock page after an allocation")


def test_revoking_a_kiosk_without_javascript(hub_server, new_page):
    """Without JavaScript the hub asks on a page of its own before it revokes a kiosk."""
    server, _ = hub_server
    page = new_page(base_url=server.url, java_script_enabled=False)
    hub_log_in(page, server, "admin")
    page.goto("/buildings")
    page.locator("tr[data-kiosk]").first.get_by_role("button", name="Revoke").click()
    page.wait_for_selector("text=Revoke this kiosk")
    assert_accessible(page, "the hub's page asking before it revokes a kiosk")
    page.get_by_role("button", name="Revoke this kiosk").click()
    page.wait_for_selector("#buildings-panel [role=status]")
    assert_accessible(page, "the buildings page after revoking a kiosk")


@pytest.mark.parametrize("width", [1024, 1366])
def test_the_hub_dashboard_fits_the_screen_with_its_charts(hub_server, new_page, width):
    """Every column of pins by building (the Waitlist column last) without sideways scrolling,
    and both charts drawn once the dashboard has shown."""
    server, _ = hub_server
    page = new_page(base_url=server.url, viewport={"width": width, "height": 768})
    hub_log_in(page, server, "admin")
    page.wait_for_selector("#hand-outs-chart-panel svg")
    page.wait_for_selector("#stock-owed-chart-panel svg")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    last = page.locator("#pins thead th").last
    assert last.inner_text().strip() == "Waitlist"
    box = last.bounding_box()
    assert box["x"] + box["width"] <= width
    from tests.browser.helpers import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"70-hub-dashboard-{width}.png"), full_page=True,
                    caret="initial")
    assert_accessible(page, f"the hub's dashboard with its charts at {width}")
    # drilling down: a building's "Handed out" opens the log of that building and pin, whose
    # rows name each person, linked to their page
    handed = page.locator("#pins td[data-col=handed_out] a.drill").first
    expected = int(handed.inner_text())
    handed.click()
    page.wait_for_selector("#district-log tbody tr[data-hand-out]")
    assert page.locator("#district-log tbody tr[data-hand-out]").count() == expected
    page.locator("#district-log a.person").first.click()
    page.wait_for_url("**/people/**")
