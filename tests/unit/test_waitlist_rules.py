"""The waitlist's rules (kiosk/domain/waitlist.py): a removal's reason, and the notice's words."""

from __future__ import annotations

import pytest

from kiosk.domain.waitlist import (
    HANDED_OUT,
    REMOVAL_REASONS,
    Removal,
    WaitingNotice,
    WaitlistRuleError,
    close_words,
    contact_note,
    notices,
    removal,
    waiting_words,
)


def test_a_removal_keeps_the_reason_code_and_a_tidy_note() -> None:
    assert removal(" left_district ", " moved \x1b to  Ohio ") == Removal("left_district",
                                                                         "moved to Ohio")
    assert removal("not_eligible") == Removal("not_eligible", "")


@pytest.mark.parametrize(("code", "note", "says"), [
    ("", "", "Choose why"), ("bored", "x", "Choose why"), ("handed_out", "", "Choose why"),
    ("other", "", "Say in the note"), ("other", " \u200b ", "Say in the note")])
def test_a_removal_needs_a_known_reason_and_other_a_note(code: str, note: str,
                                                          says: str) -> None:
    with pytest.raises(WaitlistRuleError, match=says):
        removal(code, note)


def test_the_reasons_read_as_staff_say_them() -> None:
    assert [words for _, words in REMOVAL_REASONS] == [
        "No longer wants the pin", "Left the district", "Not eligible", "Other"]
    assert close_words(HANDED_OUT) == "Pin handed out"
    assert close_words("left_district") == "Left the district"
    assert close_words("") == "" and close_words("from_the_future") == "from_the_future"


def test_a_call_backs_note_may_be_empty_and_is_capped() -> None:
    assert contact_note("") == ""
    assert len(contact_note("x" * 600)) == 500


@pytest.mark.parametrize(("waiting", "on_hand", "words"), [
    (1, 1, "1 person is waiting for the Balance pin, and 1 is on hand"),
    (3, 40, "3 people are waiting for the Balance pin, and 40 are on hand"),
])
def test_the_notice_says_it_in_the_singular_or_plural(waiting: int, on_hand: int,
                                                      words: str) -> None:
    assert waiting_words(waiting, "Balance pin", on_hand) == words


def test_a_notice_for_each_pin_with_people_waiting_and_pins_on_hand() -> None:
    pins = {1: "Trauma pin", 2: "Balance pin", 3: "Culture pin", 4: "Challenges pin"}
    found = notices({2: 3, 3: 1, 4: 2}, {1: 9, 2: 40, 3: 0, 4: -1}, pins)
    assert found == [WaitingNotice(2, "Balance pin", 3, 40)]
    assert found[0].words.startswith("3 people are waiting")
    assert notices({}, {1: 5}, pins) == []
