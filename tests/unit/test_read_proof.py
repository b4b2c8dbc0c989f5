"""Reading a proof of badge, end to end: every format DESIGN.md section 2 lists, valid and
tampered, through ``read_proof`` / ``read_image`` and, for recipients, dates and revocation,
through ``decide`` (the verdict a principal sees)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kiosk.domain.eligibility import AwardFacts, decide
from kiosk.domain.facts import InMemoryFacts, IssuerFacts, KeyFacts
from kiosk.domain.payload import Proof
from kiosk.domain.proof_errors import MalformedProof, ProofError
from kiosk.domain.proofs import read_image, read_proof
from kiosk.domain.reasons import Reason
from kiosk.domain.revocation import decode_status_list
from kiosk.domain.slips import PREFIX, district_kid, make_slip
from tests.corpus import (
    AWARD_ID,
    ISSUED,
    KIDS,
    NOW,
    OB2_BADGE,
    OB2_BADGE_NAME,
    OB2_ISSUER,
    OB2_ISSUER_NAME,
    OB2_KEY_ID,
    OB3_ACHIEVEMENT,
    OB3_ACHIEVEMENT_NAME,
    OB3_P256,
    OB3_RSA,
    OB3_STATUS,
    SLIP_DAY,
    STATUS_LIST_BITS,
    Corpus,
    did_key_of,
    encode_status_list,
    epoch_of,
    hashed_identity,
    make_corpus,
)
from tests.unit.jws_helpers import (
    b64url,
    b64url_json,
    flip_signature_byte,
    jwk_of,
    make_hs256,
    make_jws,
    make_unsigned,
    public_pem,
    tamper_payload,
)

ALICE = "alice@example.org"
AWARD_KEY = "uuid:5f2d3c1a-8b4e-4c6d-9e7f-0a1b2c3d4e5f"
EVIL_ISSUER = "https://evil.example.net/issuer"
OB3_ISSUERS = ["rsa", "p256", "did"]


@pytest.fixture
def corpus() -> Corpus:
    return make_corpus()


@pytest.fixture
def facts(corpus: Corpus) -> InMemoryFacts:
    return corpus.facts()


def refused(raw: str | bytes, facts: InMemoryFacts, *, carrier: str | None = None) -> Reason:
    """The reason ``read_proof`` refuses ``raw`` with (it must refuse it)."""
    with pytest.raises(ProofError) as caught:
        read_proof(raw, facts, NOW, carrier=carrier)
    assert isinstance(caught.value.reason, Reason)
    assert str(caught.value)
    return caught.value.reason


def image_refused(data: bytes, facts: InMemoryFacts) -> Reason:
    with pytest.raises(ProofError) as caught:
        read_image(data, facts, NOW)
    assert isinstance(caught.value.reason, Reason)
    return caught.value.reason


def verdict(proof: Proof, email: str = ALICE, now: datetime = NOW) -> Reason:
    """What the kiosk says for this proof to the roster person with ``email``, when the cache
    holds the award (not revoked, no dates of its own), the pin has stock and was never given."""
    award = AwardFacts(
        award_id=proof.signed.award_id if proof.signed else AWARD_ID,
        person_name="Alice Able",
        person_email=email,
        employee_id="E1",
        credential_name=OB2_BADGE_NAME,
        has_pin=True,
        pin_name="Trauma pin",
        issued_on=None,
    )
    return decide(proof, award, None, 5, now.date(), now)


def _segments(token: str) -> tuple[str, str, str]:
    head, payload, sig = token.split(".")
    return head, payload, sig


def _json_part(part: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def flip_inner_payload_byte(token: str, needle: bytes) -> str:
    """Flip the low bit of the first byte of ``needle`` inside the JWS payload: the JSON stays
    readable (a letter becomes another letter) but is no longer what was signed."""
    head, payload, sig = _segments(token)
    raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    at = bytes(raw).index(needle)
    raw[at] ^= 0x01
    json.loads(bytes(raw))  # still JSON
    return f"{head}.{b64url(bytes(raw))}.{sig}"


# === Open Badges 2.0 signed assertions (JWS, RS256) ==========================================


@pytest.mark.parametrize("award_id,keys", [
    (AWARD_ID, (AWARD_KEY,)),
    ("https://badges.example.org/assertions/42", ("url:badges.example.org/assertions/42",)),
    ("https://api.badgr.io/public/assertions/AbCd1234",
     ("badgr:AbCd1234", "url:api.badgr.io/public/assertions/AbCd1234")),
])
def test_ob2_signed_assertion_is_read(corpus: Corpus, facts: InMemoryFacts, award_id: str,
                                      keys: tuple[str, ...]) -> None:
    token = corpus.ob2_jws(award_id=award_id)
    proof = read_proof(token, facts, NOW)
    assert proof.format == "ob2-jws"
    assert proof.text == token
    assert proof.keys == keys
    assert proof.signed is not None
    assert proof.signed.award_id == award_id
    assert proof.signed.signed_by == OB2_KEY_ID
    assert proof.signed.issuer_id == OB2_ISSUER
    assert proof.signed.issuer_name == OB2_ISSUER_NAME
    assert proof.signed.badge_class == OB2_BADGE
    assert proof.signed.badge_name == OB2_BADGE_NAME
    assert proof.signed.revoked is None
    assert proof.signed.valid_from == datetime(2024, 1, 15, 10, 0, tzinfo=UTC)
    assert verdict(proof) is Reason.OK


def test_ob2_assertion_naming_its_badge_class_by_url_uses_the_cache(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    proof = read_proof(corpus.ob2_jws(badge="url"), facts, NOW)
    assert proof.signed is not None
    assert proof.signed.issuer_id == OB2_ISSUER
    assert proof.signed.badge_name == OB2_BADGE_NAME
    assert verdict(proof) is Reason.OK


def test_ob2_without_creator_or_kid_tries_the_issuers_own_keys(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    proof = read_proof(corpus.ob2_jws(creator=None), facts, NOW)
    assert proof.signed is not None and proof.signed.signed_by == OB2_KEY_ID
    proof = read_proof(corpus.ob2_jws(creator=None, header={"kid": OB2_KEY_ID}), facts, NOW)
    assert proof.signed is not None and proof.signed.signed_by == OB2_KEY_ID


def test_ob2_key_whose_owner_is_another_issuer_is_untrusted(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    facts.add_key(KeyFacts(OB2_KEY_ID, EVIL_ISSUER, corpus.ob2_key.public_key()))
    assert refused(corpus.ob2_jws(), facts) is Reason.UNTRUSTED_ISSUER


def test_ob2_key_left_out_of_the_issuers_public_key_list_is_untrusted(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    facts.add_issuer(IssuerFacts(OB2_ISSUER, OB2_ISSUER_NAME,
                                 key_ids=("https://badges.example.org/keys/2",)))
    assert refused(corpus.ob2_jws(), facts) is Reason.UNTRUSTED_ISSUER
    assert refused(corpus.ob2_jws(creator=None), facts) is Reason.UNTRUSTED_ISSUER


def test_ob2_signed_with_another_issuers_cached_key_is_untrusted(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    evil_key = "https://evil.example.net/keys/1"
    facts.add_issuer(IssuerFacts(EVIL_ISSUER, "Evil"))
    facts.add_key(KeyFacts(evil_key, EVIL_ISSUER, corpus.attacker_rsa.public_key()))
    # claims our issuer, points at the attacker's (cached, trusted-for-itself) key
    token = corpus.ob2_jws(signing_key=corpus.attacker_rsa, creator=evil_key)
    assert refused(token, facts) is Reason.UNTRUSTED_ISSUER
    token = corpus.ob2_jws(signing_key=corpus.attacker_rsa, creator=None,
                           header={"kid": evil_key})
    assert refused(token, facts) is Reason.UNTRUSTED_ISSUER


def test_ob2_creator_key_not_in_the_cache_is_untrusted(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    token = corpus.ob2_jws(signing_key=corpus.attacker_rsa,
                           creator="https://badges.example.org/keys/99")
    assert refused(token, facts) is Reason.UNTRUSTED_ISSUER


def test_ob2_issuer_not_in_the_cache_is_untrusted(corpus: Corpus, facts: InMemoryFacts) -> None:
    token = corpus.ob2_jws()
    del facts.issuers[OB2_ISSUER]
    assert refused(token, facts) is Reason.UNTRUSTED_ISSUER


def test_ob2_from_a_stranger_is_untrusted(corpus: Corpus, facts: InMemoryFacts) -> None:
    token = corpus.ob2_jws(signing_key=corpus.attacker_rsa, issuer_id=EVIL_ISSUER,
                           creator="https://evil.example.net/keys/1")
    assert refused(token, facts) is Reason.UNTRUSTED_ISSUER


def test_ob2_badge_class_url_unknown_to_the_cache_is_untrusted(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    token = corpus.ob2_jws(badge="url", extra={"badge": "https://badges.example.org/badges/x"})
    assert refused(token, facts) is Reason.UNTRUSTED_ISSUER


@pytest.mark.parametrize("at", [0, 17, 128, 255])
def test_ob2_flipped_signature_byte_is_a_bad_signature(
        corpus: Corpus, facts: InMemoryFacts, at: int) -> None:
    assert refused(flip_signature_byte(corpus.ob2_jws(), at), facts) is Reason.BAD_SIGNATURE


@pytest.mark.parametrize("needle", [b"Trauma", b"pepper", b"2024-01-15", b"5f2d3c1a"])
def test_ob2_flipped_payload_byte_is_a_bad_signature(
        corpus: Corpus, facts: InMemoryFacts, needle: bytes) -> None:
    token = flip_inner_payload_byte(corpus.ob2_jws(), needle)
    assert refused(token, facts) is Reason.BAD_SIGNATURE


@pytest.mark.parametrize("change", [
    {"id": "urn:uuid:00000000-0000-4000-8000-000000000000"},
    {"recipient": {"type": "email", "hashed": False, "identity": "mallory@example.org"}},
    {"expires": "2099-01-01T00:00:00Z"},
])
def test_ob2_changed_claims_with_the_old_signature_are_a_bad_signature(
        corpus: Corpus, facts: InMemoryFacts, change: dict[str, Any]) -> None:
    token = tamper_payload(corpus.ob2_jws(), change)
    assert refused(token, facts) is Reason.BAD_SIGNATURE


def test_ob2_alg_none_is_never_accepted(corpus: Corpus, facts: InMemoryFacts) -> None:
    assertion = corpus.ob2_assertion()
    # the classic form: an empty signature
    assert refused(make_unsigned(assertion), facts) in (Reason.BAD_SIGNATURE, Reason.MALFORMED)
    # and with the real signature kept on a rewritten header
    _, payload, sig = _segments(corpus.ob2_jws())
    for alg in ("none", "None", "NONE"):
        forged = f"{b64url_json({'alg': alg})}.{payload}.{sig}"
        assert refused(forged, facts) in (Reason.BAD_SIGNATURE, Reason.MALFORMED)


def test_ob2_hs256_keyed_with_the_public_key_is_a_bad_signature(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    assertion = corpus.ob2_assertion()
    for secret in (public_pem(corpus.ob2_key), public_pem(corpus.ob2_key).strip()):
        token = make_hs256(secret.encode("ascii"), assertion)
        assert refused(token, facts) is Reason.BAD_SIGNATURE


def test_ob2_es256_signature_is_a_bad_signature(corpus: Corpus, facts: InMemoryFacts) -> None:
    token = corpus.ob2_jws(signing_key=corpus.p256_key)
    assert refused(token, facts) is Reason.BAD_SIGNATURE
    # even with a P-256 key the issuer owns and lists: OB 2.0 signs with RS256 only
    p256_id = "https://badges.example.org/keys/p256"
    facts.add_key(KeyFacts(p256_id, OB2_ISSUER, corpus.p256_key.public_key()))
    facts.add_issuer(IssuerFacts(OB2_ISSUER, OB2_ISSUER_NAME, key_ids=(OB2_KEY_ID, p256_id)))
    token = corpus.ob2_jws(signing_key=corpus.p256_key, creator=p256_id)
    assert refused(token, facts) is Reason.BAD_SIGNATURE


def test_ob2_rs256_header_over_an_es256_signature_is_a_bad_signature(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    token = corpus.ob2_jws(signing_key=corpus.p256_key, alg="RS256")
    assert refused(token, facts) is Reason.BAD_SIGNATURE


@pytest.mark.parametrize("as_,reason", [
    ("string", ""),
    ("object", "Awarded in error"),
])
def test_ob2_revoked_assertion(corpus: Corpus, facts: InMemoryFacts, as_: str,
                               reason: str) -> None:
    token = corpus.ob2_jws()
    assert verdict(read_proof(token, facts, NOW)) is Reason.OK
    corpus.revoke_ob2(AWARD_ID, as_=as_)
    proof = read_proof(token, facts, NOW)
    assert proof.signed is not None and proof.signed.revoked == reason
    assert verdict(proof) is Reason.REVOKED


def test_ob2_revoked_by_legacy_uid(corpus: Corpus, facts: InMemoryFacts) -> None:
    token = corpus.ob2_jws(uid="legacy-uid-42")
    corpus.revoke_ob2("legacy-uid-42", as_="uid", reason="Left the district")
    proof = read_proof(token, facts, NOW)
    assert proof.signed is not None and proof.signed.revoked == "Left the district"
    assert verdict(proof) is Reason.REVOKED


def test_ob2_revoking_another_assertion_leaves_this_one_alone(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    corpus.revoke_ob2("urn:uuid:00000000-0000-4000-8000-000000000000", as_="object")
    corpus.revoke_ob2("other-uid", as_="uid")
    proof = read_proof(corpus.ob2_jws(uid="legacy-uid-42"), facts, NOW)
    assert proof.signed is not None and proof.signed.revoked is None
    assert verdict(proof) is Reason.OK


def test_ob2_expired_assertion(corpus: Corpus, facts: InMemoryFacts) -> None:
    proof = read_proof(corpus.ob2_jws(expires=NOW - timedelta(days=1)), facts, NOW)
    assert verdict(proof) is Reason.EXPIRED
    proof = read_proof(corpus.ob2_jws(expires=NOW + timedelta(days=1)), facts, NOW)
    assert verdict(proof) is Reason.OK


def test_ob2_issued_in_the_future_is_not_yet_valid(corpus: Corpus, facts: InMemoryFacts) -> None:
    proof = read_proof(corpus.ob2_jws(issued_on=NOW + timedelta(days=2)), facts, NOW)
    assert verdict(proof) is Reason.NOT_YET_VALID


def test_ob2_hosted_assertion_that_arrives_signed_is_refused(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    assert refused(corpus.ob2_jws(hosted=True), facts) is Reason.MALFORMED


# === Open Badges 3.0 VC-JWT ====================================================================


@pytest.mark.parametrize("issuer,alg", [("rsa", "RS256"), ("p256", "ES256"), ("did", "EdDSA")])
def test_ob3_vc_jwt_is_read(corpus: Corpus, facts: InMemoryFacts, issuer: str, alg: str) -> None:
    token = corpus.ob3_vc_jwt(issuer)
    assert _json_part(_segments(token)[0])["alg"] == alg
    proof = read_proof(token, facts, NOW)
    assert proof.format == "ob3-vc-jwt"
    assert proof.keys == (AWARD_KEY,)
    assert proof.signed is not None
    assert proof.signed.issuer_id == corpus.issuer_id(issuer)
    assert proof.signed.signed_by in (corpus.kid(issuer), f"{corpus.issuer_id(issuer)}#"
                                      f"{KIDS.get(issuer, '')}")
    assert proof.signed.badge_class == OB3_ACHIEVEMENT
    assert proof.signed.badge_name == OB3_ACHIEVEMENT_NAME
    assert proof.signed.valid_from == datetime(2024, 1, 15, 10, 0, tzinfo=UTC)
    assert proof.signed.revoked is None
    assert verdict(proof) is Reason.OK


@pytest.mark.parametrize("issuer", OB3_ISSUERS)
def test_ob3_vc_jwt_without_kid_tries_the_issuers_keys(
        corpus: Corpus, facts: InMemoryFacts, issuer: str) -> None:
    proof = read_proof(corpus.ob3_vc_jwt(issuer, kid=None), facts, NOW)
    assert proof.signed is not None and proof.signed.issuer_id == corpus.issuer_id(issuer)


def test_ob3_kid_as_the_full_key_id_is_read(corpus: Corpus, facts: InMemoryFacts) -> None:
    proof = read_proof(corpus.ob3_vc_jwt("rsa", kid=f"{OB3_RSA}#rsa-1"), facts, NOW)
    assert proof.signed is not None and proof.signed.issuer_id == OB3_RSA


@pytest.mark.parametrize("issuer,kid_of,key_of", [
    ("rsa", "p256-1", "p256"),
    ("rsa", f"{OB3_P256}#p256-1", "p256"),
    ("rsa", OB2_KEY_ID, "ob2"),
    ("p256", "rsa-1", "rsa"),
    ("p256", "did", "did"),
    ("did", "rsa-1", "rsa"),
    ("did", f"{OB3_RSA}#rsa-1", "rsa"),
])
def test_ob3_kid_naming_another_issuers_key_is_untrusted(
        corpus: Corpus, facts: InMemoryFacts, issuer: str, kid_of: str, key_of: str) -> None:
    kid = corpus.did_key_id if kid_of == "did" else kid_of
    key = corpus.ob2_key if key_of == "ob2" else corpus.signing_key(key_of)
    token = corpus.ob3_vc_jwt(issuer, kid=kid, signing_key=key)
    assert refused(token, facts) is Reason.UNTRUSTED_ISSUER


def test_ob3_did_issuer_with_another_did_key_is_untrusted(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    _did, attacker_kid = did_key_of(corpus.attacker_ed25519)
    token = corpus.ob3_vc_jwt("did", kid=attacker_kid, signing_key=corpus.attacker_ed25519)
    assert refused(token, facts) is Reason.UNTRUSTED_ISSUER


@pytest.mark.parametrize("issuer,attacker", [
    ("rsa", "attacker_rsa"), ("p256", "attacker_p256"), ("did", "attacker_ed25519")])
@pytest.mark.parametrize("with_kid", [False, True])
def test_ob3_embedded_jwk_of_an_attacker_is_untrusted(
        corpus: Corpus, facts: InMemoryFacts, issuer: str, attacker: str,
        with_kid: bool) -> None:
    key = getattr(corpus, attacker)
    token = corpus.ob3_vc_jwt(issuer, signing_key=key, header={"jwk": jwk_of(key)},
                              kid=corpus.kid(issuer) if with_kid else None)
    assert refused(token, facts) is Reason.UNTRUSTED_ISSUER


def test_ob3_embedded_jwk_that_is_the_issuers_own_key_is_fine(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    token = corpus.ob3_vc_jwt("p256", header={"jwk": jwk_of(corpus.p256_key)})
    assert read_proof(token, facts, NOW).format == "ob3-vc-jwt"


def test_ob3_signed_by_an_attacker_under_the_issuers_kid_is_a_bad_signature(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    for issuer, attacker in (("rsa", corpus.attacker_rsa), ("p256", corpus.attacker_p256),
                             ("did", corpus.attacker_ed25519)):
        token = corpus.ob3_vc_jwt(issuer, signing_key=attacker)
        assert refused(token, facts) is Reason.BAD_SIGNATURE


@pytest.mark.parametrize("issuer", OB3_ISSUERS)
def test_ob3_flipped_signature_byte_is_a_bad_signature(
        corpus: Corpus, facts: InMemoryFacts, issuer: str) -> None:
    token = corpus.ob3_vc_jwt(issuer)
    for at in (0, 31, 63):
        assert refused(flip_signature_byte(token, at), facts) is Reason.BAD_SIGNATURE
    assert refused(flip_inner_payload_byte(token, b"Finding"), facts) is Reason.BAD_SIGNATURE


def test_ob3_hs256_keyed_with_the_public_key_is_a_bad_signature(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    payload = corpus.ob3_jwt_claims(corpus.ob3_credential("rsa"))
    token = make_hs256(public_pem(corpus.rsa_key).encode("ascii"), payload)
    assert refused(token, facts) is Reason.BAD_SIGNATURE


def test_ob3_alg_none_is_never_accepted(corpus: Corpus, facts: InMemoryFacts) -> None:
    payload = corpus.ob3_jwt_claims(corpus.ob3_credential("rsa"))
    assert refused(make_unsigned(payload), facts) in (Reason.BAD_SIGNATURE, Reason.MALFORMED)
    _, body, sig = _segments(corpus.ob3_vc_jwt("rsa"))
    forged = f"{b64url_json({'alg': 'none', 'kid': 'rsa-1'})}.{body}.{sig}"
    assert refused(forged, facts) in (Reason.BAD_SIGNATURE, Reason.MALFORMED)


def test_ob3_alg_that_does_not_fit_the_key_is_a_bad_signature(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    # an ES256 signature made by the P-256 issuer, presented as RS256 / EdDSA
    token = corpus.ob3_vc_jwt("p256", alg="RS256")
    assert refused(token, facts) is Reason.BAD_SIGNATURE
    token = corpus.ob3_vc_jwt("did", alg="ES256")
    assert refused(token, facts) is Reason.BAD_SIGNATURE


LATER = epoch_of(ISSUED) + 3600


@pytest.mark.parametrize("override", [
    {"iss": OB3_P256},
    {"iss": None},
    {"jti": "urn:uuid:00000000-0000-4000-8000-000000000000"},
    {"sub": "did:example:mallory"},
    {"nbf": LATER},
    {"exp": LATER + 86400 * 365 * 5},  # the credential has no validUntil
], ids=["iss", "no-iss", "jti", "sub", "nbf", "exp"])
@pytest.mark.parametrize("legacy", [False, True], ids=["native", "vc-claim"])
def test_ob3_registered_claims_that_disagree_are_a_bad_signature(
        corpus: Corpus, facts: InMemoryFacts, override: dict[str, Any], legacy: bool) -> None:
    if legacy and "exp" in override:
        override = {"exp": LATER}  # VCDM 1.1 may carry dates only as exp: disagree with one
        token = corpus.ob3_vc_jwt("rsa", legacy_vc_claim=True, subject_id="did:example:alice",
                                  valid_until=NOW + timedelta(days=30), claims_override=override)
    else:
        token = corpus.ob3_vc_jwt("rsa", legacy_vc_claim=legacy, subject_id="did:example:alice",
                                  claims_override=override)
    assert refused(token, facts) is Reason.BAD_SIGNATURE


def test_ob3_exp_that_disagrees_with_valid_until_is_a_bad_signature(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    until = NOW + timedelta(days=30)
    token = corpus.ob3_vc_jwt("p256", valid_until=until,
                              claims_override={"exp": epoch_of(until) + 86400})
    assert refused(token, facts) is Reason.BAD_SIGNATURE


def test_ob3_registered_claims_that_agree_are_fine(corpus: Corpus, facts: InMemoryFacts) -> None:
    token = corpus.ob3_vc_jwt("did", subject_id="did:example:alice",
                              valid_until=NOW + timedelta(days=30))
    payload = _json_part(_segments(token)[1])
    assert {"iss", "jti", "sub", "nbf", "exp"} <= payload.keys()
    proof = read_proof(token, facts, NOW)
    assert proof.signed is not None
    assert proof.signed.valid_until == (NOW + timedelta(days=30)).replace(microsecond=0)
    assert verdict(proof) is Reason.OK


@pytest.mark.parametrize("issuer", OB3_ISSUERS)
def test_ob3_vcdm_1_1_vc_claim_is_read(corpus: Corpus, facts: InMemoryFacts,
                                       issuer: str) -> None:
    token = corpus.ob3_vc_jwt(issuer, legacy_vc_claim=True)
    payload = _json_part(_segments(token)[1])
    assert "vc" in payload and "issuanceDate" in payload["vc"]
    proof = read_proof(token, facts, NOW)
    assert proof.format == "ob3-vc-jwt"
    assert proof.keys == (AWARD_KEY,)
    assert proof.signed is not None
    assert proof.signed.valid_from == datetime(2024, 1, 15, 10, 0, tzinfo=UTC)
    assert verdict(proof) is Reason.OK


def test_ob3_vcdm_1_1_dates_only_in_nbf_and_exp(corpus: Corpus, facts: InMemoryFacts) -> None:
    credential = corpus.ob3_credential("rsa", vcdm1=True, valid_from=None)
    past = epoch_of(NOW - timedelta(days=1))
    claims = {"nbf": epoch_of(ISSUED), "exp": past}
    token = corpus.ob3_vc_jwt("rsa", legacy_vc_claim=True, credential=credential,
                              claims_override=claims)
    proof = read_proof(token, facts, NOW)
    assert proof.signed is not None
    assert proof.signed.valid_until == datetime.fromtimestamp(past, UTC)
    assert verdict(proof) is Reason.EXPIRED


@pytest.mark.parametrize("key", ["revokedCredential", "revokedCredentials"])
def test_ob3_revoked_in_the_1edtech_revocation_list(
        corpus: Corpus, facts: InMemoryFacts, key: str) -> None:
    token = corpus.ob3_vc_jwt("rsa", status="revocation-list")
    assert verdict(read_proof(token, facts, NOW)) is Reason.OK
    corpus.revoke_ob3("urn:uuid:00000000-0000-4000-8000-000000000000", key=key)
    assert verdict(read_proof(token, facts, NOW)) is Reason.OK
    corpus.revoke_ob3(AWARD_ID, key=key, reason="Course not completed")
    proof = read_proof(token, facts, NOW)
    assert proof.signed is not None and proof.signed.revoked == "Course not completed"
    assert verdict(proof) is Reason.REVOKED


@pytest.mark.parametrize("issuer", OB3_ISSUERS)
def test_ob3_bitstring_status_list(corpus: Corpus, facts: InMemoryFacts, issuer: str) -> None:
    index = 94567
    token = corpus.ob3_vc_jwt(issuer, status="bitstring", status_index=index)
    corpus.set_status_bit(index - 1)
    corpus.set_status_bit(index + 1)
    proof = read_proof(token, facts, NOW)
    assert proof.signed is not None and proof.signed.revoked is None
    assert verdict(proof) is Reason.OK
    corpus.set_status_bit(index)
    proof = read_proof(token, facts, NOW)
    assert proof.signed is not None and proof.signed.revoked is not None
    assert verdict(proof) is Reason.REVOKED
    corpus.set_status_bit(index, False)
    assert verdict(read_proof(token, facts, NOW)) is Reason.OK


@pytest.mark.parametrize("index", [0, 7, 8, STATUS_LIST_BITS - 1])
def test_ob3_bitstring_status_list_edges(corpus: Corpus, facts: InMemoryFacts,
                                         index: int) -> None:
    token = corpus.ob3_vc_jwt("rsa", status="bitstring", status_index=index)
    corpus.set_status_bit(index)
    assert verdict(read_proof(token, facts, NOW)) is Reason.REVOKED


def test_ob3_status_list_encoded_by_the_corpus_decodes_to_its_bits(corpus: Corpus) -> None:
    corpus.set_status_bit(42)
    encoded = corpus.status_list_credential()["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")
    assert decode_status_list(encoded) == bytes(corpus.status_bits)


class DecodingFacts(InMemoryFacts):
    """Facts that keep each status list as its credential's ``encodedList`` and decode it when
    asked, the way the kiosk's cache (services.trust) does."""

    encoded: dict[str, str]

    def status_list(self, list_id: str) -> bytes | None:
        encoded = self.encoded.get(list_id)
        return None if encoded is None else decode_status_list(encoded)


def test_ob3_status_list_shorter_than_131072_entries_is_refused(corpus: Corpus) -> None:
    short = encode_status_list(bytes(STATUS_LIST_BITS // 8 - 1))
    with pytest.raises(MalformedProof):
        decode_status_list(short)
    assert len(decode_status_list(encode_status_list(bytes(STATUS_LIST_BITS // 8)))) == 16384
    # a credential that points to such a list is not read as "not revoked"
    base = corpus.facts()
    facts = DecodingFacts(issuers=base.issuers, badge_classes=base.badge_classes,
                          keys=base.keys, revocation_lists=base.revocation_lists,
                          district=base.district)
    facts.encoded = {OB3_STATUS: short}
    token = corpus.ob3_vc_jwt("rsa", status="bitstring", status_index=5)
    assert refused(token, facts) is Reason.MALFORMED
    facts.encoded = {OB3_STATUS: encode_status_list(bytes(STATUS_LIST_BITS // 8))}
    assert verdict(read_proof(token, facts, NOW)) is Reason.OK


def test_ob3_status_index_beyond_the_list_is_malformed(corpus: Corpus,
                                                       facts: InMemoryFacts) -> None:
    token = corpus.ob3_vc_jwt("rsa", status="bitstring", status_index=STATUS_LIST_BITS)
    assert refused(token, facts) is Reason.MALFORMED


@pytest.mark.parametrize("legacy", [False, True])
def test_ob3_expired(corpus: Corpus, facts: InMemoryFacts, legacy: bool) -> None:
    token = corpus.ob3_vc_jwt("rsa", legacy_vc_claim=legacy,
                              valid_until=NOW - timedelta(seconds=1))
    assert verdict(read_proof(token, facts, NOW)) is Reason.EXPIRED
    token = corpus.ob3_vc_jwt("rsa", legacy_vc_claim=legacy,
                              valid_until=NOW + timedelta(minutes=1))
    assert verdict(read_proof(token, facts, NOW)) is Reason.OK


@pytest.mark.parametrize("legacy", [False, True])
def test_ob3_not_yet_valid(corpus: Corpus, facts: InMemoryFacts, legacy: bool) -> None:
    token = corpus.ob3_vc_jwt("p256", legacy_vc_claim=legacy,
                              valid_from=NOW + timedelta(days=1))
    proof = read_proof(token, facts, NOW)
    assert verdict(proof) is Reason.NOT_YET_VALID
    assert verdict(proof, now=NOW + timedelta(days=2)) is Reason.OK


def test_ob3_issuer_not_in_the_cache_is_untrusted(corpus: Corpus, facts: InMemoryFacts) -> None:
    tokens = {name: corpus.ob3_vc_jwt(name) for name in OB3_ISSUERS}
    for name, token in tokens.items():
        del facts.issuers[corpus.issuer_id(name)]
        assert refused(token, facts) is Reason.UNTRUSTED_ISSUER


def test_ob3_from_an_unknown_did_key_issuer_is_untrusted(corpus: Corpus,
                                                         facts: InMemoryFacts) -> None:
    did, kid = did_key_of(corpus.attacker_ed25519)
    token = corpus.ob3_vc_jwt("did", issuer_id=did, kid=kid, signing_key=corpus.attacker_ed25519)
    assert refused(token, facts) is Reason.UNTRUSTED_ISSUER


def test_ob3_json_credential_without_a_proof_is_malformed(corpus: Corpus,
                                                         facts: InMemoryFacts) -> None:
    text = json.dumps(corpus.ob3_credential("did"))
    assert refused(text, facts) is Reason.MALFORMED


# === Open Badges 3.0 Data Integrity (eddsa-rdfc-2022) =========================================


def test_ob3_data_integrity_is_read(corpus: Corpus, facts: InMemoryFacts) -> None:
    text = json.dumps(corpus.ob3_data_integrity())
    proof = read_proof(text, facts, NOW)
    assert proof.format == "ob3-data-integrity"
    assert proof.text == text
    assert proof.keys == (AWARD_KEY,)
    assert proof.signed is not None
    assert proof.signed.issuer_id == corpus.did
    assert proof.signed.signed_by == corpus.did_key_id
    assert proof.signed.badge_name == OB3_ACHIEVEMENT_NAME
    assert verdict(proof) is Reason.OK


def test_ob3_data_integrity_reads_the_same_however_the_json_is_spaced(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    doc = corpus.ob3_data_integrity()
    compact = read_proof(json.dumps(doc, separators=(",", ":")), facts, NOW)
    pretty = read_proof(json.dumps(doc, indent=2, sort_keys=True), facts, NOW)
    assert compact.signed == pretty.signed


@pytest.mark.parametrize("change", [
    lambda d: d.update(name="Some Other Badge"),
    lambda d: d.update(id="urn:uuid:00000000-0000-4000-8000-000000000000"),
    lambda d: d["credentialSubject"]["achievement"].update(name=OB2_BADGE_NAME),
    lambda d: d["credentialSubject"]["identifier"][0].update(
        identityHash=hashed_identity("mallory@example.org")),
    lambda d: d.update(validUntil="2099-01-01T00:00:00Z"),
    lambda d: d["proof"].update(created="2024-01-16T10:00:00Z"),
], ids=["name", "id", "achievement", "recipient", "validUntil", "created"])
def test_ob3_data_integrity_altered_is_a_bad_signature(
        corpus: Corpus, facts: InMemoryFacts, change: Any) -> None:
    doc = corpus.ob3_data_integrity()
    change(doc)
    assert refused(json.dumps(doc), facts) is Reason.BAD_SIGNATURE


def test_ob3_data_integrity_altered_proof_value_is_a_bad_signature(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    doc = corpus.ob3_data_integrity()
    value = doc["proof"]["proofValue"]
    doc["proof"]["proofValue"] = value[:-3] + ("2" if value[-3] != "2" else "3") + value[-2:]
    assert refused(json.dumps(doc), facts) is Reason.BAD_SIGNATURE


def test_ob3_data_integrity_issuer_not_in_the_cache_is_untrusted(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    text = json.dumps(corpus.ob3_data_integrity())
    del facts.issuers[corpus.did]
    assert refused(text, facts) is Reason.UNTRUSTED_ISSUER


def test_ob3_data_integrity_signed_by_another_key_is_untrusted(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    _did, attacker_kid = did_key_of(corpus.attacker_ed25519)
    doc = corpus.ob3_data_integrity(signing_key=corpus.attacker_ed25519,
                                    verification_method=attacker_kid)
    assert refused(json.dumps(doc), facts) is Reason.UNTRUSTED_ISSUER


def test_ob3_data_integrity_by_the_issuers_method_but_another_key_is_a_bad_signature(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    doc = corpus.ob3_data_integrity(signing_key=corpus.attacker_ed25519)
    assert refused(json.dumps(doc), facts) is Reason.BAD_SIGNATURE


def test_ob3_data_integrity_revoked_through_its_status_list(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    text = json.dumps(corpus.ob3_data_integrity(status="bitstring", status_index=3))
    assert verdict(read_proof(text, facts, NOW)) is Reason.OK
    corpus.set_status_bit(3)
    assert verdict(read_proof(text, facts, NOW)) is Reason.REVOKED


# The same signed graph can be spelled many ways in JSON-LD: a term as its full IRI, "type" as
# "@type", a string as {"@value": ...}. The signature covers the graph, so a holder can re-spell
# a credential without the issuer's key. What the kiosk reads from the JSON must then still be
# what was signed (or the credential must be refused): never "not revoked" for a revoked one.

VC_VOCAB = "https://www.w3.org/2018/credentials#"
OB_VOCAB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"


def _respell_term(doc: dict[str, Any], term: str, iri: str, typed: bool = False) -> None:
    value = doc.pop(term)
    doc[iri] = {"@value": value, "@type": XSD_DATETIME} if typed else value


RESPELLINGS: dict[str, Any] = {
    "credentialStatus-as-iri":
        lambda d: _respell_term(d, "credentialStatus", VC_VOCAB + "credentialStatus"),
    "status-type-as-@type":
        lambda d: d["credentialStatus"].update({"@type": d["credentialStatus"].pop("type")}),
    "statusPurpose-as-value-object":
        lambda d: d["credentialStatus"].update(statusPurpose={"@value": "revocation"}),
    "statusListCredential-as-node":
        lambda d: d["credentialStatus"].update(statusListCredential={"@id": OB3_STATUS}),
}
# The signature covers the JSON-LD graph, so the same credential can be re-spelled (full IRI
# keys, @type, @value/@id objects) and still verify: the kiosk must read its facts from the
# graph as signed, not from the JSON as it arrived.


@pytest.mark.parametrize("respell", list(RESPELLINGS.values()), ids=list(RESPELLINGS))
def test_ob3_data_integrity_respelled_status_still_revokes(
        corpus: Corpus, facts: InMemoryFacts, respell: Any) -> None:
    doc = corpus.ob3_data_integrity(status="bitstring", status_index=3)
    corpus.set_status_bit(3)
    assert verdict(read_proof(json.dumps(doc), facts, NOW)) is Reason.REVOKED
    respell(doc)
    try:
        proof = read_proof(json.dumps(doc), facts, NOW)
    except ProofError:
        return  # refusing the re-spelled credential is fine too
    assert verdict(proof) is Reason.REVOKED


def test_ob3_data_integrity_respelled_valid_until_still_expires(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    doc = corpus.ob3_data_integrity(valid_until=NOW - timedelta(days=1))
    assert verdict(read_proof(json.dumps(doc), facts, NOW)) is Reason.EXPIRED
    _respell_term(doc, "validUntil", VC_VOCAB + "validUntil", typed=True)
    try:
        proof = read_proof(json.dumps(doc), facts, NOW)
    except ProofError:
        return
    assert verdict(proof) is Reason.EXPIRED


def test_ob3_data_integrity_respelled_valid_from_is_still_not_yet_valid(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    doc = corpus.ob3_data_integrity(valid_from=NOW + timedelta(days=3))
    assert verdict(read_proof(json.dumps(doc), facts, NOW)) is Reason.NOT_YET_VALID
    _respell_term(doc, "validFrom", VC_VOCAB + "validFrom", typed=True)
    try:
        proof = read_proof(json.dumps(doc), facts, NOW)
    except ProofError:
        return
    assert verdict(proof) is Reason.NOT_YET_VALID


@pytest.mark.parametrize("respell", [
    lambda s: _respell_term(s, "identifier", OB_VOCAB + "identifier"),
    lambda s: s["identifier"][0].update(
        identityHash={"@value": s["identifier"][0]["identityHash"]}),
], ids=["identifier-as-iri", "identityHash-as-value-object"])
def test_ob3_data_integrity_respelled_recipient_is_still_checked(
        corpus: Corpus, facts: InMemoryFacts, respell: Any) -> None:
    doc = corpus.ob3_data_integrity()
    assert verdict(read_proof(json.dumps(doc), facts, NOW),
                   email="mallory@example.org") is Reason.RECIPIENT_MISMATCH
    respell(doc["credentialSubject"])
    try:
        proof = read_proof(json.dumps(doc), facts, NOW)
    except ProofError:
        return
    assert verdict(proof, email="mallory@example.org") is Reason.RECIPIENT_MISMATCH


# === Recipients ================================================================================


def _ob2(corpus: Corpus, facts: InMemoryFacts, email: str, **knobs: Any) -> Proof:
    return read_proof(corpus.ob2_jws(email, **knobs), facts, NOW)


def _ob3(corpus: Corpus, facts: InMemoryFacts, email: str, **knobs: Any) -> Proof:
    return read_proof(corpus.ob3_vc_jwt("rsa", email, **knobs), facts, NOW)


BUILDERS = [pytest.param(_ob2, id="ob2"), pytest.param(_ob3, id="ob3")]


@pytest.mark.parametrize("read", BUILDERS)
@pytest.mark.parametrize("upper_hex", [False, True], ids=["lower-hex", "upper-hex"])
def test_recipient_hashed_with_salt(corpus: Corpus, facts: InMemoryFacts, read: Any,
                                    upper_hex: bool) -> None:
    proof = read(corpus, facts, ALICE, upper_hex=upper_hex)
    assert proof.signed.recipient.hashed and proof.signed.recipient.salt
    assert verdict(proof) is Reason.OK
    assert verdict(proof, email="bob@example.org") is Reason.RECIPIENT_MISMATCH


@pytest.mark.parametrize("read", BUILDERS)
def test_recipient_hashed_without_salt(corpus: Corpus, facts: InMemoryFacts, read: Any) -> None:
    proof = read(corpus, facts, ALICE, salt=None)
    assert proof.signed.recipient.salt is None
    assert verdict(proof) is Reason.OK
    assert verdict(proof, email="bob@example.org") is Reason.RECIPIENT_MISMATCH


@pytest.mark.parametrize("read", BUILDERS)
def test_recipient_plain_identity(corpus: Corpus, facts: InMemoryFacts, read: Any) -> None:
    proof = read(corpus, facts, ALICE, hashed=False)
    assert not proof.signed.recipient.hashed
    assert verdict(proof) is Reason.OK
    assert verdict(proof, email="Alice@Example.ORG") is Reason.OK
    assert verdict(proof, email="bob@example.org") is Reason.RECIPIENT_MISMATCH


@pytest.mark.parametrize("read", BUILDERS)
@pytest.mark.parametrize("issuer_hashed", ["Alice@X.org", "alice@x.org"])
@pytest.mark.parametrize("roster", ["Alice@X.org", " Alice@X.org "])
def test_recipient_email_as_entered_and_lower_cased(
        corpus: Corpus, facts: InMemoryFacts, read: Any, issuer_hashed: str,
        roster: str) -> None:
    proof = read(corpus, facts, issuer_hashed)
    assert verdict(proof, email=roster) is Reason.OK


@pytest.mark.parametrize("read", BUILDERS)
def test_recipient_mismatch(corpus: Corpus, facts: InMemoryFacts, read: Any) -> None:
    assert verdict(read(corpus, facts, "bob@example.org")) is Reason.RECIPIENT_MISMATCH
    # the right email under another salt is someone else's hash
    other_salt = hashed_identity(ALICE, "other-salt")
    proof = read(corpus, facts, ALICE, identity=other_salt)
    assert verdict(proof) is Reason.RECIPIENT_MISMATCH


@pytest.mark.parametrize("read,kind", [
    pytest.param(_ob2, "url", id="ob2-url"),
    pytest.param(_ob2, "telephone", id="ob2-telephone"),
    pytest.param(_ob3, "url", id="ob3-url"),
    pytest.param(_ob3, "sourcedId", id="ob3-sourcedId"),
])
def test_recipient_not_named_by_email_is_no_mismatch(
        corpus: Corpus, facts: InMemoryFacts, read: Any, kind: str) -> None:
    proof = read(corpus, facts, ALICE, hashed=False, identity_type=kind,
                 identity="https://people.example.org/alice")
    assert proof.signed.recipient.type == kind
    assert verdict(proof) is Reason.OK


# === Baked images ==============================================================================


@pytest.mark.parametrize("compressed", [False, True])
def test_png_with_an_ob2_signed_assertion(corpus: Corpus, facts: InMemoryFacts,
                                          compressed: bool) -> None:
    token = corpus.ob2_jws()
    proof = read_image(corpus.baked_png(token, "openbadges", compressed), facts, NOW)
    assert (proof.format, proof.inner, proof.text) == ("baked-png", "ob2-jws", token)
    assert proof.keys == (AWARD_KEY,)
    assert proof.signed == read_proof(token, facts, NOW).signed
    assert verdict(proof) is Reason.OK


@pytest.mark.parametrize("issuer", OB3_ISSUERS)
def test_png_with_an_ob3_vc_jwt(corpus: Corpus, facts: InMemoryFacts, issuer: str) -> None:
    token = corpus.ob3_vc_jwt(issuer)
    proof = read_image(corpus.baked_png(token, "openbadgecredential"), facts, NOW)
    assert (proof.format, proof.inner, proof.text) == ("baked-png", "ob3-vc-jwt", token)
    assert proof.signed is not None and proof.signed.issuer_id == corpus.issuer_id(issuer)


def test_png_with_an_ob3_data_integrity_credential(corpus: Corpus, facts: InMemoryFacts) -> None:
    text = json.dumps(corpus.ob3_data_integrity(), indent=2)
    proof = read_image(corpus.baked_png(text, "openbadgecredential"), facts, NOW)
    assert (proof.format, proof.inner) == ("baked-png", "ob3-data-integrity")
    assert proof.signed is not None and proof.signed.signed_by == corpus.did_key_id


def test_svg_with_an_ob2_signed_assertion_in_verify(corpus: Corpus, facts: InMemoryFacts) -> None:
    token = corpus.ob2_jws()
    proof = read_image(corpus.baked_svg(token, "ob2"), facts, NOW)
    assert (proof.format, proof.inner, proof.text) == ("baked-svg", "ob2-jws", token)
    assert proof.signed is not None and proof.signed.signed_by == OB2_KEY_ID


def test_svg_with_an_ob3_vc_jwt_in_verify(corpus: Corpus, facts: InMemoryFacts) -> None:
    token = corpus.ob3_vc_jwt("p256")
    proof = read_image(corpus.baked_svg(token, "ob3"), facts, NOW)
    assert (proof.format, proof.inner) == ("baked-svg", "ob3-vc-jwt")


def test_svg_with_an_ob3_data_integrity_body(corpus: Corpus, facts: InMemoryFacts) -> None:
    text = json.dumps(corpus.ob3_data_integrity(), indent=2)
    proof = read_image(corpus.baked_svg("", "ob3", body=text), facts, NOW)
    assert (proof.format, proof.inner) == ("baked-svg", "ob3-data-integrity")
    assert proof.signed is not None and proof.signed.issuer_id == corpus.did
    assert verdict(proof) is Reason.OK


@pytest.mark.parametrize("award_id,inner,keys", [
    ("https://badges.example.org/assertions/42", "url", ("url:badges.example.org/assertions/42",)),
    (AWARD_ID, "id", (AWARD_KEY,)),
])
def test_hosted_ob2_assertion_json_baked_in_a_png(
        corpus: Corpus, facts: InMemoryFacts, award_id: str, inner: str,
        keys: tuple[str, ...]) -> None:
    doc = corpus.ob2_assertion(award_id=award_id, hosted=True)
    proof = read_image(corpus.baked_png(json.dumps(doc)), facts, NOW)
    assert (proof.format, proof.inner, proof.keys) == ("baked-png", inner, keys)
    assert proof.text == award_id
    assert proof.signed is None  # the cached award is the authority


def test_hosted_ob2_assertion_json_baked_in_an_svg(corpus: Corpus, facts: InMemoryFacts) -> None:
    url = "https://badges.example.org/assertions/42"
    doc = corpus.ob2_assertion(award_id=url, hosted=True)
    proof = read_image(corpus.baked_svg(url, "ob2", body=json.dumps(doc)), facts, NOW)
    assert (proof.format, proof.inner, proof.keys) == (
        "baked-svg", "url", ("url:badges.example.org/assertions/42",))


def test_hosted_assertion_json_is_only_read_from_an_image(corpus: Corpus,
                                                          facts: InMemoryFacts) -> None:
    text = json.dumps(corpus.ob2_assertion(award_id="https://badges.example.org/a/1",
                                           hosted=True))
    assert refused(text, facts) is Reason.MALFORMED


def test_tampered_jws_inside_an_image_is_a_bad_signature(corpus: Corpus,
                                                         facts: InMemoryFacts) -> None:
    ob2 = flip_signature_byte(corpus.ob2_jws(), 5)
    assert image_refused(corpus.baked_png(ob2), facts) is Reason.BAD_SIGNATURE
    assert image_refused(corpus.baked_svg(ob2, "ob2"), facts) is Reason.BAD_SIGNATURE
    ob3 = flip_inner_payload_byte(corpus.ob3_vc_jwt("did"), b"Finding")
    assert image_refused(corpus.baked_png(ob3, "openbadgecredential"),
                         facts) is Reason.BAD_SIGNATURE
    assert image_refused(corpus.baked_svg(ob3, "ob3"), facts) is Reason.BAD_SIGNATURE


def test_tampered_data_integrity_inside_an_image_is_a_bad_signature(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    doc = corpus.ob3_data_integrity()
    doc["name"] = "Another badge"
    assert image_refused(corpus.baked_svg("", "ob3", body=json.dumps(doc)),
                         facts) is Reason.BAD_SIGNATURE


def test_image_with_an_unsigned_ob3_credential_is_malformed(corpus: Corpus,
                                                           facts: InMemoryFacts) -> None:
    text = json.dumps(corpus.ob3_credential("did"))
    assert image_refused(corpus.baked_png(text, "openbadgecredential"), facts) is Reason.MALFORMED


# === District proof slips =====================================================================


@pytest.mark.parametrize("award_id", [AWARD_ID, "JCS-2024-0042",
                                      "https://badges.example.org/assertions/42"])
def test_district_slip_is_read(corpus: Corpus, facts: InMemoryFacts, award_id: str) -> None:
    token = corpus.slip(award_id)
    for scanned in (token, token.lower(), f"  {token}\r\n"):
        proof = read_proof(scanned, facts, NOW)
        assert proof.format == "district-slip"
        assert proof.signed is not None and proof.signed.award_id == award_id
        assert proof.signed.signed_by == district_kid(corpus.district_key.public_key())
        assert proof.keys == read_proof(award_id, facts, NOW).keys
        assert verdict(proof) is Reason.OK


def _slip_body(token: str) -> bytearray:
    letters = token[len(PREFIX):]
    return bytearray(base64.b32decode(letters + "=" * (-len(letters) % 8)))


def _slip_token(body: bytes) -> str:
    return PREFIX + base64.b32encode(bytes(body)).decode("ascii").rstrip("=")


def test_district_slip_altered_is_a_bad_signature(corpus: Corpus, facts: InMemoryFacts) -> None:
    body = _slip_body(corpus.slip("JCS-2024-0042"))
    altered = bytearray(body)
    altered[-65] ^= 0x01  # the last byte of the award id: "JCS-2024-0042" -> "...0043"
    assert refused(_slip_token(altered), facts) is Reason.BAD_SIGNATURE
    redated = bytearray(body)
    redated[5] ^= 0x01  # the issued day
    assert refused(_slip_token(redated), facts) is Reason.BAD_SIGNATURE
    resigned = bytearray(body)
    resigned[-1] ^= 0x80
    assert refused(_slip_token(resigned), facts) is Reason.BAD_SIGNATURE


def test_district_slip_forged_under_the_districts_kid_is_a_bad_signature(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    forged = _slip_body(make_slip(AWARD_ID, SLIP_DAY, corpus.attacker_ed25519))
    real = _slip_body(corpus.slip(AWARD_ID))
    forged[:4] = real[:4]  # claim the district's key id; the signature is the attacker's
    assert refused(_slip_token(forged), facts) is Reason.BAD_SIGNATURE


def test_district_slip_by_an_unknown_key_is_untrusted(corpus: Corpus,
                                                      facts: InMemoryFacts) -> None:
    assert refused(corpus.slip(key=corpus.attacker_ed25519), facts) is Reason.UNTRUSTED_ISSUER
    token = corpus.slip()
    facts.district.clear()
    assert refused(token, facts) is Reason.UNTRUSTED_ISSUER


# === Sizes and carriers ========================================================================


def _long_ob2_jws(corpus: Corpus) -> str:
    token = corpus.ob2_jws(extra={"evidence": [{"narrative": "Reflection. " * 400}]})
    assert 4096 < len(token) < 16 * 1024
    return token


def test_text_from_a_badge_image_may_be_longer_than_4kb(corpus: Corpus,
                                                       facts: InMemoryFacts) -> None:
    token = _long_ob2_jws(corpus)
    for carrier in ("baked-png", "baked-svg"):
        proof = read_proof(token, facts, NOW, carrier=carrier)
        assert (proof.format, proof.inner) == (carrier, "ob2-jws")
    proof = read_image(corpus.baked_png(token), facts, NOW)
    assert (proof.format, proof.inner) == ("baked-png", "ob2-jws")


def test_a_scan_longer_than_4kb_is_malformed(corpus: Corpus, facts: InMemoryFacts) -> None:
    assert refused(_long_ob2_jws(corpus), facts) is Reason.MALFORMED
    assert refused("A" * 5 * 1024, facts) is Reason.MALFORMED
    assert refused(("x" * 5 * 1024).encode(), facts) is Reason.MALFORMED
    assert refused("https://badges.example.org/a/" + "b" * 5000, facts) is Reason.MALFORMED
    text = json.dumps(corpus.ob3_data_integrity(extra={"description": "d" * 5000}))
    assert refused(text, facts) is Reason.MALFORMED


def test_an_unknown_carrier_is_malformed(corpus: Corpus, facts: InMemoryFacts) -> None:
    assert refused(corpus.ob2_jws(), facts, carrier="baked-gif") is Reason.MALFORMED


def test_ob3_vcdm_1_1_vc_claim_with_id_and_issuer_only_in_jti_and_iss(
        corpus: Corpus, facts: InMemoryFacts) -> None:
    credential = corpus.ob3_credential("rsa", vcdm1=True,
                                       extra={"id": None, "issuer": None, "issuanceDate": None})
    claims = {"iss": OB3_RSA, "jti": AWARD_ID, "nbf": epoch_of(ISSUED)}
    token = make_jws(corpus.rsa_key, {**claims, "vc": credential},
                     header={"typ": "JWT", "kid": "rsa-1"})
    proof = read_proof(token, facts, NOW)
    assert proof.keys == (AWARD_KEY,)
    assert proof.signed is not None and proof.signed.issuer_id == OB3_RSA
    assert verdict(proof) is Reason.OK
