"""The trust part of the badge cache: issuers the district trusts, their public keys, their
badge classes (tied to catalogue credentials) and their revocation lists. Each row keeps the
document it was imported from, so what the kiosk trusted can always be shown."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .models import UTCDateTime, utcnow


class Issuer(db.Model):
    """An OB 2.0 issuer Profile or OB 3.0 issuer Profile. Being in the cache is being trusted."""

    id: Mapped[str] = mapped_column(String(512), primary_key=True)
    name: Mapped[str] = mapped_column(String(300), default="")
    version: Mapped[str] = mapped_column(String(8))  # ob2 or ob3
    # The profile's publicKey ids as a JSON list; NULL when the profile lists none.
    key_ids: Mapped[str | None] = mapped_column(Text)
    revocation_list: Mapped[str] = mapped_column(String(512), default="")
    document: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IssuerKey(db.Model):
    """A public key: an OB 2.0 CryptographicKey (``id`` its URL) or one key of an issuer's
    JWKS (``id`` is ``<issuer>#<kid>``). ``owner`` is the issuer it belongs to."""

    __tablename__ = "issuer_key"
    id: Mapped[str] = mapped_column(String(600), primary_key=True)
    owner: Mapped[str] = mapped_column(String(512), index=True)
    kid: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(8))  # pem or jwk
    material: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BadgeClass(db.Model):
    """An OB 2.0 BadgeClass or OB 3.0 Achievement, tied to a catalogue credential."""

    __tablename__ = "badge_class"
    id: Mapped[str] = mapped_column(String(512), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(String(512))
    name: Mapped[str] = mapped_column(String(300), default="")
    credential_id: Mapped[int | None] = mapped_column(ForeignKey("credential.id"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RevocationList(db.Model):
    """An OB 2.0 RevocationList, OB 3.0 1EdTechRevocationList or Bitstring Status List
    credential, by the URL badges use to point at it."""

    __tablename__ = "revocation_list"
    id: Mapped[str] = mapped_column(String(512), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # ob2, ob3 or bitstring
    issuer_id: Mapped[str] = mapped_column(String(512), default="")
    document: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RevocationListUrl(db.Model):
    """Another URL a revocation or status list was published at, besides its own ``id``:
    given at import (``kiosk cache import --url``, or the hub's), or the list's own ``url``.
    Badges name a list by the URL they were issued with; the list is found under either."""

    __tablename__ = "revocation_list_url"
    url: Mapped[str] = mapped_column(String(512), primary_key=True)
    list_id: Mapped[str] = mapped_column(String(512))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
