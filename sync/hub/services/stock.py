"""District stock: allocate pins to a building, move pins between buildings. Each becomes a
line in the hub's ledger and a change that the building's kiosk applies on its next sync."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from kiosk.domain.text import typed_text

from ..db import MAX_ID, hub_transaction
from ..errors import InvalidInput, NotFound
from ..models import HubBuilding, HubCredential, HubStock, utcnow
from . import changes, reconcile
from .accounts import name_key

MAX_QTY = 100_000


def _pin(session, credential: str) -> HubCredential:  # type: ignore[no-untyped-def]
    cred = session.scalar(select(HubCredential).where(
        HubCredential.name_key == name_key(credential)))
    if cred is None:
        raise NotFound(f"There is no credential named {credential!r} in the catalogue.")
    if not cred.has_pin:
        raise InvalidInput(f"{cred.name} has no pin.")
    return cred


def _qty(qty: object) -> int:
    try:
        value = int(str(qty).strip())
    except ValueError:
        raise InvalidInput("The quantity is a whole number above zero.") from None
    if not 0 < value <= MAX_QTY:
        raise InvalidInput(f"The quantity is between 1 and {MAX_QTY:,}.")
    return value


def _building(session, building_id: object,  # type: ignore[no-untyped-def]
              lock: bool = False) -> HubBuilding:
    """The building, its row locked for this transaction when ``lock`` (PostgreSQL)."""
    try:
        number = int(str(building_id))
    except ValueError:
        number = 0
    building = (session.get(HubBuilding, number, with_for_update=lock, populate_existing=lock)
                if 0 < number <= MAX_ID else None)
    if building is None:
        raise NotFound("There is no such building.")
    return building


def allocate(building_id: object, credential: str, qty: object, note: str, by: str) -> HubStock:
    amount, note = _qty(qty), typed_text(note, 500)
    with hub_transaction() as session:
        building = _building(session, building_id)
        cred = _pin(session, credential)
        ref = str(uuid.uuid4())
        line = HubStock(building_id=building.id, credential=cred.name, kind="allocated",
                        qty=amount, ref=ref, note=note, by=by, at=utcnow())
        session.add(line)
        changes.record(session, [changes.Change("stock", {
            "ref": ref, "credential": cred.name, "qty": amount, "kind": "allocated",
            "note": f"Allocated by the district ({by}). {note[:400]}".strip()},
            building_id=building.id)])
    return line


def transfer(from_id: object, to_id: object, credential: str, qty: object, note: str,
             by: str) -> tuple[HubStock, HubStock]:
    """Move ``qty`` pins from one building to another, never more than the source should have.

    The check and the move are one transaction, with the source building's row locked first
    (``FOR UPDATE`` on PostgreSQL; SQLite's write lock is taken at BEGIN): two transfers out of
    one building, at one server or at two, are checked one after the other, so they can never
    send together more than it has."""
    amount = _qty(qty)
    with hub_transaction() as session:
        source, target = _building(session, from_id, lock=True), _building(session, to_id)
        if source.id == target.id:
            raise InvalidInput("Choose two different buildings.")
        cred = _pin(session, credential)
        expected = reconcile.expected_on_hand(source.id, cred.name)
        if expected < amount:
            raise InvalidInput(f"{source.name} should have only {expected} {cred.pin_label}s; "
                               f"it cannot send {amount}.")
        transfer_id = str(uuid.uuid4())
        text = typed_text(note, 400)
        out = HubStock(building_id=source.id, credential=cred.name, kind="transfer_out",
                       qty=-amount, ref=f"{transfer_id}:out", note=f"To {target.name}. {text}",
                       by=by, at=utcnow())
        into = HubStock(building_id=target.id, credential=cred.name, kind="transfer_in",
                        qty=amount, ref=f"{transfer_id}:in", note=f"From {source.name}. {text}",
                        by=by, at=utcnow())
        session.add_all([out, into])
        changes.record(session, [
            changes.Change("stock", {"ref": out.ref, "credential": cred.name, "qty": -amount,
                                     "kind": "transfer",
                                     "note": f"Sent to {target.name} by the district ({by})."},
                           building_id=source.id),
            changes.Change("stock", {"ref": into.ref, "credential": cred.name, "qty": amount,
                                     "kind": "transfer",
                                     "note": f"Sent from {source.name} by the district ({by})."},
                           building_id=target.id),
        ])
    return out, into


def ledger(limit: int = 100) -> list[HubStock]:
    from ..extensions import hub_db

    return list(hub_db.session.scalars(
        select(HubStock).where(HubStock.kind.in_(("allocated", "transfer_in", "transfer_out")))
        .order_by(HubStock.id.desc()).limit(limit)))


def pins() -> list[HubCredential]:
    """The credentials that have a pin, oldest first: what the district can allocate."""
    from ..extensions import hub_db

    return list(hub_db.session.scalars(
        select(HubCredential).where(HubCredential.has_pin.is_(True))
        .order_by(HubCredential.released_on, HubCredential.id)))
