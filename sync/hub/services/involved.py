"""Who and what an exception involves, so a person can act on it: the person (name and
employee number), every building, receipt and kiosk of the hand-outs it is about, and for
stock, the building and the pin.

``hand_out_details`` writes them into a new exception's details (services/reconcile.py:
``check_hand_out``). ``involved`` reads them back for the exceptions page and a person's page,
defensively: exceptions stored before they carried these (or with details that are not what
they should be) are filled from the hand-outs their details name, or show what they have."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..extensions import hub_db
from ..models import HubBuilding, HubException, HubHandOut, Kiosk
from . import people

# the kinds about a hand-out to a person: their details name the hand-outs (and, since
# migration h0007, the person, buildings, receipts and kiosks)
ABOUT_HAND_OUTS = frozenset({"duplicate", "revoked_award", "unknown_award"})


@dataclass(frozen=True)
class HandOutAt:
    distribution_id: str
    building_id: int | None
    building: str
    receipt: str
    kiosk_id: str
    kiosk: str


@dataclass
class Involved:
    employee_id: str = ""
    name: str = ""
    buildings: list[tuple[int | None, str]] = field(default_factory=list)  # (id, name)
    hand_outs: list[HandOutAt] = field(default_factory=list)
    kiosks: list[str] = field(default_factory=list)
    pin: str = ""  # a stock exception's pin credential

    @property
    def receipts(self) -> list[str]:
        return list(dict.fromkeys(h.receipt for h in self.hand_outs if h.receipt))


def hand_outs_at(session: Session, ids: Sequence[str]) -> list[HandOutAt]:
    """These hand-outs with their buildings and kiosks, by building name, then receipt."""
    if not ids:
        return []
    found = {r[0]: HandOutAt(r[0], r[1], r[2], r[3], r[4], r[5] or r[4]) for r in session.execute(
        select(HubHandOut.id, HubHandOut.building_id, HubBuilding.name, HubHandOut.receipt,
               HubHandOut.kiosk_id, Kiosk.name)
        .join(HubBuilding, HubBuilding.id == HubHandOut.building_id)
        .join(Kiosk, Kiosk.id == HubHandOut.kiosk_id)
        .where(HubHandOut.id.in_(list(ids))))}
    return sorted(found.values(), key=lambda h: (h.building.casefold(), h.receipt, h.kiosk))


def hand_out_details(session: Session, employee_id: str, name: str,
                     ids: Sequence[str]) -> dict[str, Any]:
    """What a new exception about these hand-outs stores: the person, every building,
    receipt and kiosk."""
    at = hand_outs_at(session, ids)
    return {
        "person": {"employee_id": employee_id, "name": name},
        "buildings": [{"id": b, "name": n} for b, n in _buildings(at)],
        "receipts": list(dict.fromkeys(h.receipt for h in at if h.receipt)),
        "kiosks": list(dict.fromkeys(h.kiosk for h in at)),
        "hand_outs": [{"distribution_id": h.distribution_id, "building_id": h.building_id,
                       "building": h.building, "receipt": h.receipt, "kiosk_id": h.kiosk_id,
                       "kiosk": h.kiosk} for h in at],
    }


def _buildings(hand_outs: Sequence[HandOutAt]) -> list[tuple[int | None, str]]:
    """Every building of these hand-outs, once each, in name order."""
    return sorted(dict.fromkeys((h.building_id, h.building) for h in hand_outs),
                  key=lambda b: (b[1].casefold(), b[1]))


def _details(exc: HubException) -> dict[str, Any]:
    try:
        read = json.loads(exc.details or "{}")
    except (TypeError, ValueError):
        return {}
    return read if isinstance(read, dict) else {}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _named_ids(details: dict[str, Any]) -> list[str]:
    ids = details.get("distribution_ids")
    if not isinstance(ids, list):
        ids = [details.get("distribution_id")]
    return [i for i in ids if isinstance(i, str)]


def _stored_hand_outs(details: dict[str, Any]) -> list[HandOutAt]:
    found = details.get("hand_outs")
    if not isinstance(found, list):
        return []
    out = []
    for h in found:
        if isinstance(h, dict) and isinstance(h.get("distribution_id"), str):
            building_id = h.get("building_id")
            out.append(HandOutAt(h["distribution_id"],
                                 building_id if isinstance(building_id, int) else None,
                                 _text(h.get("building")), _text(h.get("receipt")),
                                 _text(h.get("kiosk_id")), _text(h.get("kiosk"))))
    return out


def involved(session: Session, exceptions: Sequence[HubException]) -> dict[int, Involved]:
    """Exception id -> what it involves, for these exceptions (a few queries for them all)."""
    read = {e.id: _details(e) if e.kind in ABOUT_HAND_OUTS else {} for e in exceptions}
    stock = {e.id: _details(e) for e in exceptions if e.kind == "stock_below_zero"}
    missing = sorted({i for e in exceptions if not _stored_hand_outs(read[e.id])
                      for i in _named_ids(read[e.id])})
    looked_up = {h.distribution_id: h for h in hand_outs_at(session, missing)}
    employees = {r[0]: r[1] for r in session.execute(
        select(HubHandOut.id, HubHandOut.employee_id).where(HubHandOut.id.in_(missing)))
    } if missing else {}
    out: dict[int, Involved] = {}
    for e in exceptions:
        details = read[e.id]
        found = Involved()
        person = details.get("person")
        if isinstance(person, dict):
            found.employee_id = _text(person.get("employee_id"))
            found.name = _text(person.get("name"))
        found.hand_outs = _stored_hand_outs(details) or sorted(
            (looked_up[i] for i in _named_ids(details) if i in looked_up),
            key=lambda h: (h.building.casefold(), h.receipt, h.kiosk))
        if not found.employee_id:
            found.employee_id = e.employee_id or next(
                (employees[i] for i in _named_ids(details) if i in employees), "")
        found.buildings = _buildings(found.hand_outs)
        if not found.buildings and e.building is not None:
            found.buildings = [(e.building.id, e.building.name)]
        found.kiosks = list(dict.fromkeys(  # two buildings' kiosks may share a name
            f"{h.kiosk} ({h.building})" if h.building else h.kiosk
            for h in found.hand_outs if h.kiosk))
        if e.kind == "stock_below_zero":
            found.pin = _text(stock[e.id].get("credential"))
        out[e.id] = found
    unnamed = {f.employee_id for f in out.values() if f.employee_id and not f.name}
    named = people.names(session, unnamed)
    for f in out.values():
        if not f.name:
            f.name = named.get(f.employee_id, "")
    return out


def of(exceptions: Sequence[HubException]) -> dict[int, Involved]:
    """``involved`` in the request's session (the exceptions page)."""
    return involved(hub_db.session, exceptions)
