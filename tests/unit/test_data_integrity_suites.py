"""The cryptosuite names a Data Integrity proof may carry (issue 12, defect 3).

``eddsa-2022`` is what the W3C drafts called ``eddsa-rdfc-2022`` until 2023 (the same
algorithm: RDFC-1.0 canonical N-Quads, SHA-256, Ed25519), and credentials signed then carry
it. Both verify; the check reports the name the proof gave.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.domain.data_integrity import verify_data_integrity
from kiosk.domain.proof_errors import BadSignature, MalformedProof
from kiosk.domain.proofs import read_image
from tests.corpus import AWARD_ID, NOW, make_corpus
from tests.unit.di_helpers import VERIFICATION_METHOD, open_badge, sign_data_integrity

ED_KEY = ed25519.Ed25519PrivateKey.generate()
CREATED = "2023-02-01T10:00:00Z"


def trust(method: str) -> ed25519.Ed25519PublicKey | None:
    return ED_KEY.public_key() if method == VERIFICATION_METHOD else None


def signed(cryptosuite: str) -> dict[str, Any]:
    return sign_data_integrity(open_badge(), ED_KEY, VERIFICATION_METHOD, CREATED,
                               cryptosuite=cryptosuite)


@pytest.mark.parametrize("suite", ["eddsa-2022", "eddsa-rdfc-2022"])
def test_both_names_of_the_eddsa_rdfc_suite_verify_and_are_reported_as_given(suite: str) -> None:
    result = verify_data_integrity(signed(suite), trust)
    assert (result.verification_method, result.cryptosuite) == (VERIFICATION_METHOD, suite)


@pytest.mark.parametrize(("signed_as", "relabelled"), [("eddsa-rdfc-2022", "eddsa-2022"),
                                                       ("eddsa-2022", "eddsa-rdfc-2022")])
def test_the_name_is_signed_so_relabelling_is_a_bad_signature(signed_as: str,
                                                              relabelled: str) -> None:
    doc = signed(signed_as)
    doc["proof"]["cryptosuite"] = relabelled
    with pytest.raises(BadSignature):
        verify_data_integrity(doc, trust)


def test_an_eddsa_2022_proof_among_others_is_the_one_checked() -> None:
    doc = signed("eddsa-2022")
    other = {**doc["proof"], "cryptosuite": "ecdsa-rdfc-2019", "verificationMethod": "urn:x"}
    doc["proof"] = [other, doc["proof"]]
    assert verify_data_integrity(doc, trust).cryptosuite == "eddsa-2022"


@pytest.mark.parametrize("suite", ["ecdsa-rdfc-2019", "eddsa-jcs-2022", "EdDSA-2022",
                                   "eddsa-2022 ", "", None, ["eddsa-2022"], {"id": "eddsa-2022"}])
def test_other_cryptosuites_are_still_malformed(suite: object) -> None:
    doc = copy.deepcopy(signed("eddsa-2022"))
    doc["proof"]["cryptosuite"] = suite
    with pytest.raises(MalformedProof, match="cryptosuite"):
        verify_data_integrity(doc, trust)
    doc["proof"] = [doc["proof"]]
    with pytest.raises(MalformedProof, match="cryptosuite"):
        verify_data_integrity(doc, trust)


def test_a_badge_signed_with_eddsa_2022_says_so_in_its_signed_claims() -> None:
    corpus = make_corpus()
    doc = corpus.ob3_data_integrity(cryptosuite="eddsa-2022")
    proof = read_image(corpus.baked_png(json.dumps(doc), "openbadgecredential"),
                       corpus.facts(), NOW)
    assert proof.inner == "ob3-data-integrity"
    assert proof.signed is not None
    assert (proof.signed.award_id, proof.signed.cryptosuite) == (AWARD_ID, "eddsa-2022")


def test_a_vc_jwt_names_no_cryptosuite() -> None:
    corpus = make_corpus()
    proof = read_image(corpus.baked_png(corpus.ob3_vc_jwt("did"), "openbadgecredential"),
                       corpus.facts(), NOW)
    assert proof.signed is not None and proof.signed.cryptosuite == ""
