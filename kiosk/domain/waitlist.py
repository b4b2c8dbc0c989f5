"""The waitlist's rules (issue 13): why office staff take a person off it, how an entry closes
by itself, and the words of the notice that people are waiting for a pin that is in stock."""

from __future__ import annotations

from dataclasses import dataclass

from .text import typed_text
from .words import count

# (code, the words staff pick and every record shows); the code is stored and synced
REMOVAL_REASONS = (
    ("no_longer_wants", "No longer wants the pin"),
    ("left_district", "Left the district"),
    ("not_eligible", "Not eligible"),
    ("other", "Other"),
)
# how an entry closes by itself: the person's pin was handed out (by scan or manual lookup)
HANDED_OUT = "handed_out"
CLOSE_WORDS = {**dict(REMOVAL_REASONS), HANDED_OUT: "Pin handed out"}
MAX_NOTE = 500


class WaitlistRuleError(ValueError):
    """A removal without a reason, with an unknown one, or "Other" without a note."""


@dataclass(frozen=True)
class Removal:
    reason: str  # a code of REMOVAL_REASONS
    note: str


def removal(code: str, note: str = "") -> Removal:
    """A removal as it is recorded: the chosen reason's code and the note, tidied."""
    code, note = code.strip(), typed_text(note, MAX_NOTE)
    if code not in dict(REMOVAL_REASONS):
        raise WaitlistRuleError("Choose why this person comes off the waitlist.")
    if code == "other" and not note:
        raise WaitlistRuleError("Say in the note why this person comes off the waitlist.")
    return Removal(code, note)


def close_words(reason: str) -> str:
    """A closing reason in the words staff read ("" for none; an unknown code as it is)."""
    return CLOSE_WORDS.get(reason, reason)


def contact_note(note: str) -> str:
    """A call-back's note as it is kept (it may be empty: "left a message" needs no words)."""
    return typed_text(note, MAX_NOTE)


@dataclass(frozen=True)
class WaitingNotice:
    """People waiting for a pin that is on hand now: they can be called back."""

    credential_id: int
    pin: str
    waiting: int
    on_hand: int

    @property
    def words(self) -> str:
        """"3 people are waiting for the Balance pin, and 40 are on hand"."""
        return waiting_words(self.waiting, self.pin, self.on_hand)


def waiting_words(waiting: int, pin: str, on_hand: int) -> str:
    are = "is" if waiting == 1 else "are"
    there = "is" if on_hand == 1 else "are"
    return (f"{count(waiting, 'person', 'people')} {are} waiting for the {pin}, and "
            f"{on_hand} {there} on hand")


def notices(waiting: dict[int, int], on_hand: dict[int, int],
            pins: dict[int, str]) -> list[WaitingNotice]:
    """The pins (in the order of ``pins``) with people waiting and pins on hand."""
    return [WaitingNotice(pin_id, pin, waiting[pin_id], on_hand.get(pin_id, 0))
            for pin_id, pin in pins.items()
            if waiting.get(pin_id, 0) > 0 and on_hand.get(pin_id, 0) > 0]
