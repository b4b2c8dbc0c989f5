"""Every page of the hub for both district roles: what each sees, what a viewer cannot do, and
pages that work with or without JavaScript and never reach off the hub."""

from __future__ import annotations

import re

import pytest

from tests.factories import ALICE_TRAUMA, TRAUMA
from tests.hub.conftest import HX, PAGE_JACKSON, SHEPHERDSTOWN
from tests.hub.helpers import html, page, row_counts

PAGES = {
    "/": "Pins by building",
    "/exceptions": "Exceptions",
    "/exceptions?status=all": "Exceptions",
    "/buildings": "Buildings & kiosks",
    "/stock": "District stock",
    "/owed": "What is still owed",
    "/bundles": "Sync bundles",
    "/badge-data": "Badge data",
    "/hand-outs": "Hand-outs in every building",
    "/people/E1": "Alice Able E1",
}
NAV = ["Dashboard", "Exceptions", "Hand-outs", "Buildings & kiosks", "Stock", "Still owed",
       "Bundles", "Badge data"]


@pytest.fixture
def busy(district):  # type: ignore[no-untyped-def]
    """A kiosk that has reported, stock the district allocated, an open exception."""
    kiosk = district.kiosk(PAGE_JACKSON)
    district.allocate(PAGE_JACKSON, TRAUMA, 10)
    first = kiosk.hand_out(ALICE_TRAUMA, "E1", TRAUMA)
    kiosk.send(first, kiosk.hand_out(ALICE_TRAUMA, "E1", TRAUMA))
    return kiosk


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_every_page_renders_for_both_roles(busy, login_as, role):
    client = login_as(role)
    for url, heading in PAGES.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert page(response).find("h1").text == heading, url
        nav = page(response).one("nav", aria_label="Main")
        assert [a.text.split(" (")[0] for a in nav.find_all("a")][:8] == NAV, url


def test_the_nav_shows_the_open_exceptions_and_where_you_are(busy, admin):
    nav = page(admin.get("/stock")).one("nav", aria_label="Main")
    assert nav.one("a", href="/exceptions").text == "Exceptions (1 open)"
    assert nav.one("a", aria_current="page").text == "Stock"
    assert nav.one("a", href="/logins").text == "Logins"


def test_admins_see_logins_viewers_do_not(busy, admin, viewer):
    assert page(admin.get("/")).one("nav", aria_label="Main").find("a", href="/logins")
    assert page(viewer.get("/")).one("nav", aria_label="Main").find("a", href="/logins") is None
    assert viewer.get("/logins").status_code == 403
    assert "(view only)" in page(viewer.get("/")).one("header").text


def test_logged_out_visitors_go_to_the_login_page(busy, client):
    for url in [*PAGES, "/logins", "/export/dashboard.csv", "/export/exceptions.pdf"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"] == "/login", url
    hx = client.get("/stock", headers=HX)
    assert hx.status_code == 204 and hx.headers["HX-Redirect"] == "/login"


def _action_forms(response) -> list[str]:  # type: ignore[no-untyped-def]
    """The forms on a page that change something (all but logging out)."""
    return [f.get("action") or "" for f in page(response).find_all("form")
            if f.get("method") == "post" and f.get("action") != "/logout"]


def test_a_viewer_sees_no_buttons_that_change_anything(busy, viewer, admin):
    for url in PAGES:
        assert _action_forms(viewer.get(url)) == [], url
    # the admin sees them on the same pages
    assert any("/resolve" in a for a in _action_forms(admin.get("/exceptions")))
    assert {"/buildings", "/buildings/1/code"} <= set(_action_forms(admin.get("/buildings")))
    assert any(a.endswith("/revoke") for a in _action_forms(admin.get("/buildings")))
    assert {"/stock/allocate", "/stock/move"} <= set(_action_forms(admin.get("/stock")))
    assert _action_forms(admin.get("/bundles")) == ["/bundles"]
    assert _action_forms(admin.get("/badge-data")) == ["/badge-data"]
    assert _action_forms(admin.get("/logins")) == ["/logins"]


def test_a_viewer_cannot_post_anything(busy, viewer, hub, district):
    exception_id = district.open_exceptions()[0][0]
    before = row_counts(hub)
    posts = {
        f"/exceptions/{exception_id}/resolve": {"note": "Checked with the principal"},
        "/buildings": {"name": "Wildwood Middle School"},
        "/buildings/1/code": {},
        f"/kiosks/{busy.id}/revoke": {"confirmed": "yes"},
        "/stock/allocate": {"building": "1", "credential": TRAUMA, "qty": "5"},
        "/stock/move": {"from": "1", "to": "2", "credential": TRAUMA, "qty": "1"},
        "/bundles": {},
        "/badge-data": {},
        "/logins": {"name": "Eve", "pin": "1234", "role": "district_admin"},
    }
    for url, data in posts.items():
        response = viewer.post(url, data=data)
        assert response.status_code == 403, url
        assert "does not allow" in page(response).one(role="alert").text
        hx = viewer.hx_post(url, data=data)
        assert hx.status_code == 403, url
        assert hx.headers["HX-Retarget"] == "#messages", url
        assert "<html" not in html(hx), url
    assert row_counts(hub) == before


def test_the_posts_above_are_every_post_the_pages_take(hub):
    """A new form must join the viewer and CSRF tests."""
    posts = sorted(rule.rule for rule in hub.url_map.iter_rules()
                   if "POST" in (rule.methods or set()) and not rule.rule.startswith("/api/"))
    assert posts == ["/badge-data", "/buildings", "/buildings/<int:building_id>/code",
                     "/bundles", "/exceptions/<int:exception_id>/resolve",
                     "/kiosks/<kiosk_id>/revoke", "/login", "/logins", "/logout",
                     "/stock/allocate", "/stock/move"]


def test_every_htmx_attribute_sits_on_a_real_form_or_link(busy, admin):
    for url in [*PAGES, "/logins"]:
        for el in page(admin.get(url)).iter():
            hx = {k for k in el.attrs if k.startswith("hx-") and k not in (
                "hx-headers", "hx-target", "hx-swap", "hx-confirm", "hx-vals", "hx-encoding",
                "hx-push-url")}
            if not hx:
                continue
            if el.tag == "form":
                assert el.get("method") in ("get", "post") and el.get("action"), (url, el)
                verb = el.get("method")
                assert el.get(f"hx-{verb}") == el.get("action"), (url, el)
            else:
                assert el.tag == "a" and el.get("href") == el.get("hx-get"), (url, el)


def test_every_post_form_carries_the_csrf_token(busy, admin):
    for url in [*PAGES, "/logins"]:
        for form in page(admin.get(url)).find_all("form", method="post"):
            assert form.find("input", type="hidden", name="csrf_token"), (url, form)
    body = page(admin.get("/")).one("body")
    assert "X-CSRFToken" in (body.get("hx-headers") or "")


def test_fragments_are_the_panel_of_their_page(busy, admin):
    for url, panel in [("/exceptions", "exceptions-panel"), ("/buildings", "buildings-panel"),
                       ("/stock", "stock-panel"), ("/bundles", "bundles-panel"),
                       ("/badge-data", "badge-data-panel"), ("/logins", "logins-panel")]:
        full = admin.get(url)
        fragment = admin.get(url, headers=HX)
        assert "<html" in html(full) and "<html" not in html(fragment), url
        assert "HX-Request" in fragment.headers["Vary"], url
        assert page(full).one(id=panel), url
        # the fragment is what the page holds in its panel
        assert page(fragment).find("table") is not None, url


REMOTE = re.compile(r"""(src|href|action|hx-get|hx-post)=["'](https?:)?//""", re.IGNORECASE)


def test_no_page_reaches_off_the_hub(busy, admin, viewer, client):
    responses = [client.get("/login"), admin.get("/no/such/page")]
    for c in (admin, viewer):
        responses += [c.get(url) for url in [*PAGES, "/logins"]]
    for response in responses:
        assert not REMOTE.search(html(response)), response.request.path
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_a_page_that_does_not_exist_is_a_page_not_a_stack_trace(admin):
    response = admin.get("/no/such/page")
    assert response.status_code == 404
    assert page(response).one(role="alert").find("h1").text == "Not Found"
    fragment = admin.get("/no/such/page", headers=HX)
    assert fragment.headers["HX-Retarget"] == "#messages"
    assert "<html" not in html(fragment)


def test_dashboard_links_to_both_buildings_and_exports(busy, admin):
    doc = page(admin.get("/"))
    links = {a.get("href") for a in doc.find_all("a")}
    assert {"/export/dashboard.csv", "/export/dashboard.pdf", "/exceptions"} <= links
    buildings = {tr.get("data-building") for tr in doc.one(id="pins").find_all("tr")}
    assert {PAGE_JACKSON, SHEPHERDSTOWN} <= buildings
