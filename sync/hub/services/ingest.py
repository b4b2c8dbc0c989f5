"""Receive a kiosk's events, by push or by sync bundle: exactly once, chain-checked, applied.

One transaction per batch:

1. every event is read (a malformed one is rejected with its reason, the rest go on);
2. events the hub has already are *duplicates* (the same hash) or *altered* (the same id with
   other content: rejected, and the stored one stays); another building's are refused;
3. new events are checked against the kiosk's hash chain: the event before each one must be
   there with the hash it names (else a *gap*, or a *broken* link, both flagged as exceptions
   and both kept: a record is never thrown away);
4. new events are stored with the hub's receive time;
5. an event that reaches for a record not its building's own is *refused* (ownership.py):
   stored, as the kiosk's chain runs through it and a record is never thrown away, but not
   applied, answered ``rejected`` (again, whenever it comes back) and raised as an exception;
6. the others are applied: hand-outs, voids, stock, counts, the waitlist; each hand-out is
   checked against the district's awards and the same pin handed to the same person elsewhere;
7. hand-outs and voids become changes for the other buildings' kiosks.

The kiosk's clock offset is estimated from the time it says it sent the batch.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kiosk.domain.ledger import reason_words
from kiosk.domain.text import without_unshown
from kiosk.domain.waitlist import HANDED_OUT
from kiosk.domain.words import count
from kiosk.sync.protocol import Event, ProtocolError, parse_time, read_event

from ..db import hub_transaction, insert_quietly, one_of
from ..models import (
    HubAward,
    HubEvent,
    HubHandOut,
    HubStock,
    HubWaitlist,
    Kiosk,
    utcnow,
)
from . import chain, changes, owed_count, ownership, reconcile

CLOCK_TOLERANCE_S = 300.0


@dataclass(frozen=True)
class Outcome:
    id: str
    status: str  # accepted, duplicate, rejected
    reason: str = ""

    def as_json(self) -> dict[str, str]:
        out = {"id": self.id, "status": self.status}
        if self.reason:
            out["reason"] = self.reason
        return out


def receive(kiosk_id: str, raw_events: Sequence[object], sent_at: object = None,
            via: str = "push") -> list[Outcome]:
    now = utcnow()
    outcomes: dict[int, Outcome] = {}
    events: list[tuple[int, Event]] = []
    for i, raw in enumerate(raw_events):
        try:
            events.append((i, read_event(raw)))
        except ProtocolError as exc:
            raw_id = raw.get("id") if isinstance(raw, dict) else None
            outcomes[i] = Outcome(str(raw_id)[:36] if raw_id else "", "rejected", str(exc))
    with hub_transaction() as session:
        kiosk = session.get(Kiosk, kiosk_id, with_for_update=True)
        if kiosk is None:
            raise ProtocolError("unknown_kiosk", "no such kiosk")
        # The kiosk's row is locked until commit, so its deliveries are taken one at a time:
        # what is not stored now is new, whatever arrives at the same moment.
        stored = {row.id: row for row in session.execute(
            select(HubEvent.id, HubEvent.hash, HubEvent.kiosk_id, HubEvent.building_id)
            .where(one_of(session, HubEvent.id, [e.id for _, e in events]))
        )} if events else {}
        fresh: list[Event] = []
        seen: dict[str, str] = {}
        at: dict[str, int] = {}  # where each fresh event is in the request
        for i, event in events:
            if event.id in stored and stored[event.id].building_id != kiosk.building_id:
                outcomes[i] = Outcome(event.id, "rejected", ownership.another_kiosks_event(
                    session, kiosk, event, stored[event.id].kiosk_id))
                continue
            if event.id in stored or event.id in seen:
                # the same content only when its hash is the one stored and still matches it
                same = (stored[event.id].hash if event.id in stored
                        else seen[event.id]) == event.hash and event.intact
                outcomes[i] = Outcome(event.id, "duplicate" if same else "rejected",
                                      "" if same else "altered: the hub has this event with "
                                      "other content")
                if not same:
                    reconcile.raise_once(session, "altered_event", f"altered:{event.id}",
                                         f"Kiosk {kiosk.name or kiosk.id} sent event "
                                         f"{event.seq} again with other content.",
                                         kiosk.building_id, kiosk.id, {"event": event.id})
                continue
            seen[event.id] = event.hash
            fresh.append(event)
            outcomes[i], at[event.id] = Outcome(event.id, "accepted"), i
        # a refused event sent again is answered as it was the first time, and not applied
        before = ownership.refused_before(
            session, [o.id for o in outcomes.values() if o.status == "duplicate"])
        for i, o in list(outcomes.items()):
            if o.status == "duplicate" and o.id in before:
                outcomes[i] = Outcome(o.id, "rejected", before[o.id])
        fresh.sort(key=lambda e: e.seq)
        chains = chain.check(session, kiosk, fresh)
        insert_quietly(session, HubEvent.__table__,
                       [_row(kiosk, e, chains[e.id], now, via) for e in fresh], ["id"])
        refused = ownership.refusals(session, kiosk, fresh)
        for event_id, refusal in refused.items():
            outcomes[at[event_id]] = Outcome(event_id, "rejected", refusal.reason)
        ownership.raise_refused(session, kiosk, fresh, refused)
        applied = [e for e in fresh if e.id not in refused]
        paid: set[tuple[str, str]] = set()
        new_changes = _apply(session, kiosk, applied, paid)
        _note_kiosk(session, kiosk, fresh, sent_at, now)
        owed_count.paid(session, paid)  # then the voids, which may owe some of them again
        owed_count.refresh(session, _owed_again(session, applied))
        changes.record(session, new_changes)
    return [outcomes[i] for i in sorted(outcomes)]


def _row(kiosk: Kiosk, e: Event, chain: str, now: datetime, via: str) -> dict[str, Any]:
    return {"id": e.id, "kiosk_id": kiosk.id, "building_id": kiosk.building_id, "seq": e.seq,
            "kind": e.kind, "payload": json.dumps(e.payload, sort_keys=True),
            "created_at": parse_time(e.created_at), "created_text": e.created_at,
            "received_at": now, "prev_hash": e.prev_hash, "hash": e.hash, "chain": chain,
            "via": via}


# --- what the events mean ------------------------------------------------------------------


def _apply(session: Session, kiosk: Kiosk, events: list[Event],
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


def _owed_again(session: Session, events: list[Event]) -> set[str]:
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


def _note_kiosk(session: Session, kiosk: Kiosk, events: list[Event], sent_at: object,
                now: datetime) -> None:
    kiosk.last_seen_at = now
    if events:
        top = max(events, key=lambda e: e.seq)
        if top.seq > kiosk.last_seq:
            kiosk.last_seq, kiosk.last_hash = top.seq, top.hash
    if sent_at is None:
        return
    try:
        offset = (parse_time(sent_at, "sent_at") - now).total_seconds()
    except ProtocolError:
        return
    kiosk.clock_offset_s = offset
    if abs(offset) > CLOCK_TOLERANCE_S:
        minutes = round(abs(offset) / 60)
        reconcile.raise_once(
            session, "clock", f"clock:{kiosk.id}",
            f"The clock of kiosk {kiosk.name or kiosk.id} is about {count(minutes, 'minute')} "
            f"{'fast' if offset > 0 else 'slow'}: its hand-out times are off by as much.",
            kiosk.building_id, kiosk.id, {"offset_seconds": round(offset)})

