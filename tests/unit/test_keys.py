"""Issuer public keys from PEM, JWK and did:key."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.keys import (
    b58decode,
    b58encode,
    key_from_did_key,
    key_from_jwk,
    key_from_pem,
)
from kiosk.domain.proof_errors import MalformedProof, ProofError
from kiosk.domain.reasons import Reason
from tests.unit.jws_helpers import did_key_ed25519, did_key_p256, jwk_of, public_pem

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
P256_KEY = ec.generate_private_key(ec.SECP256R1())
ED_KEY = ed25519.Ed25519PrivateKey.generate()

# did:key specification test vectors (did:key method, "Test Vectors" section).
SPEC_ED25519_DID = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
SPEC_ED25519_X = "O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik"
SPEC_P256_DID = "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169"
SPEC_P256_X = "fyNYMN0976ci7xqiSdag3buk-ZCwgXU4kz9XNkBlNUI"


def _same(a: object, b: object) -> bool:
    fmt = serialization.PublicFormat.SubjectPublicKeyInfo
    return a.public_bytes(serialization.Encoding.DER, fmt) == b.public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, fmt
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# --- base58btc ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"", ""),
        (b"\x00", "1"),
        (b"\x00\x00\x01", "112"),
        (b"Hello World!", "2NEpo7TZRRrLZSi2U"),
        (bytes.fromhex("0000287fb4cd"), "11233QC4"),
    ],
)
def test_base58_known_values(raw: bytes, text: str) -> None:
    assert b58encode(raw) == text
    assert b58decode(text) == raw


@given(st.binary(max_size=64))
def test_base58_round_trip(raw: bytes) -> None:
    assert b58decode(b58encode(raw)) == raw


@pytest.mark.parametrize("text", ["0", "O", "I", "l", "abc+", "é"])
def test_base58_refuses_characters_outside_the_alphabet(text: str) -> None:
    with pytest.raises(MalformedProof):
        b58decode(text)


# --- PEM ---------------------------------------------------------------------------------


@pytest.mark.parametrize("private", [RSA_KEY, P256_KEY, ED_KEY], ids=["rsa", "p256", "ed25519"])
def test_pem_round_trip(private: object) -> None:
    key = key_from_pem(public_pem(private))  # type: ignore[arg-type]
    assert _same(key, private.public_key())  # type: ignore[attr-defined]


def test_pem_pkcs1_rsa_public_key() -> None:
    pem = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.PKCS1
    )
    assert isinstance(key_from_pem(pem.decode()), rsa.RSAPublicKey)


def test_pem_small_rsa_and_other_curves_refused() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    p384 = ec.generate_private_key(ec.SECP384R1())
    for private in (small, p384):
        with pytest.raises(MalformedProof):
            key_from_pem(public_pem(private))


@pytest.mark.parametrize(
    "text",
    ["", "hello", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "x" * 20000],
)
def test_pem_garbage_refused(text: str) -> None:
    with pytest.raises(MalformedProof) as caught:
        key_from_pem(text)
    assert caught.value.reason is Reason.MALFORMED


def test_private_pem_is_not_a_public_key() -> None:
    pem = ED_KEY.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    with pytest.raises(MalformedProof):
        key_from_pem(pem)


# --- JWK ---------------------------------------------------------------------------------


@pytest.mark.parametrize("private", [RSA_KEY, P256_KEY, ED_KEY], ids=["rsa", "p256", "ed25519"])
def test_jwk_round_trip(private: object) -> None:
    jwk: dict[str, object] = {**jwk_of(private), "kid": "k1", "use": "sig"}  # type: ignore[arg-type]
    assert _same(key_from_jwk(jwk), private.public_key())  # type: ignore[attr-defined]


@pytest.mark.parametrize("private", [RSA_KEY, P256_KEY, ED_KEY], ids=["rsa", "p256", "ed25519"])
def test_private_jwk_refused(private: object) -> None:
    with pytest.raises(MalformedProof):
        key_from_jwk(jwk_of(private, private=True))  # type: ignore[arg-type]


def test_small_rsa_jwk_refused() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(MalformedProof):
        key_from_jwk(jwk_of(small))


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "EC", "crv": "P-384", "x": _b64(b"\x01" * 48), "y": _b64(b"\x01" * 48)},
        {"kty": "EC", "crv": "secp256k1", "x": _b64(b"\x01" * 32), "y": _b64(b"\x01" * 32)},
        {"kty": "OKP", "crv": "X25519", "x": _b64(b"\x01" * 32)},
        {"kty": "OKP", "crv": "Ed448", "x": _b64(b"\x01" * 57)},
        {"kty": "oct", "k": _b64(b"secret")},
        {"kty": "EC", "crv": "P-256", "x": _b64(b"\x01" * 32), "y": _b64(b"\x01" * 32)},  # off
        {"kty": "EC", "crv": "P-256", "x": _b64(b"\x01" * 31)},
        {"kty": "OKP", "crv": "Ed25519", "x": _b64(b"\x01" * 31)},
        {"kty": "OKP", "crv": "Ed25519", "x": "not base64!"},
        {"kty": "OKP", "crv": "Ed25519", "x": 12},
        {"kty": "RSA", "n": "AQAB"},
        {"kty": "RSA", "n": "", "e": "AQAB"},
        {},
    ],
)
def test_bad_jwk_refused(jwk: dict[str, object]) -> None:
    with pytest.raises(MalformedProof):
        key_from_jwk(jwk)


def test_jwk_not_a_mapping_refused() -> None:
    with pytest.raises(MalformedProof):
        key_from_jwk(["kty", "RSA"])  # type: ignore[arg-type]


@given(st.dictionaries(st.sampled_from(["kty", "crv", "x", "y", "n", "e", "d"]), st.text()))
def test_key_from_jwk_only_raises_proof_errors(jwk: dict[str, object]) -> None:
    for kty in (None, "RSA", "EC", "OKP"):
        candidate = dict(jwk)
        if kty is not None:
            candidate["kty"] = kty
        try:
            key_from_jwk(candidate)
        except ProofError:
            pass


# --- did:key -----------------------------------------------------------------------------


def test_did_key_ed25519_round_trip() -> None:
    did = did_key_ed25519(ED_KEY.public_key())
    assert did.startswith("did:key:z6Mk")
    assert _same(key_from_did_key(did), ED_KEY.public_key())
    fragment = did.removeprefix("did:key:")
    assert _same(key_from_did_key(f"{did}#{fragment}"), ED_KEY.public_key())


def test_did_key_p256_round_trip() -> None:
    did = did_key_p256(P256_KEY.public_key())
    assert did.startswith("did:key:zDn")
    assert _same(key_from_did_key(did), P256_KEY.public_key())


def test_did_key_spec_vector_ed25519() -> None:
    key = key_from_did_key(SPEC_ED25519_DID)
    assert isinstance(key, ed25519.Ed25519PublicKey)
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert _b64(raw) == SPEC_ED25519_X


def test_did_key_spec_vector_p256() -> None:
    key = key_from_did_key(SPEC_P256_DID)
    assert isinstance(key, ec.EllipticCurvePublicKey)
    assert _b64(key.public_numbers().x.to_bytes(32, "big")) == SPEC_P256_X


@pytest.mark.parametrize(
    "did",
    [
        "",
        "did:web:example.com",
        "did:key:",
        "did:key:z",
        "did:key:u6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",  # not base58btc
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooW",  # truncated
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp#zOther",
        "did:key:z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc",  # X25519: key agreement
        "did:key:z" + b58encode(b"\xe7\x01" + b"\x02" * 33),  # secp256k1
        "did:key:z" + b58encode(b"\x80\x24" + b"\x05" * 33),  # not a P-256 point
        "did:key:z0OIl",
        "did:key:z" + "2" * 300,
    ],
)
def test_bad_did_key_refused(did: str) -> None:
    with pytest.raises(MalformedProof):
        key_from_did_key(did)


@given(st.text(max_size=120))
def test_key_from_did_key_only_raises_proof_errors(text: str) -> None:
    for candidate in (text, "did:key:z" + text):
        try:
            key_from_did_key(candidate)
        except ProofError:
            pass
