"""The hand-out log: what was handed out here, each void beside what it voids; searched and
paged for the Hand-outs page, where a row is voided or reprinted in its place. The CSV export
reads the same search (kiosk/services/log_export.py).

**Paging** is by keyset, newest first: the key is (``handed_out_at``, ``receipt_no``), unique
because receipt numbers are. A page is the next ``PAGE_SIZE`` rows past the key of the receipt
it starts after (or before), read from an index on that key (migration 0011:
``ix_distribution_log``; the same key behind the staff member's id and the pin's, and for the
manual hand-outs alone), so the page 2,000 deep costs what the first does.

**A name** is found as the manual lookup finds a person (``person_word``, every typed word the
start of one of theirs). Few people (up to ``NARROW_PEOPLE``): their hand-outs are read by
person and sorted. Many (a common first name, two letters typed): the log is read newest first
and each hand-out kept if its person is among them, which stops after a page; reading the
people's hand-outs first would sort tens of thousands of rows for 50."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import aliased, selectinload

from ..domain.log_search import LogSearch, receipt_number
from ..domain.search_words import query_words, too_broad
from ..domain.staff import CurrentUser, can
from ..errors import NotAllowed, NotFound
from ..extensions import db
from ..models import Credential, Distribution, Person, PrintJob, StaffUser, Void
from . import lookups
from .people import find_people
from .printing import reprint
from .void import void_hand_out

PAGE_SIZE = 50
NARROW_PEOPLE = 500  # people a name may match and their hand-outs still be read person by person
_END = "\U0010ffff"  # above every character: a prefix's words are [prefix, prefix + _END)
_MOMENT = Distribution.__table__.c.handed_out_at.type  # how the database holds a time


@dataclass(frozen=True)
class LogVoid:
    reason: str
    voided_at: datetime
    staff: str


@dataclass(frozen=True)
class LogRow:
    """One hand-out as the log shows it, with its void if it has one."""

    id: str
    receipt: str
    receipt_no: int
    handed_out_at: datetime
    staff_user_id: int
    staff: str
    person: str
    employee_id: str
    credential: str
    pin: str
    manual_reason: str
    void: LogVoid | None

    @property
    def manual(self) -> bool:
        return bool(self.manual_reason)


@dataclass(frozen=True)
class LogPage:
    search: LogSearch
    rows: list[LogRow]
    older: LogSearch | None  # the next page back in time, if there is one
    newer: LogSearch | None
    mine_only: bool  # a designee sees their own hand-outs only
    pins: list[tuple[int, str]]  # (credential id, pin) to choose from
    staff: list[tuple[int, str]]  # (staff id, name) to choose from


def mine_only(user: CurrentUser) -> bool:
    return not can(user.role, "log")  # may_see_receipt's "every receipt" is the same right


def search(wanted: LogSearch, user: CurrentUser, size: int = PAGE_SIZE) -> LogPage:
    """A page of the hand-outs ``user`` may see that match ``wanted``, newest first."""
    where = condition(wanted, user)
    cursor = _key(wanted.after or wanted.before)
    if cursor is None:  # no such receipt: the first page
        wanted = wanted.first_page()
    newer_page = cursor is not None and wanted.before is not None
    keys = _keys(where, cursor, newer=newer_page, limit=size + 1) if where is not None else []
    more = len(keys) > size
    keys = keys[:size]
    if newer_page:
        keys.reverse()
        has_newer, has_older = more, bool(keys) and _any(where, keys[-1], newer=False)
    else:
        has_older = more
        has_newer = bool(keys) and cursor is not None and _any(where, keys[0], newer=True)
    first, last = (keys[0][1], keys[-1][1]) if keys else (0, 0)
    return LogPage(
        search=wanted, rows=_rows([k[0] for k in keys]),
        older=wanted.older_than(last) if has_older else None,
        newer=wanted.newer_than(first) if has_newer else None,
        mine_only=mine_only(user), pins=_pins(), staff=_staff())


def row(distribution_id: str, user: CurrentUser) -> LogRow:
    """One hand-out of the log, as it is now."""
    found = _rows([distribution_id])
    if not found:
        raise NotFound("There is no such hand-out.")
    if mine_only(user) and found[0].staff_user_id != user.id:
        raise NotAllowed("Designees see only their own hand-outs in the log.")
    return found[0]


def void_in_log(distribution_id: str, user: CurrentUser, reason: str) -> None:
    """Void a hand-out from its row of the log (the void's own rules say who may)."""
    void_hand_out(distribution_id, user.id, reason)


def reprint_in_log(distribution_id: str, user: CurrentUser) -> PrintJob:
    """A copy of a receipt from its row of the log (it says COPY)."""
    row(distribution_id, user)  # one the user sees
    return reprint(distribution_id, user.id)


def recent(limit: int = 100, staff_id: int | None = None) -> list[Distribution]:
    query = (select(Distribution).options(selectinload(Distribution.void))
             .order_by(Distribution.receipt_no.desc()).limit(limit))
    if staff_id is not None:
        query = query.where(Distribution.staff_user_id == staff_id)
    return list(db.session.scalars(query))


def get(distribution_id: str) -> Distribution | None:
    return db.session.get(Distribution, distribution_id)


# --- reading the log -----------------------------------------------------------------------

Key = tuple[str, int, Any]  # (distribution id, receipt number, stored handed_out_at)


@dataclass(frozen=True)
class Condition:
    sql: str
    params: dict[str, Any]


def _stored(moment: datetime) -> Any:
    """A time as the database holds it, to compare with what it holds."""
    process = _MOMENT.bind_processor(db.engine.dialect)
    return process(moment) if process else moment


def condition(wanted: LogSearch, user: CurrentUser) -> Condition | None:
    """The SQL condition on ``distribution AS d`` for the search; None when it matches
    nothing (a name no one has)."""
    clauses, params = ["1 = 1"], {}
    staff = user.id if mine_only(user) else wanted.staff
    for column, value in (("staff_user_id", staff), ("credential_id", wanted.pin)):
        if value is not None:
            clauses.append(f"d.{column} = :{column}")
            params[column] = value
    tz = lookups.timezone()
    if wanted.since:
        clauses.append("d.handed_out_at >= :since")
        params["since"] = _stored(datetime.combine(wanted.since, time(), tz))
    if wanted.until:
        clauses.append("d.handed_out_at < :until")
        params["until"] = _stored(datetime.combine(wanted.until + timedelta(days=1), time(),
                                                   tz))
    clauses += {"voided": ["EXISTS (SELECT 1 FROM void AS v WHERE v.distribution_id = d.id)"],
                "standing": ["NOT EXISTS (SELECT 1 FROM void AS v "
                             "WHERE v.distribution_id = d.id)"],
                "manual": ["d.manual_reason != ''"]}.get(wanted.show, [])
    if wanted.text:
        typed = _typed(wanted.text, params)
        if typed is None:
            return None
        clauses.append(typed)
    return Condition(" AND ".join(clauses), params)


def _typed(typed: str, params: dict[str, Any]) -> str | None:
    """What a typed text matches: a receipt number, or people by name, employee number or
    email (as the manual lookup finds them); None for nothing."""
    found = []
    receipt = receipt_number(typed, lookups.this_building().code)
    if receipt is not None:
        found.append("d.receipt_no = :receipt")
        params["receipt"] = receipt
    words = query_words(typed)
    if words and too_broad(words):  # "E1", "42": only whoever has exactly that number
        ids = [hit.person_id for hit in find_people(typed)]
        params.update({f"person{n}": person_id for n, person_id in enumerate(ids)})
        if ids:
            found.append(f"d.person_id IN ({', '.join(f':person{n}' for n in range(len(ids)))})")
    elif words:
        ranges = []
        for n, word in enumerate(sorted(words, key=len, reverse=True)):
            params[f"w{n}"], params[f"u{n}"] = word, word + _END
            ranges.append(f"SELECT person_id FROM person_word WHERE word >= :w{n} AND word < :u{n}")
        people = " INTERSECT ".join(ranges)
        count = db.session.execute(text(f"SELECT count(*) FROM ({people} LIMIT :most)"),
                                   {**params, "most": NARROW_PEOPLE + 1}).scalar_one()
        if count:  # many people: "+" keeps SQLite from reading their hand-outs person by person
            found.append(f"{'+' if count > NARROW_PEOPLE else ''}d.person_id IN ({people})")
    return f"({' OR '.join(found)})" if found else None


def _key(receipt_no: int | None) -> Key | None:
    if receipt_no is None:
        return None
    found = db.session.execute(text(
        "SELECT id, receipt_no, handed_out_at FROM distribution WHERE receipt_no = :n"),
        {"n": receipt_no}).first()
    return None if found is None else (found[0], found[1], found[2])


def _keys(where: Condition, cursor: Key | None, *, newer: bool, limit: int) -> list[Key]:
    """Up to ``limit`` hand-outs matching ``where`` past ``cursor`` (older, or ``newer``)."""
    order, past = ("ASC", ">") if newer else ("DESC", "<")
    sql, params = where.sql, dict(where.params)
    if cursor is not None:
        sql += f" AND (d.handed_out_at, d.receipt_no) {past} (:at, :no)"
        params.update(at=cursor[2], no=cursor[1])
    rows = db.session.execute(text(
        f"SELECT d.id, d.receipt_no, d.handed_out_at FROM distribution AS d WHERE {sql} "
        f"ORDER BY d.handed_out_at {order}, d.receipt_no {order} LIMIT :limit"),
        {**params, "limit": limit}).all()
    return [(r[0], r[1], r[2]) for r in rows]


def _any(where: Condition | None, key: Key, *, newer: bool) -> bool:
    return where is not None and bool(_keys(where, key, newer=newer, limit=1))


def _rows(ids: Sequence[str]) -> list[LogRow]:
    """The rows of these hand-outs, in the order given."""
    if not ids:
        return []
    voider = aliased(StaffUser)
    found = db.session.execute(
        select(Distribution.id, Distribution.receipt, Distribution.receipt_no,
               Distribution.handed_out_at, Distribution.staff_user_id, StaffUser.name,
               Person.name, Person.employee_id, Credential.name, Credential.pin_name,
               Distribution.manual_reason, Void.reason, Void.voided_at, voider.name)
        .join(StaffUser, StaffUser.id == Distribution.staff_user_id)
        .join(Person, Person.id == Distribution.person_id)
        .join(Credential, Credential.id == Distribution.credential_id)
        .outerjoin(Void, Void.distribution_id == Distribution.id)
        .outerjoin(voider, voider.id == Void.staff_user_id)
        .where(Distribution.id.in_(ids))).all()
    rows = {r[0]: LogRow(*r[:8], credential=r[8], pin=r[9] or f"{r[8]} pin",
                         manual_reason=r[10],
                         void=LogVoid(r[11], r[12], r[13]) if r[12] is not None else None)
            for r in found}
    return [rows[i] for i in ids if i in rows]


def _pins() -> list[tuple[int, str]]:
    found = db.session.execute(select(Credential.id, Credential.name, Credential.pin_name)
                               .where(Credential.has_pin).order_by(Credential.id))
    return [(cid, pin or f"{name} pin") for cid, name, pin in found]


def _staff() -> list[tuple[int, str]]:
    found = db.session.execute(select(StaffUser.id, StaffUser.name)
                               .order_by(StaffUser.name_key))
    return [(sid, name) for sid, name in found]
