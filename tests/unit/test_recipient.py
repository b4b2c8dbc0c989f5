"""Open Badges recipient identity: salted sha256$ hashes and plain identities."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.recipient import hash_identity, identity_matches

EMAIL = "Ada.Lovelace@Example.org"
CANDIDATES = [EMAIL, EMAIL.lower()]
SALT = "f0258a9d-39b5-4781-8e3a-e05e380af72e"


def _sha(text: str) -> str:
    return "sha256$" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_salt_is_appended_to_the_identity() -> None:
    hashed = _sha(EMAIL.lower() + SALT)
    assert hash_identity(EMAIL.lower(), SALT) == hashed
    assert identity_matches(hashed, True, SALT, CANDIDATES)
    assert not identity_matches(_sha(SALT + EMAIL.lower()), True, SALT, CANDIDATES)


def test_hashed_without_salt() -> None:
    assert identity_matches(_sha(EMAIL.lower()), True, None, CANDIDATES)
    assert identity_matches(_sha(EMAIL.lower()), True, "", CANDIDATES)
    assert not identity_matches(_sha(EMAIL.lower()), True, SALT, CANDIDATES)


def test_email_as_entered_and_lower_cased_are_both_tried() -> None:
    assert identity_matches(_sha(EMAIL + SALT), True, SALT, CANDIDATES)
    assert identity_matches(_sha(EMAIL.lower() + SALT), True, SALT, CANDIDATES)
    assert not identity_matches(_sha(EMAIL.upper() + SALT), True, SALT, CANDIDATES)


def test_hex_case_and_algorithm_case_do_not_matter() -> None:
    hashed = _sha(EMAIL.lower() + SALT)
    assert identity_matches("sha256$" + hashed[7:].upper(), True, SALT, CANDIDATES)
    assert identity_matches("SHA256$" + hashed[7:], True, SALT, CANDIDATES)


def test_md5_is_accepted_as_the_spec_allows() -> None:
    digest = hashlib.md5((EMAIL.lower() + SALT).encode()).hexdigest()
    assert identity_matches(f"md5${digest}", True, SALT, CANDIDATES)
    assert hash_identity(EMAIL.lower(), SALT, "md5") == f"md5${digest}"


def test_utf8_identity() -> None:
    email = "zoë@example.org"
    assert identity_matches(_sha(email + "s"), True, "s", [email])


@pytest.mark.parametrize(
    "identity",
    [
        "",
        "sha256$",
        "sha256",
        "sha512$" + hashlib.sha512(b"x").hexdigest(),
        "sha1$" + hashlib.sha1(b"x").hexdigest(),
        "sha256$zz" + "0" * 62,
        "sha256$" + "0" * 63,
        _sha(EMAIL.lower() + SALT)[:-1],
        _sha(EMAIL.lower() + SALT) + "0",
        EMAIL.lower(),  # plain text where a hash was announced
    ],
)
def test_malformed_or_other_hashes_do_not_match(identity: str) -> None:
    assert not identity_matches(identity, True, SALT, CANDIDATES)


def test_someone_else_does_not_match() -> None:
    other = _sha("grace.hopper@example.org" + SALT)
    assert not identity_matches(other, True, SALT, CANDIDATES)


def test_plain_identity_compares_emails_case_insensitively() -> None:
    assert identity_matches("ada.lovelace@example.org", False, None, [EMAIL])
    assert identity_matches(" ADA.LOVELACE@EXAMPLE.ORG ", False, None, CANDIDATES)
    assert not identity_matches("grace@example.org", False, None, CANDIDATES)
    assert not identity_matches("", False, None, CANDIDATES)
    assert not identity_matches(_sha(EMAIL.lower()), False, None, CANDIDATES)


def test_no_candidates_never_match() -> None:
    assert not identity_matches(_sha(SALT), True, SALT, [""])
    assert not identity_matches("", False, None, [""])
    assert not identity_matches(_sha(EMAIL), True, None, [])


def test_bad_types_are_false_not_errors() -> None:
    assert not identity_matches(None, True, SALT, CANDIDATES)  # type: ignore[arg-type]
    assert not identity_matches(_sha(EMAIL), True, 5, CANDIDATES)  # type: ignore[arg-type]
    assert not identity_matches(_sha(EMAIL), True, None, [None, 3])  # type: ignore[list-item]


@given(st.text(), st.booleans(), st.none() | st.text(), st.lists(st.text(), max_size=3))
def test_identity_matches_never_raises(
    identity: str, hashed: bool, salt: str | None, candidates: list[str]
) -> None:
    assert identity_matches(identity, hashed, salt, candidates) in (True, False)


@given(st.emails(), st.text(max_size=20))
def test_hash_identity_round_trips(email: str, salt: str) -> None:
    assert identity_matches(hash_identity(email, salt), True, salt, [email])
