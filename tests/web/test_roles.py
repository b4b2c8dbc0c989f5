"""Who may open which page: designee, office, admin, and nobody logged in."""

from __future__ import annotations

import pytest

from tests import factories
from tests.web.helpers import HX, html, page

PAGES = ["/scan", "/log", "/stock", "/log.csv", "/users", "/settings", "/slips", "/printer",
         "/sync", "/lookup?q=alice", f"/lookup/award?award={factories.ALICE_TRAUMA}",
         "/reports", "/waitlist"]
DESK = {"/scan", "/log", "/printer", "/sync", "/lookup?q=alice",
        f"/lookup/award?award={factories.ALICE_TRAUMA}"}
ALLOWED = {
    "designee": DESK,
    "office": DESK | {"/stock", "/log.csv", "/reports", "/waitlist"},
    "admin": set(PAGES),
}


@pytest.mark.parametrize("url", PAGES)
def test_nobody_logged_in_is_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


@pytest.mark.parametrize("url", PAGES)
def test_nobody_logged_in_htmx_gets_a_redirect_header(client, url):
    response = client.get(url, headers=HX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/login"


@pytest.mark.parametrize(
    "url", ["/scan", "/hand-out", "/waitlist", "/stock/receive", "/users", "/settings",
            "/settings/printer", "/settings/printer/test", "/printer/retry", "/printer/test",
            "/printer/jobs/1/cancel", "/sync/now", "/sync/enroll", "/sync/export"])
def test_nobody_logged_in_cannot_post(client, app, url):
    response = client.post(url, data={"payload": factories.ALICE_TRAUMA, "name": "Eve Evil",
                                      "pin": "1234", "role": "admin", "qty": "5",
                                      "credential": factories.TRAUMA})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


def test_the_home_page_leads_to_the_scan_page(client):
    assert client.get("/").headers["Location"] == "/scan"


@pytest.mark.parametrize("role", ["designee", "office", "admin"])
@pytest.mark.parametrize("url", PAGES)
def test_each_role_opens_only_its_pages(login_as, role, url):
    client = login_as(role)
    response = client.get(url)
    if url in ALLOWED[role]:
        assert response.status_code == 200, html(response)
    else:
        assert response.status_code == 403
        assert "Your login does not allow this" in page(response).one(role="alert").text
        assert "<html" in html(response)


@pytest.mark.parametrize("role", ["designee", "office", "admin"])
def test_the_menu_shows_only_what_the_role_may_open(login_as, role):
    client = login_as(role)
    links = {a.get("href") for a in page(client.get("/scan")).one("nav").find_all("a")}
    assert links == ({"/scan", "/log", "/stock", "/users", "/settings", "/slips", "/printer",
                      "/sync", "/reports"} & ALLOWED[role])


def test_a_refused_htmx_request_gets_an_error_fragment(designee):
    response = designee.get("/stock", headers=HX)
    assert response.status_code == 403
    assert "<html" not in html(response)
    assert page(response).one(role="alert").get("data-status") == "403"


def test_a_designee_cannot_receive_stock_or_add_logins(designee, app):
    from tests.web.helpers import pins_on_hand

    shipment = designee.post("/stock/receive", data={"credential": factories.TRAUMA,
                                                      "qty": "5"})
    assert shipment.status_code == 403
    assert pins_on_hand(app, factories.TRAUMA) == 10
    new_login = designee.post("/users", data={"name": "Eve Evil", "pin": "1234",
                                              "role": "admin"})
    assert new_login.status_code == 403
    assert designee.post("/login", data={"name": "Eve Evil", "pin": "1234"}).status_code == 401


def test_office_cannot_change_logins(office, app):
    from tests.web.helpers import user_id

    own_id = user_id(app, "office")
    response = office.post(f"/users/{own_id}", data={"role": "admin", "active": "yes"})
    assert response.status_code == 403
    assert office.get("/users").status_code == 403
