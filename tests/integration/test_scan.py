"""check_proof against the seeded district: one verdict for every reason code."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from kiosk.domain.reasons import Reason
from kiosk.extensions import db
from kiosk.models import Award
from kiosk.services.cache_import import import_files
from kiosk.services.hand_out import hand_out
from kiosk.services.scan import check_proof
from tests import factories as f
from tests.integration.conftest import set_stock

NOW = datetime(2024, 6, 3, 15, 0, tzinfo=UTC)


def test_ok_with_person_credential_pin_and_stock(ctx):
    result = check_proof(f.ALICE_TRAUMA, now=NOW)
    assert result.reason is Reason.OK and result.ok
    assert result.award.person_name == "Alice Able"
    assert result.award.credential_name == f.TRAUMA
    assert result.award.pin_name == "Trauma pin"
    assert result.on_hand == f.STOCK[f.TRAUMA]
    assert result.proof.format == "id"


def test_every_alias_of_an_award_finds_it(ctx):
    for payload in (f.BADGR_URL, f.BADGR_URL + "?identity__email=alice@example.org",
                    f.BADGR_URL.replace("https://", "http://") + "/",
                    f.ALICE_TRAUMA.upper(), f.ALICE_TRAUMA.removeprefix("urn:uuid:")):
        result = check_proof(payload, now=NOW)
        assert result.reason is Reason.OK, payload
        assert result.award.award_id == f.ALICE_TRAUMA
    for payload in (f"https://www.credly.com/badges/{f.CREDLY_UUID}",
                    f"https://api.credly.com/v1/obi/v2/badge_assertions/{f.CREDLY_UUID}",
                    f"urn:uuid:{f.CREDLY_UUID}"):
        result = check_proof(payload, now=NOW)
        assert result.award.award_id == f.ALICE_BALANCE, payload
        assert result.proof.keys[0] == f"uuid:{f.CREDLY_UUID}"


def test_unknown_badge(ctx):
    result = check_proof("urn:uuid:00000000-0000-4000-8000-000000000000", now=NOW)
    assert result.reason is Reason.UNKNOWN_BADGE
    assert result.award is None


def test_revoked_says_why(ctx):
    result = check_proof(f.BOB_REVOKED, now=NOW)
    assert result.reason is Reason.REVOKED
    assert result.detail == "Issued in error"


def test_expired(ctx):
    award = db.session.get(Award, f.ALICE_TRAUMA)
    award.expires_on = date(2024, 6, 2)
    db.session.commit()
    assert check_proof(f.ALICE_TRAUMA, now=NOW).reason is Reason.EXPIRED


def test_not_yet_valid_before_the_issue_date(ctx):
    before = datetime(2023, 1, 9, 17, 0, tzinfo=UTC)
    assert check_proof(f.ALICE_TRAUMA, now=before).reason is Reason.NOT_YET_VALID


def test_the_issue_date_is_read_in_the_buildings_time_zone(ctx):
    # 2023-01-10 03:00 UTC is still the evening of 2023-01-09 in New York.
    late_evening = datetime(2023, 1, 10, 3, 0, tzinfo=UTC)
    assert check_proof(f.ALICE_TRAUMA, now=late_evening).reason is Reason.NOT_YET_VALID


def test_recipient_mismatch(ctx):
    result = check_proof(f.BADGR_URL + "?identity__email=mallory@example.org", now=NOW)
    assert result.reason is Reason.RECIPIENT_MISMATCH
    assert check_proof(f.BADGR_URL + "?identity__email=ALICE@example.org",
                       now=NOW).reason is Reason.OK


def test_no_pin_for_credential(ctx):
    result = check_proof(f.CARA_COMMUNICATION, now=NOW)
    assert result.reason is Reason.NO_PIN_FOR_CREDENTIAL
    assert result.as_json()["pin"] is None


def test_out_of_stock(ctx):
    result = check_proof(f.CARA_CHALLENGES, now=NOW)
    assert result.reason is Reason.OUT_OF_STOCK
    assert result.on_hand == 0


def test_out_of_stock_after_the_last_pin_leaves(ctx):
    set_stock(f.TRAUMA, 0)
    assert check_proof(f.ALICE_TRAUMA, now=NOW).reason is Reason.OUT_OF_STOCK


def test_already_issued_says_when_where_and_the_receipt(ctx, staff):
    done = hand_out(f.ALICE_TRAUMA, str(uuid.uuid4()), staff["designee"])
    result = check_proof(f.BADGR_URL)
    assert result.reason is Reason.ALREADY_ISSUED
    assert result.prior.receipt == done.distribution.receipt == "PJE-00001"
    assert result.prior.building == f.BUILDING
    assert result.prior.staff == "Dee Designee"
    assert result.as_json()["already_issued"]["receipt"] == "PJE-00001"


def test_already_issued_is_per_credential(ctx, staff):
    hand_out(f.ALICE_TRAUMA, str(uuid.uuid4()), staff["designee"])
    assert check_proof(f.ALICE_BALANCE).reason is Reason.OK


def test_one_pin_per_person_and_credential_even_with_a_second_award(ctx, staff, tmp_path):
    reissued = "urn:uuid:12121212-1212-4121-8121-121212121212"
    rows = [["E1", "Alice Able", "alice@example.org", f.BUILDING, f.TRAUMA, "2024-02-01",
             reissued, "", "false", ""]]
    assert not import_files([f.write_csv(tmp_path / "more.csv", f.ROSTER_HEADER, rows)]).errors
    hand_out(f.ALICE_TRAUMA, str(uuid.uuid4()), staff["designee"])
    assert check_proof(reissued).reason is Reason.ALREADY_ISSUED


def test_malformed_is_a_verdict_not_a_crash(ctx):
    for payload in ("", "two words", "x" * 5000, b"\xff\xfe", "javascript:alert(1)"):
        result = check_proof(payload, now=NOW)
        assert result.reason is Reason.MALFORMED
        assert result.detail


def test_checked_against_is_when_the_badge_data_was_imported(ctx):
    result = check_proof(f.ALICE_TRAUMA, now=NOW)
    assert result.checked_against is not None
    assert (datetime.now(UTC) - result.checked_against).total_seconds() < 3600
    assert result.as_json()["checked_against"] == result.checked_against.isoformat()
    assert check_proof("garbage with spaces").checked_against == result.checked_against


def test_as_json_has_the_contract_fields(ctx):
    data = check_proof(f.ALICE_TRAUMA, now=NOW).as_json()
    assert data["ok"] is True
    assert data["reason"] == "ok"
    assert data["award_id"] == f.ALICE_TRAUMA
    assert data["credential"] == f.TRAUMA
    assert data["person"] == "Alice Able"
    assert data["format"] == "id"
    assert data["checked_against"]
