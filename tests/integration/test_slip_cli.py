"""`kiosk keys district`, `kiosk keys trust` and `kiosk slips`."""

from __future__ import annotations

import re

from kiosk.domain.slips import district_kid, public_key_from_text, read_slip
from kiosk.services.district_keys import key_path, trusted_district_keys
from tests import factories as f


def invoke(runner, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(args=list(args))


def test_keys_district_without_a_key_is_a_clear_error(runner, app):
    result = invoke(runner, "keys", "district")
    assert result.exit_code == 2
    assert "does not hold the district's signing key" in result.stderr
    assert "kiosk keys district --create" in result.stderr
    assert result.stdout == ""
    with app.app_context():
        assert not key_path().exists()


def test_keys_district_create_prints_the_public_key_and_keeps_it(runner, app):
    first = invoke(runner, "keys", "district", "--create")
    assert first.exit_code == 0, first.output
    text = first.stdout.strip()
    assert re.fullmatch(r"ed25519:[A-Za-z0-9_-]{43}", text)
    kid = district_kid(public_key_from_text(text))
    assert f"Key id: {kid}" in first.stderr
    again = invoke(runner, "keys", "district")
    assert again.exit_code == 0 and again.stdout.strip() == text


def test_keys_trust(runner, app):
    key = "ed25519:" + "A" * 42 + "E"
    result = invoke(runner, "keys", "trust", key)
    assert result.exit_code == 0, result.output
    kid = district_kid(public_key_from_text(key))
    assert result.stdout.strip() == f"Trusted district key {kid}."
    with app.app_context():
        assert kid in trusted_district_keys()
    bad = invoke(runner, "keys", "trust", "not-a-key")
    assert bad.exit_code == 2
    assert "not a district public key" in bad.stderr
    assert "Traceback" not in bad.output


def test_slips_writes_a_pdf_whose_tokens_verify(runner, app, tmp_path):
    assert invoke(runner, "keys", "district", "--create").exit_code == 0
    out = tmp_path / "slips.pdf"
    result = invoke(runner, "slips", "--building", "page jackson elementary", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"3 slips for {f.BUILDING} written to {out}"
    assert out.read_bytes().startswith(b"%PDF-")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".slips")] == []
    with app.app_context():
        from kiosk.services.slips import slips_for_building, today

        for slip in slips_for_building(f.BUILDING, today()):
            assert read_slip(slip.token, trusted_district_keys()).award_id == slip.award_id


def test_slips_for_an_unknown_building_fails_with_a_message(runner, tmp_path):
    assert invoke(runner, "keys", "district", "--create").exit_code == 0
    out = tmp_path / "slips.pdf"
    result = invoke(runner, "slips", "--building", "Hogwarts", "--out", str(out))
    assert result.exit_code == 2
    assert "no building named 'Hogwarts'" in result.stderr
    assert f.BUILDING in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_slips_without_the_district_key_fails_with_a_message(runner, tmp_path):
    out = tmp_path / "slips.pdf"
    result = invoke(runner, "slips", "--building", f.BUILDING, "--out", str(out))
    assert result.exit_code == 2
    assert "does not hold the district's signing key" in result.stderr
    assert not out.exists()


def test_slips_into_a_missing_folder_fails_with_a_message(runner, tmp_path):
    assert invoke(runner, "keys", "district", "--create").exit_code == 0
    out = tmp_path / "nowhere" / "slips.pdf"
    result = invoke(runner, "slips", "--building", f.BUILDING, "--out", str(out))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_slips_needs_building_and_out(runner):
    assert invoke(runner, "slips", "--building", f.BUILDING).exit_code == 2
    assert invoke(runner, "slips", "--out", "x.pdf").exit_code == 2
