"""The one set of reason codes (DESIGN.md section 2), with the plain words a person reads."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    OK = "ok"
    ALREADY_ISSUED = "already_issued"
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    UNKNOWN_BADGE = "unknown_badge"
    NO_PIN_FOR_CREDENTIAL = "no_pin_for_credential"
    OUT_OF_STOCK = "out_of_stock"
    BAD_SIGNATURE = "bad_signature"
    UNTRUSTED_ISSUER = "untrusted_issuer"
    RECIPIENT_MISMATCH = "recipient_mismatch"
    MALFORMED = "malformed"

    @property
    def headline(self) -> str:
        return _HEADLINES[self]

    @property
    def advice(self) -> str:
        return _ADVICE[self]

    @property
    def tone(self) -> str:
        """`go` (hand it out), `wait` (nothing wrong with the person, but no pin now), `stop`."""
        if self is Reason.OK:
            return "go"
        if self in (Reason.ALREADY_ISSUED, Reason.OUT_OF_STOCK, Reason.NO_PIN_FOR_CREDENTIAL):
            return "wait"
        return "stop"


_HEADLINES = {
    Reason.OK: "Hand out the pin",
    Reason.ALREADY_ISSUED: "Pin already handed out",
    Reason.REVOKED: "Badge revoked",
    Reason.EXPIRED: "Badge expired",
    Reason.NOT_YET_VALID: "Badge not valid yet",
    Reason.UNKNOWN_BADGE: "Badge not found",
    Reason.NO_PIN_FOR_CREDENTIAL: "No pin for this credential",
    Reason.OUT_OF_STOCK: "Out of stock",
    Reason.BAD_SIGNATURE: "Signature does not check out",
    Reason.UNTRUSTED_ISSUER: "Issuer not trusted",
    Reason.RECIPIENT_MISMATCH: "Badge belongs to someone else",
    Reason.MALFORMED: "Could not read that code",
}

_ADVICE = {
    Reason.OK: "Press Enter or click the button to hand out the pin and print a receipt.",
    Reason.ALREADY_ISSUED: "This person already has this pin. Do not hand out another.",
    Reason.REVOKED: "The district revoked this badge. No pin can be handed out.",
    Reason.EXPIRED: "This badge is past its expiry date. No pin can be handed out.",
    Reason.NOT_YET_VALID: "This badge is not valid until a later date.",
    Reason.UNKNOWN_BADGE: (
        "This badge is not in the district data on this kiosk. If it was awarded recently, "
        "try again after the next sync, or ask the district office."
    ),
    Reason.NO_PIN_FOR_CREDENTIAL: "Only some credentials come with a pin; this one does not.",
    Reason.OUT_OF_STOCK: "There are no pins of this kind left. Put the person on the waitlist.",
    Reason.BAD_SIGNATURE: "The proof has been altered or was not signed by its issuer.",
    Reason.UNTRUSTED_ISSUER: "The proof was issued by someone the district does not trust.",
    Reason.RECIPIENT_MISMATCH: "The proof was issued to someone other than this person.",
    Reason.MALFORMED: "Scan the code again, or type the badge link or id by hand.",
}
