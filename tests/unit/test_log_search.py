"""What the address bar asks of the hand-out log (kiosk/domain/log_search.py)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.log_search import SHOW, LogSearch, parse_search, receipt_number


def test_an_empty_address_is_the_whole_log_newest_first():
    found = parse_search({})
    assert found == LogSearch()
    assert not found.filtered and found.params() == {}


def test_every_field_is_read_and_written_back_the_same():
    args = {"q": "Keller", "pin": "3", "staff": "12", "from": "2026-11-01", "to": "2026-11-30",
            "show": "voided", "after": "420"}
    found = parse_search(args)
    assert (found.text, found.pin, found.staff, found.since, found.until, found.show,
            found.after, found.before) == ("Keller", 3, 12, date(2026, 11, 1),
                                            date(2026, 11, 30), "voided", 420, None)
    assert found.filtered and not found.problems
    assert found.params() == args
    assert parse_search(found.params()) == found
    assert "after" not in found.params(cursor=False)  # the CSV takes the search, not the page


def test_the_pages_before_and_after_keep_the_search():
    found = parse_search({"q": "keller", "after": "50"})
    assert found.older_than(7).params() == {"q": "keller", "after": "7"}
    assert found.newer_than(9).params() == {"q": "keller", "before": "9"}
    assert parse_search({"after": "5", "before": "9"}).before is None  # one cursor at most


@pytest.mark.parametrize(("given", "problem"), [
    ({"from": "yesterday"}, "The From date was left out"),
    ({"to": "2026-02-30"}, "The To date was left out"),
    ({"from": "2026-W49-1"}, "The From date was left out"),  # ISO week dates are not asked
    ({"show": "everything"}, "Showing all hand-outs"),
])
def test_what_cannot_be_read_is_left_out_and_said(given, problem):
    found = parse_search(given)
    assert found.since is None and found.until is None and found.show == ""
    assert any(p.startswith(problem) for p in found.problems), found.problems


def test_dates_the_wrong_way_round_are_swapped_and_said():
    found = parse_search({"from": "2026-12-01", "to": "2026-11-01"})
    assert (found.since, found.until) == (date(2026, 11, 1), date(2026, 12, 1))
    assert found.problems == ("The From date is after the To date: they were swapped.",)


@pytest.mark.parametrize("number", ["0", "-3", "3.5", "x", "９", "99999999999", "2147483648"])
def test_a_number_that_names_nothing_is_no_number(number):
    found = parse_search({"pin": number, "staff": number, "after": number})
    assert (found.pin, found.staff, found.after) == (None, None, None)


def test_what_is_typed_is_kept_as_typed_text():
    found = parse_search({"q": "  Anne\u202e  O'Brien\x1b " + "x" * 600})
    assert found.text.startswith("Anne O'Brien ")
    assert len(found.text) <= 200


@pytest.mark.parametrize(("typed", "number"), [
    ("PJE-00042", 42), ("pje 42", 42), ("PJE42", 42), ("42", 42), (" 00042 ", 42),
    ("E10090", None), ("PJE-", None), ("0", None), ("PJE-0", None), ("Keller", None),
    ("PJE-4-2", None), ("٤٢", None),
])
def test_a_receipt_number_is_found_with_or_without_the_building_code(typed, number):
    assert receipt_number(typed, "PJE") == number


@given(st.dictionaries(st.sampled_from(["q", "pin", "staff", "from", "to", "show", "after",
                                        "before", "other"]), st.text(max_size=40)))
def test_any_address_reads_as_a_search_that_writes_back_as_itself(args):
    found = parse_search(args)
    assert found.show in SHOW
    again = parse_search(found.params())
    assert again.params() == found.params()
    assert not again.problems or again.problems == found.problems
