"""What the status badges on every page show: stock, receipts waiting, sync state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..domain.stock import low_stock_words
from . import lookups
from .district_status import SyncStatus, sync_status
from .printing import PrinterView, printer_view
from .stock import StockLevel, stock_levels


@dataclass(frozen=True)
class KioskStatus:
    building: str
    stock: list[StockLevel]
    printer: PrinterView
    sync: SyncStatus
    badge_data_as_of: datetime | None

    @property
    def low_stock(self) -> list[str]:
        """The pins at or under their threshold, in words for the banner on every page."""
        return [low_stock_words(s.pin, s.on_hand, s.low_at) for s in self.stock if s.low]


def kiosk_status() -> KioskStatus:
    return KioskStatus(
        building=lookups.building_name(),
        stock=stock_levels(),
        printer=printer_view(),
        sync=sync_status(),
        badge_data_as_of=lookups.badge_data_as_of(),
    )
