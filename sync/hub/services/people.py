"""The people of the district's roster, as the hub's pages name and find them.

A person is their employee number; their name is the roster's (``hub_award.person_name``, the
name on their most recently updated award). They are found by the words of
kiosk/domain/search_words.py (each word of the name, the employee number, the email), kept in
``hub_person_word`` whenever the roster brings an award (``refresh_words``, called by
services/badge_data.py in the import's own transaction). Why a join and not a copy of the name
in each hand-out: migration h0007."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, exists, literal, or_, select
from sqlalchemy.orm import Session, aliased

from kiosk.domain.search_words import query_words, too_broad, words_for_person

from ..db import insert_quietly, one_of
from ..models import HubAward, HubHandOut, HubPersonWord

NARROW_PEOPLE = 5000  # people a name may match and still be listed by employee number
_END = "\U0010ffff"  # above every character: a prefix's words are [prefix, prefix + _END)


def refresh_words(session: Session, employee_ids: Iterable[str]) -> None:
    """Work out again the words of these people from all their awards, in ``session``'s
    transaction."""
    people = sorted(set(employee_ids))
    if not people:
        return
    session.execute(delete(HubPersonWord).where(one_of(session, HubPersonWord.employee_id,
                                                       people)))
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for employee_id, name, email in session.execute(
            select(HubAward.employee_id, HubAward.person_name, HubAward.email)
            .where(one_of(session, HubAward.employee_id, people)).distinct()):
        for word in words_for_person(name or "", employee_id, email or ""):
            rows[(word, employee_id)] = {"word": word, "employee_id": employee_id}
    insert_quietly(session, HubPersonWord.__table__, list(rows.values()),
                   ["word", "employee_id"])


def names(session: Session, employee_ids: Iterable[str]) -> dict[str, str]:
    """Employee number -> name, for those the roster knows (the latest award's name)."""
    people = sorted(set(employee_ids))
    if not people:
        return {}
    found: dict[str, tuple[object, str]] = {}
    for employee_id, name, updated in session.execute(
            select(HubAward.employee_id, HubAward.person_name, HubAward.updated_at)
            .where(one_of(session, HubAward.employee_id, people))):
        if employee_id not in found or updated > found[employee_id][0]:  # type: ignore[operator]
            found[employee_id] = (updated, name)
    return {employee_id: name for employee_id, (_, name) in found.items()}


def name_and_number(name: str, employee_id: str) -> str:
    """How a person is named in a sentence: "Alice Able (E1)", or "employee E1" unknown."""
    return f"{name} ({employee_id})" if name else f"employee {employee_id}"


@dataclass(frozen=True)
class Typed:
    """What a typed text matches in the log: a condition on ``hub_hand_out``, or nothing."""

    where: ColumnElement[bool] | None


def typed_condition(session: Session, typed: str) -> Typed:
    """The hand-outs a typed text names: a receipt number, an employee number, or people by
    the words of their name or email (each typed word the start of one of theirs)."""
    text = typed.strip()
    found: list[ColumnElement[bool]] = []
    if text and len(text) <= 64:
        exact = sorted({text, text.upper()})
        # a receipt, or an employee number the roster does not know: asked on its own first
        # (two index probes), and only then part of the search, as an OR with a name's people
        # would keep PostgreSQL from reading the log newest first and stopping at a page
        named = or_(HubHandOut.receipt.in_(exact), HubHandOut.employee_id.in_(exact))
        if session.scalar(select(HubHandOut.id).where(named).limit(1)) is not None:
            found.append(named)
    words = query_words(text)
    if words:
        people = _people(words, broad=too_broad(words))
        # a person has a few words, so the rows are read as they are in the index (no
        # DISTINCT, which would read every match before the first) and made one per person
        # here; more rows than NARROW_PEOPLE: the search joins the people in the database
        some = list(session.scalars(people.limit(NARROW_PEOPLE + 1)))
        if len(some) > NARROW_PEOPLE:
            found.append(HubHandOut.employee_id.in_(people))
        elif some:
            found.append(one_of(session, HubHandOut.employee_id, sorted(set(some))))
    return Typed(or_(*found) if found else None)


def _people(words: list[str], broad: bool) -> Select[tuple[str]]:
    """The employee numbers whose words begin with every typed word (equal it, when what
    was typed is too broad to be a beginning: "E1", one letter). The longest word picks the
    people; each other word is a check of theirs (an index probe each), so that "Charles M"
    never reads every word that begins with "m"."""
    ordered = sorted(words, key=len, reverse=True)
    first = aliased(HubPersonWord)
    query = select(first.employee_id).where(_word_is(first, ordered[0], broad))
    for word in ordered[1:]:
        other = aliased(HubPersonWord)
        query = query.where(exists().where(other.employee_id == first.employee_id,
                                           _word_is(other, word, broad)))
    return query


def _word_is(words: Any, word: str, broad: bool) -> ColumnElement[bool]:
    if broad:
        return words.word == word  # type: ignore[no-any-return]
    return and_(words.word >= word, words.word < literal(word + _END))
