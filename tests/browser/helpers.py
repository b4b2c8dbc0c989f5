"""What a person does and sees on the kiosk's pages, for the browser tests."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests import factories

SCREENSHOTS = Path(os.environ.get("KIOSK_SCREENSHOTS", "/tmp/kiosk-screenshots"))
TRAUMA_COUNT = f'#stock-counter [data-credential="{factories.TRAUMA}"] .stock-count'


def log_in(page: Any, role: str = "designee") -> None:
    """Log in through the login form, as a person does, and land on the scan page."""
    name, pin = factories.LOGINS[role]
    page.goto("/login")
    page.fill("#name", name)
    page.fill("#pin", pin)
    page.press("#pin", "Enter")
    page.wait_for_url("**/scan")


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def stock_count(page: Any, selector: str = TRAUMA_COUNT) -> int:
    return int(page.locator(selector).inner_text().strip())


def verdict(page: Any, reason: str) -> Any:
    """The verdict panel showing ``reason`` (waits for it to appear)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    panel = page.locator(f'#verdict section.verdict[data-reason="{reason}"]')
    try:
        panel.wait_for()
    except PlaywrightTimeout:
        screenshot(page, f"timeout-{reason}")
        field = page.locator("#payload")
        typed = field.input_value() if field.count() else "(no scan field)"
        raise AssertionError(
            f"no {reason!r} verdict; the scan field holds {typed!r}; the page shows: "
            f"{page.locator('main').inner_text()[:300]!r}") from None
    return panel
