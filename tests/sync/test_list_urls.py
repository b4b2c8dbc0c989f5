"""A status list the district got at one URL, whose own id is another, reaches every kiosk
filed under that URL, and a credential naming the URL is checked against it (issue 12,
defect 4)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kiosk.sync.hub.services.badge_data import import_files as hub_import
from tests import corpus as c
from tests.integration.test_badge_import import ob3_achievement, ob3_profile
from tests.integration.test_revocation_lists import (
    INDEX,
    LIST_ID,
    PUBLISHED,
    status_list,
    token,
    write,
)

from .conftest import District, Kiosk, sync_until_done


def checked(kiosk: Kiosk, payload: str) -> dict[str, Any]:
    from kiosk.services.scan import check_proof

    return kiosk.call(lambda: check_proof(payload).as_json())  # type: ignore[no-any-return]


def test_a_list_the_hub_got_at_a_url_is_checked_at_every_kiosk_under_that_url(
        district: District, tmp_path: Path) -> None:
    corpus = c.make_corpus()
    issuer = [write(tmp_path, "issuer.json", [ob3_profile(), ob3_achievement()])]
    keys = [write(tmp_path, "jwks.json", corpus.jwks("rsa"))]
    listed = [write(tmp_path, "status.json", status_list(corpus, INDEX))]
    for files, options in ((issuer, {}), (keys, {"issuer": c.OB3_RSA}),
                           (listed, {"url": PUBLISHED})):
        report = district.hub.call(hub_import, files, **options)
        assert not report.errors, report.errors
    assert json.loads(listed[0].read_text())["id"] == LIST_ID != PUBLISHED

    for kiosk in district.kiosks:
        sync_until_done(kiosk)
        revoked = checked(kiosk, token(corpus))
        assert revoked["reason"] == "revoked", revoked
        (entry,) = revoked["checked"]["revocation"]["lists"]
        assert (entry["url"], entry["checked"], entry["filed_as"]) == (PUBLISHED, True, LIST_ID)
        fine = checked(kiosk, token(corpus, index=INDEX + 1))
        assert fine["reason"] == "ok" and fine["checked"]["revocation"]["checked"] is True

    # the same file again changes nothing; published at another URL too, it is sent again
    again = district.hub.call(hub_import, listed, url=PUBLISHED)
    assert again.documents == 0
    moved = "https://ob3.example.org/lists/moved-7"
    assert district.hub.call(hub_import, listed, url=moved).documents == 1
    kiosk = district.kiosks[0]
    assert checked(kiosk, token(corpus, list_url=moved))["checked"]["revocation"][
        "checked"] is False
    sync_until_done(kiosk)
    assert checked(kiosk, token(corpus, list_url=moved))["reason"] == "revoked"
