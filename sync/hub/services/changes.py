"""The change log kiosks pull from: badge data, the catalogue, stock for a building, and
hand-outs at other buildings, in one global order (docs/sync-protocol.md, "Pull")."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from kiosk.sync.protocol import MAX_PAGE

from ..db import lock_change_log
from ..extensions import hub_db
from ..models import HubChange, Kiosk, utcnow


@dataclass(frozen=True)
class Change:
    kind: str
    data: dict[str, Any]
    building_id: int | None = None  # for this building only
    from_building_id: int | None = None  # for every building but this one


def record(session: Session, changes: Iterable[Change]) -> None:
    """Add changes inside the caller's transaction; call it last, just before commit."""
    rows = [{"kind": c.kind, "building_id": c.building_id,
             "from_building_id": c.from_building_id, "created_at": utcnow(),
             "data": json.dumps(c.data, sort_keys=True, separators=(",", ":"))}
            for c in changes]
    if rows:
        lock_change_log(session)
        session.connection().execute(insert(HubChange.__table__), rows)


@dataclass(frozen=True)
class Page:
    changes: list[tuple[int, str, str]]  # (cursor, kind, data as stored JSON text)
    next: int
    more: bool
    data_as_of: datetime | None

    def changes_json(self) -> str:
        """The changes as a JSON array, written from the stored JSON text: a page of 5,000 is
        never parsed and written again (the first pull of a big district is 40 of them)."""
        return "[" + ",".join(
            f'{{"cursor":{seq},"kind":{json.dumps(kind)},"data":{data}}}'
            for seq, kind, data in self.changes) + "]"


def page(kiosk: Kiosk, after: int, limit: int) -> Page:
    limit = max(1, min(limit, MAX_PAGE))
    building = kiosk.building_id
    # Changes are committed in the order of their numbers (see db.lock_change_log): every
    # change up to the highest number visible now is visible now.
    bound = latest()
    rows = hub_db.session.execute(
        select(HubChange.seq, HubChange.kind, HubChange.data)
        .where(HubChange.seq > after, HubChange.seq <= bound,
               or_(HubChange.building_id.is_(None), HubChange.building_id == building),
               or_(HubChange.from_building_id.is_(None),
                   HubChange.from_building_id != building))
        .order_by(HubChange.seq).limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1][0] if rows else after
    if not more:  # a kiosk that is up to date skips ahead past changes meant for others
        last = max(last, bound)
    as_of = hub_db.session.scalar(select(HubChange.created_at).where(HubChange.seq == bound))
    return Page([(seq, kind, data) for seq, kind, data in rows], last, more, as_of)


def latest() -> int:
    return int(hub_db.session.scalar(select(func.max(HubChange.seq))) or 0)
