"""The Staff logins page (and the hub's Logins page) in Chromium, at 1366x768 and 1024x768,
with enough logins that the admin scrolls down to the one they change (issue 13).

Seen before: an error showed at the top of the page, out of sight, beside a stale "Saved";
the focus fell to <body> after every save; a refused self-demote left the select showing the
refused role. Now each answer shows at the row or form that was sent, linked to its field, the
focus goes back where the person was, and the row shows what is stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from kiosk.extensions import db
from kiosk.sync.hub.extensions import hub_db
from tests import factories
from tests.browser.conftest import LiveServer
from tests.browser.helpers import log_in, screenshot
from tests.hub.conftest import LOGINS as HUB_LOGINS
from tests.hub.conftest import make_hub

pytestmark = pytest.mark.browser

SCREENS = [{"width": 1366, "height": 768}, {"width": 1024, "height": 768}]
# Logins whose names sort before "Ada Admin": the seeded ones end up far down the page.
EXTRA = [f"Aaron Extra {n:02d}" for n in range(1, 26)]
TIMEOUT = 5_000


def _row(page: Any, name: str) -> Any:
    return page.locator("table.grid tbody tr").filter(
        has=page.get_by_role("cell", name=name, exact=True))


def _add_form(page: Any) -> Any:
    return page.locator("form").filter(has=page.get_by_role("heading", name="Add a login"))


def _has_focus(locator: Any) -> bool:
    return bool(locator.evaluate("el => el === document.activeElement"))


def _focused(page: Any) -> str:
    return str(page.evaluate("() => document.activeElement.outerHTML.slice(0, 120)"))


def _in_view(page: Any, locator: Any) -> bool:
    """Wholly inside the browser's window as it is scrolled now."""
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def _described_by(field: Any, message: Any) -> bool:
    ids = (field.get_attribute("aria-describedby") or "").split()
    return message.get_attribute("id") in ids


def _scrolled(page: Any) -> int:
    return int(page.evaluate("() => window.scrollY"))


def _saw(page: Any, name: str, locator: Any) -> Any:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        locator.wait_for(timeout=TIMEOUT)
    except PlaywrightTimeout:
        screenshot(page, f"staff-logins-{name}")
        raise AssertionError(f"{name}: not shown where it belongs; the page's messages: "
                             f"{page.locator('[role=alert], [role=status]').all_inner_texts()}"
                             ) from None
    return locator


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: f"{s['width']}x{s['height']}")
def test_answers_show_at_the_row_and_form_that_was_sent(app: Flask, new_page: Any,
                                                        screen: dict[str, int]) -> None:
    from kiosk.services.accounts import create_user

    with app.app_context():
        for name in EXTRA:
            create_user(name, "5050", "designee")
        db.session.remove()
    page = new_page(viewport=screen)
    log_in(page, "admin")
    page.goto("/users")
    ada, dee, olive = (_row(page, factories.LOGINS[role][0])
                       for role in ("admin", "designee", "office"))

    # A change that works: "Saved" in that row, and the focus back on its Save button.
    dee.get_by_label("Role").select_option("office")
    dee.get_by_role("button", name="Save").click()
    saved = _saw(page, "saved", dee.get_by_role("status"))
    assert saved.inner_text() == "Saved Dee Designee."
    assert _scrolled(page) > 0, "the page should be scrolled down to the row for this test"
    assert _in_view(page, saved)
    save = dee.get_by_role("button", name="Save")
    assert _has_focus(save), _focused(page)
    assert _described_by(save, saved)
    assert dee.get_by_label("Role").input_value() == "office"

    # The admin demotes themself: refused in their row, which shows the role that is stored,
    # and the stale "Saved" above has gone.
    ada.get_by_label("Role").select_option("office")
    ada.get_by_role("button", name="Save").click()
    refused = _saw(page, "self-demote", ada.get_by_role("alert"))
    assert "You cannot lock yourself out" in refused.inner_text()
    assert _in_view(page, refused)
    role = ada.get_by_label("Role")
    assert role.input_value() == "admin", "the refused role is still shown"
    assert _has_focus(role), _focused(page)
    assert _described_by(role, refused)
    assert role.get_attribute("aria-invalid") == "true"
    assert page.get_by_role("status").count() == 0, page.get_by_role("status").all_inner_texts()
    assert dee.get_by_role("button", name="Save").get_attribute("aria-describedby") is None
    assert page.locator("#messages").inner_text() == ""

    # A short PIN, sent with Enter from the keyboard: refused at the PIN field.
    pin = olive.get_by_label("New PIN")
    pin.fill("12")
    pin.press("Enter")
    short = _saw(page, "short PIN", olive.get_by_role("alert"))
    assert short.inner_text() == "A PIN is 4 to 12 digits."
    assert _in_view(page, short)
    pin = olive.get_by_label("New PIN")
    assert _has_focus(pin), _focused(page)
    assert _described_by(pin, short) and pin.input_value() == ""
    assert ada.get_by_role("alert").count() == 0, "the last answer stays beside the new one"
    assert ada.get_by_label("Role").get_attribute("aria-invalid") is None

    # The add form, at the bottom: a name taken is refused at the name, what was typed stays.
    form = _add_form(page)
    form.get_by_label("Name").fill("dee designee")
    form.get_by_label("PIN (4 to 12 digits)").fill("5678")
    form.get_by_label("Role").select_option("admin")
    form.get_by_role("button", name="Add login").click()
    taken = _saw(page, "name taken", _add_form(page).get_by_role("alert"))
    assert "already a staff member" in taken.inner_text()
    assert _in_view(page, taken)
    name = _add_form(page).get_by_label("Name")
    assert _has_focus(name), _focused(page)
    assert _described_by(name, taken) and name.input_value() == "dee designee"
    assert _add_form(page).get_by_label("Role").input_value() == "admin"

    # and a new name is added: said at the form, the focus back on its button.
    name.fill("Nora New")
    _add_form(page).get_by_label("PIN (4 to 12 digits)").fill("5678")
    _add_form(page).get_by_role("button", name="Add login").click()
    added = _saw(page, "added", _add_form(page).get_by_role("status"))
    assert added.inner_text() == "Nora New can now log in."
    assert _in_view(page, added)
    assert _has_focus(_add_form(page).get_by_role("button", name="Add login")), _focused(page)
    assert _row(page, "Nora New").count() == 1
    assert page.get_by_role("alert").count() == 0  # the panel was drawn again as stored
    screenshot(page, f"staff-logins-{screen['width']}")


@pytest.fixture
def hub_server(tmp_path: Path, browser: Any) -> Iterator[LiveServer | None]:
    """A hub with many logins, served like the kiosk's ``live_server``."""
    if browser is None:
        yield None
        return
    hub = make_hub(tmp_path)
    with hub.app_context():
        from kiosk.sync.hub.services.accounts import create_user

        for name in EXTRA:
            create_user(name, "5050", "district_viewer")
        hub_db.session.remove()
    server = LiveServer(hub)
    yield server
    server.stop()
    with hub.app_context():
        hub_db.engine.dispose()


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: f"{s['width']}x{s['height']}")
def test_the_hubs_logins_page_answers_at_its_form(hub_server: LiveServer, new_page: Any,
                                                  screen: dict[str, int]) -> None:
    page = new_page(base_url=hub_server.url, viewport=screen)
    name, pin, _ = HUB_LOGINS["admin"]
    page.goto("/login")
    page.fill("#name", name)
    page.fill("#pin", pin)
    page.press("#pin", "Enter")
    page.wait_for_url(f"{hub_server.url}/")
    page.goto("/logins")

    form = _add_form(page)
    form.get_by_label("Name").fill(HUB_LOGINS["viewer"][0])
    form.get_by_label("PIN (4 to 12 digits)").fill("2468")
    form.get_by_role("button", name="Add login").click()
    taken = _saw(page, "hub name taken", _add_form(page).get_by_role("alert"))
    assert _scrolled(page) > 0, "the form should be below the fold for this test"
    assert _in_view(page, taken)
    field = _add_form(page).get_by_label("Name")
    assert _has_focus(field), _focused(page)
    assert _described_by(field, taken)

    field.fill("Rita Reader")
    _add_form(page).get_by_label("PIN (4 to 12 digits)").fill("2468")
    _add_form(page).get_by_role("button", name="Add login").click()
    added = _saw(page, "hub added", _add_form(page).get_by_role("status"))
    assert added.inner_text() == "Rita Reader can now log in to the hub."
    assert _in_view(page, added)
    assert _has_focus(_add_form(page).get_by_role("button", name="Add login")), _focused(page)
    assert page.get_by_role("alert").count() == 0
