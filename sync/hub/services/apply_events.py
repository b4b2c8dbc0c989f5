"""What a kiosk's events mean on the hub (services/ingest.py receives them and calls
:func:`apply` for those it accepted): hand-outs, checked against the district's awards and the
same pin handed to the same person elsewhere; voids; stock received, counted and adjusted;
the waitlist; and what each building is still owed (services/owed_count.py)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kiosk.domain.ledger import reason_words
from kiosk.domain.text import without_unshown
from kiosk.domain.waitlist import HANDED_OUT
from kiosk.sync.protocol import Event, ProtocolError, parse_time

from ..db import insert_quietly, one_of
from ..models import HubAward, HubHandOut, HubStock, HubWaitlist, Kiosk
from . import changes, ownership, reconcile


def apply(session: Session, kiosk: Kiosk, events: list[Event],
          paid: set[tuple[str, str]]) -> list[changes.Change]:
    """Apply the events; ``paid`` gets (employee, credential) of each new hand-out."""
    out: list[changes.Change] = []
    building = kiosk.building_id
    stock: list[dict[str, Any]] = []
    handed = [e for e in events if e.kind == "pin_handed_out"]
    if handed:
        out += _hand_outs(session, kiosk, handed, stock, paid)
    for e in events:
        p = e.payload
        at = _time(p.get("at") or p.get("voided_at"), e)
        if e.kind == "hand_out_voided":
            # the building's own hand-out (ownership.refusals saw to it); voided once, and
            # the pin that comes back is the one handed out, whatever the payload says
            dist_id = ownership.voided_id(e)
            credential = session.scalar(select(HubHandOut.credential).where(
                HubHandOut.id == dist_id, HubHandOut.voided_at.is_(None)))
            if credential is None:
                continue  # voided already: a void reported twice counts once
            session.execute(update(HubHandOut).where(HubHandOut.id == dist_id)
                            .values(voided_at=at, void_reason=_text(p, "reason", 1000)))
            stock.append(_stock(building, credential, "voided", 1, e, at))
            out.append(changes.Change("hand_out_voided", {
                "distribution_id": dist_id, "voided_at": at.isoformat(),
                "reason": _text(p, "reason", 1000)}, from_building_id=building))
        elif e.kind == "stock_received":
            stock.append(_stock(building, _text(p, "credential", 300), "received",
                                _int(p.get("qty")), e, at, _text(p, "note", 500)))
        elif e.kind == "stock_counted":
            counted, expected = _int(p.get("counted")), _int(p.get("expected"))
            stock.append(_stock(building, _text(p, "credential", 300), "count",
                                counted - expected, e, at, _text(p, "note", 500)))
            reconcile.record_count(session, building, e.id, _text(p, "credential", 300),
                                   counted, expected, at)
        elif e.kind == "stock_adjusted":  # damaged, lost, found, returned: the reason leads
            stock.append(_stock(building, _text(p, "credential", 300), "adjust",
                                _int(p.get("qty")), e, at, _adjustment_note(p)))
        elif e.kind in ("waitlist_added", "waitlist_fulfilled", "waitlist_contacted",
                        "waitlist_removed"):
            _waitlist(session, building, p, e.kind, at)
        elif e.kind == "stock_applied":
            reconcile.note_applied(session, _text(p, "ref", 64), building)
    if stock:
        insert_quietly(session, HubStock.__table__, stock, ["ref", "kind"])
    return out


def owed_again(session: Session, events: list[Event]) -> set[str]:
    """The people whose hand-outs these events voided: they may be owed their pin again."""
    voided = [ownership.voided_id(e) for e in events if e.kind == "hand_out_voided"]
    if not voided:
        return set()
    return set(session.scalars(select(HubHandOut.employee_id).where(
        one_of(session, HubHandOut.id, voided))))


def _adjustment_note(payload: dict[str, Any]) -> str:
    """An adjustment's reason in words, then the kiosk's note: "Damaged: dropped in the hall"."""
    reason = _text(payload, "reason", 32)
    words = reason_words(reason) if reason else "No reason given"
    note = _text(payload, "note", 500)
    return f"{words}: {note}"[:500] if note else words


def _manual_reason(payload: dict[str, Any]) -> str:
    """Why a hand-out found by manual lookup had no proof scanned ("" for a scanned one)."""
    if not payload.get("manual"):
        return ""
    return _text(payload, "manual_reason", 500) or "no reason given"


def _hand_outs(session: Session, kiosk: Kiosk, events: list[Event],
               stock: list[dict[str, Any]], paid: set[tuple[str, str]]
               ) -> list[changes.Change]:
    building = kiosk.building_id
    rows = []
    for e in events:
        p = e.payload
        rows.append({
            "id": ownership.hand_out_id(e), "event_id": e.id,
            "kiosk_id": kiosk.id, "building_id": building,
            "award_id": _text(p, "award_id", 512),
            "employee_id": _text(p, "employee_id", 64),
            "credential": _text(p, "credential", 300),
            "handed_out_at": _time(p.get("handed_out_at"), e),
            "receipt": _text(p, "receipt", 20), "staff": _text(p, "staff", 120),
            "manual_reason": _manual_reason(p),
        })
    known = set(session.scalars(select(HubHandOut.id).where(
        one_of(session, HubHandOut.id, [r["id"] for r in rows]))))
    fresh = []
    for r in rows:  # a hand-out reported twice counts once
        if r["id"] not in known:
            known.add(r["id"])
            fresh.append(r)
    rows = fresh
    paid.update((r["employee_id"], r["credential"]) for r in rows)
    insert_quietly(session, HubHandOut.__table__, rows, ["id"])
    # plain rows, not ORM objects: a batch of 200 hand-outs reads 200 awards and the
    # standing hand-outs of 200 people
    awards = {a.id: a for a in session.execute(
        select(HubAward.id, HubAward.revoked, HubAward.revocation_reason, HubAward.person_name)
        .where(one_of(session, HubAward.id, sorted({r["award_id"] for r in rows}))))}
    pairs = {(r["employee_id"], r["credential"]) for r in rows}
    standing: dict[tuple[str, str], list[Any]] = defaultdict(list)
    if pairs:
        for h in session.execute(
            select(HubHandOut.id, HubHandOut.employee_id, HubHandOut.credential,
                   HubHandOut.building_id)
            .where(HubHandOut.voided_at.is_(None),
                   one_of(session, HubHandOut.employee_id, sorted({emp for emp, _ in pairs})))
        ):
            if (h.employee_id, h.credential) in pairs:
                standing[(h.employee_id, h.credential)].append(h)
    out = []
    for r in rows:
        stock.append({"building_id": building, "credential": r["credential"], "kind": "issued",
                      "qty": -1, "ref": r["event_id"], "note": r["receipt"], "by": r["staff"],
                      "at": r["handed_out_at"]})
        reconcile.check_hand_out(session, r, awards.get(r["award_id"]),
                                 standing[(r["employee_id"], r["credential"])])
        out.append(changes.Change("hand_out", {
            "distribution_id": r["id"], "building": kiosk.building.name,
            "employee_id": r["employee_id"], "award_id": r["award_id"],
            "credential": r["credential"], "handed_out_at": r["handed_out_at"].isoformat(),
            "receipt": r["receipt"], "staff": r["staff"]}, from_building_id=building))
    return out


def _waitlist(session: Session, building: int, p: dict[str, Any], kind: str,
              at: datetime) -> None:
    """The person's entry at the sender's building (the only one a kiosk reaches: the hub keys
    it by the kiosk's own building, never by a payload's)."""
    employee, credential = _text(p, "employee_id", 64), _text(p, "credential", 300)
    found = session.scalar(select(HubWaitlist).where(
        HubWaitlist.building_id == building, HubWaitlist.employee_id == employee,
        HubWaitlist.credential == credential))
    if found is None:  # an entry the hub never heard added (its event refused, say): kept
        found = HubWaitlist(building_id=building, employee_id=employee,
                            credential=credential, status="waiting", since=at, contacts=0,
                            close_reason="", close_note="")
        session.add(found)
    if kind == "waitlist_added":  # on it again: a new entry, with no call-backs yet
        found.status, found.since, found.closed_at = "waiting", at, None
        found.close_reason, found.close_note = "", ""
        found.contacts, found.contacted_at = 0, None
    elif kind == "waitlist_contacted":
        found.contacts = (found.contacts or 0) + 1
        if found.contacted_at is None or at > found.contacted_at:
            found.contacted_at = at
    elif kind == "waitlist_fulfilled":
        found.status, found.closed_at, found.close_reason = "fulfilled", at, HANDED_OUT
        found.close_note = ""
    else:  # waitlist_removed
        found.status, found.closed_at = "removed", at
        found.close_reason = _text(p, "reason", 32) or "other"
        found.close_note = _text(p, "note", 500)


def _stock(building: int, credential: object, kind: str, qty: int, e: Event, at: datetime,
           note: object = "") -> dict[str, Any]:
    return {"building_id": building, "credential": str(credential or "")[:300], "kind": kind,
            "qty": qty, "ref": e.id, "note": str(note or "")[:500], "by": "", "at": at}


def _int(value: object, limit: int = 10**9) -> int:
    """A count a kiosk reported: a whole number within ``limit`` either way, else 0 (the
    protocol's read_event refuses worse; this is where the hub's columns need it)."""
    if not isinstance(value, int) or isinstance(value, bool) or abs(value) > limit:
        return 0
    return value


def _text(payload: dict[str, Any], name: str, limit: int) -> str:
    """A text field of a payload: only text is kept (a number or an object is not a name), and
    without a character that cannot be shown (ESC, BEL...: a kiosk keeps none, but one from
    before it checked, or not a kiosk at all, may send one; the hub's pages and CSVs show it)."""
    value = payload.get(name)
    return without_unshown(value)[:limit] if isinstance(value, str) else ""


def _time(value: object, e: Event) -> datetime:
    try:
        return parse_time(value)
    except ProtocolError:
        return parse_time(e.created_at)
