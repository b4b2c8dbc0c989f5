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
6. the others are applied (apply_events.py): hand-outs, voids, stock, counts, the waitlist;
   each hand-out is checked against the district's awards and the same pin handed to the same
   person elsewhere; what each person is still owed follows (owed_count.py);
7. hand-outs and voids become changes for the other buildings' kiosks.

The kiosk's clock offset is estimated from the time it says it sent the batch.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.words import count
from kiosk.sync.protocol import Event, ProtocolError, parse_time, read_event

from ..db import hub_transaction, insert_quietly, one_of
from ..models import HubEvent, Kiosk, utcnow
from . import apply_events, chain, changes, owed_count, ownership, reconcile

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
        new_changes = apply_events.apply(session, kiosk, applied, paid)
        _note_kiosk(session, kiosk, fresh, sent_at, now)
        owed_count.paid(session, paid)  # then the voids, which may owe some of them again
        owed_count.refresh(session, apply_events.owed_again(session, applied))
        changes.record(session, new_changes)
    return [outcomes[i] for i in sorted(outcomes)]


def _row(kiosk: Kiosk, e: Event, chain: str, now: datetime, via: str) -> dict[str, Any]:
    return {"id": e.id, "kiosk_id": kiosk.id, "building_id": kiosk.building_id, "seq": e.seq,
            "kind": e.kind, "payload": json.dumps(e.payload, sort_keys=True),
            "created_at": parse_time(e.created_at), "created_text": e.created_at,
            "received_at": now, "prev_hash": e.prev_hash, "hash": e.hash, "chain": chain,
            "via": via}


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

