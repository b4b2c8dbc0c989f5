"""The manual lookup's index: each word a member of staff is found under (their name's words,
employee number and email, normalised by kiosk/domain/search_words.py), kept by
kiosk/services/people.py whenever a person is added or changed."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db


class PersonWord(db.Model):
    """One word a person is found under. Found by range over ``word`` (the primary key, with
    no rowid: the index is the table). No index by person: a changed person's old words are
    found again from what they were made of (kiosk/services/people.py: index_people)."""

    __tablename__ = "person_word"
    word: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)

    __table_args__ = {"sqlite_with_rowid": False}
