"""What the office's reports hold (issue 13): a daily sheet or a period report of one building,
as plain values the service gathers (kiosk/services/reports.py) and the PDF draws
(kiosk/reports/office_pdf.py). Times are the building's local times; text is as stored (the
PDF escapes it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ..domain.ledger import Reconciliation


@dataclass(frozen=True)
class PinFigures:
    """One pin's reconciliation over the period."""

    pin: str
    figures: Reconciliation


@dataclass(frozen=True)
class ManualHandOut:
    """A hand-out found by manual lookup (no proof scanned), with why."""

    receipt: str
    at: datetime
    person: str
    employee_id: str
    pin: str
    staff: str
    reason: str


@dataclass(frozen=True)
class VoidedHandOut:
    """A void made in the period (of a hand-out of any day), with why."""

    receipt: str
    voided_at: datetime
    handed_out_at: datetime
    person: str
    pin: str
    staff: str  # who voided it
    reason: str


@dataclass(frozen=True)
class Waiting:
    """A person on the waitlist at the end of the period."""

    added_at: datetime
    person: str
    employee_id: str
    pin: str
    closed: str  # "" while still waiting; else what happened after the period, in words


@dataclass(frozen=True)
class OfficeReport:
    """A daily sheet (``first == last``) or a period report."""

    building: str
    code: str
    first: date
    last: date
    made_at: datetime
    pins: list[PinFigures]
    per_day: list[tuple[date, int]]  # every day of the period, in order, with its hand-outs
    manual: list[ManualHandOut]
    voids: list[VoidedHandOut]
    waiting: list[Waiting]
    # waitlist entries closed before the kiosk kept when: they may have been waiting then
    closed_unknown: int = 0

    @property
    def daily(self) -> bool:
        return self.first == self.last

    @property
    def title(self) -> str:
        return "Daily sheet" if self.daily else "Period report"

    @property
    def period_words(self) -> str:
        if self.daily:
            return long_date(self.first)
        return f"{long_date(self.first)} to {long_date(self.last)}"

    @property
    def filename(self) -> str:
        code = "".join(ch for ch in self.code if ch.isascii() and ch.isalnum()) or "kiosk"
        if self.daily:
            return f"daily-sheet-{code}-{self.first.isoformat()}.pdf"
        return f"period-report-{code}-{self.first.isoformat()}-to-{self.last.isoformat()}.pdf"

    @property
    def handed_out(self) -> int:
        return sum(n for _, n in self.per_day)


def long_date(day: date) -> str:
    """"Friday, December 4, 2026"."""
    return f"{day:%A}, {day:%B} {day.day}, {day.year}"

