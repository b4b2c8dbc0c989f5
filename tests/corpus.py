"""A corpus of proofs of badge, valid and tampered, and the cached facts they are checked against.

Used by the read_proof tests, the fuzzer and ``bench/verify.py``::

    corpus = make_corpus()
    facts = corpus.facts()               # InMemoryFacts: issuers, keys, lists, district key
    token = corpus.ob2_jws("alice@example.org")
    proof = read_proof(token, facts, NOW)

Keys are made once per process (``functools.cache``, an unbounded lru_cache); every
:func:`make_corpus` call gets fresh, independent facts, so revoking in one test never leaks
into another.

What the corpus holds (the ids are module constants):

- an OB 2.0 issuer (:data:`OB2_ISSUER`) with an RSA CryptographicKey (:data:`OB2_KEY_ID`,
  owner = issuer, listed in the profile's ``publicKey``), a RevocationList
  (:data:`OB2_REVOCATIONS`) and a BadgeClass (:data:`OB2_BADGE`);
- three OB 3.0 issuers: :data:`OB3_RSA` (RS256, JWKS kid ``rsa-1``), :data:`OB3_P256` (ES256,
  kid ``p256-1``) and a ``did:key`` Ed25519 issuer (``corpus.did``); an Achievement
  (:data:`OB3_ACHIEVEMENT`), a 1EdTechRevocationList (:data:`OB3_REVOCATIONS`) and a
  Bitstring Status List (:data:`OB3_STATUS`, 131,072 bits);
- the district's Ed25519 slip key.

Recipient identities are written the way issuers write them: by default hashed,
``sha256$`` + hex of sha256(email + salt), with the salt in the badge.
"""

from __future__ import annotations

import base64
import copy
import functools
import gzip
import hashlib
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from xml.sax.saxutils import quoteattr

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from kiosk.domain.facts import BadgeClassFacts, InMemoryFacts, IssuerFacts, KeyFacts
from kiosk.domain.keys import b58encode
from kiosk.domain.slips import district_kid, make_slip
from tests.unit.jws_helpers import PrivateKey, b64url, jwk_of, make_jws

# --- ids -----------------------------------------------------------------------------------

OB2_ISSUER = "https://badges.example.org/issuer"
OB2_ISSUER_NAME = "Example District Badges"
OB2_KEY_ID = "https://badges.example.org/keys/1"
OB2_REVOCATIONS = "https://badges.example.org/revocations"
OB2_BADGE = "https://badges.example.org/badges/trauma"
OB2_BADGE_NAME = "Understanding Trauma and the Brain"

OB3_RSA = "https://ob3.example.org/issuers/rsa"
OB3_P256 = "https://ob3.example.org/issuers/p256"
OB3_ISSUER_NAMES = {"rsa": "OB3 RSA Issuer", "p256": "OB3 P-256 Issuer",
                    "did": "OB3 did:key Issuer"}
KIDS = {"rsa": "rsa-1", "p256": "p256-1"}
OB3_ACHIEVEMENT = "https://ob3.example.org/achievements/balance"
OB3_ACHIEVEMENT_NAME = "Finding Balance"
OB3_REVOCATIONS = "https://ob3.example.org/revocations/1"
OB3_STATUS = "https://ob3.example.org/status/1"
STATUS_LIST_BITS = 131_072

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
OB3_CONTEXT = ["https://www.w3.org/ns/credentials/v2",
               "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
VCDM1_CONTEXT = ["https://www.w3.org/2018/credentials/v1",
                 "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]

AWARD_ID = "urn:uuid:5f2d3c1a-8b4e-4c6d-9e7f-0a1b2c3d4e5f"
SALT = "pepper-7f3a"
ISSUED = "2024-01-15T10:00:00Z"
# "Now" for every test that uses the corpus defaults: after ISSUED, before any expiry.
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
SLIP_DAY = date(2024, 4, 30)

_UNSET: Any = object()  # "use the default" for knobs where None means "leave it out"


# --- keys (made once per process) ----------------------------------------------------------


@functools.cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    """An RSA 2048 key per name (random, but the same for the whole process)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def p256_key(name: str) -> ec.EllipticCurvePrivateKey:
    seed = int.from_bytes(hashlib.sha256(b"p256:" + name.encode()).digest(), "big")
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    return ec.derive_private_key(seed % (order - 1) + 1, ec.SECP256R1())


@functools.cache
def ed25519_key(name: str) -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(b"ed25519:" + name.encode()).digest())


def did_key_of(key: ed25519.Ed25519PrivateKey) -> tuple[str, str]:
    """``(did, key id)`` of an Ed25519 key: ``did:key:z...`` and ``<did>#z...``."""
    raw = key.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    multibase = "z" + b58encode(b"\xed\x01" + raw)
    did = "did:key:" + multibase
    return did, f"{did}#{multibase}"


# --- small helpers -------------------------------------------------------------------------


def hashed_identity(email: str, salt: str | None = SALT, upper_hex: bool = False) -> str:
    """``sha256$hex`` of email + salt, exactly as issuers write it."""
    digest = hashlib.sha256((email + (salt or "")).encode("utf-8")).hexdigest()
    return "sha256$" + (digest.upper() if upper_hex else digest)


def iso(moment: datetime | str) -> str:
    if isinstance(moment, str):
        return moment
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_of(moment: datetime | str) -> int:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return int(moment.timestamp())


def _merge(doc: dict[str, Any], changes: Mapping[str, Any] | None) -> dict[str, Any]:
    """Apply ``changes`` to a copy: a value of None deletes the member."""
    out = copy.deepcopy(doc)
    for name, value in (changes or {}).items():
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    return out


def png_chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def itxt_chunk(keyword: str, text: bytes, compressed: bool = False) -> bytes:
    if compressed:
        text = zlib.compress(text)
    flag = 1 if compressed else 0
    return png_chunk(b"iTXt", keyword.encode("latin-1") + b"\0" + bytes([flag, 0]) + b"\0\0" + text)


def plain_png() -> bytes:
    """A valid 1x1 RGBA PNG with no badge data."""
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    idat = zlib.compress(b"\x00\xc8\x1e\x1e\xff")
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


def encode_status_list(bits: bytes) -> str:
    """``encodedList``: multibase 'u' + unpadded base64url of GZIP data."""
    return "u" + base64.urlsafe_b64encode(gzip.compress(bits, mtime=0)).rstrip(b"=").decode()


# --- the corpus ----------------------------------------------------------------------------


@dataclass
class Corpus:
    """Keys, cached facts and builders for every kind of proof of badge."""

    ob2_key: rsa.RSAPrivateKey
    rsa_key: rsa.RSAPrivateKey
    p256_key: ec.EllipticCurvePrivateKey
    did_private: ed25519.Ed25519PrivateKey
    district_key: ed25519.Ed25519PrivateKey
    # keys nobody trusts, for forgeries
    attacker_rsa: rsa.RSAPrivateKey
    attacker_p256: ec.EllipticCurvePrivateKey
    attacker_ed25519: ed25519.Ed25519PrivateKey
    did: str = ""
    did_key_id: str = ""
    status_bits: bytearray = field(default_factory=lambda: bytearray(STATUS_LIST_BITS // 8))
    _facts: InMemoryFacts = field(default_factory=InMemoryFacts)

    # -- facts --------------------------------------------------------------------------

    def facts(self) -> InMemoryFacts:
        """The cached facts (one object per corpus; the revocation helpers change it)."""
        return self._facts

    def issuer_id(self, issuer: str) -> str:
        return {"rsa": OB3_RSA, "p256": OB3_P256, "did": self.did}[issuer]

    def signing_key(self, issuer: str) -> PrivateKey:
        return {"rsa": self.rsa_key, "p256": self.p256_key, "did": self.did_private}[issuer]

    def kid(self, issuer: str) -> str:
        """The ``kid`` a VC-JWT of this issuer carries."""
        return self.did_key_id if issuer == "did" else KIDS[issuer]

    def jwks(self, issuer: str) -> dict[str, Any]:
        """The issuer's JWKS as it publishes it (rsa and p256 issuers)."""
        key = self.signing_key(issuer)
        return {"keys": [{**jwk_of(key), "kid": KIDS[issuer], "alg": _ALGS[issuer]}]}

    def ob2_revocation_list(self) -> dict[str, Any]:
        return dict(self._facts.revocation_lists[OB2_REVOCATIONS])

    def status_list_credential(self, bits: bytes | None = None) -> dict[str, Any]:
        """The Bitstring Status List credential as an issuer publishes it."""
        return {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": OB3_STATUS,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": OB3_RSA,
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {
                "id": OB3_STATUS + "#list",
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": encode_status_list(
                    bytes(self.status_bits) if bits is None else bits),
            },
        }

    # -- revocation helpers (change the facts) ----------------------------------------------

    def revoke_ob2(self, award_id: str = AWARD_ID, as_: str = "string",
                   reason: str = "Awarded in error") -> None:
        """List an OB 2.0 assertion in the issuer's RevocationList: as the id string, as
        ``{id, revocationReason}`` or as legacy ``{uid, revocationReason}`` (then
        ``award_id`` is the assertion's ``uid``)."""
        entry: Any
        if as_ == "string":
            entry = award_id
        elif as_ == "object":
            entry = {"id": award_id, "revocationReason": reason}
        elif as_ == "uid":
            entry = {"uid": award_id, "revocationReason": reason}
        else:
            raise ValueError(as_)
        doc = dict(self._facts.revocation_lists[OB2_REVOCATIONS])
        doc["revokedAssertions"] = [*doc["revokedAssertions"], entry]  # type: ignore[misc]
        self._facts.revocation_lists[OB2_REVOCATIONS] = doc

    def revoke_ob3(self, credential_id: str = AWARD_ID, key: str = "revokedCredential",
                   reason: str = "Awarded in error") -> None:
        """List an OB 3.0 credential in the 1EdTechRevocationList under ``key``
        (``revokedCredential`` as the spec spells it, or ``revokedCredentials``)."""
        doc = dict(self._facts.revocation_lists[OB3_REVOCATIONS])
        listed = doc.get(key)
        entries = list(listed) if isinstance(listed, list) else []
        entries.append({"id": credential_id, "revocationReason": reason})
        doc[key] = entries
        self._facts.revocation_lists[OB3_REVOCATIONS] = doc

    def set_status_bit(self, index: int, value: bool = True) -> None:
        """Set (or clear) bit ``index`` of the Bitstring Status List (0 = leftmost bit)."""
        mask = 0x80 >> (index % 8)
        if value:
            self.status_bits[index // 8] |= mask
        else:
            self.status_bits[index // 8] &= ~mask & 0xFF
        self._facts.status_lists[OB3_STATUS] = bytes(self.status_bits)

    # -- OB 2.0 -------------------------------------------------------------------------

    def ob2_assertion(
        self,
        email: str = "alice@example.org",
        *,
        award_id: str = AWARD_ID,
        salt: str | None = SALT,
        hashed: bool = True,
        upper_hex: bool = False,
        identity: str | None = None,
        identity_type: str = "email",
        issued_on: datetime | str = ISSUED,
        expires: datetime | str | None = None,
        badge: str = "embedded",
        issuer_id: str = OB2_ISSUER,
        creator: str | None = OB2_KEY_ID,
        uid: str | None = None,
        hosted: bool = False,
        extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """An OB 2.0 Assertion. ``badge`` is ``embedded`` (BadgeClass object with its issuer)
        or ``url`` (just the BadgeClass id, which the cache knows). ``creator=None`` leaves
        the verification key out; ``hosted`` makes it a hosted assertion with an https id.
        ``identity`` overrides the computed recipient identity; ``extra`` is merged last
        (None values delete members)."""
        if identity is None:
            identity = hashed_identity(email, salt, upper_hex) if hashed else email
        recipient: dict[str, Any] = {"type": identity_type, "hashed": hashed,
                                     "identity": identity}
        if hashed and salt is not None:
            recipient["salt"] = salt
        badge_doc: Any = OB2_BADGE
        if badge == "embedded":
            badge_doc = {
                "id": OB2_BADGE, "type": "BadgeClass", "name": OB2_BADGE_NAME,
                "description": "Micro-credential: trauma-informed practice.",
                "criteria": {"narrative": "Complete the course and the reflection."},
                "issuer": {"id": issuer_id, "type": "Profile", "name": OB2_ISSUER_NAME},
            }
        doc: dict[str, Any] = {
            "@context": OB2_CONTEXT,
            "type": "Assertion",
            "id": award_id,
            "recipient": recipient,
            "badge": badge_doc,
            "issuedOn": iso(issued_on),
        }
        if hosted:
            doc["verification"] = {"type": "hosted"}
        elif creator is not None:
            doc["verification"] = {"type": "signed", "creator": creator}
        if expires is not None:
            doc["expires"] = iso(expires)
        if uid is not None:
            doc["uid"] = uid
        return _merge(doc, extra)

    def ob2_jws(
        self,
        email: str = "alice@example.org",
        *,
        signing_key: PrivateKey | None = None,
        alg: str | None = None,
        header: Mapping[str, Any] | None = None,
        assertion: Mapping[str, Any] | None = None,
        **knobs: Any,
    ) -> str:
        """An OB 2.0 signed assertion (compact JWS, RS256 with the issuer's key). Knobs go to
        :meth:`ob2_assertion`; ``signing_key``/``alg``/``header`` forge the signature."""
        doc = dict(assertion) if assertion is not None else self.ob2_assertion(email, **knobs)
        return make_jws(signing_key or self.ob2_key, doc, alg=alg, header=dict(header or {}))

    # -- OB 3.0 -------------------------------------------------------------------------

    def ob3_credential(
        self,
        issuer: str = "rsa",
        email: str = "alice@example.org",
        *,
        award_id: str = AWARD_ID,
        salt: str | None = SALT,
        hashed: bool = True,
        upper_hex: bool = False,
        identity: str | None = None,
        identity_type: str = "emailAddress",
        subject_id: str | None = None,
        valid_from: datetime | str | None = ISSUED,
        valid_until: datetime | str | None = None,
        status: str | None = None,
        status_index: int = 94567,
        issuer_id: str | None = None,
        vcdm1: bool = False,
        extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """An OB 3.0 OpenBadgeCredential (no proof). ``status`` is None, ``revocation-list``
        (1EdTechRevocationList) or ``bitstring`` (BitstringStatusListEntry at
        ``status_index``). ``vcdm1`` writes the VCDM 1.1 form (issuanceDate/expirationDate).
        ``extra`` is merged last (None values delete members)."""
        if identity is None:
            identity = hashed_identity(email, salt, upper_hex) if hashed else email
        identifier: dict[str, Any] = {"type": "IdentityObject", "identityHash": identity,
                                      "identityType": identity_type, "hashed": hashed}
        if hashed and salt is not None:
            identifier["salt"] = salt
        subject: dict[str, Any] = {
            "type": ["AchievementSubject"],
            "identifier": [identifier],
            "achievement": {
                "id": OB3_ACHIEVEMENT,
                "type": ["Achievement"],
                "name": OB3_ACHIEVEMENT_NAME,
                "description": "Micro-credential: balance and well-being for educators.",
                "criteria": {"narrative": "Complete the course and the reflection."},
            },
        }
        if subject_id is not None:
            subject["id"] = subject_id
        the_issuer = issuer_id or self.issuer_id(issuer)
        doc: dict[str, Any] = {
            "@context": list(VCDM1_CONTEXT if vcdm1 else OB3_CONTEXT),
            "id": award_id,
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": the_issuer, "type": ["Profile"],
                       "name": OB3_ISSUER_NAMES.get(issuer, "")},
            "name": OB3_ACHIEVEMENT_NAME,
            "credentialSubject": subject,
        }
        start, end = ("issuanceDate", "expirationDate") if vcdm1 else ("validFrom", "validUntil")
        if valid_from is not None:
            doc[start] = iso(valid_from)
        if valid_until is not None:
            doc[end] = iso(valid_until)
        if status == "revocation-list":
            doc["credentialStatus"] = {"id": OB3_REVOCATIONS, "type": "1EdTechRevocationList"}
        elif status == "bitstring":
            doc["credentialStatus"] = {
                "id": f"{OB3_STATUS}#{status_index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": str(status_index),
                "statusListCredential": OB3_STATUS,
            }
        elif status is not None:
            raise ValueError(status)
        return _merge(doc, extra)

    def ob3_jwt_claims(self, credential: Mapping[str, Any],
                       legacy_vc_claim: bool = False) -> dict[str, Any]:
        """The JWT payload for a credential: the credential with iss/jti/sub/nbf/exp, or
        (``legacy_vc_claim``) the VCDM 1.1 form with the credential under ``vc``."""
        issuer = credential["issuer"]
        registered: dict[str, Any] = {
            "iss": issuer["id"] if isinstance(issuer, Mapping) else issuer,
            "jti": credential["id"],
        }
        subject = credential.get("credentialSubject")
        if isinstance(subject, Mapping) and "id" in subject:
            registered["sub"] = subject["id"]
        start = credential.get("validFrom", credential.get("issuanceDate"))
        end = credential.get("validUntil", credential.get("expirationDate"))
        if start is not None:
            registered["nbf"] = epoch_of(start)
        if end is not None:
            registered["exp"] = epoch_of(end)
        if legacy_vc_claim:
            return {**registered, "vc": dict(credential)}
        return {**credential, **registered}

    def ob3_vc_jwt(
        self,
        issuer: str = "rsa",
        email: str = "alice@example.org",
        *,
        legacy_vc_claim: bool = False,
        claims_override: Mapping[str, Any] | None = None,
        credential: Mapping[str, Any] | None = None,
        signing_key: PrivateKey | None = None,
        kid: str | None = _UNSET,
        alg: str | None = None,
        header: Mapping[str, Any] | None = None,
        **knobs: Any,
    ) -> str:
        """An OB 3.0 VC-JWT signed by ``issuer`` (``rsa`` RS256, ``p256`` ES256, ``did``
        EdDSA). Knobs go to :meth:`ob3_credential` (``vcdm1`` is implied by
        ``legacy_vc_claim``). ``claims_override`` changes registered claims after they are
        derived (None deletes one); ``kid=None`` leaves the kid out; ``signing_key``,
        ``alg`` and ``header`` forge."""
        if credential is None:
            knobs.setdefault("vcdm1", legacy_vc_claim)
            credential = self.ob3_credential(issuer, email, **knobs)
        payload = _merge(self.ob3_jwt_claims(credential, legacy_vc_claim), claims_override)
        head: dict[str, Any] = {"typ": "JWT"}
        the_kid = self.kid(issuer) if kid is _UNSET else kid
        if the_kid is not None:
            head["kid"] = the_kid
        head.update(header or {})
        return make_jws(signing_key or self.signing_key(issuer), payload, alg=alg, header=head)

    def ob3_data_integrity(
        self,
        email: str = "alice@example.org",
        *,
        credential: Mapping[str, Any] | None = None,
        signing_key: ed25519.Ed25519PrivateKey | None = None,
        verification_method: str | None = None,
        created: str = ISSUED,
        cryptosuite: str = "eddsa-rdfc-2022",
        **knobs: Any,
    ) -> dict[str, Any]:
        """An OB 3.0 credential with an eddsa-rdfc-2022 Data Integrity proof (or the suite's
        pre-2023 name ``eddsa-2022``), signed by the did:key issuer (knobs go to
        :meth:`ob3_credential`)."""
        from tests.unit.di_helpers import sign_data_integrity

        doc = dict(credential) if credential is not None else self.ob3_credential(
            "did", email, **knobs)
        signed = sign_data_integrity(doc, signing_key or self.did_private,
                                     verification_method or self.did_key_id, created,
                                     cryptosuite=cryptosuite)
        return dict(signed)

    # -- images and slips -----------------------------------------------------------------

    def baked_png(self, text: str, keyword: str = "openbadges",
                  compressed: bool = False) -> bytes:
        """A PNG with the badge ``text`` in an iTXt chunk (``openbadges`` for OB 2.0,
        ``openbadgecredential`` for OB 3.0)."""
        png = plain_png()
        return png[:-12] + itxt_chunk(keyword, text.encode("utf-8"), compressed) + png[-12:]

    def baked_svg(self, text: str, version: str = "ob2", body: str | None = None) -> bytes:
        """An SVG with ``<openbadges:assertion>`` (ob2) or ``<openbadges:credential>`` (ob3):
        ``text`` in its ``verify`` attribute (left out when empty), ``body`` as CDATA."""
        namespace, element = {
            "ob2": ("http://openbadges.org", "assertion"),
            "ob3": ("https://purl.imsglobal.org/ob/v3p0", "credential"),
        }[version]
        verify = f" verify={quoteattr(text)}" if text else ""
        inner = f"<![CDATA[{body}]]>" if body is not None else ""
        svg = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{namespace}" '
            'width="64" height="64" viewBox="0 0 64 64">\n'
            f"  <openbadges:{element}{verify}>{inner}</openbadges:{element}>\n"
            '  <circle cx="32" cy="32" r="30" fill="#c81e1e"/>\n'
            "</svg>\n"
        )
        return svg.encode("utf-8")

    def slip(self, award_id: str = AWARD_ID, issued_on: date = SLIP_DAY,
             key: ed25519.Ed25519PrivateKey | None = None) -> str:
        """A district proof slip token for ``award_id``."""
        return make_slip(award_id, issued_on, key or self.district_key)


_ALGS = {"rsa": "RS256", "p256": "ES256", "did": "EdDSA"}


def make_corpus() -> Corpus:
    """A corpus with fresh facts (keys are shared across the process)."""
    corpus = Corpus(
        ob2_key=rsa_key("ob2"),
        rsa_key=rsa_key("ob3-rsa"),
        p256_key=p256_key("ob3-p256"),
        did_private=ed25519_key("ob3-did"),
        district_key=ed25519_key("district"),
        attacker_rsa=rsa_key("attacker"),
        attacker_p256=p256_key("attacker"),
        attacker_ed25519=ed25519_key("attacker"),
    )
    corpus.did, corpus.did_key_id = did_key_of(corpus.did_private)
    facts = corpus.facts()
    facts.add_issuer(IssuerFacts(OB2_ISSUER, OB2_ISSUER_NAME, key_ids=(OB2_KEY_ID,),
                                 revocation_list=OB2_REVOCATIONS))
    facts.add_key(KeyFacts(OB2_KEY_ID, OB2_ISSUER, corpus.ob2_key.public_key()))
    facts.add_badge_class(BadgeClassFacts(OB2_BADGE, OB2_ISSUER, OB2_BADGE_NAME))
    facts.revocation_lists[OB2_REVOCATIONS] = {
        "@context": OB2_CONTEXT, "id": OB2_REVOCATIONS, "type": "RevocationList",
        "issuer": OB2_ISSUER, "revokedAssertions": [],
    }
    for name in ("rsa", "p256"):
        issuer_id = corpus.issuer_id(name)
        facts.add_issuer(IssuerFacts(issuer_id, OB3_ISSUER_NAMES[name]))
        facts.add_key(KeyFacts(f"{issuer_id}#{KIDS[name]}", issuer_id,
                               corpus.signing_key(name).public_key(), kid=KIDS[name]))
    facts.add_issuer(IssuerFacts(corpus.did, OB3_ISSUER_NAMES["did"]))
    facts.add_badge_class(BadgeClassFacts(OB3_ACHIEVEMENT, OB3_RSA, OB3_ACHIEVEMENT_NAME))
    facts.revocation_lists[OB3_REVOCATIONS] = {
        "@context": ["https://purl.imsglobal.org/spec/vcrl/v1p0/context.json"],
        "id": OB3_REVOCATIONS, "type": "1EdTechRevocationList", "issuer": OB3_RSA,
        "revokedCredential": [],
    }
    facts.status_lists[OB3_STATUS] = bytes(corpus.status_bits)
    facts.district[district_kid(corpus.district_key.public_key())] = (
        corpus.district_key.public_key())
    return corpus


__all__ = [
    "AWARD_ID", "Corpus", "ISSUED", "KIDS", "NOW", "OB2_BADGE", "OB2_BADGE_NAME", "OB2_ISSUER",
    "OB2_ISSUER_NAME", "OB2_KEY_ID", "OB2_REVOCATIONS", "OB3_ACHIEVEMENT",
    "OB3_ACHIEVEMENT_NAME", "OB3_P256", "OB3_REVOCATIONS", "OB3_RSA", "OB3_STATUS", "SALT",
    "SLIP_DAY", "STATUS_LIST_BITS", "TODAY", "b64url", "did_key_of", "encode_status_list",
    "hashed_identity", "make_corpus",
]
