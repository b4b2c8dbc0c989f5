"""Open Badges 2.0: signed assertions (compact JWS, RS256) and hosted assertion JSON.

A signed assertion is trusted when all of this holds (OB 2.0, "Signed Badge" verification):

- its issuer (named by the embedded BadgeClass, or by the cached BadgeClass its ``badge`` URL
  names) is in the district's cache of trusted issuers;
- the key (``verification.creator``, else the JWS ``kid``, else the issuer's keys) is cached,
  its CryptographicKey ``owner`` is that issuer, and the issuer profile's ``publicKey`` lists
  it when the profile lists keys at all;
- the RS256 signature verifies with it.

Revocation comes from the issuer's cached RevocationList (the profile's ``revocationList``); a
list the cache does not hold is a check not made, and the claims say so.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from kiosk.domain.claims import node_id, node_name, ob2_recipient, when
from kiosk.domain.facts import (
    BadgeClassFacts,
    CachedFacts,
    Claimed,
    IssuerFacts,
    KeyFacts,
    SignedClaims,
)
from kiosk.domain.jws import CompactJws, verify_compact
from kiosk.domain.proof_errors import BadSignature, MalformedProof, UntrustedIssuer
from kiosk.domain.revocation import ob2_check

OB2_ALGS = ("RS256",)


def is_ob2_assertion(doc: Mapping[str, object]) -> bool:
    return "recipient" in doc and "badge" in doc


def verify_ob2_jws(jws: CompactJws, facts: CachedFacts, now: datetime) -> SignedClaims:
    assertion = jws.payload
    if not is_ob2_assertion(assertion):
        raise MalformedProof("The signed badge is not an Open Badges assertion.")
    verification = assertion.get("verification", assertion.get("verify"))
    creator = ""
    if isinstance(verification, dict):
        kind = verification.get("type")
        if isinstance(kind, str) and kind.lower() in ("hosted", "hostedbadge"):
            raise MalformedProof("The assertion says it is hosted, yet it came signed.")
        creator = node_id(verification.get("creator", verification.get("url")), "key",
                          required=False)
    claimed = read_assertion(assertion, facts)
    issuer = facts.issuer(claimed.issuer_id)
    if issuer is None:
        raise UntrustedIssuer(f"{claimed.issuer_id} is not an issuer the district trusts.")
    keys = _candidate_keys(issuer, creator or jws.kid or "", facts)
    for key in keys:
        try:
            verify_compact(jws, key.key, OB2_ALGS)
        except BadSignature:
            continue
        return _signed(claimed, issuer, key, facts)
    raise BadSignature("The signature does not match the issuer's key.")


def read_assertion(assertion: Mapping[str, object], facts: CachedFacts) -> Claimed:
    """What an OB 2.0 assertion says, before (or without) any signature check."""
    award_id = node_id(assertion.get("id"), "assertion id")
    badge = assertion.get("badge")
    badge_id = node_id(badge, "badge class", required=False)
    badge_name = node_name(badge)
    issuer = badge.get("issuer") if isinstance(badge, dict) else None
    cached: BadgeClassFacts | None = None
    if badge_id and (issuer is None or not badge_name):  # ask the cache what the badge omits
        cached = facts.badge_class(badge_id)
    if issuer is not None:
        issuer_id, issuer_name = node_id(issuer, "issuer"), node_name(issuer)
    elif cached is not None:
        issuer_id, issuer_name = cached.issuer_id, ""
    else:
        raise UntrustedIssuer("The badge's BadgeClass is not in the cached badge data.")
    return Claimed(  # in field order: keywords would double the cost of building it
        award_id,
        issuer_id,
        issuer_name,
        ob2_recipient(assertion.get("recipient")),
        when(assertion.get("issuedOn"), "issue date"),
        when(assertion.get("expires"), "expiry date"),
        badge_id,
        badge_name or (cached.name if cached else ""),
        _uid(assertion),
    )


def _uid(assertion: Mapping[str, object]) -> tuple[str, ...]:
    uid = assertion.get("uid")
    return (uid,) if isinstance(uid, str) and 0 < len(uid) <= 512 else ()


def _candidate_keys(issuer: IssuerFacts, wanted: str, facts: CachedFacts) -> list[KeyFacts]:
    if wanted:
        key = facts.key(wanted)
        if key is None:
            raise UntrustedIssuer("The key that signed this badge is not in the cached data.")
        keys = [key]
    else:
        keys = list(facts.issuer_keys(issuer.id))
    owned = [k for k in keys if _owned(k, issuer)]
    if not owned:
        raise UntrustedIssuer("The key that signed this badge does not belong to its issuer.")
    return owned


def _owned(key: KeyFacts, issuer: IssuerFacts) -> bool:
    return key.owner == issuer.id and (issuer.key_ids is None or key.id in issuer.key_ids)


def _signed(claimed: Claimed, issuer: IssuerFacts, key: KeyFacts,
            facts: CachedFacts) -> SignedClaims:
    uid = claimed.extra_ids[0] if claimed.extra_ids else None
    revoked, lists = ob2_check(issuer.revocation_list, claimed.award_id, uid, facts)
    return SignedClaims(  # in field order: keywords would double the cost of building it
        claimed.award_id, issuer.id, issuer.name or claimed.issuer_name, key.id,
        claimed.recipient, claimed.valid_from, claimed.valid_until, revoked,
        claimed.badge_class, claimed.badge_name, claimed.extra_ids, lists)
