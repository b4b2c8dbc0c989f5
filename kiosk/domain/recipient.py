"""Open Badges recipient identity check (OB 2.0 IdentityObject, OB 3.0 IdentityObject).

Hashed form: ``sha256$<hex>`` where hex = SHA-256 of (identity + salt), salt appended, or
of identity alone when there is no salt. OB 2.0 also names ``md5$``; it is accepted for old
assertions. Hex compares case-insensitively.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

_ALGORITHMS = {"sha256": hashlib.sha256, "md5": hashlib.md5}


def hash_identity(identity: str, salt: str | None = None, algorithm: str = "sha256") -> str:
    """The ``alg$hex`` form of an identity (what an issuer writes into a badge)."""
    digest = _ALGORITHMS[algorithm]((identity + (salt or "")).encode("utf-8")).hexdigest()
    return f"{algorithm}${digest}"


def identity_matches(
    identity: str, hashed: bool, salt: str | None, candidates: Iterable[str]
) -> bool:
    """Whether a badge's recipient ``identity`` names one of ``candidates``.

    The caller passes e.g. the email as entered and lower-cased. Unknown hash algorithms,
    non-hex digests and non-string inputs give False, never an exception.
    """
    if not isinstance(identity, str):
        return False
    if salt is not None and not isinstance(salt, str):
        return False
    wanted = [c for c in candidates if isinstance(c, str) and c]
    if not wanted:
        return False
    if not hashed:
        target = identity.strip().casefold()
        return bool(target) and any(c.strip().casefold() == target for c in wanted)
    algorithm, sep, digest = identity.strip().partition("$")
    make = _ALGORITHMS.get(algorithm.lower())
    if not sep or make is None:
        return False
    digest = digest.lower()
    if len(digest) != make().digest_size * 2 or any(ch not in "0123456789abcdef" for ch in digest):
        return False
    for candidate in wanted:
        mine = make((candidate + (salt or "")).encode("utf-8")).hexdigest()
        if hmac.compare_digest(mine, digest):
            return True
    return False
