"""The reconciliation's arithmetic and the adjustments' signs (kiosk/domain/ledger.py)."""

from __future__ import annotations

import pytest

from kiosk.domain.ledger import LedgerError, Reconciliation, adjustment_delta, reconcile


def test_every_heading_counts_its_own_kinds_and_the_identity_holds() -> None:
    figures = reconcile(10, [("received", 40), ("transfer_in", 3), ("transfer_out", -5),
                             ("issued", -1), ("issued", -1), ("voided", 1), ("adjust", -2),
                             ("count", 1)])
    assert figures == Reconciliation(opening=10, received=40, transfers_in=3, transfers_out=5,
                                     handed_out=2, voided=1, adjustments=-2,
                                     count_corrections=1, closing=46)
    assert figures.holds and figures.expected_closing == 46


def test_a_period_with_no_movement_closes_where_it_opened() -> None:
    assert reconcile(7, []) == Reconciliation(opening=7, closing=7)


def test_a_kind_under_no_heading_is_refused_not_left_out() -> None:
    with pytest.raises(LedgerError):
        reconcile(0, [("received", 3), ("borrowed", 1)])


@pytest.mark.parametrize("reason, qty, note, delta", [
    ("damaged", 2, "", -2), ("lost", 1, "", -1), ("found", 3, "", 3), ("returned", 5, "", -5),
    ("other", -4, "pins sent to the wrong building", -4), ("other", 2, "gift", 2),
])
def test_an_adjustments_sign_comes_from_its_reason(reason: str, qty: int, note: str,
                                                   delta: int) -> None:
    assert adjustment_delta(reason, qty, note) == delta


@pytest.mark.parametrize("reason, qty, note", [
    ("damaged", 0, ""), ("lost", -1, ""), ("other", 3, "  "), ("other", 0, "why"),
    ("stolen?", 1, ""), ("", 1, ""),
])
def test_an_adjustment_that_makes_no_sense_is_refused(reason: str, qty: int, note: str) -> None:
    with pytest.raises(LedgerError):
        adjustment_delta(reason, qty, note)


def test_each_movement_is_said_in_words() -> None:
    from kiosk.domain.ledger import movement_words

    assert movement_words("received") == "Shipment received"
    assert movement_words("issued", receipt="PJE-00042") == "Handed out (receipt PJE-00042)"
    assert movement_words("voided", receipt="PJE-00042") == "Void (receipt PJE-00042)"
    assert movement_words("adjust", "damaged") == "Adjustment: Damaged"
    assert movement_words("adjust", "returned") == "Adjustment: Returned to the district"
    assert movement_words("adjust", "other") == "Adjustment: Other"
    assert movement_words("count") == "Count correction"
    assert (movement_words("transfer_in"), movement_words("transfer_out")) == (
        "Transfer in", "Transfer out")


def test_a_period_is_this_month_so_far_unless_asked() -> None:
    from datetime import date

    from kiosk.domain.ledger import period_dates

    today = date(2026, 12, 17)
    assert period_dates("", "", today) == (date(2026, 12, 1), today)
    assert period_dates("2026-11-03", "2026-11-30", today) == (date(2026, 11, 3),
                                                               date(2026, 11, 30))
    for first, last in (("2026-02-30", ""), ("yesterday", ""), ("2026-12-05", "2026-12-04")):
        with pytest.raises(LedgerError):
            period_dates(first, last, today)
