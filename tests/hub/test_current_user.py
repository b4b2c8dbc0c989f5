"""Who is logged in to the hub (``g.user``) is read once, at the start of the request, as plain
values: a service may roll the session back, empty it or remove it, and the page drawn
afterwards still knows who asks and what their login allows."""

from __future__ import annotations

import pytest
from flask import Flask, render_template

from kiosk.sync.hub.auth import requires
from kiosk.sync.hub.errors import InvalidInput
from kiosk.sync.hub.extensions import hub_db
from tests.hub.conftest import HubClient
from tests.hub.helpers import page

EMPTIED = {
    "rolled back": lambda: hub_db.session.rollback(),
    "rolled back and emptied": lambda: (hub_db.session.rollback(),
                                        hub_db.session.expunge_all()),
    "removed": lambda: hub_db.session.remove(),
}


@pytest.mark.parametrize("fail", [False, True], ids=["answer", "error page"])
@pytest.mark.parametrize("how", list(EMPTIED))
def test_the_page_after_a_service_still_knows_who_is_logged_in(hub: Flask, how: str,
                                                               fail: bool) -> None:
    @hub.post("/test/after-a-service")
    @requires("read")
    def after_a_service():  # type: ignore[no-untyped-def]
        EMPTIED[how]()
        if fail:
            raise InvalidInput("The service refused.")
        return render_template("hub/error.html", code=200, title="Done", message="Done.")

    hub.test_client_class = HubClient
    client = hub.test_client()
    assert isinstance(client, HubClient)
    client.login("viewer")

    response = client.post("/test/after-a-service")

    assert response.status_code == (400 if fail else 200)
    assert "Vic Viewer (view only)" in page(response).one("header").text
