"""Typed errors for proofs of badge; each maps to one reason code (DESIGN.md section 2)."""

from __future__ import annotations

from kiosk.domain.reasons import Reason


class ProofError(ValueError):
    """A proof that cannot be accepted. ``reason`` is the code shown to people and logs.

    ``format`` is what the proof was read as, when that much was recognised before it failed
    (a VC-JWT whose signature does not check out is still an ``ob3-vc-jwt``); for a badge
    image it is the image's format and ``inner`` what the image carried. None: not
    recognised."""

    reason: Reason = Reason.MALFORMED
    format: str | None = None
    inner: str | None = None


class BadSignature(ProofError):
    reason = Reason.BAD_SIGNATURE


class UntrustedIssuer(ProofError):
    reason = Reason.UNTRUSTED_ISSUER


class MalformedProof(ProofError):
    reason = Reason.MALFORMED
