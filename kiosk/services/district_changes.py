"""Apply one page of the district's changes to this kiosk's cache, inside the pull's
transaction (kiosk/services/district.py). Every change is idempotent: applying a page twice
(a pull cut off before its cursor was saved) gives the same cache.

- ``credential``: the pin catalogue;
- ``award``: a roster row (person, award, its badge links), in bulk: a first pull brings the
  whole district;
- ``document``: an Open Badges file (issuer, keys, badge classes, revocation and status lists),
  applied with the same importer as `kiosk cache import`;
- ``stock``: pins the district allocated to this building or moved to or from it, once each;
- ``hand_out`` / ``hand_out_voided``: a pin given (or voided) at another building, so that
  this kiosk says "already handed out" for it too.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.sync.outbox import add_event

from ..domain.payload import MalformedPayload, award_keys
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


def apply(session: Session, changes: list[Any]) -> None:
    """Apply changes in the district's order; a run of changes of one bulk kind (awards,
    hand-outs, voids) goes in a few statements."""
    run_kind, run = "", []  # the current run of one bulk kind
    for change in changes:
        if not isinstance(change, dict) or not isinstance(change.get("data"), dict):
            log.warning("skipped a change that is not an object: %r", change)
            continue
        kind, data = str(change.get("kind")), change["data"]
        if kind != run_kind and run:
            _BULK[run_kind](session, run)
            run_kind, run = "", []
        if kind in _BULK:
            run_kind = kind
            run.append(data)
            continue
        handler = _HANDLERS.get(kind)
        if handler is None:
            log.info("skipped a change of a kind this kiosk does not know: %s", kind)
            continue
        handler(session, data)
    if run:
        _BULK[run_kind](session, run)


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
    """A text the hub sent, on one line, at most ``limit`` characters (the hub's import
    cleaned it already: this is the quick check, and the cleaning when needed)."""
    value = data.get(name)
    if not isinstance(value, str):
        value = "" if value is None else str(value)
    if value.isprintable() and "  " not in value and value == value.strip():
        return value[:limit]
    return " ".join(value.split())[:limit]


_KEY = re.compile(r"[a-z]{2,8}:\S{1,590}")


def _given_keys(keys: object) -> list[str]:
    """The keys the hub worked out for an award, if they all look like keys."""
    if not isinstance(keys, list) or not keys or len(keys) > 20:
        return []
    for k in keys:
        if not isinstance(k, str) or not _KEY.fullmatch(k):
            return []
    return keys


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


def _awards(session: Session, rows: list[dict[str, Any]]) -> None:
    """A batch of roster rows in a few statements: a first pull brings 200,000 of them.

    Plain rows go straight to SQLite's executemany, in key order (its B-trees fill faster in
    order); dates and times are written exactly as the columns' own types write them."""
    by_name = dict(session.execute(select(Credential.name_key, Credential.id)).all())
    credential_of: dict[str, int | None] = {}  # as the hub spells it -> id
    conn = session.connection()
    day = Award.__table__.c.issued_on.type.bind_processor(conn.dialect) or (lambda v: v)
    stamp = (Award.__table__.c.updated_at.type.bind_processor(conn.dialect)
             or (lambda v: v))(utcnow())
    people: dict[str, tuple[str, str, str, str]] = {}
    awards: list[tuple[str, str, int, Any, Any, int, str]] = []
    keys: list[tuple[str, str]] = []
    for r in rows:
        employee, award_id = _text(r, "employee_id", 64), str(r.get("id") or "")[:512]
        spelled = str(r.get("credential") or "")
        if spelled not in credential_of:
            credential_of[spelled] = by_name.get(lookups.name_key(spelled))
        credential_id = credential_of[spelled]
        if not employee or not award_id or credential_id is None:
            log.warning("skipped an award the kiosk cannot place: %s", award_id)
            continue
        found = _given_keys(r.get("keys"))
        try:
            if not found:  # a hub that sent no keys: work them out here
                found = list(award_keys(award_id))
                for link in r.get("aliases") or []:
                    found += [k for k in award_keys(str(link)) if k not in found]
        except MalformedPayload:
            log.warning("skipped an award whose id is not a badge id: %s", award_id)
            continue
        people[employee] = (employee, _text(r, "name", 200), _text(r, "email", 320),
                            _text(r, "building", 200))
        revoked = bool(r.get("revoked"))
        awards.append((award_id, employee, credential_id, day(_day(r.get("issued_on"))),
                       day(_day(r.get("expires_on"))), int(revoked),
                       _text(r, "revocation_reason", 1000) if revoked else ""))
        keys += [(k, award_id) for k in found]
    if not awards:
        return
    known = {e: (i, n, m) for e, i, n, m in session.execute(  # as they were before this page
        select(Person.employee_id, Person.id, Person.name, Person.email)
        .where(Person.employee_id.in_(list(people))))}
    conn.exec_driver_sql(_PERSON_UPSERT, sorted(people.values()))
    ids = {e: row[0] for e, row in known.items()}
    added = [e for e in people if e not in known]
    if added:
        ids.update(session.execute(select(Person.employee_id, Person.id)
                                   .where(Person.employee_id.in_(added))).all())
    conn.exec_driver_sql(_AWARD_UPSERT, sorted(
        (a[0], ids[a[1]], *a[2:], stamp) for a in awards))
    conn.exec_driver_sql(_KEY_INSERT, sorted(keys))
    # the lookup's words: of the people added, and of those whose name or email changed
    index_people(session, [(ids[e], e, people[e][1], people[e][2]) for e in added])
    changed = [e for e, name, email, _ in people.values()
               if e in known and known[e][1:] != (name, email)]
    index_people(session, [(ids[e], e, people[e][1], people[e][2]) for e in changed],
                 was={known[e][0]: (known[e][0], e, *known[e][1:]) for e in changed})


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


def _document(session: Session, data: dict[str, Any]) -> None:
    from .badge_documents import read_documents
    from .badge_import import BadgeImporter
    from .cache_import import ImportReport, _Importer

    try:
        content = base64.b64decode(str(data.get("content", "")), validate=True)
    except (binascii.Error, ValueError):
        log.warning("skipped a document that is not base64")
        return
    report = ImportReport()
    importer = _Importer(report)
    BadgeImporter(importer, credential=data.get("credential") or None,
                  issuer=data.get("issuer") or None).run(
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


def _hand_outs(session: Session, rows: list[dict[str, Any]]) -> None:
    """Pins handed out at other buildings; one already known is left as it is."""
    credentials = dict(session.execute(select(Credential.name_key, Credential.id)).all())
    conn = session.connection()
    when = RemoteHandOut.__table__.c.handed_out_at.type.bind_processor(conn.dialect) \
        or (lambda v: v)
    values = []
    for data in rows:
        dist_id = str(data.get("distribution_id") or "")[:36]
        credential_id = credentials.get(lookups.name_key(str(data.get("credential") or "")))
        if not dist_id or credential_id is None:
            log.warning("skipped a hand-out the kiosk cannot place: %s", dist_id)
            continue
        values.append((dist_id, _text(data, "building", 200), _text(data, "employee_id", 64),
                       credential_id, str(data.get("award_id") or "")[:512],
                       _text(data, "receipt", 20), _text(data, "staff", 120),
                       when(_when(data.get("handed_out_at")))))
    conn.exec_driver_sql(_HAND_OUT_INSERT, sorted(values))


def _voids(session: Session, rows: list[dict[str, Any]]) -> None:
    conn = session.connection()
    when = RemoteHandOut.__table__.c.voided_at.type.bind_processor(conn.dialect) \
        or (lambda v: v)
    conn.exec_driver_sql(_VOID_UPDATE, [
        (when(_when(data.get("voided_at"))), str(data.get("distribution_id") or "")[:36])
        for data in rows])


_HAND_OUT_INSERT = (
    "INSERT INTO remote_hand_out (distribution_id, building, employee_id, credential_id, "
    "award_id, receipt, staff, handed_out_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (distribution_id) DO NOTHING")
_VOID_UPDATE = "UPDATE remote_hand_out SET voided_at = ? WHERE distribution_id = ?"

_HANDLERS = {"credential": _credential, "document": _document, "stock": _stock}
_BULK = {"award": _awards, "hand_out": _hand_outs, "hand_out_voided": _voids}
