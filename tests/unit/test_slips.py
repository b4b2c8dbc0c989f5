"""The district's proof slip token: it reads back exactly, and anything altered, forged or
damaged is refused with one of the three proof errors, never a crash and never a slip."""

from __future__ import annotations

import base64
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain.proof_errors import BadSignature, MalformedProof, ProofError, UntrustedIssuer
from kiosk.domain.slips import (
    PREFIX,
    Slip,
    district_kid,
    looks_like_slip,
    make_slip,
    public_key_from_text,
    public_key_text,
    read_slip,
)

# Fixed keys so that hypothesis examples replay the same way.
DISTRICT = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
TRUSTED = {district_kid(DISTRICT.public_key()): DISTRICT.public_key()}
DAY = date(2026, 5, 4)
URN = "urn:uuid:11111111-1111-4111-8111-111111111111"
BARE = "77777777-7777-4777-8777-777777777777"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
PROOF_ERRORS = (BadSignature, MalformedProof, UntrustedIssuer)


def _letters(token: str) -> str:
    return token[len(PREFIX):]


def _body(token: str) -> bytes:
    letters = _letters(token)
    return base64.b32decode(letters + "=" * (-len(letters) % 8))


def _token(body: bytes) -> str:
    return PREFIX + base64.b32encode(body).decode("ascii").rstrip("=")


@pytest.mark.parametrize("award_id", [
    URN,
    BARE,
    "JCS-1",
    "https://api.badgr.io/public/assertions/AbCdEf123456",
    "Ünïcode award ✓",
    "x" * 96,
    # not the canonical uuid spellings: kept as text so that they read back exactly
    URN.upper(),
    BARE.upper(),
    "{" + BARE + "}",
    BARE.replace("-", ""),
    "urn:uuid:" + BARE.upper(),
])
def test_a_slip_reads_back_exactly(award_id):
    token = make_slip(award_id, DAY, DISTRICT)
    assert read_slip(token, TRUSTED) == Slip(award_id=award_id, issued_on=DAY,
                                             kid=district_kid(DISTRICT.public_key()))


def test_the_token_is_short_and_uses_only_qr_alphanumeric_characters():
    for award_id in (URN, BARE):
        token = make_slip(award_id, DAY, DISTRICT)
        assert len(token) == 145
        assert token.startswith("PKS1:")
        assert set(_letters(token)) <= set(ALPHABET)


def test_urn_and_bare_uuid_keep_their_spelling_family():
    assert read_slip(make_slip(URN, DAY, DISTRICT), TRUSTED).award_id == URN
    assert read_slip(make_slip(BARE, DAY, DISTRICT), TRUSTED).award_id == BARE


@pytest.mark.parametrize("day", [date(2020, 1, 1), date(2026, 12, 31), date(2199, 6, 5)])
def test_the_issued_day_reads_back(day):
    assert read_slip(make_slip(URN, day, DISTRICT), TRUSTED).issued_on == day


@pytest.mark.parametrize(("award_id", "day"), [
    ("x" * 97, DAY),
    ("é" * 49, DAY),  # 98 bytes of UTF-8
    ("", DAY),
    (URN, date(2019, 12, 31)),
    (URN, date(2300, 1, 1)),
])
def test_what_cannot_be_made_raises_value_error(award_id, day):
    with pytest.raises(ValueError):
        make_slip(award_id, day, DISTRICT)


@pytest.mark.parametrize("dress", [
    str.lower,
    str.swapcase,
    lambda t: f"  {t}\r\n",
    lambda t: f"\t{t.lower()} ",
    lambda t: t[:20].lower() + t[20:],
])
def test_any_letter_case_and_surrounding_whitespace_read_the_same(dress):
    token = make_slip(URN, DAY, DISTRICT)
    assert looks_like_slip(dress(token))
    assert read_slip(dress(token), TRUSTED).award_id == URN


@pytest.mark.parametrize("text", ["", "PKS", "PKS2:AAAA", URN, "https://example.org/PKS1:"])
def test_other_text_does_not_look_like_a_slip(text):
    assert not looks_like_slip(text)


@pytest.mark.parametrize("award_id", [URN, "JCS-1"])
def test_every_flipped_character_is_bad_signature_or_malformed(award_id):
    token = make_slip(award_id, DAY, DISTRICT)
    # letter 7 of the body holds the kid's last 2 bits and the day's first 3: a change there can
    # make both an unknown kid and another day, which reads as a key this kiosk does not trust
    mixed = len(PREFIX) + 6
    for i, original in enumerate(token):
        for replacement in {"A", "Z", "2", "7", "Q", "0", "1", ":", " ", "é"}:
            if replacement.upper() == original.upper():
                continue
            altered = token[:i] + replacement + token[i + 1:]
            allowed = PROOF_ERRORS if i == mixed else (BadSignature, MalformedProof)
            with pytest.raises(allowed):
                read_slip(altered, TRUSTED)


def test_a_changed_kid_letter_reads_as_altered_not_as_another_key():
    token = make_slip(URN, DAY, DISTRICT)
    for i in range(len(PREFIX), len(PREFIX) + 6):  # the 30 bits of the kid alone
        other = ALPHABET[(ALPHABET.index(token[i]) + 1) % 32]
        with pytest.raises(BadSignature, match="altered or forged"):
            read_slip(token[:i] + other + token[i + 1:], TRUSTED)
    # a kiosk that trusts no key at all cannot tell: it says so
    with pytest.raises(UntrustedIssuer):
        read_slip(token[:5] + ALPHABET[(ALPHABET.index(token[5]) + 1) % 32] + token[6:], {})


def test_a_changed_award_id_or_day_with_valid_spelling_is_bad_signature():
    body = bytearray(_body(make_slip(URN, DAY, DISTRICT)))
    for position in (5, 7, 22):  # the day, the first and the last byte of the uuid
        altered = bytearray(body)
        altered[position] ^= 0x01
        with pytest.raises(BadSignature, match="altered or forged"):
            read_slip(_token(bytes(altered)), TRUSTED)


def test_unused_bits_in_the_last_letter_are_refused():
    token = make_slip(URN, DAY, DISTRICT)  # 87 bytes: the last letter carries 4 unused bits
    last = ALPHABET.index(token[-1])
    for low in range(1, 16):
        altered = token[:-1] + ALPHABET[last ^ low]
        assert _body(altered) == _body(token)  # the same bytes, another spelling
        with pytest.raises(MalformedProof):
            read_slip(altered, TRUSTED)


def test_an_unknown_key_is_untrusted_issuer():
    token = make_slip(URN, DAY, OTHER)
    with pytest.raises(UntrustedIssuer, match="does not trust"):
        read_slip(token, TRUSTED)
    with pytest.raises(UntrustedIssuer):
        read_slip(make_slip(URN, DAY, DISTRICT), {})


def test_a_forgery_that_borrows_the_district_kid_is_bad_signature():
    genuine_kid = _body(make_slip(URN, DAY, DISTRICT))[:4]
    forged = bytearray(_body(make_slip(URN, DAY, OTHER)))
    forged[:4] = genuine_kid
    signed = bytes(forged[:-64])
    forged[-64:] = OTHER.sign(b"PKS1" + signed)  # a correct signature, by the wrong key
    with pytest.raises(BadSignature, match="altered or forged"):
        read_slip(_token(bytes(forged)), TRUSTED)


def test_a_signature_from_another_slip_does_not_fit():
    one = _body(make_slip(URN, DAY, DISTRICT))
    two = _body(make_slip(BARE, DAY, DISTRICT))
    with pytest.raises(BadSignature):
        read_slip(_token(one[:-64] + two[-64:]), TRUSTED)


@pytest.mark.parametrize("body_change", [
    lambda b: b[:-1],  # one byte short
    lambda b: b + b"\x00",  # one byte long
    lambda b: b[:6] + b"\x07" + b[7:],  # unknown award tag
    lambda b: b[:6] + b"\x00" + b[7:],  # text tag with uuid bytes: the length does not fit
    lambda b: b[:10],
    lambda b: b"",
])
def test_a_damaged_shape_is_malformed(body_change):
    body = _body(make_slip(URN, DAY, DISTRICT))
    with pytest.raises(MalformedProof, match="damaged"):
        read_slip(_token(body_change(body)), TRUSTED)


def test_bad_utf8_in_a_text_award_is_malformed():
    body = bytearray(_body(make_slip("JCS-1", DAY, DISTRICT)))
    body[8] = 0xFF
    with pytest.raises(MalformedProof):
        read_slip(_token(bytes(body)), TRUSTED)


@pytest.mark.parametrize("text", [
    "", "   ", "PKS1:", "PKS1:A", "PKS1:AAA", "PKS1:" + "A" * 5000, "PKS1:0000",
    "PKS1:MZXW6===", "not a slip", URN, "PKS1:" + "\u0661" * 8, "PKSı:AAAAAAAA",
])
def test_garbage_is_malformed(text):
    with pytest.raises(MalformedProof):
        read_slip(text, TRUSTED)


def test_public_key_text_round_trip():
    text = public_key_text(DISTRICT.public_key())
    assert text.startswith("ed25519:") and "=" not in text
    key = public_key_from_text(f"  {text}\n")
    assert district_kid(key) == district_kid(DISTRICT.public_key())
    assert len(district_kid(key)) == 8 and district_kid(key) == district_kid(key).lower()


@pytest.mark.parametrize("text", [
    "", "ed25519:", "ed25519:AAAA", "rsa:AAAA", "ed25519:" + "A" * 44, "ed25519:!!!!",
    "ed25519:" + "A" * 43 + "=",
])
def test_a_bad_public_key_text_is_malformed(text):
    with pytest.raises(MalformedProof):
        public_key_from_text(text)


# --- fuzz: only the three proof errors ever escape -------------------------------------------

def _read_or_refuse(text: str) -> Slip | None:
    try:
        return read_slip(text, TRUSTED)
    except PROOF_ERRORS as exc:
        assert str(exc)
        assert isinstance(exc, ProofError)
        return None


@given(st.text(max_size=400))
def test_any_text_gives_a_slip_error_never_a_crash(text):
    assert _read_or_refuse(text) is None


@given(st.text(alphabet=ALPHABET + ALPHABET.lower() + "=01:- \n", max_size=300))
def test_any_base32ish_text_gives_a_slip_error(letters):
    assert _read_or_refuse(PREFIX + letters) is None


AWARD_IDS = st.one_of(
    st.uuids().map(str),
    st.uuids().map(lambda u: f"urn:uuid:{u}"),
    st.text(min_size=1, max_size=24),  # at most 96 bytes of UTF-8
)


@settings(max_examples=300)
@given(AWARD_IDS, st.dates(min_value=date(2020, 1, 1), max_value=date(2199, 1, 1)),
       st.data())
def test_a_mutated_valid_token_is_refused_or_reads_back_unchanged(award_id, day, data):
    token = make_slip(award_id, day, DISTRICT)
    position = data.draw(st.integers(0, len(token)), label="position")
    kind = data.draw(st.sampled_from(["replace", "insert", "delete", "truncate"]), label="kind")
    char = data.draw(st.characters(), label="char")
    if kind == "replace" and position < len(token):
        mutated = token[:position] + char + token[position + 1:]
    elif kind == "insert":
        mutated = token[:position] + char + token[position:]
    elif kind == "delete" and position < len(token):
        mutated = token[:position] + token[position + 1:]
    else:
        mutated = token[:position]
    slip = _read_or_refuse(mutated)
    if slip is not None:  # only a change of case or surrounding whitespace may still read
        assert mutated.strip().upper() == token
        assert slip == Slip(award_id, day, district_kid(DISTRICT.public_key()))


@given(st.text(max_size=120))
def test_any_public_key_text_is_a_key_or_malformed(text):
    try:
        public_key_from_text(text)
    except MalformedProof:
        pass


@pytest.mark.parametrize("award_id", [URN, BARE])
def test_a_typical_slip_fits_a_version_6_qr_code_at_level_m(award_id):
    from qrcode.constants import ERROR_CORRECT_M

    from kiosk.reports.slips_pdf import qr_code

    code = qr_code(make_slip(award_id, DAY, DISTRICT))
    assert code.version <= 6
    assert code.error_correction == ERROR_CORRECT_M
    assert code.border == 4
