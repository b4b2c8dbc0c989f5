"""Scan: check a proof of badge against the cached badge data. Reads only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..domain.eligibility import AwardFacts, PriorHandOut, decide
from ..domain.payload import Proof
from ..domain.proof_errors import ProofError
from ..domain.proof_files import Source
from ..domain.proofs import CARRIERS, FORMAT_NAMES, LOOKUP, read_image, read_proof
from ..domain.reasons import Reason
from ..extensions import db
from ..models import Award, utcnow
from . import lookups, proof_awards, revocation_words
from .trust import DatabaseFacts


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
    new_award: bool = False  # a signed proof of an award the cache does not hold yet
    waiting: lookups.WaitlistPlace | None = None  # this person's place on the pin's waitlist
    # checked.revocation: the lists a signed proof was checked against, or why not
    revocation: dict[str, Any] | None = None
    source: Source | None = None  # where in a file (PDF, photo, JSON) the proof was read
    nonce: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def ok(self) -> bool:
        return self.reason is Reason.OK

    @property
    def manual(self) -> bool:
        """Found by manual lookup: no proof was scanned."""
        return self.proof is not None and self.proof.format == LOOKUP

    @property
    def revocation_unchecked(self) -> bool:
        """A signed proof names a revocation or status list that the check could not read."""
        return self.revocation is not None and not all(
            entry["checked"] for entry in self.revocation["lists"])

    @property
    def refused_unchecked(self) -> bool:
        """Refused by the district's setting for a list not in the cache (``unknown_badge``,
        the closest code: the badge data on this kiosk lacks what the check needs)."""
        return (self.reason is Reason.UNKNOWN_BADGE and self.award is not None
                and self.revocation_unchecked)

    @property
    def headline(self) -> str:
        return "Revocation not checked" if self.refused_unchecked else self.reason.headline

    @property
    def advice(self) -> str:
        return revocation_words.ADVICE if self.refused_unchecked else self.reason.advice

    @property
    def carrier(self) -> str:
        """For a badge image or a JSON credential file: what to send with the hand-out so the
        text is read as from one."""
        return self.proof.format if self.proof and self.proof.format in CARRIERS else ""

    @property
    def checked(self) -> dict[str, Any]:
        """How the proof was checked: format, issuer, key, the date of the cached data and
        the revocation check."""
        proof = self.proof
        signed = proof.signed if proof else None
        issuer = None
        if signed is not None:
            issuer = (f"{signed.issuer_name} ({signed.issuer_id})" if signed.issuer_name
                      and signed.issuer_name != signed.issuer_id else signed.issuer_id)
        return {
            "format": proof.format if proof else None,
            "format_name": FORMAT_NAMES.get(proof.format, proof.format) if proof else None,
            "inside": FORMAT_NAMES.get(proof.inner, proof.inner) if proof and proof.inner
            else None,
            "issuer": issuer,
            "key": signed.signed_by or None if signed else None,
            # a Data Integrity proof's cryptosuite as the proof names it (eddsa-2022 or
            # eddsa-rdfc-2022); None for every other kind of proof
            "cryptosuite": signed.cryptosuite or None if signed else None,
            "data_as_of": self.checked_against.isoformat() if self.checked_against else None,
            "revocation": self.revocation,
        }

    def as_json(self) -> dict[str, Any]:
        award = self.award
        return {
            "ok": self.ok,
            "reason": self.reason.value,
            "message": self.headline,
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
            "checked": self.checked,
            "read": self.source.as_json() if self.source else None,
            "new_award": self.new_award,
            "waitlist": (
                {"since": self.waiting.since.isoformat(), "position": self.waiting.position,
                 "of": self.waiting.of}
                if self.waiting
                else None
            ),
        }


def check_proof(raw: str | bytes, now: datetime | None = None,
                carrier: str | None = None) -> ScanResult:
    """The verdict for a scanned payload as of ``now``. Never raises for bad input.

    ``carrier`` is ``baked-png`` or ``baked-svg`` when the text came out of a badge image."""
    now = now or utcnow()
    checked_against = lookups.badge_data_as_of()
    try:
        proof = read_proof(raw, DatabaseFacts(), now, carrier=carrier or None)
    except ProofError as exc:
        return _refused(exc, checked_against)
    return _verdict(proof, now, checked_against)


def check_image(data: bytes, now: datetime | None = None) -> ScanResult:
    """The verdict for a baked badge image (PNG or SVG)."""
    now = now or utcnow()
    checked_against = lookups.badge_data_as_of()
    try:
        proof = read_image(data, DatabaseFacts(), now)
    except ProofError as exc:
        return _refused(exc, checked_against)
    return _verdict(proof, now, checked_against)


def _refused(exc: ProofError, checked_against: datetime | None) -> ScanResult:
    """The verdict for a proof that could not be accepted; it still says what the proof was
    read as, where that was recognised (a VC-JWT with a bad signature, a badge image)."""
    read_as = (Proof(format=exc.format, text="", keys=(), inner=exc.inner or "")
               if exc.format else None)
    return ScanResult(exc.reason, detail=str(exc), proof=read_as,
                      checked_against=checked_against)


def check_award(award_id: str, now: datetime | None = None) -> ScanResult:
    """The verdict for an award picked by manual lookup (the proof had no code that scans):
    the same rules as a scan, with nothing signed to check."""
    now = now or utcnow()
    checked_against = lookups.badge_data_as_of()
    award = db.session.get(Award, award_id[:512]) if award_id else None
    if award is None:
        return ScanResult(Reason.UNKNOWN_BADGE, payload=award_id[:512],
                          detail="That award is not in the badge data on this kiosk.",
                          checked_against=checked_against)
    return _award_verdict(Proof(format=LOOKUP, text=award.id, keys=()), award, now,
                          checked_against)


def _verdict(proof: Proof, now: datetime, checked_against: datetime | None) -> ScanResult:
    award = lookups.find_award(proof.keys)
    if award is None:
        return _verdict_for_new_award(proof, now, checked_against)
    return _award_verdict(proof, award, now, checked_against)


def _award_verdict(proof: Proof, award: Award, now: datetime,
                   checked_against: datetime | None) -> ScanResult:
    facts = lookups.award_facts(award)
    prior = lookups.prior_hand_out(award.person_id, award.credential_id)
    stock = lookups.on_hand(award.credential_id) if award.credential.has_pin else None
    today = now.astimezone(lookups.timezone()).date()
    reason = decide(proof, facts, prior, stock, today, now,
                    refuse_unchecked=revocation_words.refuse_unchecked())
    revocation = revocation_words.summary(proof)
    return ScanResult(
        reason,
        payload=proof.text,
        detail=_detail(reason, proof, facts, revocation),
        proof=proof,
        award=facts,
        prior=prior,
        on_hand=stock,
        checked_against=checked_against,
        person_id=award.person_id,
        credential_id=award.credential_id,
        waiting=_place(reason, award.person_id, award.credential_id),
        revocation=revocation,
    )


def _place(reason: Reason, person_id: int, credential_id: int) -> lookups.WaitlistPlace | None:
    """The person's place on the waitlist, where it matters to the verdict."""
    if reason in (Reason.OK, Reason.OUT_OF_STOCK):
        return lookups.waitlist_place(person_id, credential_id)
    return None


def _verdict_for_new_award(proof: Proof, now: datetime,
                           checked_against: datetime | None) -> ScanResult:
    """A signed proof of an award the cache has not heard of yet (issued after the last sync).

    The signature vouches for it, so it counts when its badge class is tied to a catalogue
    credential and its recipient is one person on the roster; the award joins the cache when
    the pin is handed out."""
    found = proof_awards.award_from_proof(proof)
    if isinstance(found, str):
        return ScanResult(Reason.UNKNOWN_BADGE, payload=proof.text, detail=found, proof=proof,
                          checked_against=checked_against,
                          revocation=revocation_words.summary(proof))
    facts, person_id, credential_id = found
    prior = lookups.prior_hand_out(person_id, credential_id)
    stock = lookups.on_hand(credential_id) if facts.has_pin else None
    today = now.astimezone(lookups.timezone()).date()
    reason = decide(proof, facts, prior, stock, today, now,
                    refuse_unchecked=revocation_words.refuse_unchecked())
    revocation = revocation_words.summary(proof)
    return ScanResult(reason, payload=proof.text,
                      detail=_detail(reason, proof, facts, revocation),
                      proof=proof, award=facts, prior=prior, on_hand=stock,
                      checked_against=checked_against, person_id=person_id,
                      credential_id=credential_id, new_award=True,
                      waiting=_place(reason, person_id, credential_id), revocation=revocation)


def _detail(reason: Reason, proof: Proof, facts: AwardFacts,
            revocation: dict[str, Any] | None = None) -> str:
    if reason is Reason.UNKNOWN_BADGE and revocation is not None:  # refused by the setting
        return str(revocation["words"])
    if reason is Reason.REVOKED:
        if facts.revoked:
            return facts.revocation_reason
        return proof.signed.revoked or "" if proof.signed else ""
    if reason is Reason.RECIPIENT_MISMATCH and proof.signed is not None:
        return "The badge names another recipient than this award's person on the roster."
    return ""
