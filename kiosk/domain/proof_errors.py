"""Typed errors for proofs of badge; each maps to one reason code (DESIGN.md section 2)."""

from __future__ import annotations

from kiosk.domain.reasons import Reason


class ProofError(ValueError):
    """A proof that cannot be accepted. ``reason`` is the code shown to people and logs."""

    reason: Reason = Reason.MALFORMED


class BadSignature(ProofError):
    reason = Reason.BAD_SIGNATURE


class UntrustedIssuer(ProofError):
    reason = Reason.UNTRUSTED_ISSUER


class MalformedProof(ProofError):
    reason = Reason.MALFORMED
