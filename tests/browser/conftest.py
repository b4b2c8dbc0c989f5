"""Real-browser tests: Debian's Chromium driven through Playwright, against the app served by
waitress on a free loopback port.

Without Chromium or Playwright the tests are skipped on a developer's machine, and fail on CI
(``CI=true``), where a skipped browser test would hide a broken kiosk.

Every page a test leaves open is checked with axe-core (``a11y.py``) right after the test: a
serious or critical accessibility problem fails the test; the moderate and minor ones are listed
at the end of the run."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.browser import a11y

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not Path(CHROMIUM).exists():
        return "Debian chromium not installed: apt-get install chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright not installed: pip install -e '.[test]'"
    return None


def on_ci() -> bool:
    return os.environ.get("CI") == "true"


# The standing accessibility check: ``new_page`` leaves it in the test's stash.
_AXE_CHECK = pytest.StashKey[Callable[[], None]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """On CI a browser test without a browser FAILS (the fixtures let it reach this point).

    After the test body, the pages it left open get the standing accessibility check. It runs
    here, in the test's own call phase, rather than in ``new_page``'s teardown: a failure in a
    teardown is an error that ``pytest.mark.xfail`` cannot mark. It is skipped when the body
    failed already."""
    if item.get_closest_marker("browser") is not None:
        problem = missing()
        if problem and on_ci():
            pytest.fail(f"{problem} (CI=true: the browser tests must run on CI)", pytrace=False)
    result = yield
    check = item.stash.get(_AXE_CHECK, None)
    if check is not None:
        check()
    return result


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The accessibility findings of the run, failing or not, each once."""
    if not a11y.CHECKED:
        return
    lines = a11y.report(a11y.FINDINGS)
    terminalreporter.write_sep("-", "accessibility findings (axe-core; only serious and "
                                    "critical fail)")
    for line in lines:
        terminalreporter.write_line(line)
    from tests.browser.helpers import SCREENSHOTS  # the report goes next to the screenshots

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / "accessibility.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    terminalreporter.write_line(f"(also in {path})")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    problem = missing()
    if problem:
        if on_ci():
            yield None  # pytest_runtest_call fails the test
            return
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class LiveServer:
    """The ``app`` fixture served by waitress in a background thread."""

    def __init__(self, app: Flask):
        from waitress import create_server

        self.app = app
        self.server = create_server(app, host="127.0.0.1", port=0, threads=4)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.stopping = False
        self.thread = threading.Thread(target=self._run, name="waitress", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.server.run()
        except (OSError, ValueError):
            # stop() closes sockets from the test's thread while the loop may be polling them
            # (a bad file descriptor): expected then, never before
            if not self.stopping:
                raise

    def stop(self) -> None:
        # Close the listener and every open connection: the loop ends when its map is empty.
        self.stopping = True
        logging.getLogger("waitress").setLevel(logging.CRITICAL)
        self.server.close()
        while self.server._map:
            for channel in list(self.server._map.values()):
                channel.handle_close()
        self.server.task_dispatcher.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(app: Flask, browser: Any) -> Iterator[LiveServer | None]:
    if browser is None:
        yield None
        return
    server = LiveServer(app)
    yield server
    server.stop()


# Error statuses on pages and HTMX requests are answers the tests ask for (a refused login, a
# 409 verdict); on a script, stylesheet or image they are a broken kiosk.
_PAGES = {"document", "xhr", "fetch"}


def _expected_http_error(text: str) -> bool:
    return text.startswith(("Failed to load resource: the server responded with a status of 4",
                            "Response Status Error Code 4"))  # htmx reports a 4xx it swaps


@pytest.fixture
def new_page(browser: Any, live_server: LiveServer | None,
             request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """Open a page in a fresh browser context (its own cookies): ``new_page(**context_options)``
    (``base_url`` defaults to the kiosk's live server). Errors in the page's console (a CSP
    violation, a script error) fail the test, and so do serious or critical accessibility
    problems on the pages still open when the test ends."""
    contexts = []
    problems: list[str] = []

    def open_page(**options: Any) -> Any:
        assert live_server is not None
        options.setdefault("viewport", {"width": 1280, "height": 900})
        options.setdefault("base_url", live_server.url)
        context = browser.new_context(**options)
        contexts.append(context)
        context.on("weberror", lambda err: problems.append(f"page error: {err.error}"))
        context.on("console", lambda msg: problems.append(f"console: {msg.text}")
                   if msg.type == "error" and not _expected_http_error(msg.text) else None)
        context.on("response", lambda r: problems.append(f"{r.status} for {r.url}")
                   if r.status >= 400 and r.request.resource_type not in _PAGES else None)
        context.on("requestfailed", lambda r: problems.append(f"{r.failure}: {r.url}")
                   if r.resource_type not in _PAGES and r.failure != "net::ERR_ABORTED"
                   else None)  # a navigation cancels the favicon: that is no fault
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    def check_final_pages() -> None:
        """axe on every page still open: the state the test ends in (see a11y.py)."""
        found = []
        for context in contexts:
            for page in context.pages:
                if not page.is_closed():
                    page.wait_for_load_state()
                if a11y.is_checkable(page):
                    found += a11y.axe_violations(page, a11y.FAILING,
                                                 label=f"the page {request.node.name} ends on")
        if found:
            raise AssertionError("serious or critical accessibility problems where the test "
                                 "ends:\n" + "\n".join(map(str, found)))

    request.node.stash[_AXE_CHECK] = check_final_pages
    yield open_page
    for context in contexts:
        context.close()
    assert problems == [], problems
