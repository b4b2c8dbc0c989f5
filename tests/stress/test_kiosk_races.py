"""Eight desks at once on a served kiosk: `kiosk serve` (waitress, 8 threads, the print worker)
in a process of its own, each desk a browser of its own (its login, cookies, keep-alive
connection) talking HTTP to it, released together by a barrier after scanning.

- eight desks press "Hand out pin" for the same award: one pin; the seven others are told it
  was just handed out, with the winner's receipt;
- eight desks hand out eight different awards of one pin: all eight, stock down by exactly
  eight, eight different receipt numbers;
- one verdict's form sent from two (or eight) tabs at once: one hand-out, and every tab shows
  it, with the same receipt.

Afterwards the kiosk's records agree: each hand-out with its stock movement, outbox event and
receipt job, stock equal to the ledger."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import cycle

import pytest

from tests import factories

from .served import PINS, Desk, Records, ServedKiosk, at_once, award_of, on_hand

ROLES = list(factories.LOGINS)


@pytest.fixture
def desks(shared_kiosk: ServedKiosk) -> Iterator[Callable[[int], list[Desk]]]:
    """``desks(n)``: n browsers, each logged in (designee, office, admin, designee ...)."""
    opened: list[Desk] = []

    def open_desks(n: int) -> list[Desk]:
        for role, _ in zip(cycle(ROLES), range(n), strict=False):
            opened.append(shared_kiosk.desk(role))
        return opened[-n:]

    yield open_desks
    for desk in opened:
        desk.close()


def _records_agree(kiosk: ServedKiosk) -> Records:
    records = Records.read(kiosk.instance / "kiosk.sqlite3")
    assert records.integrity == "ok"
    assert records.incomplete() == []
    assert records.stock_off_ledger() == {}
    assert records.chain_ok, records.chain_problem
    assert [k for k, n in records.per_claim.items() if n > 1] == []
    return records


def test_eight_desks_hand_out_the_same_award_at_once(shared_kiosk: ServedKiosk,
                                                    desks: Callable[[int], list[Desk]]) -> None:
    kiosk, database = shared_kiosk, shared_kiosk.instance / "kiosk.sqlite3"
    browsers = desks(8)
    award = award_of(10, PINS[0])
    verdicts = [b.verdict(award) for b in browsers]
    assert {reason for reason, _ in verdicts} == {"ok"}
    before = on_hand(database, PINS[0])

    answers = at_once(8, lambda i: browsers[i].press(verdicts[i][1]))

    won = [a for a in answers if a.handed_out]
    assert len(won) == 1, answers
    winner = won[0]
    assert winner.distribution_id == next(
        form["nonce"] for (_, form), a in zip(verdicts, answers, strict=True) if a is winner)
    for lost in (a for a in answers if a is not winner):
        assert (lost.status, lost.reason, lost.receipt) == (409, "already_issued",
                                                            winner.receipt), answers
    assert on_hand(database, PINS[0]) == before - 1
    records = _records_agree(kiosk)
    assert [d["id"] for d in records.distributions.values() if d["award_id"] == award] == [
        winner.distribution_id]


def test_eight_desks_hand_out_eight_awards_of_one_pin_at_once(
        shared_kiosk: ServedKiosk, desks: Callable[[int], list[Desk]]) -> None:
    kiosk, database = shared_kiosk, shared_kiosk.instance / "kiosk.sqlite3"
    browsers = desks(8)
    mine = [award_of(20 + n, PINS[1]) for n in range(8)]
    verdicts = [b.verdict(award) for b, award in zip(browsers, mine, strict=True)]
    assert {reason for reason, _ in verdicts} == {"ok"}
    before = on_hand(database, PINS[1])

    answers = at_once(8, lambda i: browsers[i].press(verdicts[i][1]))

    assert all(a.handed_out for a in answers), answers
    assert len({a.receipt for a in answers}) == 8, answers
    assert [a.distribution_id for a in answers] == [form["nonce"] for _, form in verdicts]
    assert on_hand(database, PINS[1]) == before - 8
    records = _records_agree(kiosk)
    assert sorted(records.distributions[a.distribution_id]["receipt"] for a in answers) == sorted(
        a.receipt for a in answers)


@pytest.mark.parametrize("tabs", [2, 8])
def test_one_form_sent_from_several_tabs_at_once_is_one_hand_out(
        shared_kiosk: ServedKiosk, desks: Callable[[int], list[Desk]], tabs: int) -> None:
    kiosk, database = shared_kiosk, shared_kiosk.instance / "kiosk.sqlite3"
    desk = desks(1)[0]
    for round_no in range(4):  # a few rounds: the presses overlap in some, surely
        award = award_of(40 + 5 * tabs + round_no, PINS[2])
        reason, form = desk.verdict(award)
        assert reason == "ok"
        windows = [desk.moved_to(kiosk.port) for _ in range(tabs)]  # one session, many tabs
        before = on_hand(database, PINS[2])
        try:
            answers = at_once(tabs, lambda i, w=windows, f=form: w[i].press(f))
        finally:
            for window in windows:
                window.close()

        assert all(a.handed_out for a in answers), answers
        assert {(a.distribution_id, a.receipt) for a in answers} == {
            (form["nonce"], answers[0].receipt)}, answers
        assert on_hand(database, PINS[2]) == before - 1
        records = _records_agree(kiosk)
        assert [d["id"] for d in records.distributions.values() if d["award_id"] == award] == [
            form["nonce"]]


def test_the_server_writes_its_log(shared_kiosk: ServedKiosk) -> None:
    """`kiosk serve` logs at INFO in its own format (waitress says where it serves; a pull
    handed to its own process says so): python-escpos, imported on the way, sets up logging
    first and must not silence it."""
    log = shared_kiosk.log.read_text(errors="replace")
    assert "INFO waitress: Serving on http://127.0.0.1:" in log, log[-2000:]
