"""The hub's Badge data page takes the URL a revocation or status list was published at, and
passes it on to the kiosks with the document (issue 12, defect 4)."""

from __future__ import annotations

import base64
import json

from sqlalchemy import select

from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import HubChange
from tests import corpus as c
from tests.hub.helpers import page
from tests.hub.test_badge_data import _upload
from tests.integration.test_revocation_lists import LIST_ID, PUBLISHED, status_list


def _documents(hub) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    with hub.app_context():
        rows = hub_db.session.scalars(select(HubChange).where(HubChange.kind == "document"))
        return [json.loads(r.data) for r in rows]


def test_the_page_passes_the_lists_url_on_to_the_kiosks(hub, admin):
    listed = json.dumps(status_list(c.make_corpus())).encode()
    response = _upload(admin, (listed, "status.json"), url=PUBLISHED)
    assert response.status_code == 200
    assert "1 Open Badges documents" in page(response).one(id="import-report").text
    (sent,) = _documents(hub)
    assert sent["url"] == PUBLISHED
    assert json.loads(base64.b64decode(str(sent["content"])))["id"] == LIST_ID


def test_a_url_for_files_without_one_list_is_refused(hub, admin):
    response = _upload(admin, (b'{"type": "Profile", "id": "https://x.example.org/i"}',
                               "profile.json"), hx=True, url=PUBLISHED)
    assert response.status_code == 400
    assert "the files hold 0" in page(response).one(role="alert").text
    assert page(response).one("input", id="url").get("value") == PUBLISHED
    assert _documents(hub) == []
