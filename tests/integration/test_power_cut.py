"""A power cut in the middle of a hand-out: the process dies inside the transaction, with no
rollback and no cleanup. On restart the database holds the whole hand-out or none of it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

from sqlalchemy import func, select, text

from kiosk.extensions import db
from kiosk.models import Distribution, OutboxEvent, PrintJob, StockMovement
from kiosk.services.hand_out import hand_out
from kiosk.services.scan import check_proof
from tests import factories

ROOT = str(Path(__file__).resolve().parents[2])

DIE_MID_WRITE = textwrap.dedent(
    """
    import os, sys, uuid
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from tests.conftest import make_app
    from kiosk.services import hand_out as module
    from tests import factories

    def power_cut(*args, **kwargs):
        os._exit(9)  # the distribution and stock movement are flushed, not committed

    module.add_event = power_cut
    app = make_app(Path({folder!r}))
    with app.app_context():
        module.hand_out(factories.ALICE_TRAUMA, str(uuid.uuid4()), factories.staff_id("designee"))
    """
)


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Distribution, StockMovement, OutboxEvent, PrintJob)
    )


def test_power_cut_mid_hand_out_leaves_nothing_half_written(app, tmp_path):
    with app.app_context():
        before = _counts()
        stock_before = check_proof(factories.ALICE_TRAUMA).on_hand
        db.session.remove()

    script = DIE_MID_WRITE.format(root=ROOT, folder=str(tmp_path))
    died = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert died.returncode == 9, died.stderr.decode()

    with app.app_context():
        assert _counts() == before
        assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        result = check_proof(factories.ALICE_TRAUMA)
        assert result.reason.value == "ok"
        assert result.on_hand == stock_before
        # and the kiosk carries on: the same award can be handed out now
        done = hand_out(factories.ALICE_TRAUMA, str(uuid.uuid4()), factories.staff_id("designee"))
        assert done.distribution.receipt
        assert _counts()[0] == before[0] + 1
