"""Void a hand-out: a new event, never an update. Stock comes back; the pin can go out again."""

from __future__ import annotations

import uuid

from kiosk.sync.outbox import add_event

from ..db import write_transaction
from ..domain.staff import may_void
from ..domain.text import typed_text
from ..errors import InvalidInput, NotAllowed, NotFound
from ..models import Distribution, StaffUser, StockMovement, Void, utcnow
from . import lookups


def void_hand_out(distribution_id: str, staff_id: int, reason: str) -> Void:
    reason = typed_text(reason or "", 500)
    if len(reason) < 3:
        raise InvalidInput("Say why the hand-out is being voided (a few words).")
    now = utcnow()
    with write_transaction() as session:
        dist = session.get(Distribution, distribution_id)
        if dist is None:
            raise NotFound("There is no such hand-out.")
        if dist.void is not None:
            raise InvalidInput(f"Receipt {dist.receipt} was already voided.")
        staff = session.get(StaffUser, staff_id)
        if staff is None or not may_void(staff.role, staff.id, dist.staff_user_id,
                                         dist.handed_out_at, now, lookups.timezone()):
            raise NotAllowed(
                "Designees can void only their own hand-outs, on the day they were made."
            )
        void = Void(id=str(uuid.uuid4()), distribution_id=dist.id, staff_user_id=staff.id,
                    reason=reason[:500], voided_at=now)
        session.add(void)
        session.flush()  # a second void of the same hand-out stops here (unique)
        session.add(StockMovement(credential_id=dist.credential_id, kind="voided", qty=1,
                                  at=now, staff_user_id=staff.id, distribution_id=dist.id,
                                  note=reason[:500]))
        add_event(session, "hand_out_voided", {
            "void_id": void.id,
            "distribution_id": dist.id,
            "credential": dist.credential.name,
            "receipt": dist.receipt,
            "staff": staff.name,
            "reason": void.reason,
            "voided_at": now.isoformat(),
        })
        return void
