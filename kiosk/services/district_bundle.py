"""Sync bundles: a building with no network carries, on a USB stick, every event the district
hub has not acknowledged, signed with this kiosk's own key (docs/sync-protocol.md)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from kiosk.sync import outbox
from kiosk.sync.protocol import BUNDLE_FORMAT, PROTOCOL, sign_bundle, time_text

from ..errors import InvalidInput, KioskError
from ..extensions import db
from ..models import utcnow
from . import lookups
from .district import enrollment, kiosk_key


def bundle_bytes() -> tuple[bytes, int]:
    """A signed bundle of every event the hub has not acknowledged, and how many it holds."""
    found = enrollment()
    if found is None:
        raise InvalidInput("Enroll this kiosk with the district hub first: the hub only "
                           "accepts bundles from enrolled kiosks.")
    key = kiosk_key()
    if key is None:
        raise KioskError("This kiosk's signing key is missing from its instance folder; "
                         "enroll it again.")
    events = [outbox.as_event(e).as_json() for e in outbox.unacknowledged(db.session)]
    bundle = sign_bundle({"format": BUNDLE_FORMAT, "protocol": PROTOCOL,
                          "kiosk_id": found.kiosk_id, "building": found.building,
                          "created_at": time_text(utcnow()), "events": events}, key)
    return json.dumps(bundle, separators=(",", ":")).encode("utf-8"), len(events)


def export_bundle(out: Path) -> int:
    """Write the bundle to ``out`` (a USB stick), whole or not at all; returns how many events
    it holds."""
    data, count = bundle_bytes()
    tmp = out.with_name(out.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, out)
    except OSError as exc:
        raise KioskError(f"Cannot write {out}: {exc.strerror or exc}") from None
    return count


def bundle_name() -> str:
    found = enrollment()
    building = lookups.building_name().replace(" ", "-")
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return f"pin-sync-{building}-{stamp}-{found.kiosk_id[:8] if found else 'kiosk'}.json"
