"""The demo's sample payloads: one for every reason code, each given that verdict by the real
scan path, and the same on every start of the same demo instance."""

from __future__ import annotations

from pathlib import Path

from kiosk.domain.reasons import Reason
from kiosk.extensions import db
from kiosk.services.demo import seed_demo
from kiosk.services.scan import check_proof
from kiosk.services.stock import stock_levels
from tests.conftest import make_app


def test_the_demo_has_a_sample_for_every_verdict_and_keeps_them(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    try:
        with app.app_context():
            first = seed_demo(people=40)
            assert first.seeded
            by_reason = {label.split(" (")[0] for label in first.samples}
            assert by_reason == {r.value for r in Reason}
            for label, payload in first.samples.items():
                result = check_proof(payload)
                assert result.reason.value == label.split(" (")[0], (label, result.detail)
            # the signed ones are files too, to open and paste
            folder = Path(app.instance_path) / "sample-proofs"
            for reason in ("expired", "not_yet_valid", "bad_signature", "untrusted_issuer"):
                text = (folder / f"{reason}.txt").read_text(encoding="ascii").strip()
                assert text == first.samples[reason]
                assert len(text) < 2048  # short enough to paste, or to fit a QR code
            # one pin has run out and another is low, as the stock counter shows them
            on_hand = sorted(level.on_hand for level in stock_levels())
            assert on_hand[0] == 0 and 0 < on_hand[1] <= 5
            db.session.remove()

        with app.app_context():  # `kiosk demo` started again on the same instance
            again = seed_demo(people=40)
            assert not again.seeded
            # (a slip carries the day it was made: the same all day, a new one tomorrow)
            slip = "ok (district slip)"
            assert {k: v for k, v in again.samples.items() if k != slip} == {
                k: v for k, v in first.samples.items() if k != slip}
            assert check_proof(again.samples[slip]).reason is Reason.OK
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
