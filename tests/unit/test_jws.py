"""Compact JWS: decoding, and signature checks that cannot be talked round by the header."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.jws import DEFAULT_ALGS, decode_compact, looks_like_compact_jws, verify_compact
from kiosk.domain.keys import key_from_pem
from kiosk.domain.proof_errors import BadSignature, MalformedProof, ProofError
from kiosk.domain.reasons import Reason
from tests.unit.jws_helpers import (
    b64url,
    b64url_json,
    flip_char,
    flip_payload_byte,
    flip_signature_byte,
    make_hs256,
    make_jws,
    make_unsigned,
    public_pem,
    raw_sign,
    tamper_payload,
)

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
P256_KEY = ec.generate_private_key(ec.SECP256R1())
ED_KEY = ed25519.Ed25519PrivateKey.generate()
KEYS = {"RS256": RSA_KEY, "ES256": P256_KEY, "EdDSA": ED_KEY}
CLAIMS = {"iss": "https://issuer.example/profile", "jti": "urn:uuid:1234", "name": "Ada"}


@pytest.fixture(params=sorted(KEYS))
def alg(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_valid_token_verifies(alg: str) -> None:
    key = KEYS[alg]
    token = make_jws(key, CLAIMS, header={"kid": "key-1", "typ": "JWT"})
    assert looks_like_compact_jws(token)
    jws = decode_compact(token)
    assert jws.alg == alg
    assert jws.kid == "key-1"
    assert jws.payload == CLAIMS
    verify_compact(jws, key.public_key())


def test_surrounding_whitespace_is_ignored() -> None:
    token = make_jws(ED_KEY, CLAIMS)
    verify_compact(decode_compact(f"  {token}\n"), ED_KEY.public_key())


def test_wrong_key_of_the_same_type_is_bad_signature(alg: str) -> None:
    other = {
        "RS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
        "EdDSA": ed25519.Ed25519PrivateKey.generate,
    }[alg]()
    with pytest.raises(BadSignature) as caught:
        verify_compact(decode_compact(make_jws(KEYS[alg], CLAIMS)), other.public_key())
    assert caught.value.reason is Reason.BAD_SIGNATURE


def test_alg_none_is_bad_signature(alg: str) -> None:
    jws = decode_compact(make_unsigned(CLAIMS) + "AA")  # a non-empty junk signature
    with pytest.raises(BadSignature):
        verify_compact(jws, KEYS[alg].public_key())


def test_alg_none_with_empty_signature_is_malformed() -> None:
    with pytest.raises(MalformedProof):
        decode_compact(make_unsigned(CLAIMS))


def test_hs256_with_the_public_pem_as_secret_is_bad_signature() -> None:
    pem = public_pem(RSA_KEY)
    token = make_hs256(pem.encode("ascii"), CLAIMS)
    with pytest.raises(BadSignature):
        verify_compact(decode_compact(token), key_from_pem(pem))
    with pytest.raises(BadSignature):
        verify_compact(decode_compact(token), key_from_pem(pem), allowed=("HS256", "RS256"))


@pytest.mark.parametrize(
    ("header_alg", "signer", "verifier"),
    [
        ("RS256", ED_KEY, ED_KEY),  # RS256 header with an Ed25519 key
        ("ES256", RSA_KEY, RSA_KEY),  # ES256 header with an RSA key
        ("EdDSA", P256_KEY, P256_KEY),
        ("RS256", RSA_KEY, ED_KEY),
        ("ES256", P256_KEY, ED_KEY),
        ("EdDSA", ED_KEY, RSA_KEY),
    ],
)
def test_alg_and_key_type_must_agree(header_alg: str, signer: object, verifier: object) -> None:
    token = make_jws(signer, CLAIMS, alg=header_alg)  # type: ignore[arg-type]
    with pytest.raises(BadSignature):
        verify_compact(decode_compact(token), verifier.public_key())  # type: ignore[attr-defined]


def test_alg_outside_the_allowed_list_is_bad_signature() -> None:
    token = make_jws(RSA_KEY, CLAIMS)
    with pytest.raises(BadSignature):
        verify_compact(decode_compact(token), RSA_KEY.public_key(), allowed=("EdDSA",))
    assert "RS256" in DEFAULT_ALGS


def test_ed25519_alg_name_is_accepted_when_allowed() -> None:
    token = make_jws(ED_KEY, CLAIMS, alg="Ed25519")
    verify_compact(decode_compact(token), ED_KEY.public_key(), allowed=("Ed25519",))
    with pytest.raises(BadSignature):
        verify_compact(decode_compact(token), ED_KEY.public_key())


def test_changed_claim_is_bad_signature(alg: str) -> None:
    token = tamper_payload(make_jws(KEYS[alg], CLAIMS), {"name": "Eve"})
    with pytest.raises(BadSignature):
        verify_compact(decode_compact(token), KEYS[alg].public_key())


def test_flipped_payload_byte_is_bad_signature(alg: str) -> None:
    token = make_jws(KEYS[alg], CLAIMS)
    # byte 2 is inside the first key name ("iss" -> "hss"): still JSON, different claims
    forged = flip_payload_byte(token, at=2)
    jws = decode_compact(forged)
    assert jws.payload != CLAIMS
    with pytest.raises(BadSignature):
        verify_compact(jws, KEYS[alg].public_key())


@pytest.mark.parametrize("at", [0, 31, -1])
def test_flipped_signature_byte_is_bad_signature(alg: str, at: int) -> None:
    token = flip_signature_byte(make_jws(KEYS[alg], CLAIMS), at=at)
    with pytest.raises(BadSignature):
        verify_compact(decode_compact(token), KEYS[alg].public_key())


def test_flipped_header_char_is_not_ok(alg: str) -> None:
    head, payload, sig = make_jws(KEYS[alg], CLAIMS).split(".")
    forged = f"{flip_char(head, 5)}.{payload}.{sig}"
    with pytest.raises(ProofError):
        verify_compact(decode_compact(forged), KEYS[alg].public_key())


def test_es256_der_signature_is_bad_signature() -> None:
    """JWS ES256 signatures are raw r||s; a DER signature is not accepted."""
    from cryptography.hazmat.primitives import hashes

    signing_input = f"{b64url_json({'alg': 'ES256'})}.{b64url_json(CLAIMS)}"
    der = P256_KEY.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    token = f"{signing_input}.{b64url(der)}"
    with pytest.raises(BadSignature):
        verify_compact(decode_compact(token), P256_KEY.public_key())


def test_rs256_signature_padded_or_cut_is_bad_signature() -> None:
    signing_input = f"{b64url_json({'alg': 'RS256'})}.{b64url_json(CLAIMS)}"
    sig = raw_sign(RSA_KEY, signing_input.encode())
    for bad in (sig[:-1], sig + b"\x00", b"\x00" + sig):
        with pytest.raises(BadSignature):
            verify_compact(decode_compact(f"{signing_input}.{b64url(bad)}"), RSA_KEY.public_key())


def _token(header: object, payload: object, sig: bytes = b"sig") -> str:
    return f"{b64url_json(header)}.{b64url_json(payload)}.{b64url(sig)}"


GOOD = make_jws(ED_KEY, CLAIMS)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        GOOD.rsplit(".", 1)[0],  # two parts
        GOOD + ".x",  # four parts
        GOOD[: len(GOOD) // 2],  # truncated in the payload
        GOOD.replace(".", "..", 1),
        GOOD.split(".")[0] + "..sig",
        GOOD + "=",  # padding
        GOOD.replace("-", "+").replace("_", "/") + "+/",  # standard base64 alphabet
        GOOD[:10] + "!" + GOOD[11:],
        GOOD[:10] + "é" + GOOD[11:],
        f"{b64url(b'not json')}.{b64url_json(CLAIMS)}.{b64url(b'sig')}",
        f"{b64url(b'{')}.{b64url_json(CLAIMS)}.{b64url(b'sig')}",
        f"{b64url(bytes([0xFF, 0xFE]))}.{b64url_json(CLAIMS)}.{b64url(b'sig')}",
        _token({"alg": "EdDSA"}, ["a", "json", "array"]),
        _token({"alg": "EdDSA"}, "a string"),
        _token({"alg": "EdDSA"}, 42),
        _token(["EdDSA"], CLAIMS),
        _token({"typ": "JWT"}, CLAIMS),  # no alg
        _token({"alg": 256}, CLAIMS),
        _token({"alg": "EdDSA", "b64": False}, CLAIMS),
        _token({"alg": "EdDSA", "crit": ["exp"], "exp": 1}, CLAIMS),
        _token({"alg": "EdDSA"}, {"pad": "x" * 16_000}),  # oversize
        "A" * 20_000 + "." + "A" * 4 + "." + "A" * 4,
        "eyJ" + "." * 2,
        "\x00.\x00.\x00",
        "a.b.c",  # base64url of length 1 is impossible
    ],
)
def test_malformed_tokens(token: str) -> None:
    with pytest.raises(MalformedProof) as caught:
        decode_compact(token)
    assert caught.value.reason is Reason.MALFORMED


def _raw_token(payload: bytes) -> str:
    return f"{b64url_json({'alg': 'EdDSA'})}.{b64url(payload)}.{b64url(b'sig')}"


@pytest.mark.parametrize("payload", [
    b'{"nbf": NaN}', b'{"nbf": Infinity}', b'{"nbf": -Infinity}', b'{"nbf": 1e400}',
    b'{"name": "\\ud800"}',  # a lone surrogate
    b'\xef\xbb\xbf{"name": "a"}',  # a byte order mark
    b'{"name": "a"} x', b'{"name": "tab\tinside"}', b"{'name': 'a'}",
    b"[" * 1025 + b"]" * 1025,
])
def test_json_that_is_not_strict_json_is_malformed(payload: bytes) -> None:
    with pytest.raises(MalformedProof) as caught:
        decode_compact(_raw_token(payload))
    assert caught.value.reason is Reason.MALFORMED


def test_nesting_up_to_the_json_limit_is_read() -> None:
    value = decode_compact(_raw_token(b'{"a":' + b"[" * 1000 + b"]" * 1000 + b"}")).payload["a"]
    depth = 0
    while isinstance(value, list) and value:
        value, depth = value[0], depth + 1
    assert depth == 999


def test_integers_beyond_64_bits_are_never_read_as_whole_numbers_exactly() -> None:
    # orjson reads them as floats: a time or list index made of one is refused later on
    payload = decode_compact(_raw_token(b'{"big": 18446744073709551616, "max": '
                                        b'18446744073709551615}')).payload
    assert isinstance(payload["big"], float)
    assert payload["max"] == 2**64 - 1


@pytest.mark.parametrize("where", [0, 1, 2])
@pytest.mark.parametrize("junk", ["=", "==", "+", "/", " ", "\n", "é", "."])
def test_each_part_must_be_unpadded_base64url(where: int, junk: str) -> None:
    parts = GOOD.split(".")
    parts[where] = parts[where][:8] + junk + parts[where][8:]
    with pytest.raises(MalformedProof):
        decode_compact(".".join(parts))
    if where == 2 and junk.isspace():
        return  # whitespace after the token is not part of it
    parts = GOOD.split(".")
    parts[where] += junk
    with pytest.raises(MalformedProof):
        decode_compact(".".join(parts))


def test_a_part_padded_to_a_whole_quantum_is_refused() -> None:
    head, payload, sig = GOOD.split(".")
    padded = base64.urlsafe_b64encode(base64.urlsafe_b64decode(sig + "==")).decode()
    assert padded.endswith("=")
    with pytest.raises(MalformedProof):
        decode_compact(f"{head}.{payload}.{padded}")


@pytest.mark.parametrize("alg", ["none", "HS256", "PS256", "ES384", "RS512", "", "rs256", "eddsa"])
def test_no_other_alg_is_checked_with_any_key(alg: str) -> None:
    token = _token({"alg": alg}, CLAIMS, b"s" * 64)
    for key in KEYS.values():
        with pytest.raises(BadSignature):
            verify_compact(decode_compact(token), key.public_key(), allowed=(alg, *DEFAULT_ALGS))


def test_es256_with_a_key_on_another_curve_is_a_bad_signature() -> None:
    p384 = ec.generate_private_key(ec.SECP384R1())
    token = make_jws(P256_KEY, CLAIMS)
    with pytest.raises(BadSignature):
        verify_compact(decode_compact(token), p384.public_key())


def test_deeply_nested_json_is_malformed_not_a_crash() -> None:
    deep = b"[" * 5000 + b"]" * 5000
    token = f"{b64url_json({'alg': 'EdDSA'})}.{b64url(deep)}.{b64url(b'sig')}"
    assert len(token) <= 16 * 1024
    with pytest.raises(MalformedProof):
        decode_compact(token)


def test_just_under_the_size_limit_is_accepted() -> None:
    token = make_jws(ED_KEY, {"pad": "x" * 11_000})
    assert len(token) < 16 * 1024
    verify_compact(decode_compact(token), ED_KEY.public_key())


def test_b64_true_header_is_allowed() -> None:
    token = make_jws(ED_KEY, CLAIMS, header={"b64": True})
    verify_compact(decode_compact(token), ED_KEY.public_key())


def test_looks_like_compact_jws() -> None:
    assert looks_like_compact_jws(GOOD)
    assert not looks_like_compact_jws("https://api.badgr.io/public/assertions/abc")
    assert not looks_like_compact_jws("urn:uuid:1234")
    assert not looks_like_compact_jws("a.b.c")


B64URL_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@given(st.text())
def test_decode_compact_on_arbitrary_text_only_raises_malformed(text: str) -> None:
    try:
        decode_compact(text)
    except MalformedProof:
        pass


@given(
    st.lists(st.text(alphabet=B64URL_CHARS, max_size=60), min_size=3, max_size=3),
    st.sampled_from(sorted(KEYS)),
)
def test_decode_and_verify_of_shaped_junk_only_raise_proof_errors(
    parts: list[str], alg: str
) -> None:
    try:
        verify_compact(decode_compact(".".join(parts)), KEYS[alg].public_key())
    except ProofError:
        return
    raise AssertionError("junk verified")  # pragma: no cover


@given(st.dictionaries(st.text(max_size=8), st.text(max_size=8) | st.integers()), st.binary())
def test_verify_with_arbitrary_header_and_signature_only_raises_bad_signature(
    header: dict[str, object], signature: bytes
) -> None:
    header = {**header, "alg": header.get("alg", "EdDSA")}
    if "crit" in header or "b64" in header:
        return
    token = f"{b64url_json(header)}.{b64url_json(CLAIMS)}.{b64url(signature)}"
    try:
        jws = decode_compact(token)
    except MalformedProof:
        return
    for key in KEYS.values():
        with pytest.raises(BadSignature):
            verify_compact(jws, key.public_key())


def test_payload_base64_is_exactly_what_was_signed() -> None:
    token = make_jws(RSA_KEY, CLAIMS)
    head, payload, sig = token.split(".")
    assert decode_compact(token).signing_input == f"{head}.{payload}".encode()
    assert base64.urlsafe_b64decode(payload + "==")
