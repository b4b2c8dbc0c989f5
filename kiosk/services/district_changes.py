"""Apply the district's changes to this kiosk's cache (kiosk/services/district.py pulls them a
page at a time). Every change is idempotent: applying a page twice (a pull cut off before its
cursor was saved) gives the same cache.

- ``credential``: the pin catalogue;
- ``award``: a roster row (person, award, its badge links), in bulk: a first pull brings the
  whole district;
- ``document``: an Open Badges file (issuer, keys, badge classes, revocation and status lists),
  applied with the same importer as `kiosk cache import`;
- ``stock``: pins the district allocated to this building or moved to or from it, once each;
- ``hand_out`` / ``hand_out_voided``: a pin given (or voided) at another building, so that
  this kiosk says "already handed out" for it too.

**Beside the desk.** A page is read in two steps, so that a pull holds the database only for
its writes: :func:`prepare` does what needs no database (each award's texts, keys and dates,
each person's lookup words) and runs in the thread that fetches the pages, while the page before
is written; it cuts runs of awards into steps of at most :data:`CHUNK`, each written
(:meth:`Step.write`) whole, in transactions that end as soon as the desk waits
(:func:`kiosk.db.write_in_turns`). A change is never cut in two: an award, its person and its
keys go together. :func:`apply` does both in the caller's one transaction.

**What a name may hold.** The hub refuses, at its import, a text with a control or invisible
format character (kiosk/services/cache_import.py says which and why). What a hub sends anyway
(one that imported before that rule) is cleaned here: such characters are left out, since there
is nobody at the kiosk to report the row to, and a name must not reach the pages raw.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Dialect, select
from sqlalchemy.orm import Session

from kiosk.sync.outbox import add_event

from ..domain.payload import MalformedPayload, award_keys
from ..domain.search_words import words_for_person
from ..domain.text import without_unshown
from ..models import (
    Award,
    Credential,
    Person,
    RemoteHandOut,
    StockMovement,
    utcnow,
)
from . import lookups
from .people import index_people

log = logging.getLogger(__name__)

# Awards a step: the most a hand-out waits behind (about 15 ms of writing on the benchmark
# machine, docs/benchmarks.md), besides the commit of the transaction it ends.
CHUNK = 250


def apply(session: Session, changes: list[Any]) -> None:
    """Apply changes in the district's order, in the caller's transaction; a run of changes
    of one bulk kind (awards, hand-outs, voids) goes in a few statements."""
    for step in prepare(changes, Binders.of(session.get_bind().dialect)):
        step.write(session)


# --- preparing a page (no database) ------------------------------------------------------------


@dataclass(frozen=True)
class Binders:
    """How the kiosk's columns write a date and a time (the types' own bind processors), for
    rows written by the driver directly."""

    day: Callable[[Any], Any]
    moment: Callable[[Any], Any]

    @classmethod
    def of(cls, dialect: Dialect) -> Binders:
        day = Award.__table__.c.issued_on.type.bind_processor(dialect)
        moment = RemoteHandOut.__table__.c.handed_out_at.type.bind_processor(dialect)
        return cls(day or (lambda v: v), moment or (lambda v: v))


class Step:
    """A part of a page, written whole, in order, inside a transaction."""

    def write(self, session: Session) -> None:
        raise NotImplementedError


def prepare(changes: list[Any], binders: Binders, chunk: int | None = None) -> list[Step]:
    """The page as steps, in the district's order; runs of awards cut at ``chunk``
    (:data:`CHUNK`)."""
    size = chunk or CHUNK
    steps: list[Step] = []
    run_kind, run = "", []  # the current run of one bulk kind

    def close() -> None:
        if run:
            for start in range(0, len(run), size):
                steps.append(_BULK[run_kind](run[start:start + size], binders))

    for change in changes:
        if not isinstance(change, dict) or not isinstance(change.get("data"), dict):
            log.warning("skipped a change that is not an object: %r", change)
            continue
        kind, data = str(change.get("kind")), change["data"]
        if kind != run_kind and run:
            close()
            run_kind, run = "", []
        if kind in _BULK:
            run_kind = kind
            run.append(data)
            continue
        handler = _HANDLERS.get(kind)
        if handler is None:
            log.info("skipped a change of a kind this kiosk does not know: %s", kind)
            continue
        steps.append(_Single(handler, data))
    close()
    return steps


@dataclass
class _Single(Step):
    handler: Callable[[Session, dict[str, Any]], None]
    data: dict[str, Any]

    def write(self, session: Session) -> None:
        self.handler(session, self.data)


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def _when(value: object) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return utcnow()
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def _text(data: dict[str, Any], name: str, limit: int) -> str:
    """A text the hub sent, on one line, at most ``limit`` characters, without a character
    that cannot be shown (the hub's import refuses them: this is the quick check, and the
    cleaning when needed)."""
    value = data.get(name)
    if not isinstance(value, str):
        value = "" if value is None else str(value)
    if value.isprintable() and "  " not in value and value == value.strip():
        return value[:limit]
    cleaned = " ".join(without_unshown(value).split())
    if cleaned != " ".join(value.split()):
        log.warning("left out characters that cannot be shown from a %s the hub sent", name)
    return cleaned[:limit]


_KEY = re.compile(r"[a-z]{2,8}:\S{1,590}")


def _given_keys(keys: object) -> list[str]:
    """The keys the hub worked out for an award, if they all look like keys."""
    if not isinstance(keys, list) or not keys or len(keys) > 20:
        return []
    for k in keys:
        if not isinstance(k, str) or not _KEY.fullmatch(k) or not k.isprintable():
            return []
    return keys


@dataclass
class _Awards(Step):
    """Roster rows, written in a few statements: a first pull brings 200,000 of them.

    Plain rows go straight to SQLite's executemany, in key order (its B-trees fill faster in
    order); dates are written exactly as the columns' own types write them."""

    # employee id -> (employee id, name, email, building), the last row of each person
    people: dict[str, tuple[str, str, str, str]] = field(default_factory=dict)
    words: dict[str, set[str]] = field(default_factory=dict)  # employee id -> lookup words
    # (credential name key, award id, employee id, issued, expires, revoked, reason)
    awards: list[tuple[str, str, str, Any, Any, int, str]] = field(default_factory=list)
    keys: list[tuple[str, str]] = field(default_factory=list)  # (key, award id), in order

    @classmethod
    def prepared(cls, rows: list[dict[str, Any]], binders: Binders) -> _Awards:
        step = cls()
        key_of: dict[str, str] = {}  # as the hub spells the credential -> name key
        awards: dict[str, tuple[str, str, str, Any, Any, int, str]] = {}
        day = binders.day
        for r in rows:
            employee, award_id = _text(r, "employee_id", 64), str(r.get("id") or "")[:512]
            spelled = str(r.get("credential") or "")
            if spelled not in key_of:
                key_of[spelled] = lookups.name_key(spelled)
            if not employee or not award_id or not award_id.isprintable():
                log.warning("skipped an award the kiosk cannot place: %r", award_id)
                continue
            found = _given_keys(r.get("keys"))
            try:
                if not found:  # a hub that sent no keys: work them out here
                    found = list(award_keys(award_id))
                    for link in r.get("aliases") or []:
                        found += [k for k in award_keys(str(link)) if k not in found]
            except MalformedPayload:
                log.warning("skipped an award whose id is not a badge id: %r", award_id)
                continue
            step.people[employee] = (employee, _text(r, "name", 200), _text(r, "email", 320),
                                     _text(r, "building", 200))
            revoked = bool(r.get("revoked"))
            awards[award_id] = (key_of[spelled], award_id, employee,
                                day(_day(r.get("issued_on"))), day(_day(r.get("expires_on"))),
                                int(revoked),
                                _text(r, "revocation_reason", 1000) if revoked else "")
            step.keys += [(k, award_id) for k in found]
        step.awards = list(awards.values())  # an award given twice: as it was given last
        step.keys.sort()
        step.words = {e: words_for_person(name, e, email)
                      for e, name, email, _ in step.people.values()}
        return step

    def write(self, session: Session) -> None:
        by_name = dict(session.execute(select(Credential.name_key, Credential.id)).all())
        placed, skipped = [], set()
        for award in self.awards:
            credential_id = by_name.get(award[0])
            if credential_id is None:
                log.warning("skipped an award the kiosk cannot place: %r", award[1])
                skipped.add(award[1])
                continue
            placed.append((award, credential_id))
        if not placed:
            return
        people = self.people
        if skipped:  # only the people and keys of awards placed
            employees = {award[2] for award, _ in placed}
            people = {e: p for e, p in people.items() if e in employees}
        conn = session.connection()
        known = {e: (i, n, m) for e, i, n, m in session.execute(  # as they were before
            select(Person.employee_id, Person.id, Person.name, Person.email)
            .where(Person.employee_id.in_(list(people))))}
        conn.exec_driver_sql(_PERSON_UPSERT, sorted(people.values()))
        ids = {e: row[0] for e, row in known.items()}
        added = [e for e in people if e not in known]
        if added:
            ids.update(session.execute(select(Person.employee_id, Person.id)
                                       .where(Person.employee_id.in_(added))).all())
        stamp = Binders.of(conn.dialect).moment(utcnow())
        conn.exec_driver_sql(_AWARD_UPSERT, sorted(
            (a[1], ids[a[2]], credential_id, *a[3:], stamp) for a, credential_id in placed))
        conn.exec_driver_sql(_KEY_INSERT, [k for k in self.keys if k[1] not in skipped]
                             if skipped else self.keys)
        # the lookup's words: of the people added, and of those whose name or email changed
        index_people(session, [(ids[e], e, people[e][1], people[e][2]) for e in added],
                     words=self.words)
        changed = [e for e, name, email, _ in people.values()
                   if e in known and known[e][1:] != (name, email)]
        index_people(session, [(ids[e], e, people[e][1], people[e][2]) for e in changed],
                     was={known[e][0]: (known[e][0], e, *known[e][1:]) for e in changed},
                     words=self.words)


_PERSON_UPSERT = (
    "INSERT INTO person (employee_id, name, email, building) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (employee_id) DO UPDATE SET name = excluded.name, email = excluded.email, "
    "building = excluded.building")
_AWARD_UPSERT = (
    "INSERT INTO award (id, person_id, credential_id, issued_on, expires_on, revoked, "
    "revocation_reason, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET person_id = excluded.person_id, "
    "credential_id = excluded.credential_id, issued_on = excluded.issued_on, "
    "expires_on = excluded.expires_on, revoked = excluded.revoked, "
    "revocation_reason = excluded.revocation_reason, updated_at = excluded.updated_at")
_KEY_INSERT = "INSERT INTO award_key (key, award_id) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"


@dataclass
class _HandOuts(Step):
    """Pins handed out at other buildings; one already known is left as it is."""

    # (credential name key, distribution id, building, employee id, award id, receipt,
    #  staff, handed out at)
    rows: list[tuple[str, str, str, str, str, str, str, Any]] = field(default_factory=list)

    @classmethod
    def prepared(cls, rows: list[dict[str, Any]], binders: Binders) -> _HandOuts:
        step = cls()
        for data in rows:
            dist_id = str(data.get("distribution_id") or "")[:36]
            if not dist_id:
                log.warning("skipped a hand-out the kiosk cannot place: %s", dist_id)
                continue
            step.rows.append((
                lookups.name_key(str(data.get("credential") or "")), dist_id,
                _text(data, "building", 200), _text(data, "employee_id", 64),
                str(data.get("award_id") or "")[:512], _text(data, "receipt", 20),
                _text(data, "staff", 120), binders.moment(_when(data.get("handed_out_at")))))
        return step

    def write(self, session: Session) -> None:
        credentials = dict(session.execute(select(Credential.name_key, Credential.id)).all())
        values = []
        for key, dist_id, building, employee, award_id, receipt, staff, at in self.rows:
            credential_id = credentials.get(key)
            if credential_id is None:
                log.warning("skipped a hand-out the kiosk cannot place: %s", dist_id)
                continue
            values.append((dist_id, building, employee, credential_id, award_id, receipt,
                           staff, at))
        session.connection().exec_driver_sql(_HAND_OUT_INSERT, sorted(values))


@dataclass
class _Voids(Step):
    rows: list[tuple[Any, str]] = field(default_factory=list)  # (voided at, distribution id)

    @classmethod
    def prepared(cls, rows: list[dict[str, Any]], binders: Binders) -> _Voids:
        return cls([(binders.moment(_when(data.get("voided_at"))),
                     str(data.get("distribution_id") or "")[:36]) for data in rows])

    def write(self, session: Session) -> None:
        session.connection().exec_driver_sql(_VOID_UPDATE, self.rows)


_HAND_OUT_INSERT = (
    "INSERT INTO remote_hand_out (distribution_id, building, employee_id, credential_id, "
    "award_id, receipt, staff, handed_out_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (distribution_id) DO NOTHING")
_VOID_UPDATE = "UPDATE remote_hand_out SET voided_at = ? WHERE distribution_id = ?"


# --- changes applied one at a time -------------------------------------------------------------


def _credential(session: Session, data: dict[str, Any]) -> None:
    name = _text(data, "name", 300)
    if not name:
        return
    key = lookups.name_key(name)
    cred = session.scalar(select(Credential).where(Credential.name_key == key))
    if cred is None:
        cred = Credential(name_key=key)
        session.add(cred)
    cred.name, cred.released_on = name, _day(data.get("released_on"))
    cred.has_pin, cred.pin_name = bool(data.get("has_pin")), _text(data, "pin_name", 300)
    session.flush()


def _document(session: Session, data: dict[str, Any]) -> None:
    from .badge_documents import read_documents
    from .badge_import import BadgeImporter
    from .cache_import import ImportReport, _Importer
    from .list_urls import usable_url

    try:
        content = base64.b64decode(str(data.get("content", "")), validate=True)
    except (binascii.Error, ValueError):
        log.warning("skipped a document that is not base64")
        return
    report = ImportReport()
    importer = _Importer(report)
    url = usable_url(data.get("url")) or None  # where the hub says its list was published
    BadgeImporter(importer, credential=data.get("credential") or None,
                  issuer=data.get("issuer") or None, url=url).run(
        read_documents(_text(data, "name", 200) or "district.json", content))
    for problem in report.errors:
        log.warning("district document: %s", problem)


def _stock(session: Session, data: dict[str, Any]) -> None:
    ref = str(data.get("ref") or "")[:64]
    qty = data.get("qty")
    if not ref or not isinstance(qty, int) or isinstance(qty, bool) or qty == 0:
        return
    if session.scalar(select(StockMovement.id).where(StockMovement.ref == ref)) is not None:
        return
    cred = session.scalar(select(Credential).where(
        Credential.name_key == lookups.name_key(str(data.get("credential") or ""))))
    if cred is None:
        log.warning("skipped stock for a credential the kiosk does not know: %s", ref)
        return
    if data.get("kind") == "allocated":
        kind = "received"
    else:
        kind = "transfer_in" if qty > 0 else "transfer_out"
    note = _text(data, "note", 500)
    session.add(StockMovement(credential_id=cred.id, kind=kind, qty=qty, at=utcnow(),
                              note=note, ref=ref))
    add_event(session, "stock_applied", {"ref": ref, "credential": cred.name, "qty": qty,
                                         "kind": kind})


_HANDLERS: dict[str, Callable[[Session, dict[str, Any]], None]] = {
    "credential": _credential, "document": _document, "stock": _stock}
_BULK: dict[str, Callable[[list[dict[str, Any]], Binders], Step]] = {
    "award": _Awards.prepared, "hand_out": _HandOuts.prepared, "hand_out_voided": _Voids.prepared}
