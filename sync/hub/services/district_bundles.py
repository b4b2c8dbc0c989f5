"""District bundles: the pull direction of the USB stick. For a building with no network, the
hub writes the change feed one of its kiosks would pull (badge data, the catalogue, revocations,
its building's stock, other buildings' hand-outs) into one file signed with the hub's own key,
which the kiosk checks and applies (`kiosk sync import`; docs/sync-protocol.md).

The key comes from the hub's SECRET_KEY (HKDF), which every hub server of a district shares
already: each server signs with the same key, and there is no new file to copy or lose. Kiosks
learn its public half over the token API (the enroll answer, every page of changes)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives.asymmetric import ed25519
from flask import current_app
from sqlalchemy import select

from kiosk.sync.district_file import key_from_secret, write_bundle
from kiosk.sync.protocol import MAX_PAGE, public_key_text, time_text

from ..errors import HubError, InvalidInput, NotFound
from ..extensions import hub_db
from ..models import Kiosk, utcnow
from . import changes
from .enrollment import building_named


def hub_key() -> ed25519.Ed25519PrivateKey:
    return key_from_secret(str(current_app.config["SECRET_KEY"]))


def hub_key_text() -> str:
    """The public half, as the sync API gives it to kiosks ("hub_key")."""
    return public_key_text(hub_key().public_key())


@dataclass(frozen=True)
class Made:
    kiosk: Kiosk
    changes: int
    others: list[Kiosk]  # the building's other active kiosks, each needing a file of its own

    @property
    def summary(self) -> str:
        text = (f"{self.changes} change{'' if self.changes == 1 else 's'} for kiosk "
                f"{self.kiosk.name or self.kiosk.id} at {self.kiosk.building.name}")
        if self.others:
            text += (f" (the building has {len(self.others)} other kiosk"
                     f"{'' if len(self.others) == 1 else 's'}: each needs a file of its own, "
                     f"--kiosk {', '.join(k.id for k in self.others)})")
        return text


def kiosk_for(kiosk_id: str | None = None, building: str | None = None) -> Kiosk:
    """The kiosk a file is made for: the one named, or the building's newest active one."""
    if kiosk_id:
        kiosk = hub_db.session.get(Kiosk, kiosk_id[:36])
        if kiosk is None:
            raise NotFound("There is no such kiosk.")
        if kiosk.revoked_at is not None:
            raise InvalidInput(f"Kiosk {kiosk.name or kiosk.id} at {kiosk.building.name} was "
                               "revoked: the district sends it nothing.")
        return kiosk
    if not building:
        raise InvalidInput("Name the kiosk (--kiosk ID) or its building (--building NAME).")
    found = _active(building_named(building).id)
    if not found:
        raise InvalidInput(f"{building_named(building).name} has no enrolled kiosk: enroll one "
                           "first (the file is for a kiosk the hub knows).")
    return found[0]


def _active(building_id: int) -> list[Kiosk]:
    """The building's active kiosks, newest first."""
    return list(hub_db.session.scalars(
        select(Kiosk).where(Kiosk.building_id == building_id, Kiosk.revoked_at.is_(None))
        .order_by(Kiosk.enrolled_at.desc(), Kiosk.id)))


def write(kiosk: Kiosk, out: IO[bytes]) -> Made:
    """Write the kiosk's district bundle to ``out``: every change it would pull from the
    start, a page at a time (a big district's 200,000 changes are never all in memory)."""
    end: dict[str, Any] = {"next": 0, "data_as_of": None}

    def feed() -> Iterator[tuple[int, str, str]]:
        after = 0
        while True:
            page = changes.page(kiosk, after, MAX_PAGE)
            yield from page.changes
            after = page.next
            if not page.more:
                end["next"] = page.next
                end["data_as_of"] = time_text(page.data_as_of) if page.data_as_of else None
                return

    head = {"building": kiosk.building.name, "kiosk_id": kiosk.id,
            "kiosk_name": kiosk.name, "made_at": time_text(utcnow()),
            "hub_key": hub_key_text()}
    count = write_bundle(out, head, feed(), end, hub_key())
    others = [k for k in _active(kiosk.building_id) if k.id != kiosk.id]
    return Made(kiosk, count, others)


def write_file(kiosk: Kiosk, out: Path) -> Made:
    """Write the kiosk's district bundle to ``out`` (a USB stick), whole or not at all."""
    tmp = out.with_name(out.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            made = write(kiosk, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise HubError(f"Cannot write {out}: {exc.strerror or exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return made


def file_name(kiosk: Kiosk) -> str:
    building = "-".join("".join(ch if ch.isalnum() else " " for ch in kiosk.building.name)
                        .split()) or "building"
    return (f"pin-district-{building}-{utcnow().strftime('%Y%m%d-%H%M')}-"
            f"{kiosk.id[:8]}.jsonl")
