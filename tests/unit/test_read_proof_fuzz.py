"""Fuzzing ``read_proof`` and ``read_image``: whatever is scanned, typed or dropped in as an
image, the kiosk gets a Proof or a ProofError with a reason code, never a crash; and a damaged
signed proof is refused, never read as a different badge."""

from __future__ import annotations

import json
import string
import zlib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.domain.keys import b64url_decode
from kiosk.domain.payload import Proof
from kiosk.domain.proof_errors import MalformedProof, ProofError
from kiosk.domain.proofs import read_image, read_proof
from kiosk.domain.reasons import Reason
from tests.corpus import (
    AWARD_ID,
    KIDS,
    NOW,
    OB2_ISSUER,
    OB2_KEY_ID,
    OB3_P256,
    OB3_RSA,
    itxt_chunk,
    make_corpus,
    plain_png,
)
from tests.unit.jws_helpers import b64url, b64url_json

FUZZ = settings(
    deadline=None,
    max_examples=200,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
)

CORPUS = make_corpus()
FACTS = CORPUS.facts()
# Revoke a few things so that the revocation paths run too (not the corpus's own award).
CORPUS.revoke_ob2("urn:uuid:00000000-0000-4000-8000-000000000001", as_="object")
CORPUS.revoke_ob3("urn:uuid:00000000-0000-4000-8000-000000000002", key="revokedCredentials")
CORPUS.set_status_bit(7)

TOKENS: dict[str, str] = {
    "ob2": CORPUS.ob2_jws(),
    "ob2-url-badge": CORPUS.ob2_jws(badge="url", creator=None),
    "ob3-rsa": CORPUS.ob3_vc_jwt("rsa", status="revocation-list"),
    "ob3-p256": CORPUS.ob3_vc_jwt("p256", status="bitstring", status_index=8),
    "ob3-did": CORPUS.ob3_vc_jwt("did", subject_id="did:example:alice"),
    "ob3-vc-claim": CORPUS.ob3_vc_jwt("rsa", legacy_vc_claim=True),
    "slip": CORPUS.slip(),
    "slip-text-id": CORPUS.slip("JCS-2024-0042"),
    "data-integrity": json.dumps(CORPUS.ob3_data_integrity(), separators=(",", ":")),
}
ORIGINALS: dict[str, Proof] = {name: read_proof(token, FACTS, NOW)
                               for name, token in TOKENS.items()}
ALL_KEYS = {key for proof in ORIGINALS.values() for key in proof.keys}


def outcome(read: Any, *args: Any, **kwargs: Any) -> Proof | ProofError:
    """Run a reader: it must give a Proof or raise a ProofError with a Reason, nothing else."""
    try:
        proof = read(*args, **kwargs)
    except ProofError as exc:
        assert isinstance(exc.reason, Reason), exc
        assert exc.reason is not Reason.OK
        assert str(exc), "a refusal always says why"
        return exc
    assert isinstance(proof, Proof)
    assert proof.keys and all(isinstance(key, str) and key for key in proof.keys)
    assert proof.format in ("url", "id", "ob2-jws", "ob3-vc-jwt", "ob3-data-integrity",
                            "baked-png", "baked-svg", "district-slip")
    if proof.signed is not None:
        assert proof.signed.award_id and proof.signed.issuer_id
    return proof


# --- arbitrary input ---------------------------------------------------------------------------


@FUZZ
@given(st.text(max_size=600))
def test_any_text(text: str) -> None:
    outcome(read_proof, text, FACTS, NOW)


@FUZZ
@given(st.binary(max_size=600))
def test_any_bytes(data: bytes) -> None:
    outcome(read_proof, data, FACTS, NOW)
    outcome(read_image, data, FACTS, NOW)


@FUZZ
@given(st.text(max_size=600), st.sampled_from(["baked-png", "baked-svg"]))
def test_any_text_from_an_image(text: str, carrier: str) -> None:
    outcome(read_proof, text, FACTS, NOW, carrier=carrier)


# --- JWS-shaped input --------------------------------------------------------------------------

JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=30),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=20,
)
INTERESTING_IDS = st.sampled_from([
    OB2_ISSUER, OB2_KEY_ID, OB3_RSA, OB3_P256, CORPUS.did, CORPUS.did_key_id, AWARD_ID,
    KIDS["rsa"], KIDS["p256"], f"{OB3_RSA}#rsa-1", "did:key:z6Mk", "", "urn:uuid:x",
])
ALGS = st.sampled_from(["RS256", "ES256", "EdDSA", "Ed25519", "HS256", "none", "PS256", "", 7])


@st.composite
def headers(draw: Any) -> dict[str, Any]:
    header: dict[str, Any] = {"alg": draw(ALGS)}
    if draw(st.booleans()):
        header["kid"] = draw(st.one_of(INTERESTING_IDS, JSON_VALUES))
    if draw(st.booleans()):
        header["jwk"] = draw(st.one_of(
            JSON_VALUES,
            st.fixed_dictionaries({"kty": st.sampled_from(["RSA", "EC", "OKP", "oct"]),
                                   "crv": st.sampled_from(["P-256", "Ed25519", "X25519"]),
                                   "x": st.binary(max_size=40).map(b64url),
                                   "y": st.binary(max_size=40).map(b64url),
                                   "n": st.binary(max_size=300).map(b64url),
                                   "e": st.sampled_from(["AQAB", "Aw", ""])})))
    header.update(draw(st.dictionaries(st.sampled_from(["typ", "crit", "b64", "cty", "x5u"]),
                                       JSON_VALUES, max_size=2)))
    return header


REAL_PAYLOADS = [
    CORPUS.ob2_assertion(),
    CORPUS.ob3_jwt_claims(CORPUS.ob3_credential("rsa", status="bitstring")),
    CORPUS.ob3_jwt_claims(CORPUS.ob3_credential("did"), legacy_vc_claim=True),
]


@st.composite
def payloads(draw: Any) -> dict[str, Any]:
    """A random object, or a real assertion/credential with some members replaced."""
    if draw(st.booleans()):
        return draw(st.dictionaries(st.text(max_size=12), JSON_VALUES, max_size=6))
    payload = draw(st.sampled_from(REAL_PAYLOADS))
    payload = json.loads(json.dumps(payload))
    members = sorted(payload)
    for name in draw(st.lists(st.sampled_from(members), max_size=3)):
        payload[name] = draw(st.one_of(JSON_VALUES, INTERESTING_IDS))
    vc = payload.get("vc")
    subject = payload.get("credentialSubject") or (
        vc.get("credentialSubject") if isinstance(vc, dict) else None)
    if isinstance(subject, dict) and draw(st.booleans()):
        subject[draw(st.sampled_from(["identifier", "achievement", "id"]))] = draw(JSON_VALUES)
    return payload


@FUZZ
@given(headers(), payloads(), st.binary(max_size=300))
def test_jws_shaped_text(header: dict[str, Any], payload: dict[str, Any],
                         signature: bytes) -> None:
    token = f"{b64url_json(header)}.{b64url_json(payload)}.{b64url(signature)}"
    got = outcome(read_proof, token, FACTS, NOW)
    # nobody without a key can make a signed proof
    assert not (isinstance(got, Proof) and got.signed is not None), got


@FUZZ
@given(st.lists(st.text(alphabet=string.ascii_letters + string.digits + "-_=+/", max_size=80),
                min_size=1, max_size=5))
def test_dotted_base64ish_text(parts: list[str]) -> None:
    outcome(read_proof, "ey" + ".".join(parts), FACTS, NOW)


# --- mutations of valid tokens -----------------------------------------------------------------

MUTATION_ALPHABET = string.ascii_letters + string.digits + "-_.=+/ :{}\"\\,\x00é"


B64URL = string.ascii_letters + string.digits + "-_"


def _flip_decoded_bit(token: str, part: int, at: int, bit: int) -> str:
    """Flip one bit of the bytes a JWS part encodes (header 0, payload 1, signature 2)."""
    parts = token.split(".")
    raw = bytearray(b64url_decode(parts[part]))
    if raw:
        raw[at % len(raw)] ^= 1 << bit
    parts[part] = b64url(bytes(raw))
    return ".".join(parts)


@st.composite
def mutated(draw: Any) -> tuple[str, str]:
    """A corpus token with 1 to 3 changes: characters flipped, inserted, deleted or re-cased,
    base64url characters swapped, or (for a JWS) single bits of the bytes a part encodes."""
    name = draw(st.sampled_from(sorted(TOKENS)))
    token = TOKENS[name]
    is_jws = token.count(".") == 2 and token.startswith("ey")
    kinds = ["flip", "insert", "delete", "swapcase", "b64"] + (["bit"] * 3 if is_jws else [])
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        kind = draw(st.sampled_from(kinds))
        at = draw(st.integers(min_value=0, max_value=len(token) - 1))
        if kind == "bit" and token.count(".") == 2:
            part = draw(st.integers(min_value=0, max_value=2))
            try:
                token = _flip_decoded_bit(token, part, at, draw(st.integers(0, 7)))
            except MalformedProof:
                pass  # an earlier change already broke that part's base64url
        elif kind == "flip":
            token = token[:at] + draw(st.sampled_from(MUTATION_ALPHABET)) + token[at + 1:]
        elif kind == "b64":
            token = token[:at] + draw(st.sampled_from(B64URL)) + token[at + 1:]
        elif kind == "insert":
            token = token[:at] + draw(st.sampled_from(MUTATION_ALPHABET)) + token[at:]
        elif kind == "delete":
            token = token[:at] + token[at + 1:]
        else:
            token = token[:at] + token[at].swapcase() + token[at + 1:]
        if not token:
            token = "x"
    return name, token


@settings(FUZZ, max_examples=300)
@given(mutated())
def test_a_damaged_token_is_refused_or_reads_the_same(case: tuple[str, str]) -> None:
    name, token = case
    got = outcome(read_proof, token, FACTS, NOW)
    if isinstance(got, ProofError):
        return
    original = ORIGINALS[name]
    if got.signed is None:
        # It no longer looks like a signed proof at all (e.g. "PKS1:" damaged into a bare id):
        # then it must not name the badge the token named (or any badge of the corpus).
        assert got.format in ("url", "id"), got
        assert not set(got.keys) & ALL_KEYS, got
        return
    assert got.signed == original.signed, (name, token)
    assert got.keys == original.keys


def _data_integrity_doc() -> dict[str, Any]:
    return json.loads(TOKENS["data-integrity"])


@st.composite
def damaged_credentials(draw: Any) -> dict[str, Any]:
    """The signed Data Integrity credential with one member somewhere replaced or removed."""
    doc = _data_integrity_doc()
    node: Any = doc
    path: list[Any] = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        if isinstance(node, dict) and node:
            key = draw(st.sampled_from(sorted(node)))
        elif isinstance(node, list) and node:
            key = draw(st.integers(min_value=0, max_value=len(node) - 1))
        else:
            break
        if not isinstance(node[key], dict | list):
            break
        path.append(key)
        node = node[key]
    if isinstance(node, dict) and node:
        key = draw(st.sampled_from(sorted(node)))
        if draw(st.booleans()):
            del node[key]
        else:
            node[key] = draw(st.one_of(JSON_VALUES, INTERESTING_IDS))
    elif isinstance(node, list) and node:
        node[draw(st.integers(min_value=0, max_value=len(node) - 1))] = draw(JSON_VALUES)
    return doc


@settings(FUZZ, max_examples=120)
@given(damaged_credentials())
def test_a_damaged_data_integrity_credential_is_refused_or_reads_the_same(
        doc: dict[str, Any]) -> None:
    got = outcome(read_proof, json.dumps(doc), FACTS, NOW)
    if isinstance(got, Proof):
        assert got.signed == ORIGINALS["data-integrity"].signed, doc


# --- arbitrary JSON documents ------------------------------------------------------------------

JSON_DOCUMENTS = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.one_of(st.text(max_size=10), st.sampled_from([
            "@context", "id", "type", "issuer", "credentialSubject", "proof", "recipient",
            "badge", "verification", "credentialStatus", "validFrom", "identifier",
            "achievement", "name", "@id", "@type", "@graph", "@value", "@list"])),
            inner, max_size=6),
    ),
    max_leaves=40,
)
SHAPES = st.fixed_dictionaries(
    {},
    optional={
        "@context": st.one_of(st.just(["https://www.w3.org/ns/credentials/v2",
                                       "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]),
                              JSON_DOCUMENTS),
        "type": st.one_of(st.just(["VerifiableCredential", "OpenBadgeCredential"]),
                          JSON_DOCUMENTS),
        "id": st.one_of(st.just(AWARD_ID), JSON_DOCUMENTS),
        "issuer": st.one_of(INTERESTING_IDS, JSON_DOCUMENTS),
        "credentialSubject": JSON_DOCUMENTS,
        "recipient": JSON_DOCUMENTS,
        "badge": JSON_DOCUMENTS,
        "proof": st.one_of(st.just(_data_integrity_doc()["proof"]), JSON_DOCUMENTS),
        "credentialStatus": JSON_DOCUMENTS,
    },
)


@FUZZ
@given(st.one_of(JSON_DOCUMENTS, SHAPES), st.sampled_from([None, "baked-png", "baked-svg"]))
def test_any_json_document(doc: Any, carrier: str | None) -> None:
    got = outcome(read_proof, json.dumps(doc), FACTS, NOW, carrier=carrier)
    if isinstance(got, Proof):
        assert got.signed is None, got  # no key, no signed proof


# --- images ------------------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORDS = st.sampled_from(["openbadges", "openbadgecredential", "Comment"])
BADGE_TEXTS = st.one_of(
    st.text(max_size=300),
    st.sampled_from(sorted(TOKENS.values())),
    st.builds(lambda d: json.dumps(d), JSON_DOCUMENTS),
)


@FUZZ
@given(st.binary(max_size=600))
def test_any_bytes_after_a_png_signature(data: bytes) -> None:
    outcome(read_image, PNG_SIGNATURE + data, FACTS, NOW)


@FUZZ
@given(KEYWORDS, BADGE_TEXTS, st.booleans(), st.binary(max_size=40))
def test_pngs_with_any_badge_text(keyword: str, text: str, compressed: bool,
                                  junk: bytes) -> None:
    png = plain_png()
    chunk = itxt_chunk(keyword, text.encode("utf-8"), compressed)
    outcome(read_image, png[:-12] + chunk + png[-12:], FACTS, NOW)
    # and a raw iTXt body (flags, language, zlib data) of junk
    body = keyword.encode() + b"\0" + junk
    raw = len(body).to_bytes(4, "big") + b"iTXt" + body + zlib.crc32(b"iTXt" + body).to_bytes(
        4, "big")
    outcome(read_image, png[:-12] + raw + png[-12:], FACTS, NOW)


@FUZZ
@given(st.text(max_size=600))
def test_any_text_after_svg(text: str) -> None:
    outcome(read_image, ("<svg" + text).encode("utf-8"), FACTS, NOW)


@FUZZ
@given(st.sampled_from(["ob2", "ob3"]), BADGE_TEXTS, st.one_of(st.none(), BADGE_TEXTS))
def test_svgs_with_any_badge_text(version: str, verify: str, body: str | None) -> None:
    if body is not None and "]]>" in body:
        body = body.replace("]]>", "]] >")
    data = CORPUS.baked_svg(verify, version, body=body)
    got = outcome(read_image, data, FACTS, NOW)
    if isinstance(got, Proof) and got.signed is not None:
        # only a corpus token can carry a signature
        assert verify in TOKENS.values() or body in TOKENS.values()


def test_the_corpus_tokens_are_all_read() -> None:
    """The mutation test starts from proofs that read: check that they do."""
    for name, proof in ORIGINALS.items():
        assert proof.signed is not None, name
        assert proof.signed.award_id in (AWARD_ID, "JCS-2024-0042"), name
