"""Who may change which record (docs/sync-protocol.md, "Who may change which record").

A kiosk speaks for its own building only, as its token (or its signed bundle) says:

- what it reports of its own (stock received and counted, the waitlist, hand-outs) goes to
  its own building, whatever the payload says: the hub never reads a building from a payload;
- an event that names a record must name one of its own building's: a void, the hand-out it
  voids; a hand-out, an id that is not another building's hand-out already; applied district
  stock, an allocation or transfer the district sent to its building.

An event that does not is *refused*: the hub stores it (never lose a record; the kiosk's next
event names its hash, so the chain stays whole), applies nothing of it, answers ``rejected``
with the reason, and raises one ``foreign_record`` exception for it. That exception is also
the mark that the event was refused: the same event delivered again, pushed or in a bundle, is
answered ``rejected`` again and never applied later.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.sync.protocol import Event

from ..db import one_of
from ..models import HubBuilding, HubException, HubHandOut, HubStock, Kiosk
from . import reconcile

KIND = "foreign_record"
DISTRICT_STOCK = ("allocated", "transfer_in", "transfer_out")  # what a kiosk applies


@dataclass(frozen=True)
class Refusal:
    reason: str  # what the kiosk is told; its Sync page shows it
    summary: str  # what district staff read on the exceptions page
    details: dict[str, Any] = field(default_factory=dict)


def hand_out_id(e: Event) -> str:
    """The distribution a ``pin_handed_out`` event records."""
    return str(e.payload.get("distribution_id") or e.id)[:36]


def voided_id(e: Event) -> str:
    """The distribution a ``hand_out_voided`` event voids ("" when it names none)."""
    return str(e.payload.get("distribution_id") or "")[:36]


def refusals(session: Session, kiosk: Kiosk, events: Sequence[Event]) -> dict[str, Refusal]:
    """The events, of those the kiosk just sent (in their order), that reach for a record not
    its building's own, by event id."""
    here = kiosk.building_id
    ids = sorted({hand_out_id(e) for e in events if e.kind == "pin_handed_out"}
                 | {voided_id(e) for e in events if e.kind == "hand_out_voided"})
    stored = {h.id: h for h in session.execute(
        select(HubHandOut.id, HubHandOut.building_id, HubHandOut.receipt)
        .where(one_of(session, HubHandOut.id, ids)))} if ids else {}
    refs = sorted({_ref(e) for e in events if e.kind == "stock_applied"})
    sent_to = dict(session.execute(
        select(HubStock.ref, HubStock.building_id)
        .where(one_of(session, HubStock.ref, refs), HubStock.kind.in_(DISTRICT_STOCK)))
        .all()) if refs else {}
    who = f"Kiosk {kiosk.name or kiosk.id} at {kiosk.building.name}"
    names: dict[int, str] = {}

    def name(building_id: int) -> str:
        if building_id not in names:
            building = session.get(HubBuilding, building_id)
            names[building_id] = building.name if building else f"building {building_id}"
        return names[building_id]

    out: dict[str, Refusal] = {}
    added: set[str] = set()  # hand-outs of this batch, before the event at hand
    for e in events:
        if e.kind == "pin_handed_out":
            dist, found = hand_out_id(e), stored.get(hand_out_id(e))
            if found is not None and found.building_id != here:
                out[e.id] = Refusal(
                    f"refused: hand-out {dist} is a hand-out of {name(found.building_id)} "
                    "already; a kiosk records only its own building's hand-outs",
                    f"{who} reported a hand-out under the id of a hand-out of "
                    f"{name(found.building_id)} (receipt {found.receipt}). The hub refused it: "
                    "that hand-out stands as it was.",
                    {"distribution_id": dist, "owner_building_id": found.building_id})
            else:
                added.add(dist)
        elif e.kind == "hand_out_voided":
            dist, found = voided_id(e), stored.get(voided_id(e))
            if found is not None and found.building_id != here:
                out[e.id] = Refusal(
                    f"refused: hand-out {dist} was handed out at {name(found.building_id)}; "
                    "a kiosk may void only its own building's hand-outs",
                    f"{who} tried to void a hand-out of {name(found.building_id)} (receipt "
                    f"{found.receipt}). The hub refused it: the hand-out stands, and no pin "
                    "went back into stock.",
                    {"distribution_id": dist, "owner_building_id": found.building_id})
            elif found is None and dist not in added:
                out[e.id] = Refusal(
                    f"refused: the hub knows no hand-out {dist or '(none named)'} of "
                    f"{kiosk.building.name} to void",
                    f"{who} tried to void hand-out {dist or '(none named)'}, which the hub does "
                    "not know as one of its building's. The hub refused it; no pin went back "
                    "into stock.", {"distribution_id": dist})
        elif e.kind == "stock_applied":
            ref, owner = _ref(e), sent_to.get(_ref(e))
            if owner != here:
                whose = (f"which the district sent to {name(owner)}" if owner is not None
                         else "which the district never sent")
                out[e.id] = Refusal(
                    f"refused: {ref or '(no ref)'} is not district stock sent to "
                    f"{kiosk.building.name}",
                    f"{who} said it applied district stock {ref or '(no ref)'}, {whose}. The "
                    "hub refused it.", {"ref": ref, "owner_building_id": owner})
    return out


def raise_refused(session: Session, kiosk: Kiosk, events: Sequence[Event],
                  refused: dict[str, Refusal]) -> None:
    """One exception for each refused event (none again when it comes back)."""
    for e in events:
        if e.id in refused:
            r = refused[e.id]
            reconcile.raise_once(session, KIND, f"foreign:{e.id}", r.summary, kiosk.building_id,
                                 kiosk.id, {"event": e.id, "seq": e.seq, "kind": e.kind,
                                            "reason": r.reason, **r.details})


def another_kiosks_event(session: Session, kiosk: Kiosk, e: Event, owner_id: str) -> str:
    """An event the hub has from another building's kiosk, sent by this one: refused, and
    raised. (From a kiosk of the same building, one enrolled again, say, it is the building's
    own: a duplicate, or altered.)"""
    owner = session.get(Kiosk, owner_id)
    whose = (f"kiosk {owner.name or owner.id} at {owner.building.name}" if owner is not None
             else "another kiosk")
    reason = "refused: the hub has this event from a kiosk of another building"
    reconcile.raise_once(session, KIND, f"foreign:{kiosk.id}:{e.id}",
                         f"Kiosk {kiosk.name or kiosk.id} at {kiosk.building.name} sent event "
                         f"{e.seq} of {whose} as its own. The hub refused it.",
                         kiosk.building_id, kiosk.id,
                         {"event": e.id, "reason": reason, "owner_kiosk_id": owner_id})
    return reason


def refused_before(session: Session, event_ids: Sequence[str]) -> dict[str, str]:
    """Of events the hub has stored, those it refused, with the reason it gave then."""
    if not event_ids:
        return {}
    keys = [f"foreign:{i}" for i in event_ids]
    out: dict[str, str] = {}
    for key, details in session.execute(
        select(HubException.key, HubException.details)
        .where(one_of(session, HubException.key, keys), HubException.kind == KIND)
    ):
        out[key.removeprefix("foreign:")] = str(json.loads(details or "{}").get("reason")
                                                or "refused")
    return out


def _ref(e: Event) -> str:
    return str(e.payload.get("ref") or "")[:64]
