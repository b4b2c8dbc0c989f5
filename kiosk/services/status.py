"""What the status badges on every page show: stock, receipts waiting, sync state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.printers.worker import waiting as receipts_waiting
from kiosk.sync.outbox import waiting_count

from ..extensions import db
from . import lookups
from .stock import StockLevel, stock_levels


@dataclass(frozen=True)
class KioskStatus:
    building: str
    stock: list[StockLevel]
    receipts_waiting: int
    events_waiting: int
    badge_data_as_of: datetime | None


def kiosk_status() -> KioskStatus:
    return KioskStatus(
        building=lookups.building_name(),
        stock=stock_levels(),
        receipts_waiting=receipts_waiting(db.session),
        events_waiting=waiting_count(db.session),
        badge_data_as_of=lookups.badge_data_as_of(),
    )
