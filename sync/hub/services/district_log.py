"""The district hand-out log: every hand-out every building reported, each void on the row of
what it voids, searched and paged for ``GET /hand-outs`` and exported as CSV.

**Paging** is by keyset, newest first: the key is (``handed_out_at``, ``id``), unique because
the id (the kiosk's distribution id) is; hand-outs at the same moment are told apart by it. A
page is the next ``PAGE_SIZE`` rows past the key of the hand-out it starts after (or before),
read from an index ending in that key (migration h0007), so the page a million rows deep costs
what the first does. Never OFFSET.

**Names** are the roster's, joined by employee number for the rows shown (services/people.py;
why not a copy: migration h0007)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import ColumnElement, Select, select, tuple_
from sqlalchemy.orm import Session

from kiosk.domain.text import csv_cell

from ..extensions import hub_db
from ..models import HubBuilding, HubCredential, HubHandOut, Kiosk
from . import people
from .district_search import HubLogSearch

PAGE_SIZE = 50
CHUNK = 500  # rows a piece of the streamed CSV holds
COLUMNS = ("receipt", "handed_out_at", "building", "kiosk", "person", "employee_id",
           "credential", "pin", "award_id", "staff", "manual_reason", "voided_at",
           "void_reason", "distribution_id")


@dataclass(frozen=True)
class LogRow:
    """One hand-out as the district log shows it, with its void if it has one."""

    id: str
    receipt: str
    handed_out_at: datetime
    building_id: int
    building: str
    kiosk: str
    staff: str
    person: str  # "" when the roster does not know the employee number
    employee_id: str
    credential: str
    pin: str
    award_id: str
    manual_reason: str
    voided_at: datetime | None
    void_reason: str

    @property
    def manual(self) -> bool:
        return bool(self.manual_reason)


@dataclass(frozen=True)
class LogPage:
    search: HubLogSearch
    rows: list[LogRow]
    older: HubLogSearch | None  # the next page back in time, if there is one
    newer: HubLogSearch | None
    buildings: list[tuple[int, str]]  # to choose from
    pins: list[tuple[str, str]]  # (credential, pin label) to choose from


Key = tuple[datetime, str]  # (handed_out_at, id)


def search(wanted: HubLogSearch, size: int = PAGE_SIZE) -> LogPage:
    """A page of the hand-outs that match ``wanted``, newest first."""
    session = hub_db.session
    where = condition(session, wanted)
    cursor = _key(session, wanted.after or wanted.before)
    if cursor is None:  # no such hand-out: the first page
        wanted = wanted.first_page()
    newer_page = cursor is not None and wanted.before is not None
    keys = (_keys(session, where, cursor, newer=newer_page, limit=size + 1)
            if where is not None else [])
    more = len(keys) > size
    keys = keys[:size]
    if newer_page:
        keys.reverse()
        has_newer, has_older = more, bool(keys) and _any(session, where, keys[-1], newer=False)
    else:
        has_older = more
        has_newer = (bool(keys) and cursor is not None
                     and _any(session, where, keys[0], newer=True))
    return LogPage(
        search=wanted, rows=rows(session, [k[1] for k in keys]),
        older=wanted.older_than(keys[-1][1]) if has_older else None,
        newer=wanted.newer_than(keys[0][1]) if has_newer else None,
        buildings=[(b.id, b.name) for b in session.scalars(
            select(HubBuilding).order_by(HubBuilding.name_key))],
        pins=[(c.name, c.pin_label) for c in _pins(session)])


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def condition(session: Session, wanted: HubLogSearch) -> list[ColumnElement[bool]] | None:
    """The conditions on ``hub_hand_out`` for the search; None when it matches nothing."""
    h = HubHandOut
    clauses: list[ColumnElement[bool]] = []
    if wanted.building is not None:
        clauses.append(h.building_id == wanted.building)
    if wanted.pin:
        clauses.append(h.credential == wanted.pin)
    if wanted.since:
        clauses.append(h.handed_out_at >= datetime.combine(wanted.since, time(), _tz()))
    if wanted.until:
        clauses.append(h.handed_out_at < datetime.combine(wanted.until + timedelta(days=1),
                                                          time(), _tz()))
    if wanted.show == "voided":
        clauses.append(h.voided_at.is_not(None))
    elif wanted.show == "standing":
        clauses.append(h.voided_at.is_(None))
    elif wanted.show == "manual":
        clauses.append(h.manual_reason != "")
    if wanted.text:
        typed = people.typed_condition(session, wanted.text).where
        if typed is None:
            return None
        clauses.append(typed)
    return clauses


def _key(session: Session, hand_out_id: str | None) -> Key | None:
    if hand_out_id is None:
        return None
    found = session.execute(select(HubHandOut.handed_out_at, HubHandOut.id)
                            .where(HubHandOut.id == hand_out_id)).first()
    return None if found is None else (found[0], found[1])


def _keys(session: Session, where: list[ColumnElement[bool]], cursor: Key | None, *,
          newer: bool, limit: int) -> list[Key]:
    """Up to ``limit`` hand-outs matching ``where`` past ``cursor`` (older, or ``newer``)."""
    h = HubHandOut
    query = select(h.handed_out_at, h.id).where(*where)
    key = tuple_(h.handed_out_at, h.id)
    if cursor is not None:
        query = query.where(key > tuple_(*cursor) if newer else key < tuple_(*cursor))
    order = (h.handed_out_at.asc(), h.id.asc()) if newer else (h.handed_out_at.desc(),
                                                                 h.id.desc())
    return [(r[0], r[1]) for r in session.execute(query.order_by(*order).limit(limit))]


def _any(session: Session, where: list[ColumnElement[bool]] | None, key: Key, *,
         newer: bool) -> bool:
    return where is not None and bool(_keys(session, where, key, newer=newer, limit=1))


def _pins(session: Session) -> list[HubCredential]:
    return list(session.scalars(select(HubCredential).where(HubCredential.has_pin.is_(True))
                                .order_by(HubCredential.released_on, HubCredential.id)))


def _row_query() -> Select:  # type: ignore[type-arg]
    h = HubHandOut
    return (select(h.id, h.receipt, h.handed_out_at, h.building_id, HubBuilding.name,
                   Kiosk.name, h.kiosk_id, h.staff, h.employee_id, h.credential, h.award_id,
                   h.manual_reason, h.voided_at, h.void_reason)
            .join(HubBuilding, HubBuilding.id == h.building_id)
            .join(Kiosk, Kiosk.id == h.kiosk_id))


def rows(session: Session, ids: Sequence[str]) -> list[LogRow]:
    """The rows of these hand-outs, in the order given."""
    if not ids:
        return []
    found = session.execute(_row_query().where(HubHandOut.id.in_(list(ids)))).all()
    return _log_rows(session, found, ids)


def _log_rows(session: Session, found: Sequence[object], ids: Sequence[str] | None = None
              ) -> list[LogRow]:
    named = people.names(session, {r[8] for r in found})  # type: ignore[index]
    labels = {c.name: c.pin_label for c in session.scalars(select(HubCredential))}
    made = {r[0]: LogRow(  # type: ignore[index]
        id=r[0], receipt=r[1], handed_out_at=r[2], building_id=r[3],  # type: ignore[index]
        building=r[4], kiosk=r[5] or r[6], staff=r[7],  # type: ignore[index]
        person=named.get(r[8], ""), employee_id=r[8], credential=r[9],  # type: ignore[index]
        pin=labels.get(r[9], f"{r[9]} pin"), award_id=r[10],  # type: ignore[index]
        manual_reason=r[11], voided_at=r[12], void_reason=r[13])  # type: ignore[index]
        for r in found}
    order = ids if ids is not None else [r[0] for r in found]  # type: ignore[index]
    return [made[i] for i in order if i in made]


def person_hand_outs(session: Session, employee_id: str) -> list[LogRow]:
    """Every hand-out to this person, newest first."""
    found = session.execute(_row_query().where(HubHandOut.employee_id == employee_id)
                            .order_by(HubHandOut.handed_out_at.desc(),
                                      HubHandOut.id.desc())).all()
    return _log_rows(session, found)


# --- the CSV -------------------------------------------------------------------------------


def csv_lines(wanted: HubLogSearch) -> Iterator[str]:
    """The hand-outs matching ``wanted`` as CSV, oldest first, streamed ``CHUNK`` rows at a
    time (never the whole log in memory); times in the district's zone. Every text cell is
    defused for spreadsheets (kiosk/domain/text.py: ``csv_cell``); a BOM first and CRLF line
    ends, as Excel reads UTF-8 CSV."""
    session, tz = hub_db.session, _tz()
    buf = io.StringIO()
    writer = csv.writer(buf)

    def flush() -> str:
        value = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        return value

    def when(moment: datetime | None) -> str:
        return "" if moment is None else moment.astimezone(tz).isoformat(timespec="seconds")

    yield "\ufeff"
    writer.writerow(COLUMNS)
    yield flush()
    where = condition(session, wanted)
    if where is None:
        return
    query = (_row_query().where(*where)
             .order_by(HubHandOut.handed_out_at.asc(), HubHandOut.id.asc()))
    result = session.execute(query, execution_options={"yield_per": CHUNK})
    for chunk in result.partitions():
        for r in _log_rows(session, chunk):
            writer.writerow((csv_cell(r.receipt), when(r.handed_out_at), csv_cell(r.building),
                             csv_cell(r.kiosk), csv_cell(r.person), csv_cell(r.employee_id),
                             csv_cell(r.credential), csv_cell(r.pin), csv_cell(r.award_id),
                             csv_cell(r.staff), csv_cell(r.manual_reason), when(r.voided_at),
                             csv_cell(r.void_reason), r.id))
        yield flush()
