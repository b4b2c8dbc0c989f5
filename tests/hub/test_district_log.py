"""The district hand-out log (GET /hand-outs, /hand-outs.csv), on SQLite and PostgreSQL: every
building's hand-outs and voids, searched by name, employee number, receipt, building, pin,
dates, manual or voided; results as they are typed, the search in the address; pages by keyset
that neither skip nor repeat a hand-out, even among hand-outs at the same moment; the same
search as a CSV a spreadsheet cannot run."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import utcnow
from kiosk.sync.hub.services import district_log
from kiosk.sync.hub.services.district_search import parse_search
from tests.factories import ALICE_BALANCE, ALICE_TRAUMA, BALANCE, BOB_TRAUMA, TRAUMA
from tests.hub.conftest import PAGE_JACKSON, SHEPHERDSTOWN
from tests.hub.helpers import csv_rows, html, page
from tests.hub.log_helpers import (
    FORMULA_AWARD,
    FORMULA_NAME,
    HOSTILE_AWARD,
    SCRIPT_NAME,
    hand_out_at,
    hostile_roster,
    write_hand_outs,
)
from tests.hub.stores import hub_store, postgres_ready, store_hub  # noqa: F401


@pytest.fixture
def hub(store_hub: Callable[..., Flask]) -> Flask:  # noqa: F811  (the fixture)
    return store_hub(TIMEZONE="America/New_York")


NOW = utcnow().replace(hour=15, minute=0, second=0, microsecond=0)


@pytest.fixture
def log(district):  # type: ignore[no-untyped-def]
    """Alice's Trauma pin at Page Jackson ten days ago; her Balance pin there five days ago,
    by manual lookup; Bob's Trauma pin at Shepherdstown yesterday, voided."""
    north, south = district.kiosk(PAGE_JACKSON), district.kiosk(SHEPHERDSTOWN)
    alice = hand_out_at(north, ALICE_TRAUMA, "E1", TRAUMA, NOW - timedelta(days=10),
                        "PJE-00001")
    manual = hand_out_at(north, ALICE_BALANCE, "E1", BALANCE, NOW - timedelta(days=5),
                         "PJE-00002", manual_reason="QR code torn")
    bob = hand_out_at(south, BOB_TRAUMA, "E2", TRAUMA, NOW - timedelta(days=1), "SMS-00001")
    assert north.send(alice, manual) == ["accepted"] * 2
    assert south.send(bob, south.void(bob, "wrong person")) == ["accepted"] * 2
    return {"alice": alice["payload"]["distribution_id"],
            "manual": manual["payload"]["distribution_id"],
            "bob": bob["payload"]["distribution_id"]}


def _ids(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [tr.get("data-hand-out") for tr in page(response).one(id="district-log")
            .one("tbody").find_all("tr", data_hand_out=True)]


def test_every_buildings_hand_outs_and_voids_newest_first(log, viewer):
    response = viewer.get("/hand-outs")
    assert response.status_code == 200
    assert _ids(response) == [log["bob"], log["manual"], log["alice"]]
    rows = page(response).one(id="district-log").one("tbody").find_all("tr")
    bob = rows[0]
    assert bob.get("class") == "voided" and "Voided: wrong person" in bob.text
    assert SHEPHERDSTOWN in bob.text and "Bob Baker" in bob.text and "E2" in bob.text
    assert bob.one("a", class_="person").get("href") == "/people/E2"
    assert "manual" in rows[1].one("td", class_="receipt").text
    assert "3 hand-outs, newest first." in page(response).one(id="log-count").text


@pytest.mark.parametrize(("query", "expected"), [
    ({"q": "alice"}, ["manual", "alice"]),
    ({"q": "abl"}, ["manual", "alice"]),  # the start of a last name
    ({"q": "ALICE able"}, ["manual", "alice"]),
    ({"q": "E2"}, ["bob"]),  # an employee number
    ({"q": "pje-00001"}, ["alice"]),  # a receipt, as typed
    ({"q": "SMS-00001"}, ["bob"]),
    ({"q": "nobody"}, []),
    ({"pin": BALANCE}, ["manual"]),
    ({"show": "manual"}, ["manual"]),
    ({"show": "voided"}, ["bob"]),
    ({"show": "standing"}, ["manual", "alice"]),
    ({"from": (NOW - timedelta(days=6)).date().isoformat()}, ["bob", "manual"]),
    ({"to": (NOW - timedelta(days=6)).date().isoformat()}, ["alice"]),
    ({"q": "alice", "pin": TRAUMA}, ["alice"]),
    # three words and more (an apostrophe makes two of O'B): each the start of one of hers
    ({"q": "Alice Able E1"}, ["manual", "alice"]),
    ({"q": "ali abl e1"}, ["manual", "alice"]),
    ({"q": "Alice O'B"}, []),
])
def test_search_filters(log, viewer, query, expected):
    response = viewer.get("/hand-outs", query_string=query)
    assert response.status_code == 200
    assert _ids(response) == [log[k] for k in expected], query


def test_search_by_building(log, district, viewer):
    north = district.building_id(PAGE_JACKSON)
    response = viewer.get(f"/hand-outs?building={north}")
    assert _ids(response) == [log["manual"], log["alice"]]
    chosen = page(response).one("select", id="log-building").one("option", selected=True)
    assert chosen.text == PAGE_JACKSON


def test_results_as_typed_with_the_search_in_the_address(log, viewer):
    response = viewer.hx_get("/hand-outs?q=alice&show=&pin=")
    assert response.status_code == 200
    assert "<h1>" not in html(response)  # the fragment only
    assert response.headers["HX-Push-Url"] == "/hand-outs?q=alice"
    assert "HX-Request" in response.headers["Vary"]
    doc = page(response)
    assert doc.one(id="log-count").get("hx-swap-oob") == "innerHTML"
    assert doc.one(id="log-csv").get("href") == "/hand-outs.csv?q=alice"
    form = page(viewer.get("/hand-outs?q=alice")).one("form", id="log-search")
    assert form.get("method") == "get" and form.get("action") == "/hand-outs"
    assert form.one("input", name="q").get("value") == "alice"  # the bookmark shows it


def test_what_cannot_be_read_is_left_out_and_said(log, viewer):
    response = viewer.get("/hand-outs?from=yesterday&show=everything&building=99999999999"
                          "&after=not%20an%20id")
    assert response.status_code == 200
    count = page(response).one(id="log-count").text
    assert "The From date was left out" in count and "Showing all hand-outs" in count
    assert len(_ids(response)) == 3


def _walk(client, address: str, link: str) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    """Every hand-out id from ``address`` following the ``link`` pages, and the addresses."""
    seen, addresses = [], []
    while address:
        addresses.append(address)
        response = client.get(address)
        assert response.status_code == 200
        seen += _ids(response)
        nxt = page(response).find("a", id=link)
        address = nxt.get("href") if nxt is not None else ""
    return seen, addresses


def test_keyset_pages_neither_skip_nor_repeat_at_equal_times(district, hub, viewer):
    kiosk = district.kiosk(PAGE_JACKSON)
    moment = NOW - timedelta(hours=2)
    # 130 hand-outs, 70 of them at the very same moment (a bulk import, a clock that stuck)
    rows = [(str(uuid.uuid4()), moment) for _ in range(70)]
    rows += [(str(uuid.uuid4()), moment - timedelta(minutes=n % 9)) for n in range(60)]
    write_hand_outs(hub, kiosk, district.building_id(PAGE_JACKSON), rows)
    expected = [i for i, _ in sorted(rows, key=lambda r: (r[1], r[0]), reverse=True)]
    older, addresses = _walk(viewer, "/hand-outs", "log-older")
    assert older == expected and len(addresses) == 3
    assert "after" in parse_qs(urlsplit(addresses[1]).query)
    newer, _ = _walk(viewer, addresses[-1], "log-newer")
    back = [i for address in reversed(_walk(viewer, addresses[-1], "log-newer")[1])
            for i in _ids(viewer.get(address))]
    assert back == expected and len(newer) == len(expected)
    # and seven at a time through the service, both ways
    with hub.test_request_context():
        search, walked, pages = parse_search({}), [], []
        while True:
            found = district_log.search(search, size=7)
            walked += [r.id for r in found.rows]
            pages.append(found)
            if found.older is None:
                break
            search = found.older
        assert walked == expected
        assert len({len(p.rows) for p in pages[:-1]}) == 1
        back = []
        search = pages[-1].newer
        while search is not None:
            found = district_log.search(search, size=7)
            back = [r.id for r in found.rows] + back
            search = found.newer
        assert back + [r.id for r in pages[-1].rows] == expected
        hub_db.session.remove()


def test_the_csv_is_the_search_streamed_and_defused(log, district, viewer):
    hostile_roster(district)
    north = district.kiosk(PAGE_JACKSON)
    north.send(hand_out_at(north, HOSTILE_AWARD, "E66", TRAUMA, NOW, "PJE-00010"),
               hand_out_at(north, FORMULA_AWARD, "E67", TRAUMA, NOW, "PJE-00011",
                           manual_reason="=1+2"))
    response = viewer.get("/hand-outs.csv")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = csv_rows(response)
    receipts = [r["receipt"] for r in rows]  # oldest first; one moment's in the order of ids
    assert receipts[:3] == ["PJE-00001", "PJE-00002", "SMS-00001"]
    assert sorted(receipts[3:]) == ["PJE-00010", "PJE-00011"]
    by_receipt = {r["receipt"]: r for r in rows}
    assert by_receipt["PJE-00010"]["person"] == SCRIPT_NAME  # text, as written
    assert by_receipt["PJE-00011"]["person"] == "'" + FORMULA_NAME  # never a formula
    assert by_receipt["PJE-00011"]["manual_reason"] == "'=1+2"
    assert by_receipt["SMS-00001"]["void_reason"] == "wrong person"
    assert by_receipt["SMS-00001"]["building"] == SHEPHERDSTOWN
    assert by_receipt["PJE-00001"]["handed_out_at"].endswith(("-05:00", "-04:00"))
    filtered = csv_rows(viewer.get("/hand-outs.csv?q=alice&show=manual"))
    assert [r["receipt"] for r in filtered] == ["PJE-00002"]
    assert csv_rows(viewer.get("/hand-outs.csv?q=nobody")) == []


def test_hostile_names_are_text_on_the_page(log, district, viewer):
    hostile_roster(district)
    north = district.kiosk(PAGE_JACKSON)
    north.send(hand_out_at(north, HOSTILE_AWARD, "E66", TRAUMA, NOW, "PJE-00010"))
    body = html(viewer.get("/hand-outs?q=mallory"))
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Mallory" in body


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_every_district_login_reads_the_log(log, login_as, role):
    client = login_as(role)
    assert client.get("/hand-outs").status_code == 200
    assert client.get("/hand-outs.csv").status_code == 200
    nav = page(client.get("/hand-outs")).one("nav", aria_label="Main")
    assert nav.one("a", href="/hand-outs").get("aria-current") == "page"


def test_the_log_needs_a_login(log, client):
    for address in ("/hand-outs", "/hand-outs.csv"):
        response = client.get(address)
        assert response.status_code == 302 and response.headers["Location"] == "/login"
