"""The camera on the scan page, in Debian's Chromium with a fake camera playing a video made here
(tests/browser/camera_video.py): a QR code held up to it gets the same verdict, sound and
hand-out as a scanner's scan, once however long it is held; the camera lets go when it is
switched off or the page is left; no camera, or a refused one, says so in words.

Each test launches its own Chromium (the video file is a launch switch), through the same
Playwright as the shared browser of conftest.py; ``new_page`` then opens pages in it as usual
(console errors and the accessibility check included)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import factories
from tests.browser import camera_video
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.helpers import log_in, screenshot, stock_count, verdict
from tests.web.helpers import distribution_count

pytestmark = pytest.mark.browser

HELD = [(factories.ALICE_TRAUMA, 2.0)]  # the proof held up the whole time (the video loops)
NO_CAMERA = "No camera was found on this PC"
REFUSED = "The browser was not allowed to use the camera"

# Added before the page's scripts: every camera track the page opens, and every sound.
WATCH = """
window.__tracks = []; window.__sounds = [];
const media = navigator.mediaDevices;
if (media && media.getUserMedia) {
  const real = media.getUserMedia.bind(media);
  media.getUserMedia = (c) => real(c).then((s) => {
    window.__tracks.push(...s.getTracks());
    return s;
  });
}
document.addEventListener("kiosk:sound", (e) => window.__sounds.push(e.detail));
"""

HIDE = """(hidden) => {
  const state = hidden ? "hidden" : "visible";
  Object.defineProperty(document, "hidden", {configurable: true, get: () => hidden});
  Object.defineProperty(document, "visibilityState", {configurable: true, get: () => state});
  document.dispatchEvent(new Event("visibilitychange"));
}"""


@pytest.fixture
def browser(browser: Any, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """Chromium with a fake camera playing ``request.param`` (scenes; HELD by default), or the
    shared browser, which has no camera, for ``None``."""
    scenes = getattr(request, "param", HELD)
    if browser is None or scenes is None:
        yield browser
        return
    video = camera_video.write_y4m(tmp_path / "camera.y4m", scenes)
    chromium = browser.browser_type.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS + camera_video.chromium_args(video))
    yield chromium
    chromium.close()


def _open(new_page: Any, allowed: bool = True, **options: Any) -> Any:
    page = new_page(permissions=["camera"] if allowed else [], **options)
    page.context.add_init_script(WATCH)  # and on the pages it opens
    log_in(page)
    return page


def _requests(page: Any) -> dict[str, list[str]]:
    """The scans and the camera frames the page sends from now on."""
    sent: dict[str, list[str]] = {"scans": [], "frames": []}
    page.on("request", lambda r: sent["scans"].append(r.post_data or "")
            if r.method == "POST" and r.url.endswith("/scan") else
            sent["frames"].append(r.url) if r.url.endswith("/scan/camera") else None)
    return sent


def _camera_on(page: Any) -> None:
    """Switch the camera on by keyboard alone: Tab from the scan field to the button."""
    page.locator("#payload").focus()
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "camera-toggle":
            break
    else:
        raise AssertionError("the camera button cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.__tracks.some((t) => t.readyState === 'live')")


def _live(page: Any, count: int) -> None:
    """Wait for the page's ``count``-th camera track, live."""
    page.wait_for_function(
        "(n) => window.__tracks.length === n && window.__tracks[n - 1].readyState === 'live'",
        arg=count)


def _states(page: Any, tracks: str = "window.__tracks") -> list[str]:
    return page.evaluate(f"() => {tracks}.map((t) => t.readyState)")


def test_a_code_held_up_to_the_camera_gets_its_verdict_once_and_enter_hands_out(new_page, app):
    page = _open(new_page, viewport={"width": 1024, "height": 768})
    sent = _requests(page)
    before = stock_count(page)
    _camera_on(page)
    panel = verdict(page, "ok")
    assert "Alice Able" in panel.inner_text()
    assert page.locator("#camera-view").is_visible()
    box = panel.bounding_box()  # the live picture leaves the whole verdict in view
    assert box["y"] + box["height"] <= 768
    assert "Hold the QR code up to the camera" in page.locator("#camera-status").inner_text()
    screenshot(page, "40-camera-verdict")

    # the proof stays in view: frames keep coming, the scan is not sent again
    page.wait_for_timeout(4000)
    assert len(sent["scans"]) == 1, sent["scans"]
    assert "payload=urn%3Auuid%3A11111111" in sent["scans"][0]
    assert len(sent["frames"]) >= 8
    assert page.evaluate("() => window.__sounds") == ["go"]  # the scanner's sound, once
    # the focus went back to the scan field, so Enter hands out as after a scanner's scan
    assert page.evaluate("() => document.activeElement.id") == "payload"
    page.keyboard.press("Enter")
    verdict(page, "handed_out")
    assert stock_count(page) == before - 1
    assert distribution_count(app) == 1
    # still in view after the hand-out: not checked again (to say "already handed out")
    page.wait_for_timeout(1500)
    assert len(sent["scans"]) == 1
    verdict(page, "handed_out")


# Alice's proof; nothing for 2 s; Alice's again; Cara's for 0.6 s; and round again to Alice's.
AWAY_AND_BACK = [(factories.ALICE_TRAUMA, 1.0), (None, 2.0), (factories.ALICE_TRAUMA, 1.0),
                 (factories.CARA_COMMUNICATION, 0.6)]


@pytest.mark.parametrize("browser", [AWAY_AND_BACK], indirect=True)
def test_a_code_is_read_again_after_it_left_the_view_for_a_while_or_another_came(new_page):
    page = _open(new_page)
    sent = _requests(page)
    _camera_on(page)
    page.wait_for_function("() => window.__sounds.length >= 5", timeout=20_000)
    who = {"urn%3Auuid%3A11111111-1111-4111-8111-111111111111": "A",
           "urn%3Auuid%3A55555555-5555-4555-8555-555555555555": "C"}
    order = "".join(who[s.split("payload=")[1]] for s in sent["scans"][:5])
    # Alice's after 2 s away: again; Cara's: new; Alice's 0.6 s after Cara's: again. (Were
    # either rule missing, Alice's and Cara's would only take turns: "ACACA".)
    assert order in ("AACAA", "ACAAC", "CAACA"), order


@pytest.mark.parametrize("browser", [HELD], indirect=True)
def test_the_camera_stops_when_switched_off_or_the_page_is_left(new_page):
    page = _open(new_page)
    _camera_on(page)
    page.get_by_role("button", name="Stop the camera").click()
    assert _states(page) == ["ended"]
    assert page.locator("#camera-view").is_hidden()

    # Switched on, then the page hidden (another tab, the window minimised): the camera lets go,
    # and comes back with the page. (Headless Chromium never hides a page: the test says so.)
    page.get_by_role("button", name="Use the camera").click()
    _live(page, 2)
    page.evaluate(HIDE, True)
    assert _states(page) == ["ended", "ended"]
    page.evaluate(HIDE, False)
    _live(page, 3)
    page.get_by_role("button", name="Stop the camera").click()

    # Switched on, then the page left: the camera lets go. Seen from the tab that opened the
    # page, which keeps hold of its tracks after it is gone.
    with page.context.expect_page() as opened:
        page.evaluate("() => { window.__desk = window.open('/scan', 'desk'); }")
    desk = opened.value
    desk.get_by_role("button", name="Use the camera").click()
    desk.wait_for_function("() => window.__tracks.some((t) => t.readyState === 'live')")
    page.evaluate("() => { window.__kept = window.__desk.__tracks.slice(); }")
    assert _states(page, "window.__kept") == ["live"]
    desk.get_by_role("link", name="Hand-outs").click()
    desk.wait_for_url("**/log")
    page.wait_for_function("() => window.__kept.every((t) => t.readyState === 'ended')")


@pytest.mark.parametrize(("browser", "allowed", "message"), [
    (None, True, NO_CAMERA),  # the shared browser: this machine has no camera
    (HELD, False, REFUSED),   # a camera, but the person said no
], indirect=["browser"])
def test_no_camera_or_a_refused_one_says_so(new_page, allowed, message):
    page = _open(new_page, allowed=allowed)
    page.get_by_role("button", name="Use the camera").click()
    status = page.locator("#camera-status")
    status.filter(has_text=message).wait_for()
    assert page.get_by_role("button", name="Use the camera").is_visible()
    assert page.locator("#camera-view").is_hidden()
    screenshot(page, "41-no-camera" if allowed else "42-camera-refused")
    # the scanner still works
    page.locator("#payload").focus()
    page.keyboard.type(factories.ALICE_TRAUMA, delay=5)
    page.keyboard.press("Enter")
    verdict(page, "ok")
