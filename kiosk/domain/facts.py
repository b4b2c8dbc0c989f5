"""The cached facts a signed proof is checked against, and what a check found.

Verification is a pure function of (payload, cached facts, now). The facts come through the
:class:`CachedFacts` protocol: the kiosk answers it from its database (``services.trust``),
tests and benchmarks from :class:`InMemoryFacts`. Nothing here touches a network or a disk.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple, Protocol

from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.domain.keys import PublicKey


@dataclass(frozen=True)
class IssuerFacts:
    """An issuer the district trusts: its profile was imported into the cache.

    ``key_ids`` is the profile's ``publicKey`` list (OB 2.0). ``None`` means the profile names
    no keys, so a key proves itself by its ``owner`` alone.
    """

    id: str
    name: str = ""
    key_ids: tuple[str, ...] | None = None
    revocation_list: str | None = None


@dataclass(frozen=True)
class BadgeClassFacts:
    """An OB 2.0 BadgeClass or OB 3.0 Achievement in the cache, and who issues it."""

    id: str
    issuer_id: str
    name: str = ""


@dataclass(frozen=True)
class KeyFacts:
    """A public key in the cache: an OB 2.0 CryptographicKey (``id`` is its URL, ``owner`` the
    issuer it names) or one key of an issuer's JWKS (``kid``, ``owner`` the issuer it was
    imported for)."""

    id: str
    owner: str
    key: PublicKey
    kid: str | None = None


EMAIL_TYPES = ("email", "emailaddress")  # recipient types, lower-cased, that name an email


class Recipient(NamedTuple):
    """Who a badge says it was awarded to (OB 2.0 / OB 3.0 IdentityObject)."""

    identity: str
    hashed: bool
    salt: str | None = None
    type: str = "email"

    @property
    def is_email(self) -> bool:
        return self.type.lower() in EMAIL_TYPES


class ListCheck(NamedTuple):
    """One revocation or status list a signed badge names, and whether the check read it."""

    url: str  # the list as the badge names it ("" when the badge gives none)
    read: bool  # the cache holds the list and the check read it
    why: str = ""  # when not read: why, in words that follow "the list ..."


class RevocationCheck(NamedTuple):
    """The revocation and status lists a signed badge names, and which of them the check read.

    A list the cache does not hold is never read as "not revoked": the verdict says the check
    was not made (and the district's setting decides whether such a badge is handed out)."""

    lists: tuple[ListCheck, ...] = ()

    @property
    def checked(self) -> bool:
        """Every list the badge names was read (and it names at least one)."""
        return bool(self.lists) and all(item.read for item in self.lists)

    @property
    def unchecked(self) -> tuple[ListCheck, ...]:
        """The lists the badge names that the check could not read."""
        return tuple(item for item in self.lists if not item.read)


class SignedClaims(NamedTuple):
    """What a verified (or, for a hosted assertion inside a baked image, read) badge says.

    ``revoked`` is None when no cached list revokes it, else the reason ("" when none given).
    ``revocation`` says which lists were read to decide that (None: the proof names no
    issuer's list, as a district slip does not).
    ``signed_by`` is the key id that verified the signature ("" when the badge is hosted and
    the cache is the authority). ``badge_class`` is the BadgeClass or Achievement id and
    ``badge_name`` its name, to tie the badge to a catalogue credential.

    It and :class:`Recipient` are named tuples, immutable like the frozen dataclasses around
    them: every scan of a signed badge builds them, and a frozen dataclass of eleven fields
    costs 1.3 µs to build against 0.3 µs for the tuple (against a 22 µs RSA check).
    """

    award_id: str
    issuer_id: str
    issuer_name: str = ""
    signed_by: str = ""
    recipient: Recipient | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    revoked: str | None = None
    badge_class: str = ""
    badge_name: str = ""
    extra_ids: tuple[str, ...] = ()
    revocation: RevocationCheck | None = None
    cryptosuite: str = ""  # a Data Integrity proof's cryptosuite, as the proof names it


class Claimed(NamedTuple):
    """What a badge says about itself, read before its signature is checked: the fields of
    the :class:`SignedClaims` that a verified signature turns it into."""

    award_id: str
    issuer_id: str
    issuer_name: str
    recipient: Recipient | None
    valid_from: datetime | None
    valid_until: datetime | None
    badge_class: str
    badge_name: str
    extra_ids: tuple[str, ...]


class CachedFacts(Protocol):
    """Read-only answers from the badge cache. Each returns None when the cache has nothing."""

    def issuer(self, issuer_id: str) -> IssuerFacts | None: ...

    def badge_class(self, badge_class_id: str) -> BadgeClassFacts | None: ...

    def key(self, key_id: str) -> KeyFacts | None: ...

    def issuer_keys(self, issuer_id: str) -> tuple[KeyFacts, ...]: ...

    def revocation_list(self, list_id: str) -> Mapping[str, object] | None: ...

    def status_list(self, list_id: str) -> bytes | None:
        """The decoded bitstring of a cached Bitstring Status List credential."""
        ...

    def district_keys(self) -> Mapping[str, ed25519.Ed25519PublicKey]:
        """The district's slip-signing keys this kiosk trusts, by key id."""
        ...


@dataclass
class InMemoryFacts:
    """A :class:`CachedFacts` held in dicts: for tests, benchmarks and the fuzzer."""

    issuers: dict[str, IssuerFacts] = field(default_factory=dict)
    badge_classes: dict[str, BadgeClassFacts] = field(default_factory=dict)
    keys: dict[str, KeyFacts] = field(default_factory=dict)
    revocation_lists: dict[str, Mapping[str, object]] = field(default_factory=dict)
    status_lists: dict[str, bytes] = field(default_factory=dict)
    district: dict[str, ed25519.Ed25519PublicKey] = field(default_factory=dict)

    def issuer(self, issuer_id: str) -> IssuerFacts | None:
        return self.issuers.get(issuer_id)

    def badge_class(self, badge_class_id: str) -> BadgeClassFacts | None:
        return self.badge_classes.get(badge_class_id)

    def key(self, key_id: str) -> KeyFacts | None:
        return self.keys.get(key_id)

    def issuer_keys(self, issuer_id: str) -> tuple[KeyFacts, ...]:
        return tuple(k for k in self.keys.values() if k.owner == issuer_id)

    def revocation_list(self, list_id: str) -> Mapping[str, object] | None:
        return self.revocation_lists.get(list_id)

    def status_list(self, list_id: str) -> bytes | None:
        return self.status_lists.get(list_id)

    def district_keys(self) -> Mapping[str, ed25519.Ed25519PublicKey]:
        return self.district

    def add_issuer(self, issuer: IssuerFacts) -> None:
        self.issuers[issuer.id] = issuer

    def add_badge_class(self, badge_class: BadgeClassFacts) -> None:
        self.badge_classes[badge_class.id] = badge_class

    def add_key(self, key: KeyFacts) -> None:
        self.keys[key.id] = key
