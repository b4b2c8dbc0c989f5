"""What the status badges on every page show: stock, receipts waiting, sync state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.sync.outbox import waiting_count

from ..extensions import db
from . import lookups
from .printing import PrinterView, printer_view
from .stock import StockLevel, stock_levels


@dataclass(frozen=True)
class KioskStatus:
    building: str
    stock: list[StockLevel]
    printer: PrinterView
    events_waiting: int
    badge_data_as_of: datetime | None


def kiosk_status() -> KioskStatus:
    return KioskStatus(
        building=lookups.building_name(),
        stock=stock_levels(),
        printer=printer_view(),
        events_waiting=waiting_count(db.session),
        badge_data_as_of=lookups.badge_data_as_of(),
    )
