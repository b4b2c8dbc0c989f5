"""The hand-out log searched and paged (issue 13): by name, employee number, receipt, pin,
staff member, dates, voided or manual; 50 at a time by keyset; the search in the address; a
designee's own hand-outs only."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import Credential, StaffUser
from tests import factories
from tests.log_data import LONG_PIN, fill_log
from tests.web.helpers import HX, html, is_full_page, page


@pytest.fixture
def log(app, tmp_path):  # type: ignore[no-untyped-def]
    return fill_log(app, tmp_path, 60)


def receipts(response) -> list[str]:  # type: ignore[no-untyped-def]
    """The receipts a page or fragment of the log shows, top to bottom."""
    rows = page(response).find_all("tr")
    return [row.one("td", class_="receipt").one("strong").text for row in rows
            if (row.get("id") or "").startswith("hand-out-")]


def newest(given, keep=lambda g: True) -> list[str]:  # type: ignore[no-untyped-def]
    return [g.receipt for g in reversed(given) if keep(g)]


def ids(app, model, column) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        found = dict(db.session.execute(select(column, model.id)).all())
        db.session.remove()
    return found


def test_the_log_shows_the_newest_fifty_and_pages_back_by_keyset(office, log):
    first = office.get("/log")
    assert receipts(first) == newest(log)[:50]
    older = page(first).one("a", id="log-older")
    assert older.get("href") == f"/log?after={int(log[10].receipt[-5:])}"
    assert page(first).find("a", id="log-newer") is None
    second = office.get(older.get("href"))
    assert receipts(second) == newest(log)[50:]
    assert page(second).find("a", id="log-older") is None
    back = page(second).one("a", id="log-newer").get("href")
    assert receipts(office.get(back)) == newest(log)[:50]


def test_a_page_deep_in_the_log_stays_put_while_hand_outs_come_in(app, office, log, tmp_path):
    address = page(office.get("/log")).one("a", id="log-older").get("href")
    before = receipts(office.get(address))
    [new] = fill_log(app, tmp_path, 1, start=60)
    assert receipts(office.get(address)) == before
    assert receipts(office.get("/log")) == [new.receipt, *newest(log)[:49]]


@pytest.mark.parametrize(("typed", "keep"), [
    ("zoe kel", lambda g: g.person.startswith("Zoë Keller")),  # without the accent
    ("ZOË", lambda g: g.person.startswith("Zoë")),
    ("sor", lambda g: "Sørensen" in g.person),  # a part after a hyphen
    ("obrien", lambda g: "O'Brien" in g.person),
    ("L1012", lambda g: g.employee_id == "L1012"),  # an employee number
    ("l1012@example.org", lambda g: g.employee_id == "L1012"),  # an email
])
def test_a_name_employee_number_or_email_finds_their_hand_outs(office, log, typed, keep):
    assert receipts(office.get("/log", query_string={"q": typed})) == newest(log, keep)


@pytest.mark.parametrize("typed", ["PJE-00007", "pje 7", "7", "00007"])
def test_a_receipt_number_finds_its_hand_out(office, log, typed):
    assert receipts(office.get("/log", query_string={"q": typed})) == [log[6].receipt]


def test_a_name_nobody_has_finds_nothing_and_says_so(office, log):
    response = office.get("/log", query_string={"q": "Zebedee"})
    assert receipts(response) == []
    assert "No hand-outs match this search." in page(response).one(id="log-count").text


def test_pin_staff_member_and_kind_narrow_the_log(app, office, log):
    pins = ids(app, Credential, Credential.name)
    staff = ids(app, StaffUser, StaffUser.name)
    long_pin = office.get("/log", query_string={"pin": pins[LONG_PIN]})
    assert receipts(long_pin) == newest(log, lambda g: g.credential == LONG_PIN)
    by_dee = office.get("/log", query_string={"staff": staff["Dee Designee"], "pin":
                                              pins[LONG_PIN]})
    assert receipts(by_dee) == newest(log, lambda g: g.credential == LONG_PIN
                                      and g.staff == "designee")
    manual = office.get("/log", query_string={"show": "manual"})
    assert receipts(manual) == newest(log, lambda g: g.manual)
    assert all(row.find("span", class_="tag") for row in page(manual).one("tbody")
               .find_all("tr"))


def test_a_date_range_is_the_building_s_days_both_included(app, office, log):
    tz = ZoneInfo(app.config["TIMEZONE"])
    day = (log[-1].at - timedelta(days=3)).astimezone(tz).date()
    response = office.get("/log", query_string={"from": day.isoformat(),
                                                "to": (day + timedelta(days=1)).isoformat()})
    assert receipts(response) == newest(log, lambda g: day <= g.at.astimezone(tz).date()
                                        <= day + timedelta(days=1))
    assert 5 <= len(receipts(response)) <= 8


def test_voids_show_beside_what_they_void_and_can_be_searched(office, log):
    voided = log[-1]
    row_id = f"hand-out-{int(voided.receipt[-5:])}"
    form = page(office.get("/log")).one("tr", id=row_id).one("details").one("form")
    response = office.hx_post(form.get("action"), data={"reason": "wrong person"})
    assert response.status_code == 200
    only = office.get("/log", query_string={"show": "voided"})
    assert receipts(only) == [voided.receipt]
    row = page(only).one("tr", id=row_id)
    assert "voided" in row.classes
    assert "Voided: wrong person" in row.text and "by Olive Office" in row.text
    standing = office.get("/log", query_string={"show": "standing"})
    assert receipts(standing) == newest(log)[1:51]


def test_a_search_is_an_address_and_an_htmx_answer(office, log):
    address = "/log?" + urlencode({"q": "zoe", "show": "", "from": "", "pin": ""})
    plain, fragment = office.get(address), office.get(address, headers=HX)
    assert is_full_page(plain) and not is_full_page(fragment)
    assert receipts(plain) == receipts(fragment)
    assert page(plain).one("input", id="log-q").get("value") == "zoe"  # the form shows it
    assert fragment.headers["HX-Push-Url"] == "/log?q=zoe"  # empty fields left out
    assert "HX-Request" in fragment.headers["Vary"]
    count = page(fragment).one(id="log-count")
    assert count.get("hx-swap-oob") == "innerHTML" and "match this search" in count.text
    csv_link = page(fragment).one("a", id="log-csv")
    assert (csv_link.get("href"), csv_link.get("hx-swap-oob")) == ("/log.csv?q=zoe", "true")
    restored = office.get(address, headers={**HX, "HX-History-Restore-Request": "true"})
    assert is_full_page(restored)  # the back button gets the whole page


def test_what_cannot_be_read_is_said_and_the_rest_searched(office, log):
    response = office.get("/log", query_string={"from": "last week", "q": "zoe kel",
                                                "after": "x", "pin": "999"})
    assert response.status_code == 200
    assert "The From date was left out" in page(response).one(id="log-count").text
    assert receipts(response) == []  # no such pin
    gone = office.get("/log", query_string={"after": "99999"}, headers=HX)  # no such receipt
    assert receipts(gone) == newest(log)[:50]
    assert gone.headers["HX-Push-Url"] == "/log"


def test_the_csv_takes_the_search_and_stays_formula_safe(office, log):
    response = office.get("/log.csv", query_string={"q": "zoe kel", "after": "40"})
    assert response.is_streamed
    data = response.get_data()
    assert data.startswith("\ufeff".encode()) and b"\r\n" in data and b"\n\n" not in data
    lines = data.decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == list(reversed(newest(
        log, lambda g: g.person.startswith("Zoë Keller"))))  # oldest first, every page


def test_a_designee_sees_and_searches_their_own_hand_outs_only(app, designee, log):
    staff = ids(app, StaffUser, StaffUser.name)
    mine = newest(log, lambda g: g.staff == "designee")
    first = designee.get("/log")
    assert page(first).one("h1").text == "My hand-outs"
    assert page(first).find("select", id="log-staff") is None
    assert page(first).find("a", id="log-csv") is None
    assert receipts(first) == mine[:50]
    asked = designee.get("/log", query_string={"staff": staff["Olive Office"]})
    assert receipts(asked) == mine[:50]  # the staff member asked for is not theirs to ask
    theirs = [g for g in log if g.staff == "office"][0]
    assert receipts(designee.get("/log", query_string={"q": theirs.employee_id})) == []
    assert receipts(designee.get("/log", query_string={"q": theirs.receipt})) == []


def test_each_date_shows_on_one_line_in_the_building_s_time(app, office, log):
    tz = ZoneInfo(app.config["TIMEZONE"])
    cell = page(office.get("/log")).one("tbody").find_all("tr")[0].one("td", class_="when")
    assert cell.text == log[-1].at.astimezone(tz).strftime("%d %b %Y %H:%M")
    assert cell.one("time").get("datetime") == log[-1].at.isoformat()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["q", "pin", "staff", "from", "to", "show", "after",
                                        "before"]),
                       st.text(max_size=30) | st.sampled_from(["1", "7", "2026-12-01"])),
       st.booleans())
def test_any_search_is_answered_with_a_page_never_an_error(office, args, hx):
    response = office.get("/log", query_string=args, headers=HX if hx else {})
    assert response.status_code == 200, html(response)[-2000:]
    assert office.get("/log.csv", query_string=args).status_code == 200


def test_hostile_text_in_a_search_comes_back_escaped(office):
    typed = '<script>alert(1)</script>"'
    text = html(office.get("/log", query_string={"q": typed}))
    assert "<script>alert" not in text
    assert factories.BUILDING in text
