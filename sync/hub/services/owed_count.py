"""Who is still owed a pin, kept as the records change (``hub_owed``, migration h0008).

A person is owed a pin at a roster building when one of their awards of a pin credential
(not revoked) names that building and no building has handed them that pin without voiding
it. Worked out from every award and hand-out per request, that is an anti-join of two million
awards and a million hand-outs (2.3 s on PostgreSQL, docs/benchmarks.md "The district"); kept
here, it is a count of rows.

Every transaction that changes what it depends on works out again the rows of the people it
touched, in its own transaction, before it commits:

- a roster import (services/badge_data.py): the people of each batch of awards, and a renamed
  award's former holder;
- a revocation list: the people whose awards it revoked;
- a catalogue change to a credential's pin or name: every award of that credential;
- a kiosk's hand-outs new to the hub (services/ingest.py): the rows of the pins they paid
  go (a hand-out only ever pays); its voids: the people whose hand-outs they voided are
  worked out again.

The work is done under the change log's lock (``db.lock_change_log``), which every one of these
transactions takes to record its changes anyway: two transactions about one person (the same
pin handed out at two buildings at once, a roster import beside them) work out that person one
after the other, and the second sees what the first committed. On SQLite a transaction holds
the one write lock from its start.

``kiosk hub owed --recount`` works it all out again from the awards and hand-outs.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, delete, exists, func, insert, select
from sqlalchemy.orm import Session

from ..db import lock_change_log, one_of
from ..models import HubAward, HubCredential, HubHandOut, HubOwed

CHUNK = 5000  # people worked out in one statement


def _owed(where: ColumnElement[bool] | None = None) -> Select[tuple[str, int, str]]:
    """(employee, credential, roster building) for everyone owed a pin, from the awards and
    hand-outs themselves."""
    handed_out = exists().where(HubHandOut.employee_id == HubAward.employee_id,
                                HubHandOut.credential == HubCredential.name,
                                HubHandOut.voided_at.is_(None))
    query = (select(HubAward.employee_id, HubAward.credential_id, HubAward.building)
             .join(HubCredential, HubCredential.id == HubAward.credential_id)
             .where(HubCredential.has_pin.is_(True), HubAward.revoked.is_(False), ~handed_out)
             .distinct())
    return query if where is None else query.where(where)


def _replace(session: Session, kept: ColumnElement[bool], owed: ColumnElement[bool] | None,
             ) -> None:
    session.execute(delete(HubOwed).where(kept),
                    execution_options={"synchronize_session": False})
    session.execute(insert(HubOwed).from_select(
        ["employee_id", "credential_id", "building"], _owed(owed)))


def refresh(session: Session, employee_ids: Iterable[str]) -> None:
    """Work out again what these people are owed, in ``session``'s transaction."""
    people = sorted({e for e in employee_ids if e})
    if not people:
        return
    lock_change_log(session)
    for start in range(0, len(people), CHUNK):
        chunk = people[start:start + CHUNK]
        _replace(session, one_of(session, HubOwed.employee_id, chunk),
                 one_of(session, HubAward.employee_id, chunk))


def paid(session: Session, handed: Iterable[tuple[str, str]]) -> None:
    """These (employee, credential name) were just handed their pin (hand-outs new to the
    hub, standing): owed it nowhere any more. A hand-out only ever pays what was owed, so
    its rows go without working the person out again; a void in the same batch is worked out
    after (:func:`refresh`)."""
    by_credential: dict[str, set[str]] = {}
    for employee_id, credential in handed:
        by_credential.setdefault(credential, set()).add(employee_id)
    if not by_credential:
        return
    lock_change_log(session)
    ids = {name: credential_id for name, credential_id in session.execute(
        select(HubCredential.name, HubCredential.id).where(
            HubCredential.name.in_(sorted(by_credential))))}
    for credential, people in sorted(by_credential.items()):
        if credential in ids:  # else: a pin the catalogue does not know, owed to nobody
            session.execute(delete(HubOwed).where(
                HubOwed.credential_id == ids[credential],
                one_of(session, HubOwed.employee_id, sorted(people))),
                execution_options={"synchronize_session": False})


def refresh_credential(session: Session, credential_ids: Iterable[int]) -> None:
    """Work out again who is owed these credentials' pins (one gained or lost its pin, or was
    renamed: hand-outs name a credential by its name)."""
    for credential_id in sorted(set(credential_ids)):
        lock_change_log(session)
        _replace(session, HubOwed.credential_id == credential_id,
                 HubAward.credential_id == credential_id)


def recount(session: Session) -> int:
    """Work it all out again from the awards and hand-outs; the rows now kept."""
    lock_change_log(session)
    session.execute(delete(HubOwed))
    session.execute(insert(HubOwed).from_select(
        ["employee_id", "credential_id", "building"], _owed()))
    return int(session.scalar(select(func.count()).select_from(HubOwed)) or 0)


def afresh(session: Session) -> set[tuple[str, int, str]]:
    """What the kept rows should be, worked out now (for checks and tests)."""
    return {(e, c, b) for e, c, b in session.execute(_owed())}


def kept(session: Session) -> set[tuple[str, int, str]]:
    return {(e, c, b) for e, c, b in session.execute(
        select(HubOwed.employee_id, HubOwed.credential_id, HubOwed.building))}


def counts(session: Session, buildings: list[str] | None = None,
           ) -> list[tuple[str, str, int]]:
    """(roster building, credential name, people owed), for the roster's spellings of
    ``buildings`` or for every building."""
    query = (select(HubOwed.building, HubCredential.name, func.count())
             .join(HubCredential, HubCredential.id == HubOwed.credential_id)
             .group_by(HubOwed.building, HubCredential.name))
    if buildings is not None:
        query = query.where(HubOwed.building.in_(buildings))
    return [(b, c, int(n)) for b, c, n in session.execute(query)]


def roster_buildings(session: Session) -> list[str]:
    """Every roster building somebody is owed a pin at, as the roster spells it."""
    return list(session.scalars(select(HubOwed.building).distinct()))
