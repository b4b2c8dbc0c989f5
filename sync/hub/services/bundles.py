"""Sync bundles: a building with no network carries its events to the district on a USB stick
(`kiosk sync export`). The hub checks the kiosk's signature and the building it names, and
takes the events exactly as if they had been pushed: the same bundle twice, or a bundle after a
push, changes nothing. A bundle speaks for the kiosk that signed it only: one that claims
another kiosk fails its signature, one that claims another building is refused, and another
building's events in it are refused one by one (ingest.py)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from kiosk.services.lookups import name_key
from kiosk.sync.protocol import (
    BUNDLE_FORMAT,
    ProtocolError,
    check_protocol,
    read_json,
    read_public_key,
    verify_bundle,
)

from ..db import hub_transaction
from ..errors import InvalidInput
from ..extensions import hub_db
from ..models import HubBuilding, HubBundle, Kiosk
from . import ingest

MAX_BUNDLE_BYTES = 64 * 1024 * 1024
MAX_BUNDLE_EVENTS = 50_000  # months of a busy building's events
MAX_BUNDLE_VALUES = MAX_BUNDLE_EVENTS * 40  # an event is about 25 JSON values


@dataclass(frozen=True)
class BundleReport:
    kiosk: str
    building: str
    events: int
    accepted: int
    duplicates: int
    rejected: list[str]

    @property
    def summary(self) -> str:
        text = (f"{self.events} event{'' if self.events == 1 else 's'} from {self.kiosk} at "
                f"{self.building}: {self.accepted} new, {self.duplicates} the hub had already")
        return text + (f", {len(self.rejected)} refused" if self.rejected else "")


def import_bundle(data: bytes, by: str) -> BundleReport:
    if len(data) > MAX_BUNDLE_BYTES:
        raise InvalidInput("That file is too large to be a sync bundle.")
    try:  # depth and size measured on the bytes before any of it becomes objects
        bundle = check_protocol(read_json(data, max_values=MAX_BUNDLE_VALUES))
    except ProtocolError as exc:
        raise InvalidInput(f"That file is not a sync bundle ({exc}).") from None
    if bundle.get("format") != BUNDLE_FORMAT or not isinstance(bundle.get("events"), list):
        raise InvalidInput("That file is not a Pin Kiosk sync bundle.")
    kiosk = hub_db.session.get(Kiosk, str(bundle.get("kiosk_id", ""))[:36])
    if kiosk is None:
        raise InvalidInput("The bundle comes from a kiosk this hub never enrolled.")
    if kiosk.revoked_at is not None:
        raise InvalidInput("The bundle comes from a kiosk the district revoked; its events are "
                           "not accepted.")
    try:
        verify_bundle(bundle, read_public_key(kiosk.public_key))
    except ProtocolError as exc:
        raise InvalidInput(str(exc)) from None
    claimed = bundle.get("building")
    if not isinstance(claimed, str) or name_key(claimed) != kiosk.building.name_key:
        raise InvalidInput(f"The bundle says it comes from {str(claimed)[:200]!r}, but kiosk "
                           f"{kiosk.name or kiosk.id} is enrolled for {kiosk.building.name}; "
                           "its events are not accepted.")
    events = bundle["events"]
    if len(events) > MAX_BUNDLE_EVENTS:
        raise InvalidInput(f"The bundle holds more than {MAX_BUNDLE_EVENTS:,} events; export "
                           "a bundle more often from a kiosk with no network.")
    outcomes = []
    for start in range(0, len(events), 500):
        outcomes += ingest.receive(kiosk.id, events[start:start + 500], via="bundle")
    report = BundleReport(
        kiosk=kiosk.name or kiosk.id, building=kiosk.building.name, events=len(events),
        accepted=sum(o.status == "accepted" for o in outcomes),
        duplicates=sum(o.status == "duplicate" for o in outcomes),
        rejected=[f"{o.id}: {o.reason}" for o in outcomes if o.status == "rejected"])
    with hub_transaction() as session:
        session.add(HubBundle(digest=hashlib.sha256(data).hexdigest(), kiosk_id=kiosk.id,
                              events=report.events, accepted=report.accepted, uploaded_by=by))
    return report


@dataclass(frozen=True)
class Upload:
    at: datetime
    by: str
    kiosk: str
    building: str
    events: int
    accepted: int


def uploads(limit: int = 100) -> list[Upload]:
    """The bundles uploaded, newest first."""
    rows = hub_db.session.execute(
        select(HubBundle, Kiosk.name, Kiosk.id, HubBuilding.name)
        .join(Kiosk, Kiosk.id == HubBundle.kiosk_id)
        .join(HubBuilding, HubBuilding.id == Kiosk.building_id)
        .order_by(HubBundle.uploaded_at.desc(), HubBundle.id.desc()).limit(limit))
    return [Upload(b.uploaded_at, b.uploaded_by, name or kiosk_id, building, b.events,
                   b.accepted) for b, name, kiosk_id, building in rows]
