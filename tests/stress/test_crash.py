"""SIGKILL at random moments: a real `kiosk serve` is killed about twenty times while the desk
hands out pins over HTTP, and started again each time (tests/stress/crash_run.py; 500 kills in
bench/crash.py).

Afterwards: the database passes its integrity check; every hand-out the desk saw acknowledged
is there once, with its receipt number, its "issued" stock movement, its outbox event and its
receipt's print job; no hand-out lacks any of these (one transaction); on-hand stock is the sum
of the ledger; the outbox's hash chain is whole; no person got a pin twice; a hand-out cut off
by a kill and pressed again with the same form (the same nonce) is the same hand-out; every
receipt job the kill left half-sent is uncertain and no receipt came out twice by itself."""

from __future__ import annotations

import random

import pytest

from .crash_run import CrashRun
from .served import awards

SEED = 20261111
KILLS, HAND_OUTS = 20, 100


@pytest.mark.slow
def test_kill_9_during_hand_outs_loses_and_doubles_nothing(serve_kiosk, kiosk_template):
    kiosk = serve_kiosk(start=False, CHECKPOINT_SECONDS=0.2)
    order = awards(100)
    random.Random(SEED).shuffle(order)
    run = CrashRun(kiosk, order, SEED, mean_life_s=0.4)
    run.run(kills=KILLS, hand_outs=HAND_OUTS, give_up_s=600)
    summary = run.summary()
    assert run.problems() == [], summary
    assert summary["kills"] >= KILLS and summary["acknowledged_hand_outs"] >= HAND_OUTS
    assert summary["hand_outs_cut_off_by_a_kill"] > 0, summary  # the kills did land mid-hand-out
