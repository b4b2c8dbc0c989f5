"""The hash chain of a kiosk's events, checked as new events arrive (docs/sync-protocol.md):
each event must follow the one numbered before it, with the hash it names. A missing event is
a *gap* (settled by itself if it arrives later), another hash or another event with the same
number is *broken*; either way the event is kept, and an exception is raised."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kiosk.sync.protocol import GENESIS, Event

from ..models import HubEvent, Kiosk
from . import reconcile


def check(session: Session, kiosk: Kiosk, fresh: list[Event]) -> dict[str, str]:
    """ok, gap (the event before is missing) or broken (it is there with another hash, or
    this event's own hash does not match its content)."""
    if not fresh:
        return {}
    wanted = {e.seq - 1 for e in fresh} | {e.seq for e in fresh} | {e.seq + 1 for e in fresh}
    known: dict[int, list[tuple[str, str, str, str]]] = defaultdict(list)
    for event_id, seq, hash_, prev, chain in session.execute(
        select(HubEvent.id, HubEvent.seq, HubEvent.hash, HubEvent.prev_hash, HubEvent.chain)
        .where(HubEvent.kiosk_id == kiosk.id,
               HubEvent.seq.between(min(wanted), max(wanted)))
    ).all():
        if seq in wanted:
            known[seq].append((event_id, hash_, prev, chain))
    batch = {e.seq: e for e in fresh}
    result: dict[str, str] = {}
    name = kiosk.name or kiosk.id
    for e in fresh:
        before = batch.get(e.seq - 1)
        before_hashes = {before.hash} if before else {h for _, h, _, _ in known[e.seq - 1]}
        if not e.intact:
            result[e.id] = "broken"
            reconcile.raise_once(session, "altered_event", f"altered:{e.id}",
                                 f"Event {e.seq} from kiosk {name} does not match its own "
                                 "hash: it was changed after it was recorded.",
                                 kiosk.building_id, kiosk.id, {"event": e.id, "seq": e.seq})
        elif known[e.seq]:
            result[e.id] = "broken"  # another event with this number: a restored database?
            reconcile.raise_once(session, "broken_chain", f"fork:{kiosk.id}:{e.seq}",
                                 f"Kiosk {name} sent two different events numbered {e.seq}. "
                                 "Was its database restored from an old backup?",
                                 kiosk.building_id, kiosk.id, {"seq": e.seq})
        elif e.seq == 1:
            result[e.id] = "ok" if e.prev_hash == GENESIS else "broken"
        elif not before_hashes:
            result[e.id] = "gap"
            reconcile.raise_once(session, "broken_chain", f"gap:{kiosk.id}:{e.seq}",
                                 f"Events are missing from kiosk {name} before event "
                                 f"{e.seq}.", kiosk.building_id, kiosk.id, {"seq": e.seq})
        elif e.prev_hash in before_hashes:
            result[e.id] = "ok"
        else:
            result[e.id] = "broken"
            reconcile.raise_once(session, "broken_chain", f"link:{kiosk.id}:{e.seq}",
                                 f"Event {e.seq} from kiosk {name} does not follow event "
                                 f"{e.seq - 1}: an event was changed or removed.",
                                 kiosk.building_id, kiosk.id, {"seq": e.seq})
        # a gap this event fills: the next event was waiting for it
        for event_id, _, prev, chain in known[e.seq + 1]:
            if chain == "gap" and prev == e.hash and e.seq + 1 not in batch:
                session.execute(update(HubEvent).where(HubEvent.id == event_id)
                                .values(chain="ok"))
                reconcile.settle(session, f"gap:{kiosk.id}:{e.seq + 1}",
                                 "The missing events arrived later; the chain is whole.")
    return result
