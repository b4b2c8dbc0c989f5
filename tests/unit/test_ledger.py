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
