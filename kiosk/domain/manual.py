"""Hand-outs found by manual lookup: the proof had no code that scans, so staff found the person
by name and checked their ID. Each needs a reason, and a district may keep them to senior
staff."""

from __future__ import annotations

from .staff import ROLES
from .text import typed_text

# (code, the words staff pick and every record shows)
MANUAL_REASONS = (
    ("qr_torn", "QR code torn or unreadable"),
    ("no_qr", "No QR code on the proof"),
    ("proof_forgotten", "Proof forgotten, ID checked"),
    ("other", "Other"),
)
_WORDS = dict(MANUAL_REASONS)
MAX_NOTE = 200


class ManualReasonError(ValueError):
    """No reason, an unknown one, or "Other" without saying what."""


def manual_reason(code: str, note: str = "") -> str:
    """The reason as it is recorded: the chosen words, and the note when there is one."""
    code, note = code.strip(), typed_text(note, MAX_NOTE)
    if code not in _WORDS:
        raise ManualReasonError("Choose why no proof was scanned before handing out the pin.")
    if code == "other" and not note:
        raise ManualReasonError("Say in the note why no proof was scanned.")
    return f"{_WORDS[code]}: {note}" if note else _WORDS[code]


def may_hand_out_manually(role: str, least_role: str) -> bool:
    """Whether ``role`` is ``least_role`` or above (designee < office < admin)."""
    if role not in ROLES:
        return False
    least = least_role if least_role in ROLES else ROLES[-1]  # a bad setting: the safest
    return ROLES.index(role) >= ROLES.index(least)
