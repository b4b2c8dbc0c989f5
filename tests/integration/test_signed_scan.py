"""Signed proofs through the kiosk: the cache tables answer the checks, the verdict says how it
was checked, and a hand-out from a signed proof or a badge image is recorded like any other."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from kiosk.domain.reasons import Reason
from kiosk.extensions import db
from kiosk.models import Award, AwardKey, Distribution, OutboxEvent
from kiosk.services.hand_out import hand_out
from kiosk.services.lookups import staff_named
from kiosk.services.scan import check_image, check_proof
from kiosk.services.waitlist import add_to_waitlist
from tests import corpus as c
from tests import factories as f
from tests.integration.conftest import count, set_stock
from tests.trust import load_trust, revoke_in_cache

pytestmark = pytest.mark.usefixtures("ctx")  # the services are called directly


def _admin() -> int:
    return staff_named(f.LOGINS["admin"][0]).id


def test_an_ob2_signed_assertion_of_a_cached_award_is_ok(corpus):
    token = corpus.ob2_jws("alice@example.org", award_id=f.ALICE_TRAUMA)
    result = check_proof(token)
    assert result.reason is Reason.OK, result.detail
    assert result.award.person_name == "Alice Able"
    checked = result.as_json()["checked"]
    assert checked["format"] == "ob2-jws"
    assert checked["issuer"] == f"{c.OB2_ISSUER_NAME} ({c.OB2_ISSUER})"
    assert checked["key"] == c.OB2_KEY_ID
    assert checked["data_as_of"] is not None
    assert not result.new_award


def test_a_signed_badge_for_someone_else_is_a_recipient_mismatch(corpus):
    token = corpus.ob2_jws("bob@example.org", award_id=f.ALICE_TRAUMA)
    assert check_proof(token).reason is Reason.RECIPIENT_MISMATCH


def test_the_recipient_email_is_compared_as_entered_and_lower_cased(corpus):
    token = corpus.ob2_jws("Alice@Example.org", award_id=f.ALICE_TRAUMA)
    assert check_proof(token).reason is Reason.RECIPIENT_MISMATCH  # issuer kept the capitals
    token = corpus.ob2_jws("alice@example.org", award_id=f.ALICE_TRAUMA, upper_hex=True)
    assert check_proof(token).reason is Reason.OK


def test_a_flipped_byte_is_a_bad_signature_and_shows_no_person(corpus):
    token = corpus.ob2_jws("alice@example.org", award_id=f.ALICE_TRAUMA)
    head, body, sig = token.split(".")
    tampered = f"{head}.{body}.{sig[:-3]}{'A' if sig[-3] != 'A' else 'B'}{sig[-2:]}"
    result = check_proof(tampered)
    assert result.reason is Reason.BAD_SIGNATURE
    assert result.award is None


def test_an_issuer_the_cache_does_not_trust_is_untrusted(corpus):
    token = corpus.ob2_jws("alice@example.org", award_id=f.ALICE_TRAUMA,
                           issuer_id="https://evil.example.net/issuer",
                           signing_key=corpus.attacker_rsa)
    assert check_proof(token).reason is Reason.UNTRUSTED_ISSUER


def test_the_issuers_cached_revocation_list_revokes(corpus):
    token = corpus.ob2_jws("alice@example.org", award_id=f.ALICE_TRAUMA)
    listed = corpus.ob2_revocation_list()
    listed["revokedAssertions"] = [{"id": f.ALICE_TRAUMA, "revocationReason": "Duplicate"}]
    revoke_in_cache(c.OB2_REVOCATIONS, listed)
    result = check_proof(token)
    assert result.reason is Reason.REVOKED
    assert result.detail == "Duplicate"


@pytest.mark.parametrize("issuer", ["rsa", "p256", "did"])
def test_ob3_vc_jwts_of_every_key_type_are_ok(corpus, issuer):
    token = corpus.ob3_vc_jwt(issuer, "alice@example.org", award_id=f.ALICE_BALANCE)
    result = check_proof(token)
    assert result.reason is Reason.OK, result.detail
    assert result.proof.format == "ob3-vc-jwt"
    assert result.award.award_id == f.ALICE_BALANCE


def test_a_bitstring_status_list_in_the_cache_revokes(corpus):
    token = corpus.ob3_vc_jwt("rsa", "alice@example.org", award_id=f.ALICE_BALANCE,
                              status="bitstring", status_index=42)
    assert check_proof(token).reason is Reason.OK
    corpus.set_status_bit(42)
    revoke_in_cache(c.OB3_STATUS, corpus.status_list_credential())
    assert check_proof(token).reason is Reason.REVOKED


def test_an_ob3_data_integrity_credential_is_ok(corpus):
    doc = corpus.ob3_data_integrity("alice@example.org", award_id=f.ALICE_BALANCE)
    png = corpus.baked_png(json.dumps(doc), keyword="openbadgecredential")
    result = check_image(png)
    assert result.reason is Reason.OK, result.detail
    assert result.as_json()["checked"]["format"] == "baked-png"
    assert result.proof.inner == "ob3-data-integrity"


def test_a_baked_image_hands_out_and_records_its_format(corpus):
    png = corpus.baked_png(corpus.ob2_jws("alice@example.org", award_id=f.ALICE_TRAUMA))
    result = check_image(png)
    assert result.reason is Reason.OK
    assert result.carrier == "baked-png"
    done = hand_out(result.payload, result.nonce, _admin(), carrier=result.carrier)
    assert done.distribution.payload_format == "baked-png"
    assert check_image(png).reason is Reason.ALREADY_ISSUED


def test_a_carrier_that_is_not_an_image_kind_is_malformed(corpus):
    token = corpus.ob2_jws("alice@example.org", award_id=f.ALICE_TRAUMA)
    assert check_proof(token, carrier="baked-gif").reason is Reason.MALFORMED


def test_a_signed_award_the_cache_has_not_seen_is_handed_out_and_joins_the_cache(corpus):
    """Cara earned the Trauma credential after the last sync; her signed badge is proof."""
    new_id = "urn:uuid:9a9a9a9a-1111-4222-8333-444455556666"
    token = corpus.ob2_jws("cara@example.org", award_id=new_id, badge="url")
    result = check_proof(token)
    assert result.reason is Reason.OK, result.detail
    assert result.new_award
    assert result.award.person_name == "Cara Cole"
    assert result.award.credential_name == f.TRAUMA
    awards = count(Award)
    done = hand_out(token, result.nonce, _admin())
    assert count(Award) == awards + 1
    assert db.session.get(Award, new_id).person.employee_id == "E3"
    assert db.session.get(AwardKey, f"uuid:{new_id[9:]}") is not None
    event = db.session.scalar(select(OutboxEvent).order_by(OutboxEvent.seq.desc()))
    assert json.loads(event.payload)["new_award"] is True
    again = check_proof(token)
    assert again.reason is Reason.ALREADY_ISSUED and not again.new_award
    assert again.prior.receipt == done.distribution.receipt


def test_a_new_award_for_nobody_on_the_roster_is_unknown(corpus):
    token = corpus.ob2_jws("stranger@example.org", award_id=f"urn:uuid:{uuid.uuid4()}")
    result = check_proof(token)
    assert result.reason is Reason.UNKNOWN_BADGE
    assert "recipient" in result.detail


def test_a_new_award_whose_badge_class_has_no_pin_credential_is_unknown(ctx):
    corpus = c.make_corpus()
    load_trust(corpus, tie_badges=False)
    token = corpus.ob2_jws("cara@example.org", award_id=f"urn:uuid:{uuid.uuid4()}",
                           badge="url")
    result = check_proof(token)
    assert result.reason is Reason.UNKNOWN_BADGE
    assert "badge class" in result.detail


def test_a_new_award_out_of_stock_goes_on_the_waitlist_with_its_award(corpus):
    set_stock(f.TRAUMA, 0)
    new_id = f"urn:uuid:{uuid.uuid4()}"
    token = corpus.ob2_jws("cara@example.org", award_id=new_id, badge="url")
    assert check_proof(token).reason is Reason.OUT_OF_STOCK
    entry = add_to_waitlist(token, _admin()).entry
    assert entry.award_id == new_id
    assert db.session.get(Award, new_id) is not None


def test_district_slips_are_checked_against_the_trusted_district_key(corpus):
    result = check_proof(corpus.slip(f.ALICE_TRAUMA))
    assert result.reason is Reason.OK, result.detail
    assert result.proof.format == "district-slip"
    forged = corpus.slip(f.ALICE_TRAUMA, key=corpus.attacker_ed25519)
    assert check_proof(forged).reason is Reason.UNTRUSTED_ISSUER


def test_a_hand_out_from_a_signed_proof_is_one_distribution(corpus):
    token = corpus.ob3_vc_jwt("p256", "alice@example.org", award_id=f.ALICE_BALANCE)
    result = check_proof(token)
    hand_out(token, result.nonce, _admin())
    hand_out(token, result.nonce, _admin())  # the same form twice
    dists = db.session.scalars(select(Distribution).where(
        Distribution.award_id == f.ALICE_BALANCE)).all()
    assert [d.payload_format for d in dists] == ["ob3-vc-jwt"]


def test_a_new_awards_bare_issue_date_stays_the_date_it_names(corpus):
    """A date without a time must not become the day before in New York."""
    new_id = f"urn:uuid:{uuid.uuid4()}"
    token = corpus.ob2_jws("cara@example.org", award_id=new_id, badge="url",
                           issued_on="2024-01-15")
    result = check_proof(token)
    assert result.reason is Reason.OK, result.detail
    hand_out(token, result.nonce, _admin())
    assert str(db.session.get(Award, new_id).issued_on) == "2024-01-15"
