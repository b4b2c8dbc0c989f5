"""A kiosk heard from by pull alone is not silent; one not heard from for too long is an
exception on the hub, settled by itself when the kiosk syncs again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import Kiosk as HubKiosk
from kiosk.sync.hub.models import utcnow
from kiosk.sync.hub.services import reconcile

from .conftest import District


def _last_seen(district: District, kiosk_id: str):  # type: ignore[no-untyped-def]
    return district.hub.call(lambda: hub_db.session.scalar(
        select(HubKiosk.last_seen_at).where(HubKiosk.id == kiosk_id)))


def _age(district: District, kiosk_id: str, hours: int) -> None:
    def run() -> None:
        hub_db.session.execute(update(HubKiosk).where(HubKiosk.id == kiosk_id).values(
            last_seen_at=utcnow() - timedelta(hours=hours)))
        hub_db.session.commit()

    district.hub.call(run)


def test_a_kiosk_with_nothing_to_push_is_still_heard_from(district: District) -> None:
    kiosk = district.kiosks[1]
    assert kiosk.sync().ok  # pushes what it has
    assert kiosk.sync().ok  # nothing to push now: a pull only
    _age(district, kiosk.kiosk_id, 72)
    assert kiosk.sync().ok
    seen = _last_seen(district, kiosk.kiosk_id)
    assert seen is not None and utcnow() - seen < timedelta(minutes=5)


def test_a_silent_kiosk_is_an_exception_until_it_syncs_again(district: District) -> None:
    kiosk = district.kiosks[2]
    assert kiosk.sync().ok
    _age(district, kiosk.kiosk_id, 72)
    district.hub.call(reconcile.sweep)
    [silent] = [e for e in district.hub.exceptions("silent_kiosk") if e.status == "open"]
    assert kiosk.building in silent.summary and "72 hours" in silent.summary
    assert kiosk.sync().ok
    district.hub.call(reconcile.sweep)
    [settled] = [e for e in district.hub.exceptions("silent_kiosk")]
    assert (settled.status, settled.resolved_by) == ("resolved", "the hub")
