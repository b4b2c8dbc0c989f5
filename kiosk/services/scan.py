"""Scan: check a proof of badge against the cached badge data. Reads only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..domain.eligibility import AwardFacts, PriorHandOut, decide
from ..domain.payload import MalformedPayload, Proof, parse_payload
from ..domain.reasons import Reason
from ..models import utcnow
from . import lookups


@dataclass
class ScanResult:
    reason: Reason
    payload: str = ""
    detail: str = ""
    proof: Proof | None = None
    award: AwardFacts | None = None
    prior: PriorHandOut | None = None
    on_hand: int | None = None
    checked_against: datetime | None = None
    person_id: int | None = None
    credential_id: int | None = None
    nonce: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def ok(self) -> bool:
        return self.reason is Reason.OK

    def as_json(self) -> dict[str, Any]:
        award = self.award
        return {
            "ok": self.ok,
            "reason": self.reason.value,
            "message": self.reason.headline,
            "detail": self.detail,
            "format": self.proof.format if self.proof else None,
            "award_id": award.award_id if award else None,
            "credential": award.credential_name if award else None,
            "pin": award.pin_name if award and award.has_pin else None,
            "person": award.person_name if award else None,
            "employee_id": award.employee_id if award else None,
            "on_hand": self.on_hand,
            "already_issued": (
                {
                    "receipt": self.prior.receipt,
                    "handed_out_at": self.prior.handed_out_at.isoformat(),
                    "building": self.prior.building,
                    "staff": self.prior.staff,
                }
                if self.prior
                else None
            ),
            "checked_against": (
                self.checked_against.isoformat() if self.checked_against else None
            ),
        }


def check_proof(raw: str | bytes, now: datetime | None = None) -> ScanResult:
    """The verdict for a scanned payload as of ``now``. Never raises for bad input."""
    now = now or utcnow()
    checked_against = lookups.badge_data_as_of()
    try:
        proof = parse_payload(raw)
    except MalformedPayload as exc:
        return ScanResult(Reason.MALFORMED, detail=str(exc), checked_against=checked_against)
    award = lookups.find_award(proof.keys)
    if award is None:
        return ScanResult(
            Reason.UNKNOWN_BADGE, payload=proof.text, proof=proof, checked_against=checked_against
        )
    facts = lookups.award_facts(award)
    standing = lookups.standing_hand_out(award.person_id, award.credential_id)
    prior = lookups.prior_facts(standing) if standing else None
    stock = lookups.on_hand(award.credential_id) if award.credential.has_pin else None
    today = now.astimezone(lookups.timezone()).date()
    reason = decide(proof, facts, prior, stock, today)
    detail = facts.revocation_reason if reason is Reason.REVOKED else ""
    return ScanResult(
        reason,
        payload=proof.text,
        detail=detail,
        proof=proof,
        award=facts,
        prior=prior,
        on_hand=stock,
        checked_against=checked_against,
        person_id=award.person_id,
        credential_id=award.credential_id,
    )
