"""Decide what the kiosk says about a scanned proof: one reason code, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .facts import Recipient
from .payload import Proof
from .reasons import Reason
from .recipient import identity_matches


@dataclass(frozen=True)
class AwardFacts:
    """What the cache knows about one award, its person and its credential."""

    award_id: str
    person_name: str
    person_email: str
    employee_id: str
    credential_name: str
    has_pin: bool
    pin_name: str
    issued_on: date | None
    expires_on: date | None = None
    revoked: bool = False
    revocation_reason: str = ""


@dataclass(frozen=True)
class PriorHandOut:
    """An earlier, not voided hand-out of the same pin to the same person."""

    distribution_id: str
    receipt: str
    handed_out_at: datetime
    building: str
    staff: str


def decide(
    proof: Proof,
    award: AwardFacts | None,
    prior: PriorHandOut | None,
    on_hand: int | None,
    today: date,
    now: datetime | None = None,
    *,
    refuse_unchecked: bool = False,
) -> Reason:
    """The verdict for a proof, checked in the order a principal would want to hear it.

    Problems with the badge itself come first (a revoked badge matters more than a pin already
    given), then whether this credential has a pin, then whether this person already has it, and
    last whether there is stock. A signed proof adds what its signature vouches for: the
    issuer's revocation list, its own validity dates and its recipient.

    ``refuse_unchecked`` is the district's setting for a signed badge whose revocation or
    status list is not in the cache: refused as ``unknown_badge`` (the badge data on this
    kiosk lacks what the check needs; there is no code of its own), a badge problem like the
    ones above. Without it such a badge passes, and the verdict says the check was not made.
    """
    if award is None:
        return Reason.UNKNOWN_BADGE
    signed = proof.signed
    if award.revoked or (signed is not None and signed.revoked is not None):
        return Reason.REVOKED
    if award.expires_on is not None and award.expires_on < today:
        return Reason.EXPIRED
    if signed and now and signed.valid_until is not None and signed.valid_until < now:
        return Reason.EXPIRED
    if award.issued_on is not None and award.issued_on > today:
        return Reason.NOT_YET_VALID
    if signed and now and signed.valid_from is not None and signed.valid_from > now:
        return Reason.NOT_YET_VALID
    if proof.recipient_email and not same_email(proof.recipient_email, award.person_email):
        return Reason.RECIPIENT_MISMATCH
    if signed and signed.recipient and not recipient_is(signed.recipient, award.person_email):
        return Reason.RECIPIENT_MISMATCH
    if refuse_unchecked and signed and signed.revocation and signed.revocation.unchecked:
        return Reason.UNKNOWN_BADGE
    if not award.has_pin:
        return Reason.NO_PIN_FOR_CREDENTIAL
    if prior is not None:
        return Reason.ALREADY_ISSUED
    if on_hand is None or on_hand <= 0:
        return Reason.OUT_OF_STOCK
    return Reason.OK


def same_email(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def recipient_is(recipient: Recipient, email: str) -> bool:
    """Whether a badge's recipient is the roster person with this email.

    Only an email identity can be compared with the roster; a badge that names its recipient
    another way (a URL, a student id) is tied to the person by its award id alone.
    """
    if recipient.type and not recipient.is_email:
        return True
    email = email.strip()
    return identity_matches(recipient.identity, recipient.hashed, recipient.salt,
                            [email, email.lower()])
