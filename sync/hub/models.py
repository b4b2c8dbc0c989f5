"""The district hub's records (docs/sync-protocol.md).

- **Who**: district staff (``hub_user``, their sessions ``hub_session``, wrong PINs given for
  names nobody has ``hub_login_guard``), buildings, their kiosks and one-time enrollment codes.
  A kiosk's token is stored only as its SHA-256; revoking a kiosk stops its token at once.
- **What the kiosks said**: every event exactly once (``hub_event``, keyed by the kiosk's event
  id), with the hub's own receive time and the result of the hash-chain check; and what the
  events add up to: hand-outs (``hub_hand_out``), each building's stock ledger
  (``hub_stock``), counts and the waitlist.
- **What the district says**: the badge data (credentials, awards, Open Badges documents) and
  stock allocations and transfers. Everything a kiosk must learn goes into ``hub_change``, a
  log with one global sequence that kiosks pull from by cursor.
- **Exceptions** that reconciliation found, each resolved with a note and kept as history.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.db_types import UTCDateTime, utcnow

from .extensions import hub_db

Model = hub_db.Model


class HubUser(Model):
    __tablename__ = "hub_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120), unique=True)
    pin_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(24))  # district_admin, district_viewer
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_pins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HubLoginGuard(Model):
    """Wrong PINs given for a name no active login has, under a keyed hash of the name: such a
    name locks like a real one (kiosk/services/accounts.py). A row at rest is deleted."""

    __tablename__ = "hub_login_guard"
    name_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_pins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class HubSession(Model):
    """A logged-in browser: the cookie carries a random id, this row its SHA-256. Logging out
    ends the row, so a copy of the cookie is worth nothing after."""

    __tablename__ = "hub_session"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("hub_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class HubBuilding(Model):
    __tablename__ = "hub_building"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EnrollmentCode(Model):
    """A one-time code a district admin gives a building to enroll its kiosk."""

    __tablename__ = "hub_enrollment_code"
    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("hub_building.id"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("hub_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    kiosk_id: Mapped[str | None] = mapped_column(String(36))

    building: Mapped[HubBuilding] = relationship()


class Kiosk(Model):
    __tablename__ = "hub_kiosk"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("hub_building.id"), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    public_key: Mapped[str] = mapped_column(String(100))  # ed25519:..., signs sync bundles
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("hub_user.id"))
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default="")
    clock_offset_s: Mapped[float | None] = mapped_column(Float)  # kiosk clock minus hub clock

    building: Mapped[HubBuilding] = relationship()


class HubEvent(Model):
    """One kiosk event, stored once whatever the number of deliveries."""

    __tablename__ = "hub_event"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("hub_kiosk.id"))
    building_id: Mapped[int] = mapped_column(ForeignKey("hub_building.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the kiosk's clock
    created_text: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the hub's clock
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    chain: Mapped[str] = mapped_column(String(16), default="ok")  # ok, gap, broken
    via: Mapped[str] = mapped_column(String(8), default="push")  # push, bundle

    __table_args__ = (Index("ix_hub_event_kiosk_seq", "kiosk_id", "seq"),)


class HubCredential(Model):
    __tablename__ = "hub_credential"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300), unique=True)
    released_on: Mapped[date | None] = mapped_column(Date)
    has_pin: Mapped[bool] = mapped_column(Boolean, default=False)
    pin_name: Mapped[str] = mapped_column(String(300), default="")

    @property
    def pin_label(self) -> str:
        return self.pin_name or f"{self.name} pin"


class HubAward(Model):
    """An award as the district knows it (from its roster and Open Badges data)."""

    __tablename__ = "hub_award"
    id: Mapped[str] = mapped_column(String(512), primary_key=True)
    employee_id: Mapped[str] = mapped_column(String(64), index=True)
    person_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), default="")
    building: Mapped[str] = mapped_column(String(200), default="")
    credential_id: Mapped[int] = mapped_column(ForeignKey("hub_credential.id"))
    issued_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revocation_reason: Mapped[str] = mapped_column(Text, default="")
    aliases: Mapped[str] = mapped_column(Text, default="")  # space-separated badge links
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HubChange(Model):
    """What kiosks pull, in one global order. ``building_id`` set: for that building only;
    ``from_building_id`` set: for every building but that one (its own hand-outs)."""

    __tablename__ = "hub_change"
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                     primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(24))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("hub_building.id"))
    from_building_id: Mapped[int | None] = mapped_column(ForeignKey("hub_building.id"))
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HubHandOut(Model):
    """A pin handed out at a building, as its kiosk reported it."""

    __tablename__ = "hub_hand_out"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the kiosk's distribution id
    event_id: Mapped[str] = mapped_column(String(36))
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("hub_kiosk.id"))
    building_id: Mapped[int] = mapped_column(ForeignKey("hub_building.id"))
    award_id: Mapped[str] = mapped_column(String(512))
    employee_id: Mapped[str] = mapped_column(String(64))
    credential: Mapped[str] = mapped_column(String(300))
    handed_out_at: Mapped[datetime] = mapped_column(UTCDateTime)
    receipt: Mapped[str] = mapped_column(String(20), default="")
    staff: Mapped[str] = mapped_column(String(120), default="")
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    void_reason: Mapped[str] = mapped_column(Text, default="")
    # found by manual lookup at the desk (no proof scanned): why, as the kiosk reported it
    manual_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    # The district log (services/district_log.py, migration h0007) reads newest first by the
    # key (handed_out_at, id), whole or behind one filter: each index below answers one
    # filter's page without sorting, however deep the page.
    __table_args__ = (
        Index("ix_hub_hand_out_person_pin", "employee_id", "credential"),
        Index("ix_hub_hand_out_log", "handed_out_at", "id"),
        Index("ix_hub_hand_out_log_building", "building_id", "handed_out_at", "id"),
        Index("ix_hub_hand_out_log_credential", "credential", "handed_out_at", "id"),
        Index("ix_hub_hand_out_log_person", "employee_id", "handed_out_at", "id"),
        Index("ix_hub_hand_out_receipt", "receipt"),
        Index("ix_hub_hand_out_log_manual", "handed_out_at", "id",
              postgresql_where=text("manual_reason <> ''"),
              sqlite_where=text("manual_reason <> ''")),
        Index("ix_hub_hand_out_log_voided", "handed_out_at", "id",
              postgresql_where=text("voided_at IS NOT NULL"),
              sqlite_where=text("voided_at IS NOT NULL")),
    )


class HubPersonWord(Model):
    """The words a person of the district's roster is found under in the district log and on
    their page, as the kiosk's manual lookup finds them (kiosk/domain/search_words.py): each
    word of their name, their employee number, their email. Worked out from their awards
    whenever the roster brings one (services/people.py: ``refresh_words``)."""

    __tablename__ = "hub_person_word"
    word: Mapped[str] = mapped_column(String(64), primary_key=True)
    employee_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class HubOwed(Model):
    """Who is owed which pin, where: one row per person, pin credential and roster building
    for a person whose award of it earns a pin (the credential has one, the award is not
    revoked) and who has not been handed it anywhere (no hand-out of it left unvoided). Kept
    in the transaction of every change that can alter it (services/owed_count.py), so that
    "what is still owed" is a count of rows, not an anti-join of every award and hand-out."""

    __tablename__ = "hub_owed"
    employee_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    credential_id: Mapped[int] = mapped_column(ForeignKey("hub_credential.id"),
                                               primary_key=True)
    building: Mapped[str] = mapped_column(String(200), primary_key=True)

    __table_args__ = (Index("ix_hub_owed_building_pin", "building", "credential_id"),)


class HubStock(Model):
    """Each building's pin ledger as the district sees it: allocations and transfers made on
    the hub, and what the kiosk reported (received, handed out, voided, counted)."""

    __tablename__ = "hub_stock"
    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("hub_building.id"))
    credential: Mapped[str] = mapped_column(String(300))
    # allocated, transfer_in, transfer_out (the district); received, issued, voided, count
    # (the kiosk)
    kind: Mapped[str] = mapped_column(String(16))
    qty: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str] = mapped_column(String(64), default="")  # event id or allocation id
    note: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(120), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_hub_stock_building_pin", "building_id", "credential"),
                      UniqueConstraint("ref", "kind", name="uq_hub_stock_ref_kind"))


class HubCount(Model):
    """A physical count of one pin at a building, as its kiosk reported it."""

    __tablename__ = "hub_count"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("hub_building.id"))
    credential: Mapped[str] = mapped_column(String(300))
    counted: Mapped[int] = mapped_column(Integer)
    expected: Mapped[int] = mapped_column(Integer)  # what the kiosk's ledger said before
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class HubWaitlist(Model):
    """A person's place on a building's waitlist for a pin, as its kiosk reported it: waiting,
    fulfilled (their pin was handed out) or removed (by office staff, with a reason); and the
    call-backs made while they waited (how many, the last when)."""

    __tablename__ = "hub_waitlist"
    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("hub_building.id"))
    employee_id: Mapped[str] = mapped_column(String(64))
    credential: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # a code of kiosk/domain/waitlist.py (handed_out, left_district ...); "" while waiting
    close_reason: Mapped[str] = mapped_column(String(32), default="", server_default="")
    close_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    contacts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("building_id", "employee_id", "credential",
                                       name="uq_hub_waitlist_person"),)


class HubException(Model):
    """Something reconciliation found that a person must look at. ``key`` identifies the
    problem, so it is open once at a time; resolved, it stays as history (and the same problem
    found again later opens a new one)."""

    __tablename__ = "hub_exception"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(300), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("hub_building.id"))
    kiosk_id: Mapped[str | None] = mapped_column(String(36))
    # the person it is about (a hand-out's exceptions), for their page; None for the others
    employee_id: Mapped[str | None] = mapped_column(String(64), index=True)
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text, default="{}")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    resolved_by: Mapped[str] = mapped_column(String(120), default="")
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str] = mapped_column(Text, default="")

    building: Mapped[HubBuilding | None] = relationship()


class HubBundle(Model):
    """A sync bundle someone uploaded: when, by whom, from which kiosk, and what it added."""

    __tablename__ = "hub_bundle"
    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("hub_kiosk.id"))
    events: Mapped[int] = mapped_column(Integer)
    accepted: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[str] = mapped_column(String(120), default="")
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HubDocument(Model):
    """An Open Badges document the district distributes (issuer, key, JWKS, badge class,
    revocation or status list), by its id: kiosks apply it with their own importer."""

    __tablename__ = "hub_document"
    id: Mapped[str] = mapped_column(String(600), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HubSweep(Model):
    """When the reconciliation sweep of `kiosk hub serve` last ran, and which server ran it:
    the servers sharing the database sweep once per period between them
    (services/reconcile.py: ``sweep_once_per_period``)."""

    __tablename__ = "hub_sweep"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)  # "reconcile"
    swept_at: Mapped[datetime] = mapped_column(UTCDateTime)
    swept_by: Mapped[str] = mapped_column(String(200), default="")
