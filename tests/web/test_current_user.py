"""Who is logged in (``g.user``) is read once, at the start of the request, as plain values: a
service may roll the session back, empty it or remove it (a sync does all three), and the page
drawn afterwards still knows who asks and what their login allows."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest
from flask import Flask, g

from kiosk.auth import requires
from kiosk.errors import InvalidInput
from kiosk.extensions import db
from kiosk.views.htmx import render
from tests.conftest import KioskClient
from tests.web.helpers import page

EMPTIED = {
    "rolled back": lambda: db.session.rollback(),
    "rolled back and emptied": lambda: (db.session.rollback(), db.session.expunge_all()),
    "removed": lambda: db.session.remove(),
}


def with_a_service_that_empties_the_session(app: Flask, empty, fail: bool) -> None:  # type: ignore[no-untyped-def]
    """A page whose service leaves the session as ``empty`` does, then answers or fails."""

    @app.post("/test/after-a-service")
    @requires("scan")
    def after_a_service():  # type: ignore[no-untyped-def]
        empty()
        if fail:
            raise InvalidInput("The service refused.")
        return render("scan.html", "partials/_verdict.html", result=None)


@pytest.mark.parametrize("fail", [False, True], ids=["answer", "error page"])
@pytest.mark.parametrize("how", list(EMPTIED))
def test_the_page_after_a_service_still_knows_who_is_logged_in(app: Flask, how: str,
                                                               fail: bool) -> None:
    with_a_service_that_empties_the_session(app, EMPTIED[how], fail)
    app.test_client_class = KioskClient
    client = app.test_client()
    assert isinstance(client, KioskClient)
    client.login("office")

    response = client.post("/test/after-a-service")

    assert response.status_code == (400 if fail else 200)
    header = page(response).one("header")
    assert "Olive Office" in header.text
    assert "Stock" in header.text and "Staff logins" not in header.text  # an office login


def test_who_is_logged_in_cannot_be_changed_by_a_page(app: Flask) -> None:
    seen = []

    @app.get("/test/who")
    @requires("scan")
    def who():  # type: ignore[no-untyped-def]
        seen.append(g.user)
        with pytest.raises(FrozenInstanceError):
            g.user.role = "admin"
        return "ok"

    app.test_client_class = KioskClient
    client = app.test_client()
    assert isinstance(client, KioskClient)
    client.login("designee")
    assert client.get("/test/who").status_code == 200
    assert (seen[0].name, seen[0].role) == ("Dee Designee", "designee")
