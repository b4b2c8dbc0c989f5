"""The manual lookup: find a member of staff by name, employee number or email when their
proof will not scan; and the index of words it reads (``person_word``), kept current by every
service that adds or changes a person (the roster import and the district's changes)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from ..domain.search_words import (
    employee_key,
    is_employee_id,
    query_words,
    too_broad,
    words_for_person,
)
from ..extensions import db
from ..models import Person

# (person id, employee id, name, email): what a person's words are made from
PersonRow = tuple[int, str, str, str]

_END = "\U0010ffff"  # above every character: a prefix's words are [prefix, prefix + _END)
_DELETE = "DELETE FROM person_word WHERE word = ? AND person_id = ?"
_INSERT = "INSERT OR IGNORE INTO person_word (word, person_id) VALUES (?, ?)"


@dataclass(frozen=True)
class PersonHit:
    """A person the lookup found."""

    person_id: int
    employee_id: str
    name: str
    email: str
    building: str


def index_people(session: Session, people: Iterable[PersonRow],
                 was: Mapping[int, PersonRow] | None = None,
                 words: Mapping[str, Iterable[str]] | None = None) -> int:
    """Store the words of ``people`` in the caller's transaction. ``was`` holds, for those who
    were already on the roster, what their words were made from (their row before this
    change): those words go, unless they are still theirs. ``words`` may hold, by employee id,
    the words of the rows given, worked out beforehand (outside the transaction: a pull does
    it while it fetches the next page). Returns the words written.

    Words are found again from the row they were made of, not by person: the table needs no
    second index to be kept up to date, which a new kiosk's first pull of 50,000 people pays
    for on every word (people are never deleted or renumbered)."""
    by_id = {row[0]: row for row in people}  # a person given twice: the last one counts
    if not by_id:
        return 0
    made = words or {}
    new = {(word, person_id) for person_id, employee_id, name, email in by_id.values()
           for word in (made[employee_id] if employee_id in made
                        else words_for_person(name, employee_id, email))}
    old = {(word, person_id) for person_id, employee_id, name, email in (was or {}).values()
           if person_id in by_id for word in words_for_person(name, employee_id, email)}
    conn = session.connection()
    if old - new:
        conn.exec_driver_sql(_DELETE, sorted(old - new))
    rows = sorted(new - old)
    if rows:
        conn.exec_driver_sql(_INSERT, rows)
    return len(rows)


def find_people(text: str, limit: int = 10) -> list[PersonHit]:
    """Up to ``limit`` people with, for each word typed, a word beginning with it: whoever has
    exactly the employee number typed first, then by name and employee number. For too little
    typed (one letter, "E1": most of the district) only an exact employee number."""
    words = query_words(text)
    if not words or limit < 1:
        return []
    if too_broad(words):  # "E1": only whoever has exactly that employee number
        exact = _exact_employee(text)[:limit]
        return _people(exact) if exact else []
    params: dict[str, object] = {"limit": limit}
    ranges = []
    # the longest word first: usually the fewest people
    for n, word in enumerate(sorted(words, key=len, reverse=True)):
        params[f"w{n}"], params[f"u{n}"] = word, word + _END
        ranges.append(f"SELECT person_id FROM person_word WHERE word >= :w{n} AND word < :u{n}")
    exact = _exact_employee(text)
    params.update({f"x{n}": person_id for n, person_id in enumerate(exact)})
    first = (f"CASE WHEN p.id IN ({', '.join(f':x{n}' for n in range(len(exact)))}) "
             "THEN 0 ELSE 1 END, " if exact else "")
    rows = db.session.execute(sql(
        "SELECT p.id, p.employee_id, p.name, p.email, p.building FROM person AS p "
        f"WHERE p.id IN ({' INTERSECT '.join(ranges)}) "
        f"ORDER BY {first}p.name COLLATE NOCASE, p.employee_id LIMIT :limit"), params).all()
    return [PersonHit(*row) for row in rows]


def _people(person_ids: list[int]) -> list[PersonHit]:
    rows = db.session.execute(
        select(Person.id, Person.employee_id, Person.name, Person.email, Person.building)
        .where(Person.id.in_(person_ids))
        .order_by(Person.name.collate("NOCASE"), Person.employee_id)).all()
    return [PersonHit(*row) for row in rows]


def _exact_employee(text: str) -> list[int]:
    """The people whose employee number is what was typed (or its digits, typed alone)."""
    key = employee_key(text)
    if not key:
        return []
    query = ("SELECT p.id, p.employee_id FROM person_word AS w JOIN person AS p "
             "ON p.id = w.person_id WHERE w.word = :key")
    if not any(ch.isdigit() for ch in key):  # most likely a name: check numbers in SQL
        query += " AND lower(p.employee_id) = :key"
    rows = db.session.execute(sql(query), {"key": key}).all()
    return [person_id for person_id, employee_id in rows if is_employee_id(text, employee_id)]
