"""The kiosk's durable records. History is append-only: a void is a new row, stock on hand is the
sum of the movement ledger, and a hand-out is unique per person, credential and claim number, so
the database itself refuses a second pin while the first stands."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db_types import UTCDateTime, utcnow
from .extensions import db


class Building(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    code: Mapped[str] = mapped_column(String(8))
    is_here: Mapped[bool] = mapped_column(Boolean, default=False)


class StaffUser(db.Model):
    __tablename__ = "staff_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120), unique=True)
    pin_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_pins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginGuard(db.Model):
    """Wrong PINs given for a name no active login has, under a keyed hash of the name: such a
    name locks like a real one (kiosk/services/accounts.py). A row at rest is deleted."""

    __tablename__ = "login_guard"
    name_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_pins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class StaffSession(db.Model):
    """A logged-in browser: the cookie carries a random id, this row its SHA-256. Logging out
    ends the row, so a copy of the cookie is worth nothing after."""

    __tablename__ = "staff_session"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Credential(db.Model):
    """A micro-credential in the pin catalogue; ``has_pin`` is data, not code."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300), unique=True)
    released_on: Mapped[date | None] = mapped_column(Date)
    has_pin: Mapped[bool] = mapped_column(Boolean, default=False)
    pin_name: Mapped[str] = mapped_column(String(300), default="")

    @property
    def pin_label(self) -> str:
        return self.pin_name or f"{self.name} pin"


class Person(db.Model):
    """A member of staff who earns badges (from the district roster)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), default="")
    building: Mapped[str] = mapped_column(String(200), default="")


class Award(db.Model):
    """A badge assertion awarded to a person for a credential."""

    id: Mapped[str] = mapped_column(String(512), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    credential_id: Mapped[int] = mapped_column(ForeignKey("credential.id"))
    issued_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revocation_reason: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship(lazy="joined")
    credential: Mapped[Credential] = relationship(lazy="joined")


class AwardKey(db.Model):
    """A normalised key (award id, alias URL, platform id) under which an award is found.

    Looked up by key only. There is no index on ``award_id``: awards are never deleted or
    renumbered, and that index cost a first pull of the district a third of its time."""

    __tablename__ = "award_key"
    key: Mapped[str] = mapped_column(String(600), primary_key=True)
    award_id: Mapped[str] = mapped_column(ForeignKey("award.id"))

    award: Mapped[Award] = relationship()


class Distribution(db.Model):
    """One pin handed out. Its id is the UUID nonce made when the verdict was shown."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    award_id: Mapped[str] = mapped_column(ForeignKey("award.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    credential_id: Mapped[int] = mapped_column(ForeignKey("credential.id"))
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"))
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    handed_out_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    receipt_no: Mapped[int] = mapped_column(Integer, unique=True)
    receipt: Mapped[str] = mapped_column(String(20))
    # 0 for the first pin; a void lets the next hand-out take the next claim number.
    claim_no: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(16), default="scan")
    payload_format: Mapped[str] = mapped_column(String(32), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    # found by manual lookup (no proof scanned): why, as staff chose it; "" for a scan
    manual_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    @property
    def manual(self) -> bool:
        return bool(self.manual_reason)

    __table_args__ = (
        UniqueConstraint("person_id", "credential_id", "claim_no", name="uq_one_pin_per_claim"),
        # the hand-out log's pages, newest first by (when, receipt number): the whole log, a
        # staff member's, a pin's, the manual ones (kiosk/services/hand_out_log.py; 0011)
        Index("ix_distribution_log", "handed_out_at", "receipt_no"),
        Index("ix_distribution_log_staff", "staff_user_id", "handed_out_at", "receipt_no"),
        Index("ix_distribution_log_pin", "credential_id", "handed_out_at", "receipt_no"),
        Index("ix_distribution_log_manual", "handed_out_at", "receipt_no",
              sqlite_where=text("manual_reason != ''"),
              postgresql_where=text("manual_reason != ''")),
    )

    award: Mapped[Award] = relationship()
    person: Mapped[Person] = relationship()
    credential: Mapped[Credential] = relationship()
    building: Mapped[Building] = relationship()
    staff: Mapped[StaffUser] = relationship()
    void: Mapped[Void | None] = relationship(back_populates="distribution", uselist=False)


class Void(db.Model):
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    distribution_id: Mapped[str] = mapped_column(ForeignKey("distribution.id"), unique=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    reason: Mapped[str] = mapped_column(Text)
    voided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    distribution: Mapped[Distribution] = relationship(back_populates="void")
    staff: Mapped[StaffUser] = relationship()


class StockMovement(db.Model):
    """The stock ledger. On hand = sum(qty) per credential."""

    __tablename__ = "stock_movement"
    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[int] = mapped_column(ForeignKey("credential.id"))
    kind: Mapped[str] = mapped_column(String(16))
    qty: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    distribution_id: Mapped[str | None] = mapped_column(ForeignKey("distribution.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    # why an adjustment was made (domain/ledger.py: ADJUSTMENT_REASONS); "" for other kinds
    reason: Mapped[str] = mapped_column(String(32), default="", server_default="")
    # the district's id for stock it allocated or moved here: applied once, however often the
    # same change is pulled
    ref: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("uq_stock_movement_ref", "ref", unique=True),
        # a pin's movements in order, a page at a time, and its sums for a period
        Index("ix_stock_movement_pin", "credential_id", "at", "id"),
    )

    credential: Mapped[Credential] = relationship()
    staff: Mapped[StaffUser | None] = relationship()


class StockOnHand(db.Model):
    """The running sum of the ledger per credential, kept by the database itself (a trigger on
    every new ledger row, in the same transaction), so reading stock never sums history."""

    __tablename__ = "stock_on_hand"
    credential_id: Mapped[int] = mapped_column(ForeignKey("credential.id"), primary_key=True)
    on_hand: Mapped[int] = mapped_column(Integer, default=0)


# History the kiosk never changes, enforced by the database: the ledger, hand-outs and voids
# are append-only, and on-hand stock follows the ledger. The same SQL is in migration 0002 (and
# 0012 for the waitlist's call-backs).
LEDGER_TRIGGERS = (
    """CREATE TRIGGER stock_on_hand_follows_ledger AFTER INSERT ON stock_movement
    BEGIN
        INSERT INTO stock_on_hand (credential_id, on_hand) VALUES (NEW.credential_id, NEW.qty)
        ON CONFLICT (credential_id) DO UPDATE SET on_hand = on_hand + excluded.on_hand;
    END""",
    *(
        f"""CREATE TRIGGER {table}_is_append_only_{verb.lower()} BEFORE {verb} ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only history'); END"""
        for table in ("stock_movement", "distribution", "void", "waitlist_contact")
        for verb in ("UPDATE", "DELETE")
    ),
)


@event.listens_for(db.metadata, "after_create")
def _create_ledger_triggers(target, connection, **kw):  # type: ignore[no-untyped-def]
    """For ``create_all`` (tests); the field gets the same triggers from the migration."""
    if connection.dialect.name == "sqlite":
        for statement in LEDGER_TRIGGERS:
            connection.exec_driver_sql(statement)


class WaitlistEntry(db.Model):
    __tablename__ = "waitlist_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    credential_id: Mapped[int] = mapped_column(ForeignKey("credential.id"))
    award_id: Mapped[str] = mapped_column(ForeignKey("award.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    # waiting; fulfilled (their pin was handed out: closed by itself); removed (by office staff,
    # with a reason)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the staff member's id; no foreign key: the column was added without copying the table
    # (migration 0012), whose partial indexes must stay
    closed_by: Mapped[int | None] = mapped_column(Integer)
    close_reason: Mapped[str] = mapped_column(String(32), default="", server_default="")
    close_note: Mapped[str] = mapped_column(Text, default="", server_default="")

    __table_args__ = (
        Index(
            "uq_waitlist_waiting",
            "person_id",
            "credential_id",
            unique=True,
            sqlite_where=text("status = 'waiting'"),
            postgresql_where=text("status = 'waiting'"),
        ),
        # the queue for a pin, first come first served: a person's place is read off it
        Index("ix_waitlist_queue", "credential_id", "added_at", "id",
              sqlite_where=text("status = 'waiting'"),
              postgresql_where=text("status = 'waiting'")),
    )

    person: Mapped[Person] = relationship()
    credential: Mapped[Credential] = relationship()


class OutboxEvent(db.Model):
    """An event for the district hub; ``seq`` is the kiosk's sequence. Each event carries the
    hash of the one before it (``prev_hash``) and its own (``hash``): a hash chain the hub
    checks for gaps and edits. Status: ``pending`` (not acknowledged by the hub yet), ``sent``
    (the hub has it), ``rejected`` (the hub refused it: a person looks; it is never deleted)."""

    __tablename__ = "outbox_event"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the time as hashed (UTC ISO 8601 with microseconds), so the chain never depends on how a
    # database rounds or returns times
    created_text: Mapped[str] = mapped_column(String(40), default="")
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")


class RemoteHandOut(db.Model):
    """A pin handed out at another building of the district, learned from the hub: so that this
    kiosk says "already handed out" for it too."""

    __tablename__ = "remote_hand_out"
    distribution_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    building: Mapped[str] = mapped_column(String(200))
    employee_id: Mapped[str] = mapped_column(String(64))
    credential_id: Mapped[int] = mapped_column(ForeignKey("credential.id"))
    award_id: Mapped[str] = mapped_column(String(512), default="")
    receipt: Mapped[str] = mapped_column(String(20), default="")
    staff: Mapped[str] = mapped_column(String(120), default="")
    handed_out_at: Mapped[datetime] = mapped_column(UTCDateTime)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_remote_hand_out_person_pin", "employee_id", "credential_id"),)


class PrintJob(db.Model):
    """Rendered receipt bytes for the printer: the print queue (see printers/queue.py).

    Status: ``pending`` (waiting), ``sending`` (going to the printer now), ``printed``,
    ``failed`` (the printer could not take it; tried again after a back-off), ``cancelled``
    (by a person) and ``uncertain`` (the kiosk stopped, or the printer broke off, while it
    was being sent: a person decides whether to print it again). ``kind`` is ``receipt``
    for the hand-out's own receipt and ``copy`` for a reprint, which says COPY."""

    __tablename__ = "print_job"
    id: Mapped[int] = mapped_column(primary_key=True)
    distribution_id: Mapped[str | None] = mapped_column(ForeignKey("distribution.id"),
                                                        index=True)
    kind: Mapped[str] = mapped_column(String(16), default="receipt")
    data: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # who asked for a copy; who settled the job by hand (cancelled, marked printed, sent again)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settled_note: Mapped[str] = mapped_column(Text, default="")

    distribution: Mapped[Distribution | None] = relationship()
    requested_by: Mapped[StaffUser | None] = relationship(foreign_keys=[requested_by_id])
    settled_by: Mapped[StaffUser | None] = relationship(foreign_keys=[settled_by_id])


class Setting(db.Model):
    """Small facts about this instance, such as when the badge data was last refreshed."""

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# The issuer, key, badge class and revocation list tables (the badge cache's trust part), and
# the words each person is found under in the manual lookup.
from .models_issuers import BadgeClass, Issuer, IssuerKey, RevocationList  # noqa: E402,F401
from .models_office import PinThreshold, WaitlistContact  # noqa: E402,F401
from .models_people import PersonWord  # noqa: E402,F401
