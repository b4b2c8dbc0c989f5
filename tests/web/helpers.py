"""Helpers for the web tests: read pages like a person does and drive the scan loop."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from kiosk.extensions import db
from kiosk.models import Distribution, StockMovement, WaitlistEntry
from kiosk.services.lookups import credential_named, on_hand
from tests.web.dom import Element, parse

HX = {"HX-Request": "true"}


def html(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def page(response: TestResponse) -> Element:
    return parse(html(response))


def is_full_page(response: TestResponse) -> bool:
    return "<html" in html(response)


def verdict(response: TestResponse) -> Element:
    """The verdict panel (the section that carries a reason code) in a page or fragment."""
    return page(response).one("section", class_="verdict", data_reason=True)


def reason(response: TestResponse) -> str:
    return verdict(response).get("data-reason") or ""


def stock_counter(node: Element) -> Element:
    return node.one(id="stock-counter")


def stock_counts(node: Element) -> dict[str, int]:
    """What the stock counter shows: credential name -> pins on hand."""
    counts = {}
    for item in stock_counter(node).find_all("span", class_="stock-item"):
        count = item.one("strong", class_="stock-count")
        counts[item.get("data-credential") or ""] = int(count.text)
    return counts


def scan(client: Any, payload: str, hx: bool = True) -> TestResponse:
    if hx:
        return client.hx_post("/scan", data={"payload": payload})
    return client.post("/scan", data={"payload": payload})


def hand_out_form(response: TestResponse) -> dict[str, str]:
    """The fields of the "Hand out pin" form on an ok verdict."""
    form = page(response).one("form", id="hand-out-form")
    return {el.get("name") or "": el.get("value") or ""
            for el in form.find_all("input", type="hidden")}


def press_hand_out(client: Any, form: dict[str, str], hx: bool = True) -> TestResponse:
    data = {"payload": form["payload"], "nonce": form["nonce"]}
    if hx:
        return client.hx_post("/hand-out", data=data)
    return client.post("/hand-out", data=data)


def hand_out(client: Any, payload: str, hx: bool = True) -> TestResponse:
    """Scan ``payload``, expect a green verdict, and press "Hand out pin"."""
    checked = scan(client, payload, hx=hx)
    assert reason(checked) == "ok", html(checked)
    response = press_hand_out(client, hand_out_form(checked), hx=hx)
    assert response.status_code == 200, html(response)
    return response


def receipt_no(response: TestResponse) -> str:
    return page(response).one(class_="receipt-no").text


def void_url(response: TestResponse) -> str:
    """Where the "Void hand-out" form on a page posts to."""
    actions = [f.get("action") or "" for f in page(response).find_all("form")]
    voids = [a for a in actions if a.endswith("/void")]
    assert len(voids) == 1, actions
    return voids[0]


def distribution_count(app: Flask) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(Distribution))
        db.session.remove()
        return int(n or 0)


def distribution_ids(app: Flask) -> list[str]:
    with app.app_context():
        ids = list(db.session.scalars(select(Distribution.id).order_by(Distribution.receipt_no)))
        db.session.remove()
        return ids


def movement_count(app: Flask) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(StockMovement))
        db.session.remove()
        return int(n or 0)


def waitlist_count(app: Flask) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(WaitlistEntry))
        db.session.remove()
        return int(n or 0)


def pins_on_hand(app: Flask, credential: str) -> int:
    with app.app_context():
        n = on_hand(credential_named(credential).id)
        db.session.remove()
        return n


def add_award(app: Flask, folder: Any, name: str, award_id: str, credential: str,
              employee_id: str = "E900") -> None:
    """Import one more roster row (a new staff member with one award) the way the district
    roster arrives."""
    from kiosk.services.cache_import import import_files
    from tests import factories

    row = [employee_id, name, "new@example.org", factories.BUILDING, credential, "2024-03-01",
           award_id, "", "false", ""]
    path = factories.write_csv(folder / f"roster-{employee_id}.csv", factories.ROSTER_HEADER,
                               [row])
    with app.app_context():
        report = import_files([path])
        db.session.remove()
    assert not report.errors, report.errors


def add_login(app: Flask, name: str, pin: str, role: str) -> int:
    from kiosk.services.accounts import create_user

    with app.app_context():
        user_id = create_user(name, pin, role).id
        db.session.remove()
    return user_id


def user_id(app: Flask, role: str) -> int:
    from tests import factories

    with app.app_context():
        found = factories.staff_id(role)
        db.session.remove()
    return found
