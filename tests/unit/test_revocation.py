"""Revocation: OB 2.0 RevocationList, OB 3.0 1EdTechRevocationList, Bitstring Status List."""

from __future__ import annotations

import base64
import gzip

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.proof_errors import MalformedProof, ProofError
from kiosk.domain.revocation import (
    MIN_STATUS_LIST_BITS,
    bitstring_status,
    decode_status_list,
    ob2_revoked,
    ob3_revoked,
    status_index,
)

A1 = "https://issuer.example/assertions/1"
A2 = "https://issuer.example/assertions/2"
A3 = "https://issuer.example/assertions/3"


# --- OB 2.0 RevocationList ---------------------------------------------------------------

OB2_LIST = {
    "@context": "https://w3id.org/openbadges/v2",
    "id": "https://issuer.example/revocations",
    "type": "RevocationList",
    "issuer": "https://issuer.example/profile",
    "revokedAssertions": [
        A1,
        {"id": A2, "revocationReason": "Issued in error"},
        {"uid": "abc-123", "revocationReason": "Honor code violation"},
        {"id": A3},
        42,
        None,
    ],
}


def test_ob2_entry_forms() -> None:
    assert ob2_revoked(OB2_LIST, A1) == ""
    assert ob2_revoked(OB2_LIST, A2) == "Issued in error"
    assert ob2_revoked(OB2_LIST, A3) == ""
    assert ob2_revoked(OB2_LIST, "urn:uuid:other", "abc-123") == "Honor code violation"
    assert ob2_revoked(OB2_LIST, "https://issuer.example/assertions/9") is None
    assert ob2_revoked(OB2_LIST, "https://issuer.example/assertions/9", "zzz") is None


def test_ob2_uid_only_matches_when_given() -> None:
    assert ob2_revoked(OB2_LIST, "abc-123") is None


@pytest.mark.parametrize(
    "doc", [{}, {"revokedAssertions": None}, {"revokedAssertions": "x"}, [], "text"]
)
def test_ob2_odd_documents_list_nothing(doc: object) -> None:
    assert ob2_revoked(doc, A1) is None  # type: ignore[arg-type]


def test_ob2_empty_id_never_matches_empty_entries() -> None:
    doc = {"revokedAssertions": ["", {"id": ""}, {"uid": ""}]}
    assert ob2_revoked(doc, "", "") is None


# --- OB 3.0 1EdTechRevocationList --------------------------------------------------------

C1 = "urn:uuid:a63a60be-f4af-491e-87fc-2c8b3c7d2a45"
C2 = "https://issuer.example/credentials/2"


@pytest.mark.parametrize("key", ["revokedCredential", "revokedCredentials"])
def test_ob3_both_spellings_at_top_level(key: str) -> None:
    doc = {
        "type": "1EdTechRevocationList",
        key: [C1, {"id": C2, "revocationReason": "Fraud"}],
    }
    assert ob3_revoked(doc, C1) == ""
    assert ob3_revoked(doc, C2) == "Fraud"
    assert ob3_revoked(doc, "urn:uuid:other") is None


@pytest.mark.parametrize("key", ["revokedCredential", "revokedCredentials"])
def test_ob3_under_credential_subject(key: str) -> None:
    doc = {
        "type": ["VerifiableCredential", "1EdTechRevocationList"],
        "credentialSubject": {"id": "https://issuer.example/rl", key: [{"id": C1}]},
    }
    assert ob3_revoked(doc, C1) == ""
    assert ob3_revoked({"credentialSubject": [doc["credentialSubject"]]}, C1) == ""


def test_ob3_single_entry_not_in_a_list() -> None:
    assert ob3_revoked({"revokedCredential": C1}, C1) == ""
    assert ob3_revoked({"revokedCredential": {"id": C1, "revocationReason": 3}}, C1) == ""


@pytest.mark.parametrize("doc", [{}, {"revokedCredential": 5}, {"credentialSubject": "x"}, []])
def test_ob3_odd_documents_list_nothing(doc: object) -> None:
    assert ob3_revoked(doc, C1) is None  # type: ignore[arg-type]


# --- Bitstring Status List ---------------------------------------------------------------

SET_BITS = (0, 7, 8, 131_071)


def _bits(length_bits: int, set_bits: tuple[int, ...]) -> bytes:
    raw = bytearray(length_bits // 8)
    for i in set_bits:
        raw[i // 8] |= 0x80 >> (i % 8)
    return bytes(raw)


def _encode(raw: bytes, prefix: str = "u") -> str:
    return prefix + base64.urlsafe_b64encode(gzip.compress(raw)).rstrip(b"=").decode()


ENCODED = _encode(_bits(MIN_STATUS_LIST_BITS, SET_BITS))


def test_set_bits_are_read_from_the_left() -> None:
    for i in SET_BITS:
        assert bitstring_status(ENCODED, i) is True
    for i in (1, 6, 9, 15, 16, 131_070, 65_536):
        assert bitstring_status(ENCODED, i) is False


def test_status_list_2021_form_without_multibase_prefix() -> None:
    legacy = _encode(_bits(MIN_STATUS_LIST_BITS, SET_BITS), prefix="")
    assert legacy.startswith("H4sI")
    assert bitstring_status(legacy, 7) is True
    assert bitstring_status(legacy, 6) is False


def test_spec_style_empty_list() -> None:
    empty = _encode(bytes(MIN_STATUS_LIST_BITS // 8))
    assert not bitstring_status(empty, 0)
    assert not bitstring_status(empty, MIN_STATUS_LIST_BITS - 1)


def test_longer_lists_work() -> None:
    long = _encode(_bits(MIN_STATUS_LIST_BITS * 4, (500_000,)))
    assert bitstring_status(long, 500_000)
    assert not bitstring_status(long, 499_999)


def test_shorter_list_refused() -> None:
    short = _encode(_bits(MIN_STATUS_LIST_BITS - 8, (0,)))
    with pytest.raises(MalformedProof):
        bitstring_status(short, 0)


@pytest.mark.parametrize("index", [-1, MIN_STATUS_LIST_BITS, 10**12])
def test_index_out_of_range(index: int) -> None:
    with pytest.raises(MalformedProof):
        bitstring_status(ENCODED, index)


def test_index_must_be_an_int() -> None:
    with pytest.raises(MalformedProof):
        bitstring_status(ENCODED, True)
    with pytest.raises(MalformedProof):
        bitstring_status(ENCODED, "7")  # type: ignore[arg-type]


def test_status_index_parsing() -> None:
    assert status_index("94567") == 94567
    assert status_index(7) == 7
    for bad in ("", "-1", "1.5", "٣", True, None, 1.0, "9" * 20):
        with pytest.raises(MalformedProof):
            status_index(bad)


def test_decompression_bomb_refused() -> None:
    bomb = (
        "u" + base64.urlsafe_b64encode(gzip.compress(bytes(32 * 1024 * 1024))).rstrip(b"=").decode()
    )
    with pytest.raises(MalformedProof):
        decode_status_list(bomb)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "u",
        "hello",
        "uhello!",
        "u" + _b64(b"not gzip at all"),
        "u" + _b64(gzip.compress(bytes(16384))[:-12]),  # truncated GZIP
        "u" + _b64(gzip.compress(bytes(16384))) + "==",
        "z" + _b64(gzip.compress(bytes(16384))),  # base58btc prefix: not this format
        "m" + base64.b64encode(gzip.compress(bytes(16384))).decode(),
        "u" + _b64(b"\x1f\x8b" + b"\x00" * 40),
        "u" + "A" * (5 * 1024 * 1024),
    ],
)
def test_garbage_refused(encoded: str) -> None:
    with pytest.raises(MalformedProof):
        bitstring_status(encoded, 0)


@given(st.text(), st.integers(min_value=-5, max_value=200_000))
def test_bitstring_status_on_arbitrary_text_only_raises_proof_errors(text: str, index: int) -> None:
    for candidate in (text, "u" + text, "H4sI" + text):
        try:
            bitstring_status(candidate, index)
        except ProofError:
            pass


@given(st.binary(max_size=200))
def test_bitstring_status_on_arbitrary_bytes_only_raises_proof_errors(data: bytes) -> None:
    for raw in (data, b"\x1f\x8b\x08\x00" + data):
        try:
            bitstring_status("u" + _b64(raw), 0)
        except ProofError:
            pass
