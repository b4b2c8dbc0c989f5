"""Edges of reading a signed proof that the fast paths must read exactly as before: the token
times a VC-JWT may carry, and which texts are taken for a signed token at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kiosk.domain.facts import InMemoryFacts
from kiosk.domain.proof_errors import ProofError
from kiosk.domain.proofs import read_proof
from kiosk.domain.reasons import Reason
from tests.corpus import (
    AWARD_ID,
    ISSUED,
    NOW,
    OB2_BADGE,
    OB2_BADGE_NAME,
    OB3_ACHIEVEMENT,
    OB3_ACHIEVEMENT_NAME,
    Corpus,
    epoch_of,
    make_corpus,
)

START = epoch_of(ISSUED)  # the corpus credential's validFrom, in whole seconds


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return make_corpus()


@pytest.fixture(scope="module")
def facts(corpus: Corpus) -> InMemoryFacts:
    return corpus.facts()


def reason(token: str, facts: InMemoryFacts) -> Reason:
    try:
        read_proof(token, facts, NOW)
    except ProofError as exc:
        return exc.reason
    return Reason.OK


@pytest.mark.parametrize(("nbf", "wanted"), [
    (START, Reason.OK),
    (float(START), Reason.OK),
    (START + 0.75, Reason.OK),  # the same second
    (START + 1, Reason.BAD_SIGNATURE),
    (START - 1, Reason.BAD_SIGNATURE),
    (-START, Reason.BAD_SIGNATURE),
    (0, Reason.BAD_SIGNATURE),
    (True, Reason.MALFORMED),
    (str(START), Reason.MALFORMED),
    ([START], Reason.MALFORMED),
    (2**64, Reason.MALFORMED),  # beyond any date (and beyond 64 bits: read as a float)
    (10**30, Reason.MALFORMED),
    (253_402_300_800, Reason.MALFORMED),  # year 10000
    (-(10**15), Reason.MALFORMED),
])
@pytest.mark.parametrize("issuer", ["rsa", "p256"])
def test_nbf_must_be_the_credentials_valid_from_in_seconds(
        corpus: Corpus, facts: InMemoryFacts, nbf: Any, wanted: Reason, issuer: str) -> None:
    token = corpus.ob3_vc_jwt(issuer, claims_override={"nbf": nbf})
    assert reason(token, facts) is wanted


@pytest.mark.parametrize("exp", [None, "omit"])
def test_exp_may_be_left_out_when_the_credential_has_no_end(
        corpus: Corpus, facts: InMemoryFacts, exp: Any) -> None:
    override = {"exp": None} if exp is None else {}
    assert reason(corpus.ob3_vc_jwt("rsa", claims_override=override), facts) is Reason.OK


def test_exp_the_credential_does_not_state_is_a_bad_signature(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    token = corpus.ob3_vc_jwt("rsa", claims_override={"exp": START + 86400})
    assert reason(token, facts) is Reason.BAD_SIGNATURE


def test_a_vcdm_1_1_token_takes_its_dates_from_nbf_and_exp_alone(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    credential = corpus.ob3_credential("rsa", vcdm1=True, valid_from=None)
    end = epoch_of(NOW + timedelta(days=1))
    token = corpus.ob3_vc_jwt("rsa", legacy_vc_claim=True, credential=credential,
                              claims_override={"nbf": START + 0.5, "exp": end})
    proof = read_proof(token, facts, NOW)
    assert proof.signed is not None
    assert proof.signed.valid_from == datetime.fromtimestamp(START + 0.5, UTC)
    assert proof.signed.valid_until == datetime.fromtimestamp(end, UTC)


@pytest.mark.parametrize(("text", "keys"), [
    ("eyewitness", ("id:eyewitness",)),
    ("ey.42", ("id:ey.42",)),
    ("ey.4.2.0", ("id:ey.4.2.0",)),
    ("eyJ.a.b.c", ("id:eyJ.a.b.c",)),
])
def test_text_starting_ey_without_exactly_two_dots_is_an_id(
        facts: InMemoryFacts, text: str, keys: tuple[str, ...]) -> None:
    proof = read_proof(text, facts, NOW)
    assert (proof.format, proof.keys) == ("id", keys)


@pytest.mark.parametrize("text", ["ey.a.b", "eyJ..x", "eyJhbGciOiJub25lIn0.e30.", " ey.x.y\n"])
def test_text_starting_ey_with_two_dots_is_read_as_a_signed_badge(
        facts: InMemoryFacts, text: str) -> None:
    assert reason(text, facts) is Reason.MALFORMED


def test_a_slip_is_still_read_and_a_token_never_taken_for_one(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    slip = read_proof(corpus.slip(), facts, NOW)
    token = read_proof(corpus.ob3_vc_jwt("rsa"), facts, NOW)
    assert (slip.format, token.format) == ("district-slip", "ob3-vc-jwt")
    assert slip.signed is not None and token.signed is not None
    assert slip.signed.award_id == token.signed.award_id == AWARD_ID


class CountingFacts(InMemoryFacts):
    """The corpus facts, counting the BadgeClass look-ups (a database query in the kiosk)."""

    asked: list[str]

    def badge_class(self, badge_class_id: str) -> Any:
        self.asked.append(badge_class_id)
        return super().badge_class(badge_class_id)


def counting(facts: InMemoryFacts) -> CountingFacts:
    counted = CountingFacts(issuers=facts.issuers, badge_classes=facts.badge_classes,
                            keys=facts.keys, revocation_lists=facts.revocation_lists,
                            status_lists=facts.status_lists, district=facts.district)
    counted.asked = []
    return counted


def test_the_cached_badge_class_is_asked_only_for_what_the_badge_leaves_out(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    counted = counting(facts)
    for token in (corpus.ob3_vc_jwt("rsa"), corpus.ob2_jws()):
        read_proof(token, counted, NOW)
    assert counted.asked == []  # both name their badge and its issuer
    unnamed = corpus.ob3_credential("rsa", extra={"credentialSubject": {
        **corpus.ob3_credential("rsa")["credentialSubject"],
        "achievement": {"id": OB3_ACHIEVEMENT, "type": ["Achievement"]}}})
    proof = read_proof(corpus.ob3_vc_jwt("rsa", credential=unnamed), counted, NOW)
    assert proof.signed is not None and proof.signed.badge_name == OB3_ACHIEVEMENT_NAME
    proof = read_proof(corpus.ob2_jws(badge="url"), counted, NOW)
    assert proof.signed is not None and proof.signed.badge_name == OB2_BADGE_NAME
    assert counted.asked == [OB3_ACHIEVEMENT, OB2_BADGE]
