"""Offline means offline: no page reaches for anything outside the kiosk."""

from __future__ import annotations

import re

import pytest

from tests import factories
from tests.web.dom import parse
from tests.web.helpers import HX, hand_out, html, page, scan

REMOTE = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)""", re.IGNORECASE)
LINK_ATTRS = ("src", "href", "action", "hx-get", "hx-post", "srcset", "poster", "data",
              "formaction")


def _remote_references(text: str) -> list[str]:
    found = []
    for el in parse(text).iter():
        for attr in LINK_ATTRS:
            value = el.get(attr)
            if value and REMOTE.match(value):
                found.append(f"<{el.tag} {attr}={value!r}>")
        style = el.get("style") or ""
        found += [u for u in CSS_URL.findall(style) if REMOTE.match(u)]
    found += [u for u in CSS_URL.findall(text) if REMOTE.match(u)]
    found += re.findall(r"@import\s+['\"]?(?:https?:)?//[^'\";]+", text)
    return found


def _pages(app, client, login_as):  # type: ignore[no-untyped-def]
    """Every page a person can reach, with each role, plus the error pages."""
    responses = {
        "login": client.get("/login"),
        "login refused": client.post("/login", data={"name": "x", "pin": "0"}),
        "not found, logged out": client.get("/no/such/page"),
    }
    admin = login_as("admin")
    designee = login_as("designee")
    done = hand_out(designee, factories.ALICE_TRAUMA, hx=False)
    responses.update({
        "scan": designee.get("/scan"),
        "verdict ok (badgr link)": scan(designee, factories.BADGR_URL, hx=False),
        "verdict ok fragment": scan(designee, factories.ALICE_BALANCE, hx=True),
        "verdict revoked": scan(designee, factories.BOB_REVOKED, hx=False),
        "verdict out of stock": scan(designee, factories.CARA_CHALLENGES, hx=False),
        "handed out": done,
        "log": designee.get("/log"),
        "stock": admin.get("/stock"),
        "stock fragment": admin.get("/stock", headers=HX),
        "users": admin.get("/users"),
        "settings": admin.get("/settings"),
        "forbidden": designee.get("/users"),
        "not found": designee.get("/no/such/page"),
        "method not allowed": designee.get("/hand-out"),
        "damaged form": designee.post("/hand-out", data={"nonce": "x"}),
    })
    return responses


def test_no_page_references_a_remote_url(app, client, login_as):
    for name, response in _pages(app, client, login_as).items():
        assert response.status_code < 500, name
        assert _remote_references(html(response)) == [], name


def test_every_asset_a_page_uses_is_served_by_the_kiosk(app, client, login_as):
    responses = _pages(app, client, login_as)
    assets = set()
    for response in responses.values():
        for el in page(response).iter():
            if el.tag in ("script", "img") and el.get("src"):
                assets.add(el.get("src"))
            if el.tag == "link" and el.get("href"):
                assets.add(el.get("href"))
    assert "/static/vendor/htmx/htmx.min.js" in assets
    for url in assets:
        with client.get(url) as response:
            assert response.status_code == 200, url
            assert _remote_references(response.get_data(as_text=True)) == [], url


def test_htmx_is_vendored_with_its_licence(client):
    with client.get("/static/vendor/htmx/htmx.min.js") as response:
        assert response.status_code == 200
        assert "javascript" in response.mimetype
        assert b"htmx" in response.get_data()
    with client.get("/static/vendor/htmx/LICENSE") as licence:
        assert licence.status_code == 200


def test_the_stylesheet_uses_no_web_fonts_or_remote_images(client):
    with client.get("/static/kiosk.css") as response:
        css = response.get_data(as_text=True)
    assert _remote_references(css) == []


@pytest.mark.parametrize("url", ["/login", "/scan", "/no/such/page", "/static/kiosk.js"])
def test_every_response_carries_a_content_security_policy(designee, url):
    with designee.get(url) as response:
        policy = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy


def test_htmx_cannot_be_told_to_run_script(designee):
    """Swapped fragments never run inline script: htmx's eval and script tags are off, and the
    policy forbids inline script."""
    doc = page(designee.get("/scan"))
    config = doc.one("meta", name="htmx-config").get("content") or ""
    assert '"allowEval": false' in config
    assert '"allowScriptTags": false' in config
    policy = designee.get("/scan").headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert all(s.get("src") for s in doc.find_all("script"))
