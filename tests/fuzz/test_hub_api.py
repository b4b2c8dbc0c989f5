"""Whatever reaches the hub's sync API (any bytes, any JSON, the right shape with any member
wrong, with an enrolled kiosk's token, another building's, a revoked kiosk's or none), the
answer is the protocol's JSON with an error code a kiosk can act on, never a 500; one bad event
in a batch is refused alone: the valid event beside it is taken. On SQLite and on PostgreSQL,
which refuses text longer than its column where SQLite stores it.

Complements tests/api/test_hub_openapi.py (schemathesis: requests made from the published
description) and tests/hub/test_hostile_input.py (chosen hostile bodies): here the bodies are
made past what the description says, through the same strategies as bench/fuzz.py."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings

from tests.factories import TRAUMA
from tests.fuzz.strategies import SUITE
from tests.fuzz.targets import (
    CHANGES_CASES,
    ENROLL_CASES,
    HUB_PAGES,
    PAIR_CASES,
    PUSH_CASES,
    REPEAT_CASES,
    HubApi,
    check_changes,
    check_enroll,
    check_push,
    check_push_pair,
    check_repeated_hand_outs,
)


@SUITE
@given(case=ENROLL_CASES)
def test_an_enrollment_of_anything_is_answered_in_json(hub_api: HubApi, case: Any) -> None:
    check_enroll(hub_api, case)


@SUITE
@given(case=PUSH_CASES)
def test_a_push_of_anything_is_answered_in_json(hub_api: HubApi, case: Any) -> None:
    check_push(hub_api, case)


@SUITE
@given(case=CHANGES_CASES)
def test_a_pull_with_any_query_is_answered_in_json(hub_api: HubApi, case: Any) -> None:
    check_changes(hub_api, case)


@SUITE
@given(case=PAIR_CASES)
def test_a_fuzzed_event_never_costs_the_valid_one_beside_it(hub_api: HubApi,
                                                           case: Any) -> None:
    check_push_pair(hub_api, case)


@settings(SUITE, max_examples=25)  # up to 12 pushes and a page each
@given(case=REPEAT_CASES)
# On PostgreSQL the eighth standing hand-out of one pin to one person made the duplicate
# exception's key (every distribution id) longer than its column: a 500 for that push and for
# every later one of the kiosk, whose outbox then never emptied
@example(case=(9, TRAUMA))
def test_the_same_pin_reported_again_and_again_is_taken(hub_api: HubApi, case: Any) -> None:
    check_repeated_hand_outs(hub_api, case)


def test_the_pages_show_what_the_fuzzing_left(hub_api: HubApi) -> None:
    """Last in this module: the district's pages and exports read the records the fuzzing made
    (kiosks enrolled with any names, events and exceptions of any text)."""
    assert hub_api.pages_after() == {path: 200 for path in HUB_PAGES}
