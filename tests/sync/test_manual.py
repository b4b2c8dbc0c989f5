"""A hand-out found by manual lookup reaches the hub marked manual, with its reason, and is
counted for its building; the other buildings then say "already handed out" for it."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import HubHandOut
from tests.factories import ALICE_BALANCE, ALICE_TRAUMA

from .conftest import District, sync_until_done


def test_a_manual_hand_out_reaches_the_hub_with_its_reason(district: District) -> None:
    from kiosk.services.hand_out import hand_out

    first, second, _ = district.kiosks
    nonce = str(uuid.uuid4())
    manual = first.call(lambda: hand_out(
        ALICE_TRAUMA, nonce, first.staff["designee"], print_receipt=False,
        manual=("proof_forgotten", "")).distribution.id)
    scanned = first.hand_out(ALICE_BALANCE)
    sync_until_done(first)

    def read() -> dict[str, str]:
        return {h.id: h.manual_reason for h in hub_db.session.scalars(select(HubHandOut))}

    assert district.hub.call(read) == {manual: "Proof forgotten, ID checked", scanned: ""}
    sync_until_done(second)
    assert second.verdict(ALICE_TRAUMA) == "already_issued"
