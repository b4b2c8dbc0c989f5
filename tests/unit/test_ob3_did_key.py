"""A did:key that names one of the issuer's imported keys (issue 12, defect 2).

An issuer whose profile id is a URL may publish a JWKS whose keys are did:keys. A VC-JWT
``kid`` or a Data Integrity ``verificationMethod`` naming such a did:key is the issuer's key
when the did:key's public key is one of the issuer's imported keys: the key material decides,
whatever the cached key's id or kid says. The issuer's own did:key is trusted as before.
"""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from kiosk.domain.facts import InMemoryFacts, KeyFacts
from kiosk.domain.proof_errors import ProofError
from kiosk.domain.proofs import read_image, read_proof
from kiosk.domain.reasons import Reason
from tests.corpus import (
    AWARD_ID,
    NOW,
    OB3_P256,
    OB3_RSA,
    Corpus,
    did_key_of,
    ed25519_key,
    make_corpus,
    p256_key,
)
from tests.unit.jws_helpers import did_key_p256

JWKS_KEY = ed25519_key("issue-12-jwks-did-key")
DID, DID_URL = did_key_of(JWKS_KEY)


@pytest.fixture
def corpus() -> Corpus:
    return make_corpus()


def imported(facts: InMemoryFacts, key_id: str, kid: str, owner: str = OB3_RSA,
             key: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey = JWKS_KEY) -> None:
    """The key as ``kiosk cache import --issuer OWNER`` stores one JWKS entry."""
    facts.add_key(KeyFacts(key_id, owner, key.public_key(), kid=kid))


def refused(raw: str, facts: InMemoryFacts) -> Reason:
    with pytest.raises(ProofError) as caught:
        read_proof(raw, facts, NOW)
    return caught.value.reason


@pytest.mark.parametrize("kid", [DID_URL, DID], ids=["did-url", "bare-did"])
def test_a_vc_jwt_signed_with_a_did_key_in_the_issuers_jwks_is_the_issuers(
        corpus: Corpus, kid: str) -> None:
    facts = corpus.facts()
    imported(facts, DID_URL, DID_URL)  # the JWKS kid is the did:key URL (an absolute id)
    token = corpus.ob3_vc_jwt("rsa", kid=kid, signing_key=JWKS_KEY)
    proof = read_proof(token, facts, NOW)
    assert proof.signed is not None
    assert (proof.signed.award_id, proof.signed.signed_by) == (AWARD_ID, DID_URL)


def test_the_key_material_decides_not_the_kid(corpus: Corpus) -> None:
    facts = corpus.facts()
    imported(facts, f"{OB3_RSA}#ed-1", "ed-1")  # same key, published under a plain kid
    token = corpus.ob3_vc_jwt("rsa", kid=DID_URL, signing_key=JWKS_KEY)
    proof = read_proof(token, facts, NOW)
    assert proof.signed is not None and proof.signed.signed_by == f"{OB3_RSA}#ed-1"


def test_a_cached_key_whose_kid_names_a_did_key_it_is_not_does_not_vouch_for_it(
        corpus: Corpus) -> None:
    """A row stored before imports checked did:key kids: its kid says DID_URL, its key is the
    RSA issuer's. The did:key's own key is what signed, and the issuer holds no such key."""
    facts = corpus.facts()
    facts.add_key(KeyFacts(DID_URL, OB3_RSA, corpus.rsa_key.public_key(), kid=DID_URL))
    assert refused(corpus.ob3_vc_jwt("rsa", kid=DID_URL, signing_key=JWKS_KEY),
                   facts) is Reason.UNTRUSTED_ISSUER
    assert refused(corpus.ob3_vc_jwt("rsa", kid=DID_URL), facts) is Reason.UNTRUSTED_ISSUER


def test_a_p256_did_key_in_the_issuers_jwks_is_the_issuers(corpus: Corpus) -> None:
    key = p256_key("issue-12-jwks-p256")
    did = did_key_p256(key.public_key())
    did_url = f"{did}#{did.removeprefix('did:key:')}"
    facts = corpus.facts()
    imported(facts, did_url, did_url, key=key)
    proof = read_proof(corpus.ob3_vc_jwt("rsa", kid=did_url, signing_key=key), facts, NOW)
    assert proof.signed is not None and proof.signed.signed_by == did_url


def test_a_data_integrity_proof_by_a_did_key_in_the_issuers_jwks_is_the_issuers(
        corpus: Corpus) -> None:
    facts = corpus.facts()
    imported(facts, DID_URL, DID_URL)
    doc = corpus.ob3_data_integrity(credential=corpus.ob3_credential("rsa"),
                                    signing_key=JWKS_KEY, verification_method=DID_URL)
    png = corpus.baked_png(json.dumps(doc), "openbadgecredential")
    proof = read_image(png, facts, NOW)
    assert proof.inner == "ob3-data-integrity"
    assert proof.signed is not None
    assert (proof.signed.issuer_id, proof.signed.signed_by) == (OB3_RSA, DID_URL)


def test_a_did_key_the_issuer_does_not_hold_is_untrusted(corpus: Corpus) -> None:
    facts = corpus.facts()
    imported(facts, DID_URL, DID_URL)
    _did, stranger = did_key_of(corpus.attacker_ed25519)
    token = corpus.ob3_vc_jwt("rsa", kid=stranger, signing_key=corpus.attacker_ed25519)
    assert refused(token, facts) is Reason.UNTRUSTED_ISSUER


def test_another_issuers_did_key_is_untrusted(corpus: Corpus) -> None:
    facts = corpus.facts()
    imported(facts, DID_URL, DID_URL, owner=OB3_P256)
    token = corpus.ob3_vc_jwt("rsa", kid=DID_URL, signing_key=JWKS_KEY)
    assert refused(token, facts) is Reason.UNTRUSTED_ISSUER


def test_a_did_key_url_whose_fragment_names_another_key_is_refused(corpus: Corpus) -> None:
    facts = corpus.facts()
    imported(facts, DID_URL, DID_URL)
    _did, other_url = did_key_of(corpus.attacker_ed25519)
    kid = f"{DID}#{other_url.partition('#')[2]}"
    assert refused(corpus.ob3_vc_jwt("rsa", kid=kid, signing_key=JWKS_KEY),
                   facts) is not Reason.OK
    own = f"{corpus.did}#{other_url.partition('#')[2]}"  # the did:key issuer's own DID
    assert refused(corpus.ob3_vc_jwt("did", kid=own), facts) is not Reason.OK


def test_the_did_key_issuers_own_key_is_still_trusted(corpus: Corpus) -> None:
    proof = read_proof(corpus.ob3_vc_jwt("did"), corpus.facts(), NOW)
    assert proof.signed is not None and proof.signed.signed_by == corpus.did_key_id
