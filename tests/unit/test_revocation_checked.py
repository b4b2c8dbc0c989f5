"""A revocation check is never claimed where it was not made (issue 12, defect 4), and a refused
proof still says what it was read as (defect 5): pure ``read_proof`` and ``decide``."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kiosk.domain.eligibility import AwardFacts, decide
from kiosk.domain.facts import InMemoryFacts, ListCheck, RevocationCheck
from kiosk.domain.payload import Proof
from kiosk.domain.proof_errors import ProofError
from kiosk.domain.proofs import read_image, read_proof
from kiosk.domain.reasons import Reason
from kiosk.domain.revocation import NOT_HELD
from tests.corpus import (
    AWARD_ID,
    NOW,
    OB2_REVOCATIONS,
    OB3_REVOCATIONS,
    OB3_STATUS,
    Corpus,
    make_corpus,
)

ALICE = "alice@example.org"


@pytest.fixture
def corpus() -> Corpus:
    return make_corpus()


@pytest.fixture
def facts(corpus: Corpus) -> InMemoryFacts:
    return corpus.facts()


def revocation(proof: Proof) -> RevocationCheck:
    assert proof.signed is not None and proof.signed.revocation is not None
    return proof.signed.revocation


def award() -> AwardFacts:
    return AwardFacts(award_id=AWARD_ID, person_name="Alice Able", person_email=ALICE,
                      employee_id="E1", credential_name="Finding Balance", has_pin=True,
                      pin_name="Balance pin", issued_on=None)


# --- defect 4: a list the cache does not hold is a check not made -------------------------------


def test_a_status_list_the_cache_does_not_hold_is_not_checked(corpus, facts):
    corpus.set_status_bit(94567)  # revoked on the issuer's list...
    del facts.status_lists[OB3_STATUS]  # ...which this kiosk never imported
    proof = read_proof(corpus.ob3_vc_jwt("rsa", ALICE, status="bitstring"), facts, NOW)
    assert proof.signed.revoked is None
    check = revocation(proof)
    assert not check.checked
    assert check.unchecked == (ListCheck(OB3_STATUS, False, NOT_HELD),)


def test_a_status_list_the_cache_holds_is_checked(corpus, facts):
    proof = read_proof(corpus.ob3_vc_jwt("rsa", ALICE, status="bitstring"), facts, NOW)
    assert revocation(proof) == RevocationCheck((ListCheck(OB3_STATUS, True),))
    assert revocation(proof).checked


def test_a_1edtech_revocation_list_the_cache_does_not_hold_is_not_checked(corpus, facts):
    corpus.revoke_ob3()
    del facts.revocation_lists[OB3_REVOCATIONS]
    proof = read_proof(corpus.ob3_vc_jwt("rsa", ALICE, status="revocation-list"), facts, NOW)
    assert proof.signed.revoked is None
    assert [(c.url, c.read) for c in revocation(proof).lists] == [(OB3_REVOCATIONS, False)]


def test_a_data_integrity_credentials_status_list_not_held_is_not_checked(corpus, facts):
    del facts.status_lists[OB3_STATUS]
    text = json.dumps(corpus.ob3_data_integrity(status="bitstring"))
    check = revocation(read_proof(text, facts, NOW))
    assert [(c.url, c.read) for c in check.lists] == [(OB3_STATUS, False)]


def test_an_ob2_issuers_list_the_cache_does_not_hold_is_not_checked(corpus, facts):
    del facts.revocation_lists[OB2_REVOCATIONS]
    proof = read_proof(corpus.ob2_jws(ALICE), facts, NOW)
    assert [(c.url, c.read) for c in revocation(proof).lists] == [(OB2_REVOCATIONS, False)]
    held = read_proof(corpus.ob2_jws(ALICE), make_corpus().facts(), NOW)
    assert revocation(held).checked


def test_a_badge_that_names_no_list_says_so(corpus, facts):
    check = revocation(read_proof(corpus.ob3_vc_jwt("rsa", ALICE), facts, NOW))
    assert check.lists == () and not check.checked and check.unchecked == ()


@pytest.mark.parametrize("entry, why", [
    ({"id": "https://ob3.example.org/status/9#3", "type": "RevocationList2020Status",
      "revocationListIndex": "3", "revocationListCredential": "https://ob3.example.org/9"},
     "RevocationList2020Status"),
    ({"id": f"{OB3_STATUS}#1", "type": "BitstringStatusListEntry", "statusPurpose":
      "revocation", "statusListIndex": "1", "statusSize": 2,
      "statusListCredential": OB3_STATUS}, "more than one bit"),
    ({"type": "BitstringStatusListEntry", "statusPurpose": "revocation",
      "statusListIndex": "1"}, "URL"),
])
def test_a_status_entry_the_kiosk_cannot_read_is_a_check_not_made(
        corpus, facts, entry: dict[str, Any], why: str):
    token = corpus.ob3_vc_jwt("rsa", ALICE, extra={"credentialStatus": entry})
    check = revocation(read_proof(token, facts, NOW))
    assert not check.checked and len(check.unchecked) == 1
    assert why in check.unchecked[0].why


def test_a_status_entry_for_another_purpose_is_no_revocation_check(corpus, facts):
    entry = {"id": f"{OB3_STATUS}#5", "type": "BitstringStatusListEntry",
             "statusPurpose": "refresh", "statusListIndex": "5",
             "statusListCredential": "https://ob3.example.org/never-imported"}
    check = revocation(read_proof(corpus.ob3_vc_jwt("rsa", ALICE, extra={
        "credentialStatus": entry}), facts, NOW))
    assert check.lists == ()


def test_the_district_setting_decides_whether_an_unchecked_badge_is_refused(corpus, facts):
    del facts.status_lists[OB3_STATUS]
    proof = read_proof(corpus.ob3_vc_jwt("rsa", ALICE, status="bitstring"), facts, NOW)
    today = NOW.date()
    assert decide(proof, award(), None, 5, today, NOW) is Reason.OK
    assert decide(proof, award(), None, 5, today, NOW,
                  refuse_unchecked=True) is Reason.UNKNOWN_BADGE
    # a badge problem found first still speaks first
    later = NOW.replace(year=NOW.year + 1)
    expiring = read_proof(corpus.ob3_vc_jwt("rsa", ALICE, status="bitstring",
                                            valid_until="2024-06-01T00:00:00Z"), facts, NOW)
    assert decide(expiring, award(), None, 5, later.date(), later,
                  refuse_unchecked=True) is Reason.EXPIRED
    # and a checked badge is not refused
    checked = read_proof(corpus.ob3_vc_jwt("rsa", ALICE, status="bitstring"),
                         make_corpus().facts(), NOW)
    assert decide(checked, award(), None, 5, today, NOW, refuse_unchecked=True) is Reason.OK


# --- defect 5: a refused proof still says what it was -----------------------------------------


def _refused(read: Any) -> ProofError:
    with pytest.raises(ProofError) as caught:
        read()
    return caught.value


@pytest.mark.parametrize("make, fmt, reason", [
    (lambda c: c.ob3_vc_jwt("rsa", ALICE, signing_key=c.attacker_rsa), "ob3-vc-jwt",
     Reason.BAD_SIGNATURE),
    (lambda c: c.ob3_vc_jwt("rsa", ALICE, claims_override={"jti": "urn:uuid:other"}),
     "ob3-vc-jwt", Reason.BAD_SIGNATURE),
    (lambda c: c.ob3_vc_jwt("rsa", ALICE, issuer_id="https://evil.example.net/issuer"),
     "ob3-vc-jwt", Reason.UNTRUSTED_ISSUER),
    (lambda c: c.ob2_jws(ALICE, signing_key=c.attacker_rsa), "ob2-jws", Reason.BAD_SIGNATURE),
    (lambda c: json.dumps({**c.ob3_data_integrity(), "name": "Altered"}),
     "ob3-data-integrity", Reason.BAD_SIGNATURE),
    (lambda c: c.slip(key=c.attacker_ed25519), "district-slip", Reason.UNTRUSTED_ISSUER),
], ids=["vc-jwt signature", "vc-jwt claims", "vc-jwt issuer", "ob2 signature",
        "data integrity", "slip"])
def test_a_refused_proof_keeps_its_format(corpus, facts, make, fmt, reason):
    error = _refused(lambda: read_proof(make(corpus), facts, NOW))
    assert (error.reason, error.format, error.inner) == (reason, fmt, None)


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_a_refused_badge_image_keeps_its_format_and_what_it_held(corpus, facts, kind):
    token = corpus.ob3_vc_jwt("rsa", ALICE, signing_key=corpus.attacker_rsa)
    image = (corpus.baked_png(token, "openbadgecredential") if kind == "png"
             else corpus.baked_svg(token, "ob3"))
    error = _refused(lambda: read_image(image, facts, NOW))
    assert (error.reason, error.format, error.inner) == (
        Reason.BAD_SIGNATURE, f"baked-{kind}", "ob3-vc-jwt")


def test_a_payload_not_recognised_has_no_format(facts):
    assert _refused(lambda: read_proof("eyJhbGciOi.x.y", facts, NOW)).format is None
    assert _refused(lambda: read_proof("{not json", facts, NOW)).format is None
