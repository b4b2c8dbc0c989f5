"""The call-back list (issue 13): per pin, the people waiting for it, first come first served,
with what office staff need to call them back (the roster's email and building) and the last
call-back; and the notice that people are waiting for a pin that is on hand. Reads only; the
changes are kiosk/services/waitlist.py's."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import ColumnElement, func, select

from ..domain.waitlist import WaitingNotice, close_words, notices
from ..errors import NotFound
from ..extensions import db
from ..models import Credential, Person, StaffUser, WaitlistContact, WaitlistEntry
from . import lookups
from .stock import stock_levels


@dataclass(frozen=True)
class LastCall:
    at: datetime
    staff: str
    note: str


@dataclass(frozen=True)
class CallBackRow:
    id: int
    credential_id: int
    pin: str
    place: int | None  # number N on the pin's waitlist (None once the entry is closed)
    since: datetime
    name: str
    employee_id: str
    email: str
    building: str
    status: str  # waiting, fulfilled, removed
    calls: int = 0
    last_call: LastCall | None = None
    closed_at: datetime | None = None
    closed_by: str = ""
    close_reason: str = ""  # in words
    close_note: str = ""

    @property
    def waiting(self) -> bool:
        return self.status == "waiting"


@dataclass(frozen=True)
class PinQueue:
    credential_id: int
    pin: str
    on_hand: int
    rows: list[CallBackRow] = field(default_factory=list)


@dataclass(frozen=True)
class CallBackList:
    pins: list[tuple[int, str, int]]  # every pin: id, name, people waiting (for the filter)
    chosen: int | None  # the pin asked for (?pin=ID), or None for every pin
    queues: list[PinQueue]

    @property
    def waiting(self) -> int:
        return sum(len(q.rows) for q in self.queues)


def call_back_list(pin: str | None = None) -> CallBackList:
    """The people waiting, per pin (only the pin ``pin`` names, when it names one)."""
    levels = stock_levels()
    counts = _waiting_counts()
    pins = [(level.credential_id, level.pin, counts.get(level.credential_id, 0))
            for level in levels]
    chosen = _pin_id(pin, {p[0] for p in pins})
    rows = _rows(WaitlistEntry.status == "waiting",
                 *([WaitlistEntry.credential_id == chosen] if chosen is not None else []))
    queues = []
    for level in levels:
        if chosen is not None and level.credential_id != chosen:
            continue
        mine = [r for r in rows if r.credential_id == level.credential_id]
        if mine or chosen is not None:
            queues.append(PinQueue(level.credential_id, level.pin, level.on_hand,
                                   [_placed(r, n) for n, r in enumerate(mine, 1)]))
    return CallBackList(pins, chosen, queues)


def call_back_row(entry_id: int) -> CallBackRow:
    """One entry as stored now, whatever its status (the row an action answers with)."""
    found = _rows(WaitlistEntry.id == entry_id)
    if not found:
        raise NotFound("There is no such waitlist entry.")
    row = found[0]
    if not row.waiting:
        return row
    entry = db.session.get(WaitlistEntry, entry_id)
    assert entry is not None
    place = lookups.waitlist_place(entry.person_id, entry.credential_id)
    return _placed(row, place.position if place else None)


def waiting_notices() -> list[WaitingNotice]:
    """The pins with people waiting and pins on hand: call them back."""
    counts = _waiting_counts()
    if not counts:
        return []
    levels = stock_levels()
    return notices(counts, {lv.credential_id: lv.on_hand for lv in levels},
                   {lv.credential_id: lv.pin for lv in levels})


def _waiting_counts() -> dict[int, int]:
    return {credential_id: int(n) for credential_id, n in db.session.execute(
        select(WaitlistEntry.credential_id, func.count())
        .where(WaitlistEntry.status == "waiting").group_by(WaitlistEntry.credential_id))}


def _pin_id(text: str | None, known: set[int]) -> int | None:
    """The pin ``?pin=`` names; anything else (empty, not a number, no such pin) is every pin."""
    try:
        wanted = int((text or "").strip())
    except ValueError:
        return None
    return wanted if wanted in known else None


def _rows(*where: ColumnElement[bool]) -> list[CallBackRow]:
    calls = (select(WaitlistContact.entry_id, WaitlistContact.at, WaitlistContact.note,
                    StaffUser.name.label("staff"),
                    func.count().over(partition_by=WaitlistContact.entry_id).label("calls"),
                    func.row_number().over(partition_by=WaitlistContact.entry_id,
                                           order_by=(WaitlistContact.at.desc(),
                                                     WaitlistContact.id.desc())).label("n"))
             .join(StaffUser, StaffUser.id == WaitlistContact.staff_user_id).subquery())
    closer = StaffUser.__table__.alias("closer")
    query = (
        select(WaitlistEntry, Person.name, Person.employee_id, Person.email, Person.building,
               Credential.name, Credential.pin_name, calls.c.at, calls.c.note, calls.c.staff,
               calls.c.calls, closer.c.name)
        .join(Person, Person.id == WaitlistEntry.person_id)
        .join(Credential, Credential.id == WaitlistEntry.credential_id)
        .outerjoin(calls, (calls.c.entry_id == WaitlistEntry.id) & (calls.c.n == 1))
        .outerjoin(closer, closer.c.id == WaitlistEntry.closed_by)
        .where(*where)
        .order_by(WaitlistEntry.credential_id, WaitlistEntry.added_at, WaitlistEntry.id))
    out = []
    for (entry, name, employee_id, email, building, credential, pin_name, call_at, call_note,
         call_staff, calls_made, closed_by) in db.session.execute(query):
        out.append(CallBackRow(
            entry.id, entry.credential_id, pin_name or f"{credential} pin", None,
            entry.added_at, name, employee_id, email, building, entry.status,
            int(calls_made or 0),
            LastCall(call_at, call_staff, call_note) if call_at is not None else None,
            entry.closed_at, closed_by or "", close_words(entry.close_reason),
            entry.close_note))
    return out


def _placed(row: CallBackRow, place: int | None) -> CallBackRow:
    return replace(row, place=place)
