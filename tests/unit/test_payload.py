"""Reading what a scanner typed: every spelling of the same award finds the same award."""

from __future__ import annotations

import unicodedata

import pytest

from kiosk.domain.payload import (
    MAX_PAYLOAD_BYTES,
    MalformedPayload,
    award_keys,
    clean,
    parse_payload,
)

UUID = "7f3c2b1a-9d8e-4f6a-8b7c-1234567890ab"


def keys(payload: str | bytes) -> tuple[str, ...]:
    return parse_payload(payload).keys


# --- Badgr / Canvas Credentials -------------------------------------------------------------

def test_badgr_url_gives_a_badgr_key_and_the_url():
    proof = parse_payload("https://api.badgr.io/public/assertions/AbCdEf123456")
    assert proof.format == "url"
    assert proof.keys[0] == "badgr:AbCdEf123456"
    assert "url:api.badgr.io/public/assertions/AbCdEf123456" in proof.keys
    assert proof.recipient_email is None


def test_badgr_url_carries_the_recipient_email():
    proof = parse_payload(
        "https://api.badgr.io/public/assertions/AbCdEf123456?identity__email=alice%40example.org"
    )
    assert proof.keys[0] == "badgr:AbCdEf123456"
    assert proof.recipient_email == "alice@example.org"


def test_badgr_ids_keep_their_case():
    assert keys("https://api.badgr.io/public/assertions/abcdef123456")[0] != keys(
        "https://api.badgr.io/public/assertions/ABCDEF123456")[0]


def test_badgr_json_suffix_and_trailing_slash_give_the_same_award():
    base = keys("https://api.badgr.io/public/assertions/AbCdEf123456")[0]
    assert keys("https://api.badgr.io/public/assertions/AbCdEf123456.json")[0] == base
    assert keys("https://api.badgr.io/public/assertions/AbCdEf123456/")[0] == base


# --- Credly ----------------------------------------------------------------------------------

@pytest.mark.parametrize("payload", [
    f"https://api.credly.com/v1/obi/v2/badge_assertions/{UUID}",
    f"https://www.credly.com/badges/{UUID}",
    f"https://www.credly.com/badges/{UUID}/public_url",
    f"https://www.credly.com/badges/{UUID}/",
    f"https://www.credly.com/badges/{UUID.upper()}/public_url",
    f"urn:uuid:{UUID}",
    f"URN:UUID:{UUID.upper()}",
    UUID,
    UUID.upper(),
])
def test_credly_links_and_bare_uuids_give_the_same_uuid_key(payload):
    assert keys(payload)[0] == f"uuid:{UUID}"


def test_credly_api_and_public_page_are_urls_with_the_uuid_first():
    proof = parse_payload(f"https://www.credly.com/badges/{UUID}/public_url")
    assert proof.format == "url"
    assert proof.keys == (f"uuid:{UUID}", f"url:www.credly.com/badges/{UUID}/public_url")


def test_urn_uuid_is_an_id():
    proof = parse_payload(f"urn:uuid:{UUID}")
    assert proof.format == "id"
    assert proof.keys == (f"uuid:{UUID}",)


# --- any other issuer URL --------------------------------------------------------------------

@pytest.mark.parametrize("payload", [
    "https://badges.example.org/assertions/9",
    "http://badges.example.org/assertions/9",
    "https://BADGES.Example.ORG/assertions/9",
    "https://badges.example.org/assertions/9/",
    "https://badges.example.org/assertions/9?utm_source=print",
    "https://badges.example.org/assertions/9#top",
    "https://badges.example.org:443/assertions/9",
    "https://badges.example.org./assertions/9",
])
def test_other_urls_give_one_url_key(payload):
    assert keys(payload) == ("url:badges.example.org/assertions/9",)


def test_url_path_keeps_its_case():
    assert keys("https://example.org/Assertions/AbC") == ("url:example.org/Assertions/AbC",)


def test_url_with_an_unusual_port_keeps_the_port():
    assert keys("https://example.org:8443/a/1") == ("url:example.org:8443/a/1",)


def test_different_urls_give_different_keys():
    assert keys("https://example.org/a/1") != keys("https://example.org/a/2")
    assert keys("https://example.org/a/1") != keys("https://example.com/a/1")


# --- bare ids --------------------------------------------------------------------------------

@pytest.mark.parametrize("payload", ["A-0042", "JCS:2024:17", "award.17"])
def test_bare_ids(payload):
    proof = parse_payload(payload)
    assert proof.format == "id"
    assert proof.keys == (f"id:{payload}",)


# --- what the scanner adds around the payload ------------------------------------------------

@pytest.mark.parametrize("junk", ["\r\n", "\n", "\t", " ", "\x00", "\u200b", "\ufeff", "\xa0",
                                  "\r\n\t \x00\u200b"])
def test_surrounding_whitespace_and_control_characters_are_stripped(junk):
    url = "https://api.badgr.io/public/assertions/AbCdEf123456"
    assert parse_payload(junk + url + junk).keys == parse_payload(url).keys
    assert parse_payload(junk + url + junk).text == url


@pytest.mark.parametrize("code", range(128))
def test_every_ascii_character_is_stripped_from_the_ends_exactly_when_it_is_junk(code):
    ch = chr(code)
    junk = ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp")
    assert clean(f"{ch}A-0042{ch}") == ("A-0042" if junk else f"{ch}A-0042{ch}")
    assert clean(f"{ch}A-0042{ch}\u200b") == ("A-0042" if junk else f"{ch}A-0042{ch}")


def test_bytes_are_read_as_utf8():
    url = f"https://www.credly.com/badges/{UUID}"
    assert parse_payload(url.encode() + b"\r\n").keys == parse_payload(url).keys


def test_exactly_4_kb_is_allowed_and_one_byte_more_is_malformed():
    url = "https://example.org/"
    at_limit = url + "a" * (MAX_PAYLOAD_BYTES - len(url))
    assert len(at_limit.encode()) == 4096
    assert parse_payload(at_limit).keys
    with pytest.raises(MalformedPayload):
        parse_payload(at_limit + "a")


def test_the_4_kb_limit_counts_bytes_not_characters():
    payload = "https://example.org/" + "é" * 2100  # 2100 characters, 4200 bytes
    with pytest.raises(MalformedPayload):
        parse_payload(payload)


@pytest.mark.parametrize("payload", [
    "",
    "   ",
    "\r\n",
    "\x00\x00",
    b"",
    "two words",
    "urn:uuid:1234 5678",
    "https://example.org/a b",
    "https://example.org/a\u200bb",
    "https://example.org/a%20b",
    "https://example.org/a%0Ab",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    b"\xff\xfe\xfd",
    b"abc\xc3(",
    b"ab\x00cd",
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "javascript:void(0)",
    "javascript://example.org/%0Aalert(1)",
    "https://",
    "https:///public/assertions/AbCdEf123456",
    "http:/example.org/assertions/1",
    "https:example.org/assertions/1",
    "HTTPS:/example.org/assertions/1",
    "javascript:void0",
    "ftp://example.org/badges/1",
    "file:///etc/passwd",
    "data:text/plain;base64,QQ==",
    "https://localhost/assertions/1",
    "https://exa_mple.org/assertions/1",
    "https://example.org:99999/a",
    "https://user@/a",
    "<script>alert(1)</script>",
    "x" * 600,
    "a" * 5000,
])
def test_unreadable_payloads_are_malformed(payload):
    with pytest.raises(MalformedPayload) as caught:
        parse_payload(payload)
    assert str(caught.value), "the refusal must say why in plain words"


def test_malformed_payload_is_a_value_error():
    assert issubclass(MalformedPayload, ValueError)


# --- the same function gives the keys the cache stores ---------------------------------------

def test_award_keys_for_a_roster_id_and_its_aliases_meet_the_scans():
    stored = set(award_keys(f"urn:uuid:{UUID}"))
    stored |= set(award_keys(f"https://www.credly.com/badges/{UUID}/public_url"))
    stored |= set(award_keys("https://api.badgr.io/public/assertions/AbCdEf123456"))
    stored |= set(award_keys("https://district.example.org/awards/17"))
    for scanned in (
        f"https://api.credly.com/v1/obi/v2/badge_assertions/{UUID}",
        f"{UUID.upper()}",
        "https://api.badgr.io/public/assertions/AbCdEf123456?identity__email=a@b.org",
        "http://District.Example.org/awards/17/",
    ):
        assert stored & set(keys(scanned)), f"{scanned} does not find the award"


def test_award_keys_refuses_a_malformed_alias():
    with pytest.raises(MalformedPayload):
        award_keys("https:///awards/17")


def test_a_raw_plus_in_the_badgr_email_is_kept():
    proof = parse_payload(
        "https://api.badgr.io/public/assertions/AbCdEf123456?identity__email=alice+pins@example.org"
    )
    assert proof.recipient_email == "alice+pins@example.org"
