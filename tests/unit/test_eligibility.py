"""The verdict on a proof: one reason code, in the order a principal wants to hear it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from kiosk.domain.eligibility import AwardFacts, PriorHandOut, decide, same_email
from kiosk.domain.payload import parse_payload
from kiosk.domain.reasons import Reason

TODAY = date(2024, 5, 1)
PROOF = parse_payload("urn:uuid:11111111-1111-4111-8111-111111111111")
AWARD = AwardFacts(
    award_id="urn:uuid:11111111-1111-4111-8111-111111111111",
    person_name="Alice Able",
    person_email="alice@example.org",
    employee_id="E1",
    credential_name="Understanding Trauma and the Brain",
    has_pin=True,
    pin_name="Trauma pin",
    issued_on=date(2023, 1, 10),
)
PRIOR = PriorHandOut("d-1", "PJE-00001", datetime(2024, 4, 1, 14, 0, tzinfo=UTC),
                     "Page Jackson Elementary", "Dee Designee")


def verdict(award=AWARD, prior=None, on_hand=5, proof=PROOF, today=TODAY):  # type: ignore[no-untyped-def]
    return decide(proof, award, prior, on_hand, today)


def test_ok_when_everything_checks_out():
    assert verdict() is Reason.OK


def test_unknown_badge_when_the_cache_has_no_award():
    assert verdict(award=None) is Reason.UNKNOWN_BADGE
    assert verdict(award=None, prior=PRIOR, on_hand=0) is Reason.UNKNOWN_BADGE


def test_revoked():
    assert verdict(award=replace(AWARD, revoked=True)) is Reason.REVOKED


def test_expired_the_day_after_the_expiry_date():
    assert verdict(award=replace(AWARD, expires_on=date(2024, 4, 30))) is Reason.EXPIRED
    assert verdict(award=replace(AWARD, expires_on=TODAY)) is Reason.OK


def test_not_yet_valid_before_the_issue_date():
    assert verdict(award=replace(AWARD, issued_on=date(2024, 5, 2))) is Reason.NOT_YET_VALID
    assert verdict(award=replace(AWARD, issued_on=TODAY)) is Reason.OK
    assert verdict(award=replace(AWARD, issued_on=None)) is Reason.OK


def test_recipient_mismatch_when_the_link_names_someone_else():
    other = parse_payload("https://api.badgr.io/public/assertions/AbCd1234?identity__email=bob@x.org")
    assert verdict(proof=other) is Reason.RECIPIENT_MISMATCH


def test_recipient_email_matches_ignoring_case_and_spaces():
    same = parse_payload(
        "https://api.badgr.io/public/assertions/AbCd1234?identity__email=ALICE@Example.org")
    assert verdict(proof=same) is Reason.OK
    assert same_email(" Alice@Example.ORG ", "alice@example.org")
    assert not same_email("alice@example.org", "alice@example.com")


def test_no_pin_for_credential():
    assert verdict(award=replace(AWARD, has_pin=False)) is Reason.NO_PIN_FOR_CREDENTIAL


def test_already_issued():
    assert verdict(prior=PRIOR) is Reason.ALREADY_ISSUED


@pytest.mark.parametrize("on_hand", [0, -1, None])
def test_out_of_stock(on_hand):
    assert verdict(on_hand=on_hand) is Reason.OUT_OF_STOCK


def test_the_last_pin_can_go_out():
    assert verdict(on_hand=1) is Reason.OK


# Each problem is stacked on top of every later one: the earliest must win.
ORDER = [
    (Reason.UNKNOWN_BADGE, {"award": None}),
    (Reason.REVOKED, {"revoked": True}),
    (Reason.EXPIRED, {"expires_on": date(2024, 1, 1)}),
    (Reason.NOT_YET_VALID, {"issued_on": date(2024, 6, 1)}),
    (Reason.RECIPIENT_MISMATCH, {"person_email": "someone.else@example.org"}),
    (Reason.NO_PIN_FOR_CREDENTIAL, {"has_pin": False}),
    (Reason.ALREADY_ISSUED, {"prior": PRIOR}),
    (Reason.OUT_OF_STOCK, {"on_hand": 0}),
]
MISMATCH_PROOF = parse_payload(
    "https://api.badgr.io/public/assertions/AbCd1234?identity__email=alice@example.org")


@pytest.mark.parametrize("position", range(len(ORDER)))
def test_reasons_come_in_order(position):
    award_changes: dict[str, object] = {}
    prior, on_hand, award = None, 5, AWARD
    for _reason, change in ORDER[position:]:
        if "award" in change:
            award = None
        elif "prior" in change:
            prior = PRIOR
        elif "on_hand" in change:
            on_hand = 0
        else:
            award_changes.update(change)
    if award is not None:
        award = replace(AWARD, **award_changes)
    got = decide(MISMATCH_PROOF, award, prior, on_hand, TODAY)
    assert got is ORDER[position][0]


def test_revoked_beats_already_issued():
    assert verdict(award=replace(AWARD, revoked=True), prior=PRIOR) is Reason.REVOKED


def test_no_pin_beats_out_of_stock():
    assert verdict(award=replace(AWARD, has_pin=False), on_hand=0) is (
        Reason.NO_PIN_FOR_CREDENTIAL)


def test_already_issued_beats_out_of_stock():
    assert verdict(prior=PRIOR, on_hand=0) is Reason.ALREADY_ISSUED
