"""The keys of an issuer's JWKS as the badge cache stores them: pure reading, no database.
:mod:`.badge_import` writes the rows and drops the issuer's keys the JWKS no longer holds.

Every key needs a ``kid``; a kid that is a URL or a DID is the key's id, any other kid becomes
``<issuer>#<kid>``. A kid that is a ``did:key`` names a public key itself, so the JWK must hold
that same key (compared as key material): a key that does not is left out with a message, and
the rest of the JWKS is imported. Anything else wrong refuses the whole JWKS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..domain.keys import check_did_key_kid, key_from_jwk
from ..domain.proof_errors import MalformedProof
from .badge_documents import (
    PRIVATE_JWK_MEMBERS,
    Document,
    DocumentError,
    canonical_json,
    is_absolute_id,
)


@dataclass
class JwksKeys:
    """The cache rows of a JWKS's keys by key id, and the keys left out (why, in words)."""

    rows: dict[str, dict[str, object]] = field(default_factory=dict)
    left_out: list[str] = field(default_factory=list)


def read_jwks(doc: Document, issuer: str) -> JwksKeys:
    """The keys of ``doc`` (a JWKS) for ``issuer``. DocumentError when none can be imported."""
    entries = doc.get("keys")
    if not isinstance(entries, list):
        raise DocumentError("the JWKS has no list of keys")
    if any(isinstance(jwk, Mapping) and PRIVATE_JWK_MEMBERS & set(jwk) for jwk in entries):
        raise DocumentError("this file holds private keys; export only the public keys")
    if not entries:
        raise DocumentError("the JWKS holds no keys")
    found = JwksKeys()
    for number, jwk in enumerate(entries, 1):
        if not isinstance(jwk, Mapping):
            raise DocumentError(f"key {number} of the JWKS is not a JSON object")
        kid = jwk.get("kid")
        if not isinstance(kid, str) or not kid.strip() or len(kid) > 300:
            raise DocumentError(f"key {number} of the JWKS has no usable kid; every key "
                                "needs one")
        try:
            key = key_from_jwk(jwk)
        except MalformedProof as exc:
            raise DocumentError(f"key {kid!r}: {exc}") from None
        if kid.startswith("did:key:"):
            try:
                check_did_key_kid(kid, key)
            except MalformedProof as exc:
                found.left_out.append(f"key {kid!r} was not imported: {exc}")
                continue
        key_id = kid if is_absolute_id(kid) else f"{issuer}#{kid}"
        if key_id in found.rows:
            raise DocumentError(f"the JWKS holds two keys with kid {kid!r}")
        found.rows[key_id] = {"owner": issuer, "kid": kid, "kind": "jwk",
                              "material": canonical_json(dict(jwk))}
    if not found.rows:  # nothing left: the issuer's cached keys stay as they were
        raise DocumentError("; ".join(found.left_out))
    return found
