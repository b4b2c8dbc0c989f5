"""The office's own records beside the ledger (issue 13): each pin's low-stock threshold, and
the call-backs made to people on the waitlist."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from .db_types import UTCDateTime, utcnow
from .extensions import db


class PinThreshold(db.Model):
    """At or under ``low_at`` pins on hand, a pin is low: a banner on every page and the stock
    chip say so. Set by office or admin; a pin with none uses LOW_STOCK_AT (domain/stock.py)."""

    __tablename__ = "pin_threshold"
    credential_id: Mapped[int] = mapped_column(ForeignKey("credential.id"), primary_key=True)
    low_at: Mapped[int] = mapped_column(Integer)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WaitlistContact(db.Model):
    """A call-back to a person on the waitlist: who, when, what was said. Append-only (a
    trigger refuses UPDATE and DELETE, migration 0012)."""

    __tablename__ = "waitlist_contact"
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("waitlist_entry.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_waitlist_contact_entry", "entry_id", "at"),)
