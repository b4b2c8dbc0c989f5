"""Open Badges 3.0 credentials with an embedded eddsa-rdfc-2022 Data Integrity proof, offline."""

from __future__ import annotations

import copy
import json
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld import jsonld  # type: ignore[import-untyped]

from kiosk.domain import jsonld_offline as jl
from kiosk.domain.data_integrity import (
    MAX_DOCUMENT_BYTES,
    DataIntegrityProof,
    signed_content,
    verify_data_integrity,
)
from kiosk.domain.jsonld_offline import CONTEXT_FILES
from kiosk.domain.keys import b58encode
from kiosk.domain.proof_errors import BadSignature, MalformedProof, ProofError, UntrustedIssuer
from kiosk.domain.reasons import Reason
from tests.unit.di_helpers import (
    OB_303,
    VC_V2,
    VERIFICATION_METHOD,
    open_badge,
    sign_data_integrity,
)

EXAMPLE = json.loads((Path(__file__).parent / "data" / "ob3_eddsa_example.json").read_text())
EXAMPLE_KEY = ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(EXAMPLE["public_key_hex"]))
EXAMPLE_METHOD = (
    "https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
)

ED_KEY = ed25519.Ed25519PrivateKey.generate()
CREATED = "2024-05-01T10:00:00Z"
SIGNED = sign_data_integrity(open_badge(), ED_KEY, VERIFICATION_METHOD, CREATED)


def trust(method: str) -> ed25519.Ed25519PublicKey | None:
    return ED_KEY.public_key() if method == VERIFICATION_METHOD else None


def signed(**changes: Any) -> dict[str, Any]:
    """A deep copy of the signed credential, for tampering."""
    doc = copy.deepcopy(SIGNED)
    doc.update(changes)
    return doc


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the verifier tried to open a socket")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture
def canonicalisations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts real canonicalisations (memo misses)."""
    calls: list[int] = []
    real = jl._nquads

    def counting(expanded: list[Any]) -> str:
        calls.append(1)
        return real(expanded)

    monkeypatch.setattr(jl, "_nquads", counting)
    return calls


@pytest.fixture
def expansions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts JSON-LD expansions, the costly part of a check."""
    calls: list[int] = []
    real = jl._expand

    def counting(value: dict[str, Any]) -> list[Any]:
        calls.append(1)
        return real(value)

    monkeypatch.setattr(jl, "_expand", counting)
    return calls


# --- the published 1EdTech test vector -----------------------------------------------------------


def test_published_ob3_example_verifies_with_its_published_key(no_network: None) -> None:
    result = verify_data_integrity(EXAMPLE["signed_credential"], lambda method: EXAMPLE_KEY)
    assert result == DataIntegrityProof(
        verification_method=EXAMPLE_METHOD,
        created=datetime(2010, 1, 1, 19, 23, 24, tzinfo=UTC),
        cryptosuite="eddsa-rdfc-2022",
    )


def test_published_example_hashes_are_reproduced() -> None:
    doc = copy.deepcopy(EXAMPLE["signed_credential"])
    proof = doc.pop("proof")
    del proof["proofValue"]
    proof["@context"] = doc["@context"]
    assert jl.canonical_hash(doc).hex() == EXAMPLE["document_hash_hex"]
    assert jl.canonical_hash(proof).hex() == EXAMPLE["proof_hash_hex"]


def test_published_example_with_another_key_is_a_bad_signature() -> None:
    other = ed25519.Ed25519PrivateKey.generate().public_key()
    with pytest.raises(BadSignature):
        verify_data_integrity(EXAMPLE["signed_credential"], lambda method: other)


def test_resolve_key_is_asked_about_the_proofs_verification_method() -> None:
    asked: list[str] = []

    def resolve(method: str) -> ed25519.Ed25519PublicKey:
        asked.append(method)
        return EXAMPLE_KEY

    verify_data_integrity(EXAMPLE["signed_credential"], resolve)
    assert asked == [EXAMPLE_METHOD]


# --- our own credentials -------------------------------------------------------------------------


def test_a_credential_signed_with_our_key_verifies(no_network: None) -> None:
    result = verify_data_integrity(SIGNED, trust)
    assert result.verification_method == VERIFICATION_METHOD
    assert result.created == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert result.cryptosuite == "eddsa-rdfc-2022"


def test_created_is_optional() -> None:
    doc = sign_data_integrity(open_badge(), ED_KEY, VERIFICATION_METHOD, None)
    assert "created" not in doc["proof"]
    assert verify_data_integrity(doc, trust).created is None


def test_created_keeps_its_time_zone() -> None:
    created_at = "2024-05-01T12:00:00+02:00"
    doc = sign_data_integrity(open_badge(), ED_KEY, VERIFICATION_METHOD, created_at)
    created = verify_data_integrity(doc, trust).created
    assert created is not None and created.utcoffset() is not None
    assert created == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def _flip(text: str, index: int) -> str:
    swap = "2" if text[index] != "2" else "3"
    return text[:index] + swap + text[index + 1 :]


def _tamper_subject(doc: dict[str, Any]) -> None:
    achievement = doc["credentialSubject"]["achievement"]
    achievement["name"] = achievement["name"].replace("Brain", "Brawn")


def _tamper_recipient(doc: dict[str, Any]) -> None:
    identity = doc["credentialSubject"]["identifier"][0]
    identity["identityHash"] = _flip(identity["identityHash"], 10)


def _tamper_issuer_name(doc: dict[str, Any]) -> None:
    doc["issuer"]["name"] = doc["issuer"]["name"] + "."


def _tamper_created(doc: dict[str, Any]) -> None:
    doc["proof"]["created"] = "2024-05-01T10:00:01Z"


def _tamper_proof_value(doc: dict[str, Any]) -> None:
    doc["proof"]["proofValue"] = _flip(doc["proof"]["proofValue"], 20)


def _tamper_last_proof_value_char(doc: dict[str, Any]) -> None:
    doc["proof"]["proofValue"] = _flip(doc["proof"]["proofValue"], -1)


def _tamper_credential_id(doc: dict[str, Any]) -> None:
    doc["id"] = doc["id"][:-1] + "3"


@pytest.mark.parametrize(
    "tamper",
    [
        _tamper_subject,
        _tamper_recipient,
        _tamper_issuer_name,
        _tamper_created,
        _tamper_proof_value,
        _tamper_last_proof_value_char,
        _tamper_credential_id,
    ],
)
def test_one_changed_character_is_a_bad_signature(tamper: Any) -> None:
    doc = signed()
    tamper(doc)
    with pytest.raises(BadSignature) as caught:
        verify_data_integrity(doc, trust)
    assert caught.value.reason is Reason.BAD_SIGNATURE


def test_removing_the_proof_is_malformed() -> None:
    doc = signed()
    del doc["proof"]
    with pytest.raises(MalformedProof) as caught:
        verify_data_integrity(doc, trust)
    assert caught.value.reason is Reason.MALFORMED


def test_an_unknown_verification_method_is_an_untrusted_issuer() -> None:
    with pytest.raises(UntrustedIssuer) as caught:
        verify_data_integrity(SIGNED, lambda method: None)
    assert caught.value.reason is Reason.UNTRUSTED_ISSUER


@pytest.mark.parametrize(
    "key",
    [
        rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key(),
        ec.generate_private_key(ec.SECP256R1()).public_key(),
    ],
    ids=["rsa", "p256"],
)
def test_a_key_that_is_not_ed25519_is_a_bad_signature(key: Any) -> None:
    with pytest.raises(BadSignature):
        verify_data_integrity(SIGNED, lambda method: key)


@pytest.mark.parametrize(
    "proof_value",
    ["", "z", "u" + "A" * 86, SIGNED["proof"]["proofValue"][1:], "z0OIl", "z" + "2" * 200,
     "z" + b58encode(b"\x01" * 63), "z" + b58encode(b"\x01" * 65), 42, None],
)
def test_a_proof_value_that_is_not_z_base58_of_64_bytes_is_a_bad_signature(
    proof_value: object,
) -> None:
    doc = signed()
    doc["proof"]["proofValue"] = proof_value
    with pytest.raises(BadSignature):
        verify_data_integrity(doc, trust)


# --- offline contexts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "context",
    [
        [VC_V2, "https://example.org/evil-context.json"],
        [VC_V2, "http://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],  # http, not https
        [VC_V2, OB_303 + "?"],
        [VC_V2, "context-3.0.3.json"],
    ],
)
def test_an_unknown_context_url_is_malformed_without_any_network(
    no_network: None, context: list[str]
) -> None:
    doc = signed(**{"@context": context})
    with pytest.raises(MalformedProof, match="unknown JSON-LD context"):
        verify_data_integrity(doc, trust)


def test_an_unknown_context_deep_inside_is_malformed_without_any_network(no_network: None) -> None:
    doc = signed()
    doc["credentialSubject"]["@context"] = "https://example.org/evil-context.json"
    with pytest.raises(MalformedProof, match="unknown JSON-LD context"):
        verify_data_integrity(doc, trust)


def test_the_loader_itself_refuses_unknown_urls(no_network: None) -> None:
    with pytest.raises(MalformedProof, match="unknown JSON-LD context"):
        jl._load_context("https://example.org/evil-context.json", {})
    assert jsonld.get_document_loader() is jl._load_context


def test_an_inline_context_object_is_malformed() -> None:
    doc = signed(**{"@context": [VC_V2, OB_303, {"name": "https://example.org/name"}]})
    with pytest.raises(MalformedProof, match="inline"):
        verify_data_integrity(doc, trust)


@pytest.mark.parametrize("context", [None, [], OB_303, [OB_303, VC_V2]])
def test_a_credential_without_a_vc_context_first_is_malformed(context: object) -> None:
    doc = signed(**{"@context": context})
    with pytest.raises(MalformedProof):
        verify_data_integrity(doc, trust)


def test_every_allowlisted_context_is_vendored_and_loads() -> None:
    for url in CONTEXT_FILES:
        assert "@context" in jl._load_context(url, {})["document"]


def test_every_ob3_context_version_canonicalises(no_network: None) -> None:
    for ob in [u for u in CONTEXT_FILES if "purl.imsglobal.org" in u and "extensions" not in u]:
        base = open_badge()
        base["@context"] = ["https://www.w3.org/2018/credentials/v1", ob,
                            "https://w3id.org/security/data-integrity/v2"]
        base["issuanceDate"] = base.pop("validFrom")
        doc = sign_data_integrity(base, ED_KEY, VERIFICATION_METHOD, CREATED)
        assert verify_data_integrity(doc, trust).verification_method == VERIFICATION_METHOD


# --- what the proof must say ---------------------------------------------------------------------


# eddsa-2022, the suite's earlier name, is accepted: tests/unit/test_data_integrity_suites.py.
@pytest.mark.parametrize("suite", ["ecdsa-rdfc-2019", "eddsa-jcs-2022", "", None])
def test_a_different_cryptosuite_is_malformed(suite: object) -> None:
    doc = signed()
    doc["proof"]["cryptosuite"] = suite
    with pytest.raises(MalformedProof, match="cryptosuite"):
        verify_data_integrity(doc, trust)


def test_a_credential_signed_with_another_cryptosuite_name_is_malformed() -> None:
    doc = sign_data_integrity(open_badge(), ED_KEY, VERIFICATION_METHOD, CREATED,
                              cryptosuite="eddsa-jcs-2022")
    with pytest.raises(MalformedProof):
        verify_data_integrity(doc, trust)


def test_a_proof_for_authentication_is_malformed() -> None:
    doc = sign_data_integrity(open_badge(), ED_KEY, VERIFICATION_METHOD, CREATED,
                              proof_purpose="authentication")
    with pytest.raises(MalformedProof, match="purpose"):
        verify_data_integrity(doc, trust)


@pytest.mark.parametrize(
    "change",
    [
        {"type": "Ed25519Signature2020"},
        {"verificationMethod": ""},
        {"verificationMethod": ["x"]},
        {"created": "yesterday"},
        {"created": "2024-05-01T10:00:00"},  # no time zone
        {"created": 1714557600},
        {"previousProof": "urn:uuid:1"},
        {"@context": [OB_303]},
    ],
)
def test_a_proof_of_the_wrong_shape_is_malformed(change: dict[str, object]) -> None:
    doc = signed()
    doc["proof"].update(change)
    with pytest.raises(MalformedProof):
        verify_data_integrity(doc, trust)


def test_a_proof_with_the_documents_own_context_still_verifies() -> None:
    doc = signed()
    doc["proof"]["@context"] = [VC_V2]  # a prefix of the document's: allowed, and not signed
    assert verify_data_integrity(doc, trust).cryptosuite == "eddsa-rdfc-2022"


@pytest.mark.parametrize("proof", ["z123", 7, [], [{"type": "Ed25519Signature2020"}]])
def test_a_proof_that_is_not_an_object_or_has_no_usable_member_is_malformed(
    proof: object,
) -> None:
    with pytest.raises(MalformedProof):
        verify_data_integrity(signed(proof=proof), trust)


def test_from_a_list_of_proofs_the_first_eddsa_rdfc_one_is_checked() -> None:
    other = {"type": "DataIntegrityProof", "cryptosuite": "ecdsa-rdfc-2019",
             "proofPurpose": "assertionMethod", "verificationMethod": "urn:other",
             "proofValue": "zzz"}
    doc = signed(proof=["not a proof", other, SIGNED["proof"]])
    assert verify_data_integrity(doc, trust).verification_method == VERIFICATION_METHOD


def test_a_list_of_proofs_without_an_eddsa_rdfc_one_is_malformed() -> None:
    other = {**SIGNED["proof"], "cryptosuite": "eddsa-jcs-2022"}
    with pytest.raises(MalformedProof):
        verify_data_integrity(signed(proof=[other]), trust)


# --- what JSON-LD would drop is refused, not silently unsigned -----------------------------------


def test_a_term_the_contexts_do_not_define_is_malformed() -> None:
    doc = signed()
    doc["credentialSubject"]["pinCount"] = 6  # not in any context: it would not be signed
    with pytest.raises(MalformedProof, match="not defined"):
        verify_data_integrity(doc, trust)


@pytest.mark.parametrize(
    ("member", "value"),
    [("id", "staff/42"), ("type", ["AchievementSubject", "PinHolder"])],
)
def test_a_relative_iri_is_malformed(member: str, value: object) -> None:
    base = open_badge()
    base["credentialSubject"][member] = value  # relative: other processors would not sign it
    doc = sign_data_integrity(base, ED_KEY, VERIFICATION_METHOD, CREATED)
    with pytest.raises(MalformedProof, match="relative IRI"):
        verify_data_integrity(doc, trust)


# --- canonicalisation and its memo ---------------------------------------------------------------


def _reordered(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _reordered(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reordered(v) for v in value]
    return value


def test_reordering_json_keys_still_verifies() -> None:
    doc = _reordered(SIGNED)
    assert list(doc) != list(SIGNED)
    assert verify_data_integrity(doc, trust) == verify_data_integrity(SIGNED, trust)


def test_reordering_the_type_set_still_verifies() -> None:
    doc = signed()
    doc["type"] = list(reversed(doc["type"]))  # a JSON-LD set: order does not matter
    assert verify_data_integrity(doc, trust).cryptosuite == "eddsa-rdfc-2022"


def test_the_second_check_of_a_credential_reuses_its_canonical_hashes(
    canonicalisations: list[int],
) -> None:
    fresh = open_badge(credential_id="urn:uuid:5f0b7d3e-1111-4c4c-9a9a-000000000001")
    doc = sign_data_integrity(fresh, ED_KEY, VERIFICATION_METHOD, "2024-05-01T10:00:07Z")
    first = verify_data_integrity(doc, trust)
    assert len(canonicalisations) == 2  # the document and the proof configuration
    second = verify_data_integrity(_reordered(doc), trust)
    assert second == first
    assert len(canonicalisations) == 2  # nothing canonicalised again


def test_a_new_credential_is_expanded_once_for_its_hash_and_its_signed_content(
    expansions: list[int], canonicalisations: list[int],
) -> None:
    fresh = open_badge(credential_id="urn:uuid:5f0b7d3e-1111-4c4c-9a9a-000000000003")
    doc = sign_data_integrity(fresh, ED_KEY, VERIFICATION_METHOD, "2024-05-01T10:00:08Z")
    verify_data_integrity(doc, trust)
    content = signed_content(doc)
    assert len(expansions) == 2  # the document and the proof configuration, once each
    assert len(canonicalisations) == 2
    assert content["id"] == fresh["id"]
    assert "proof" not in content
    assert content == signed_content(_reordered(doc))


def test_a_refused_credential_leaves_no_signed_content_behind(expansions: list[int]) -> None:
    fresh = open_badge(credential_id="urn:uuid:5f0b7d3e-1111-4c4c-9a9a-000000000004")
    doc = sign_data_integrity(fresh, ED_KEY, VERIFICATION_METHOD, "2024-05-01T10:00:09Z")
    with pytest.raises(BadSignature):
        verify_data_integrity(doc, lambda m: ed25519.Ed25519PrivateKey.generate().public_key())
    assert len(expansions) == 2
    signed_content(doc)  # not compacted for a refused check: expanded now, on demand
    assert len(expansions) == 3


def test_the_vendored_contexts_are_loaded_once_not_on_every_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loaded: list[str] = []
    real = jl._load_context

    def counting(url: str, options: object = None) -> dict[str, Any]:
        loaded.append(url)
        return real(url, options)

    monkeypatch.setattr(jl, "_load_context", counting)
    monkeypatch.setattr(jl, "_resolved_contexts", {})  # a process that has read none yet
    for n in (5, 6):
        fresh = open_badge(credential_id=f"urn:uuid:5f0b7d3e-1111-4c4c-9a9a-00000000000{n}")
        doc = sign_data_integrity(fresh, ED_KEY, VERIFICATION_METHOD, f"2024-05-01T10:00:1{n}Z")
        verify_data_integrity(doc, trust)
        assert signed_content(doc)["id"] == fresh["id"]
        if n == 5:
            first = len(loaded)
    assert 0 < first == len(set(loaded)) == len(loaded)  # each context once, the first time


def test_the_memo_never_caches_the_verdict() -> None:
    fresh = open_badge(credential_id="urn:uuid:5f0b7d3e-1111-4c4c-9a9a-000000000002")
    doc = sign_data_integrity(fresh, ED_KEY, VERIFICATION_METHOD, CREATED)
    verify_data_integrity(doc, trust)
    forged = copy.deepcopy(doc)
    _tamper_proof_value(forged)  # same document and proof config, another signature
    with pytest.raises(BadSignature):
        verify_data_integrity(forged, trust)
    with pytest.raises(BadSignature):
        verify_data_integrity(doc, lambda m: ed25519.Ed25519PrivateKey.generate().public_key())
    with pytest.raises(UntrustedIssuer):
        verify_data_integrity(doc, lambda m: None)


def test_the_memo_is_bounded() -> None:
    for n in range(jl.MEMO_SIZE + 5):
        credential = {"@context": VC_V2, "id": f"urn:uuid:{n}", "type": "VerifiableCredential"}
        jl.canonical_hash(credential)
    assert len(jl._memo) <= jl.MEMO_SIZE


def test_checks_from_many_threads_agree() -> None:
    docs = [
        sign_data_integrity(open_badge(credential_id=f"urn:uuid:thread-{n}"), ED_KEY,
                            VERIFICATION_METHOD, CREATED)
        for n in range(4)
    ]
    forged = copy.deepcopy(docs[0])
    _tamper_issuer_name(forged)
    start = threading.Barrier(8)

    def check(index: int) -> str:
        if index < 8:
            start.wait()
        doc = forged if index % 5 == 0 else docs[index % 4]
        try:
            verify_data_integrity(doc, trust)
        except ProofError as exc:
            return type(exc).__name__
        return "ok"

    with ThreadPoolExecutor(max_workers=8) as pool:
        verdicts = list(pool.map(check, range(40)))
    assert verdicts == ["BadSignature" if i % 5 == 0 else "ok" for i in range(40)]


# --- resource guards -----------------------------------------------------------------------------


def test_a_poison_graph_is_refused_quickly() -> None:
    """Seven look-alike blank nodes, each linked to the others: ~1 KB that would keep URDNA2015
    busy for seconds (factorial permutations) without the work budget."""
    ids = [f"_:n{i}" for i in range(7)]
    doc = signed()
    doc["credentialSubject"]["achievement"]["related"] = [
        {"id": i, "https://schema.org/sameAs": [{"id": j} for j in ids if j != i]} for i in ids
    ]
    with pytest.raises(MalformedProof, match="too costly"):
        verify_data_integrity(doc, trust)


def test_a_credential_larger_than_the_limit_is_malformed() -> None:
    doc = signed()
    doc["credentialSubject"]["achievement"]["description"] = "x" * MAX_DOCUMENT_BYTES
    with pytest.raises(MalformedProof, match="too large"):
        verify_data_integrity(doc, trust)


def test_a_deeply_nested_credential_is_malformed() -> None:
    deep: Any = "bottom"
    for _ in range(200):
        deep = {"description": deep}
    doc = signed()
    doc["credentialSubject"]["achievement"]["criteria"] = deep
    with pytest.raises(MalformedProof, match="deeply"):
        verify_data_integrity(doc, trust)


def test_a_very_deeply_nested_credential_is_malformed() -> None:
    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(MalformedProof):
        verify_data_integrity(signed(evidence=deep), trust)


@pytest.mark.parametrize(
    "value", [float("nan"), float("inf"), {1, 2}, object(), b"bytes", datetime.now(UTC)]
)
def test_values_that_are_not_json_are_malformed(value: object) -> None:
    with pytest.raises(MalformedProof):
        verify_data_integrity(signed(evidence=value), trust)


@pytest.mark.parametrize("document", [None, [], "{}", 42])
def test_a_document_that_is_not_an_object_is_malformed(document: Any) -> None:
    with pytest.raises(MalformedProof):
        verify_data_integrity(document, trust)


# --- fuzz ----------------------------------------------------------------------------------------

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(
        [VC_V2, OB_303, "@id", "@type", "@value", "@list", "@graph", "@json", "_:b0",
         "DataIntegrityProof", "eddsa-rdfc-2022", "assertionMethod", VERIFICATION_METHOD,
         "2024-05-01T10:00:00Z", "urn:uuid:1", "https://example.org/x", "relative/iri"]
    ),
)
JSON_KEYS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["@context", "@id", "@type", "@value", "@list", "@set", "@graph", "@reverse", "@index",
         "@language", "@included", "@nest", "@json", "id", "type", "name", "proof", "issuer",
         "credentialSubject", "achievement", "identifier", "proofValue", "cryptosuite"]
    ),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(JSON_KEYS, children, max_size=5)
    ),
    max_leaves=40,
)
FUZZ = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _only_proof_errors(doc: Any) -> None:
    try:
        result = verify_data_integrity(doc, trust)
    except ProofError as exc:
        assert type(exc) in (MalformedProof, BadSignature, UntrustedIssuer)
        assert str(exc)
    else:
        assert isinstance(result, DataIntegrityProof)


@FUZZ
@given(st.dictionaries(JSON_KEYS, JSON_VALUES, max_size=8))
def test_any_json_object_gives_a_proof_error_or_a_result(doc: dict[str, Any]) -> None:
    _only_proof_errors(doc)


@FUZZ
@given(
    st.sampled_from(["credentialSubject", "issuer", "evidence", "name", "proof", "@context",
                     "type", "id", "validFrom"]),
    JSON_VALUES,
)
def test_a_signed_credential_with_any_json_in_one_member_never_crashes(
    member: str, value: Any
) -> None:
    _only_proof_errors(signed(**{member: value}))


@FUZZ
@given(st.sampled_from(["achievement", "identifier", "type", "result", "source", "image"]),
       JSON_VALUES)
def test_any_json_deep_inside_the_subject_never_crashes(member: str, value: Any) -> None:
    doc = signed()
    doc["credentialSubject"][member] = value
    _only_proof_errors(doc)
