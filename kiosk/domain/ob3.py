"""Open Badges 3.0 credentials: VC-JWT (RS256, ES256, EdDSA) and embedded Data Integrity proofs.

Trust: the credential's issuer must be in the district's cache. A VC-JWT's key is the cached
JWKS key of that issuer with the header's ``kid`` (or any of its keys when there is no
``kid``), or the issuer's own ``did:key``; a key embedded in the token (``jwk``) counts only
when it is one of those. A ``kid`` or ``verificationMethod`` that is a ``did:key`` names its
key itself: it is trusted when it is the issuer's own DID or when its key is one of the
issuer's cached keys (the same key material, whatever the cached key's id or kid says).
The registered claims must agree with the credential:
``iss``/``jti``/``sub``/``nbf``/``exp`` with ``issuer.id``/``id``/``credentialSubject.id``/
``validFrom``/``validUntil`` (``issuanceDate``/``expirationDate`` in VCDM 1.1, whose ``vc``
claim is accepted too). Disagreement means the token is not what it claims: bad signature.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from kiosk.domain.claims import (
    epoch,
    first_object,
    has_type,
    node_id,
    node_name,
    ob3_recipient,
    types_of,
    when,
)
from kiosk.domain.data_integrity import signed_content, verify_data_integrity
from kiosk.domain.facts import CachedFacts, Claimed, IssuerFacts, KeyFacts, SignedClaims
from kiosk.domain.jws import CompactJws, verify_compact
from kiosk.domain.keys import PublicKey, key_bytes, key_from_did_key, key_from_jwk
from kiosk.domain.proof_errors import BadSignature, MalformedProof, UntrustedIssuer
from kiosk.domain.revocation import ob3_check

CREDENTIAL_TYPES = {"OpenBadgeCredential", "AchievementCredential"}
_LAST_SECOND = 253_402_300_799  # 9999-12-31T23:59:59Z: every whole second up to it is a date


def is_ob3_credential(doc: Mapping[str, object]) -> bool:
    return "credentialSubject" in doc or "VerifiableCredential" in types_of(doc.get("type"))


def vc_of(payload: Mapping[str, object]) -> Mapping[str, object] | None:
    """The credential in a VC-JWT payload: the payload itself, or its VCDM 1.1 ``vc`` claim."""
    vc = payload.get("vc")
    if isinstance(vc, dict):
        return vc
    return payload if is_ob3_credential(payload) else None


def verify_vc_jwt(jws: CompactJws, facts: CachedFacts, now: datetime) -> SignedClaims:
    payload = jws.payload
    credential = vc_of(payload)
    if credential is None:
        raise MalformedProof("The token is not an Open Badges 3.0 credential.")
    legacy = credential is not payload
    if legacy:
        credential = _from_registered_claims(credential, payload)
    claimed = read_credential(credential, facts)
    valid_from, valid_until = _agree(payload, claimed, legacy)
    issuer = _trusted_issuer(claimed.issuer_id, facts)
    for key_id, key in _jwt_keys(jws, issuer, facts):
        try:
            verify_compact(jws, key)
        except BadSignature:
            continue
        return _finish(claimed, issuer, key_id, credential, facts, valid_from, valid_until)
    raise BadSignature("The signature does not match the issuer's key.")


def _from_registered_claims(vc: Mapping[str, object],
                            payload: Mapping[str, object]) -> Mapping[str, object]:
    """VCDM 1.1 JWT encoding may move ``id``, ``issuer`` and the subject's ``id`` out of the
    ``vc`` claim into ``jti``, ``iss`` and ``sub``: put them back where the credential has
    none (where it has one, :func:`_agree` holds both to agreement)."""
    filled = dict(vc)
    for member, claim in (("id", "jti"), ("issuer", "iss")):
        if member not in filled and isinstance(payload.get(claim), str):
            filled[member] = payload[claim]
    subject = first_object(filled.get("credentialSubject"))
    sub = payload.get("sub")
    if subject is not None and "id" not in subject and isinstance(sub, str):
        filled["credentialSubject"] = {**subject, "id": sub}
    return filled


def verify_ob3_data_integrity(doc: Mapping[str, object], facts: CachedFacts,
                              now: datetime) -> SignedClaims:
    issuer = _trusted_issuer(node_id(doc.get("issuer"), "issuer"), facts)

    def resolve(method: str) -> PublicKey | None:
        found = _method_key(method, issuer, facts)
        return found[1] if found else None

    proof = verify_data_integrity(doc, resolve)
    signed = signed_content(doc)  # the facts as signed, however the JSON spelled them
    claimed = read_credential(signed, facts)
    if claimed.issuer_id != issuer.id:
        raise BadSignature("The credential's issuer is not the one that signed it.")
    return _finish(claimed, issuer, proof.verification_method, signed, facts,
                   claimed.valid_from, claimed.valid_until)._replace(
                       cryptosuite=proof.cryptosuite)


def read_credential(credential: Mapping[str, object], facts: CachedFacts) -> Claimed:
    """What an OB 3.0 credential says, before any signature check."""
    if not has_type(credential.get("type"), CREDENTIAL_TYPES):
        raise MalformedProof("The credential is not an Open Badges 3.0 credential.")
    subject = first_object(credential.get("credentialSubject"))
    if subject is None:
        raise MalformedProof("The credential does not say who it was awarded to.")
    issuer = credential.get("issuer")
    achievement = subject.get("achievement")
    achievement_id = node_id(achievement, "achievement", required=False)
    subject_id = subject.get("id")
    return Claimed(  # in field order: keywords would double the cost of building it
        node_id(credential.get("id"), "credential id"),
        node_id(issuer, "issuer"),
        node_name(issuer),
        ob3_recipient(subject),
        when(credential.get("validFrom", credential.get("issuanceDate")), "valid-from date"),
        when(credential.get("validUntil", credential.get("expirationDate")), "valid-until date"),
        achievement_id,
        node_name(achievement) or _cached_name(achievement_id, facts),
        (subject_id,) if isinstance(subject_id, str) else (),
    )


def _cached_name(achievement_id: str, facts: CachedFacts) -> str:
    """The cached Achievement's name, for a credential that names none."""
    cached = facts.badge_class(achievement_id) if achievement_id else None
    return cached.name if cached else ""


def _agree(payload: Mapping[str, object], claimed: Claimed,
           legacy: bool) -> tuple[datetime | None, datetime | None]:
    """Check the JWT's registered claims against the credential they wrap; the validity
    dates that follow from both."""
    if payload.get("iss") != claimed.issuer_id:  # an id is text: no iss, or not text, differs
        raise BadSignature("The token's issuer (iss) does not match the credential's issuer.")
    jti = payload.get("jti")
    if jti is not None and jti != claimed.award_id:
        raise BadSignature("The token's id (jti) does not match the credential's id.")
    sub = payload.get("sub")
    if sub is not None and sub != (claimed.extra_ids[0] if claimed.extra_ids else None):
        raise BadSignature("The token's subject (sub) does not match the credential's subject.")
    valid_from = _same_time(payload.get("nbf"), claimed.valid_from, "nbf", legacy)
    valid_until = _same_time(payload.get("exp"), claimed.valid_until, "exp", legacy)
    return valid_from, valid_until


def _same_time(value: object, stated: datetime | None, name: str,
               legacy: bool) -> datetime | None:
    """The date that the token's NumericDate claim ``name`` and the credential agree on."""
    if value is None:
        return stated
    if (stated is not None and type(value) is int and 0 <= value <= _LAST_SECOND
            and value == int(stated.timestamp())):
        return stated  # the usual token: whole seconds that agree, no datetime needed
    claim = epoch(value, name)
    if stated is None:
        # VCDM 1.1 lets a JWT carry the dates only as nbf/exp; the native form must state both.
        if legacy:
            return claim
        raise BadSignature(f"The token's {name} has no matching date in the credential.")
    if int(claim.timestamp()) != int(stated.timestamp()):
        raise BadSignature(f"The token's {name} does not match the credential's date.")
    return stated


def _trusted_issuer(issuer_id: str, facts: CachedFacts) -> IssuerFacts:
    issuer = facts.issuer(issuer_id)
    if issuer is None:
        raise UntrustedIssuer(f"{issuer_id} is not an issuer the district trusts.")
    return issuer


def _jwt_keys(jws: CompactJws, issuer: IssuerFacts,
              facts: CachedFacts) -> list[tuple[str, PublicKey]]:
    kid = jws.kid
    if kid:
        found = _method_key(kid, issuer, facts)
        if found is None:
            raise UntrustedIssuer("The key that signed this badge is not one of its issuer's.")
        keys = [found]
    else:
        keys = [(k.id, k.key) for k in facts.issuer_keys(issuer.id)]
        if issuer.id.startswith("did:key:"):
            keys.append((issuer.id, key_from_did_key(issuer.id)))
    embedded = jws.header.get("jwk")
    if isinstance(embedded, dict):
        mine = key_bytes(key_from_jwk(embedded))
        keys = [(kid_, key) for kid_, key in keys if key_bytes(key) == mine]
    if not keys:
        raise UntrustedIssuer("The key that signed this badge is not one of its issuer's.")
    return keys


def _method_key(method: str, issuer: IssuerFacts,
                facts: CachedFacts) -> tuple[str, PublicKey] | None:
    """The cached id and key a ``kid`` or ``verificationMethod`` names, if the issuer owns it."""
    if method.startswith("did:key:"):
        return _did_key(method, issuer, facts)
    for key in facts.issuer_keys(issuer.id):
        if method in (key.id, key.kid) or (key.kid and method == f"{issuer.id}#{key.kid}"):
            return key.id, key.key
    cached: KeyFacts | None = facts.key(method)
    if cached is not None and cached.owner == issuer.id:
        return cached.id, cached.key
    return None


def _did_key(method: str, issuer: IssuerFacts,
             facts: CachedFacts) -> tuple[str, PublicKey] | None:
    """A ``did:key`` names its own key (a ``#fragment`` must name the same one): the issuer's
    when it is the issuer's own DID (a did:key has one spelling per key, so the same DID is
    the same key), or when one of the issuer's cached keys is that key, compared by key
    material, whatever id or kid the key was imported under."""
    key = key_from_did_key(method)
    if method.partition("#")[0] == issuer.id:
        return method, key
    material = key_bytes(key)
    for cached in facts.issuer_keys(issuer.id):
        if key_bytes(cached.key) == material:
            return cached.id, cached.key
    return None


def _finish(claimed: Claimed, issuer: IssuerFacts, key_id: str,
            credential: Mapping[str, object], facts: CachedFacts,
            valid_from: datetime | None, valid_until: datetime | None) -> SignedClaims:
    revoked, lists = ob3_check(credential, claimed.award_id, facts)
    return SignedClaims(  # in field order: keywords would double the cost of building it
        claimed.award_id, claimed.issuer_id, issuer.name or claimed.issuer_name, key_id,
        claimed.recipient, valid_from, valid_until, revoked,
        claimed.badge_class, claimed.badge_name, claimed.extra_ids, lists)


def revocation(credential: Mapping[str, object], award_id: str,
               facts: CachedFacts) -> str | None:
    """The revocation reason from the cached lists the credential points to, else None
    (which lists were read: :func:`kiosk.domain.revocation.ob3_check`)."""
    return ob3_check(credential, award_id, facts)[0]
