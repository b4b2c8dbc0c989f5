"""Badge data baked into PNG and SVG images: read what the specs describe, refuse the rest."""

from __future__ import annotations

import io
import json
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from kiosk.domain.baked import MAX_IMAGE_BYTES, BakedProof, extract_baked
from kiosk.domain.payload import MalformedPayload

URL = "https://api.badgr.io/public/assertions/abc123XYZ"
JWS = "eyJhbGciOiJSUzI1NiJ9.eyJpZCI6InVybjp1dWlkOjEyMyJ9.c2lnbmF0dXJlLWJ5dGVz"
ASSERTION = json.dumps({
    "@context": "https://w3id.org/openbadges/v2",
    "id": "https://example.org/assertions/123",
    "type": "Assertion",
    "recipient": {"type": "email", "hashed": False, "identity": "ana@example.org"},
    "verification": {"type": "hosted"},
    "badge": "https://example.org/badges/5",
    "issuedOn": "2024-01-01T00:00:00Z",
    "note": "accents é and emoji \U0001f4cc survive",
})


def pillow_png(*texts: tuple[str, str, bool]) -> bytes:
    """A real PNG written by Pillow with iTXt chunks (keyword, text, compressed)."""
    info = PngImagePlugin.PngInfo()
    for key, value, compressed in texts:
        info.add_itxt(key, value, zip=compressed)
    out = io.BytesIO()
    Image.new("RGBA", (4, 4), (200, 30, 30, 255)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def itxt(keyword: bytes, text: bytes, *, flag: int = 0, method: int = 0) -> bytes:
    return chunk(b"iTXt", keyword + b"\0" + bytes([flag, method]) + b"\0\0" + text)


def with_chunks(png: bytes, *extra: bytes) -> bytes:
    """Insert chunks just before IEND (the last 12 bytes)."""
    return png[:-12] + b"".join(extra) + png[-12:]


PLAIN = pillow_png()


def refused(data: bytes, words: str = "") -> str:
    with pytest.raises(MalformedPayload) as exc:
        extract_baked(data)
    message = str(exc.value)
    assert message and words.lower() in message.lower()
    return message


# --- PNG -----------------------------------------------------------------------------------


@pytest.mark.parametrize("keyword,version", [("openbadges", "ob2"), ("openbadgecredential", "ob3")])
@pytest.mark.parametrize("text", [URL, JWS, ASSERTION])
@pytest.mark.parametrize("compressed", [False, True])
def test_pillow_png_round_trips(keyword: str, version: str, text: str, compressed: bool) -> None:
    png = pillow_png(("Comment", "made by a test", False), (keyword, text, compressed))
    assert extract_baked(png) == BakedProof("baked-png", version, text)
    # Pillow reads the same text back: the image is a real, valid PNG
    with Image.open(io.BytesIO(png)) as img:
        img.load()
        assert isinstance(img, PngImagePlugin.PngImageFile)
        assert img.text[keyword] == text


def test_text_is_stripped() -> None:
    png = pillow_png(("openbadges", f"\n  {URL} \r\n", False))
    assert extract_baked(png).text == URL


def test_other_keyword_is_not_badge_data() -> None:
    refused(pillow_png(("Comment", URL, False)), "no badge data")
    refused(pillow_png(("OpenBadges", URL, False)), "no badge data")  # keywords are exact
    refused(PLAIN, "no badge data")


def test_legacy_text_chunk_with_hosted_url() -> None:
    png = with_chunks(PLAIN, chunk(b"tEXt", b"openbadges\0" + URL.encode()))
    assert extract_baked(png) == BakedProof("baked-png", "ob2", URL)


def test_spec_example_chunk_fields() -> None:
    # OB 2.0 / OB 3.0 baking specs: keyword, compression 0, method 0, empty language tag and
    # translated keyword, text 'header.payload.signature'. Written byte by byte here.
    png = with_chunks(PLAIN, itxt(b"openbadgecredential", b"header.payload.signature"))
    assert extract_baked(png) == BakedProof("baked-png", "ob3", "header.payload.signature")


def test_language_tag_and_translated_keyword_are_ignored() -> None:
    body = b"openbadges\0\0\0en-GB\0" + "Abzeichenprüfung".encode() + b"\0" + JWS.encode()
    assert extract_baked(with_chunks(PLAIN, chunk(b"iTXt", body))).text == JWS


def test_two_badge_chunks_are_refused() -> None:
    refused(pillow_png(("openbadges", URL, False), ("openbadges", JWS, False)), "more than one")
    both = pillow_png(("openbadges", URL, False), ("openbadgecredential", JWS, False))
    refused(both, "more than one")


def test_corrupted_crc_is_refused() -> None:
    png = bytearray(pillow_png(("openbadges", URL, False)))
    at = png.index(b"api.badgr.io")
    png[at] ^= 0x01
    refused(bytes(png), "damaged")


def test_truncated_png_is_refused() -> None:
    png = pillow_png(("openbadges", URL, False))
    for cut in (9, 20, 33, len(png) // 2, len(png) - 12, len(png) - 1):
        refused(png[:cut])


def test_png_must_start_with_header_chunk() -> None:
    png = b"\x89PNG\r\n\x1a\n" + itxt(b"openbadges", URL.encode()) + chunk(b"IEND", b"")
    refused(png, "damaged")


def test_zlib_bomb_is_refused() -> None:
    bomb = zlib.compress(b"A" * (20 * 1024 * 1024), 9)
    assert len(bomb) < 64 * 1024
    refused(with_chunks(PLAIN, itxt(b"openbadges", bomb, flag=1)), "too large")


def test_compressed_text_just_under_the_cap_is_read() -> None:
    text = "{" + " " * (1024 * 1024 - 2) + "}"
    png = with_chunks(PLAIN, itxt(b"openbadges", zlib.compress(text.encode()), flag=1))
    assert extract_baked(png).text == "{" + " " * (1024 * 1024 - 2) + "}"


@pytest.mark.parametrize("body", [
    b"openbadges",  # no separator
    b"openbadges\0",  # no flags
    b"openbadges\0\0\0",  # no language tag terminator
    b"openbadges\0\0\0\0",  # no translated keyword terminator
])
def test_damaged_itxt_fields(body: bytes) -> None:
    refused(with_chunks(PLAIN, chunk(b"iTXt", body)), "damaged")


def test_bad_compression() -> None:
    refused(with_chunks(PLAIN, itxt(b"openbadges", b"not zlib", flag=1)), "damaged")
    refused(with_chunks(PLAIN, itxt(b"openbadges", zlib.compress(b"x" * 100)[:-6], flag=1)))
    refused(with_chunks(PLAIN, itxt(b"openbadges", zlib.compress(b"x"), flag=1, method=3)))
    refused(with_chunks(PLAIN, itxt(b"openbadges", b"x", flag=2)), "damaged")


def test_non_utf8_and_empty_text() -> None:
    refused(with_chunks(PLAIN, itxt(b"openbadges", b"\xff\xfe caf\xe9")), "not readable")
    refused(with_chunks(PLAIN, itxt(b"openbadges", b"   \n")), "empty")


def test_oversized_file_is_refused_before_parsing() -> None:
    refused(PLAIN + b"\0" * (MAX_IMAGE_BYTES + 1 - len(PLAIN)), "10 MB")


def test_random_bytes_and_text() -> None:
    refused(b"", "empty")
    refused(bytes(range(256)) * 4, "not a png or svg")
    refused(b"GIF89a\x01\x00\x01\x00", "not a png or svg")
    refused(b"just some words, not an image", "not a png or svg")
    refused(URL.encode(), "not a png or svg")


# --- SVG -----------------------------------------------------------------------------------

# Adapted from the OB 2.0 Badge Baking spec (1EdTech openbadges-specification,
# ob_v2p0/baking/ob-bake-v1p0.md, "An example of a well baked SVG with a hosted assertion").
SPEC_OB2_HOSTED_SVG = """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg"
     xmlns:openbadges="http://openbadges.org"
     viewBox="0 0 512 512">
  <openbadges:assertion verify="https://example.org/assertions/123">
    <![CDATA[
       {
         "@context": "https://w3id.org/openbadges/v2",
         "id": "https://example.org/assertions/123",
         "type": "Assertion",
         "recipient": {"type": "email", "identity": "alice@example.org"},
         "issuedOn": "2016-12-31T23:59:59+00:00",
         "verification": {"type": "hosted"},
         "badge": "https://example.org/badges/5"
       }
    ]]>
  </openbadges:assertion>
  <circle cx="256" cy="256" r="200"/>
</svg>"""

# OB 3.0 spec section 5.3.2.1, "Example: SVG with JWS" (ob_v3p0, 1EdTech).
SPEC_OB3_JWS_SVG = """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" viewBox="0 0 512 512">
  <openbadges:credential verify="header.payload.signature"></openbadges:credential>
  <!-- rest-of-image -->
</svg>"""  # noqa: E501

# OB 3.0 spec section 5.3.2.1, "Example: SVG with JSON" (shortened).
SPEC_OB3_JSON_SVG = """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" viewBox="0 0 512 512">
  <openbadges:credential>
    <![CDATA[
      {
        "id": "http://example.edu/credentials/3732",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "validFrom": "2010-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21"},
        "proof": { }
      }
    ]]>
  </openbadges:credential>
  <!-- rest-of-image -->
</svg>"""  # noqa: E501


def test_spec_ob2_hosted_svg() -> None:
    proof = extract_baked(SPEC_OB2_HOSTED_SVG.encode())
    assert (proof.format, proof.version) == ("baked-svg", "ob2")
    assert json.loads(proof.text)["id"] == "https://example.org/assertions/123"
    assert proof.text == proof.text.strip()
    assert proof.verify == "https://example.org/assertions/123"


def test_spec_ob3_svg_with_jws_in_verify() -> None:
    proof = extract_baked(SPEC_OB3_JWS_SVG.encode())
    assert proof == BakedProof("baked-svg", "ob3", "header.payload.signature",
                               "header.payload.signature")


def test_spec_ob3_svg_with_json() -> None:
    proof = extract_baked(SPEC_OB3_JSON_SVG.encode())
    assert (proof.format, proof.version, proof.verify) == ("baked-svg", "ob3", None)
    assert json.loads(proof.text)["id"] == "http://example.edu/credentials/3732"


def svg(inner: str, ns: str = "http://openbadges.org", prefix: str = "openbadges") -> bytes:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:{prefix}="{ns}">{inner}'
            '<rect width="4" height="4"/></svg>').encode()


def test_ob2_svg_signed_assertion_in_verify() -> None:
    proof = extract_baked(svg(f'<openbadges:assertion verify="{JWS}"/>'))
    assert proof == BakedProof("baked-svg", "ob2", JWS, JWS)


def test_ob2_svg_hosted_url_only() -> None:
    assert extract_baked(svg(f'<openbadges:assertion verify=" {URL} "/>')).text == URL


def test_ob2_svg_cdata_json() -> None:
    data = svg(f"<openbadges:assertion><![CDATA[{ASSERTION}]]></openbadges:assertion>")
    assert extract_baked(data) == BakedProof("baked-svg", "ob2", ASSERTION)


def test_ob3_svg_cdata_jwt_with_any_prefix() -> None:
    data = svg(f"<ob:credential>\n<![CDATA[ {JWS} ]]>\n</ob:credential>",
               "https://purl.imsglobal.org/ob/v3p0", "ob")
    assert extract_baked(data) == BakedProof("baked-svg", "ob3", JWS)


def test_ob3_svg_spec_path_namespace_variant() -> None:
    data = svg(f'<openbadges:credential verify="{JWS}"/>', "https://purl.imsglobal.org/spec/ob/v3p0")
    assert extract_baked(data).version == "ob3"


def test_svg_with_bom_leading_whitespace_and_default_namespace() -> None:
    data = b"\xef\xbb\xbf\n  " + (
        '<svg xmlns="http://www.w3.org/2000/svg">'
        f'<assertion xmlns="http://openbadges.org" verify="{URL}"/></svg>').encode()
    assert extract_baked(data) == BakedProof("baked-svg", "ob2", URL, URL)


def test_svg_without_badge_data() -> None:
    refused(svg(""), "no badge data")
    # the right local name in the wrong namespace is not badge data
    refused(svg(f'<x:assertion verify="{URL}"/>', "http://example.org/other", "x"), "no badge")
    refused(svg(f'<openbadges:assertion verify="{URL}"/>', "https://openbadges.org"), "no badge")
    refused(svg("<openbadges:assertion/>"), "empty")
    refused(svg('<openbadges:assertion verify="  "> </openbadges:assertion>'), "empty")


def test_svg_with_two_badges() -> None:
    two = f'<openbadges:assertion verify="{URL}"/><openbadges:assertion verify="{JWS}"/>'
    refused(svg(two), "more than one")


def test_xml_that_is_not_svg() -> None:
    refused(b'<html><body xmlns:openbadges="http://openbadges.org"/></html>', "not an svg")


def test_broken_and_non_utf8_svg() -> None:
    refused(b"<svg xmlns='http://www.w3.org/2000/svg'><g></svg>", "not well-formed")
    refused(b"<svg xmlns='http://www.w3.org/2000/svg'><text>caf\xe9</text></svg>", "utf-8")
    refused(b"<", "not well-formed")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE svg [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">
  <openbadges:assertion>&lol9;</openbadges:assertion>
</svg>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">
  <openbadges:assertion>&secret;</openbadges:assertion>
</svg>"""


# A DOCTYPE that declares nothing (the SVG 1.1 one) is read: tests/unit/test_baked_doctype.py.
@pytest.mark.parametrize("attack", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_svg_doctype_and_entity_attacks_are_refused(attack: bytes) -> None:
    refused(attack, "document type")


# --- fuzzing -------------------------------------------------------------------------------


def outcome(data: bytes) -> BakedProof | None:
    try:
        proof = extract_baked(data)
    except MalformedPayload as exc:
        assert str(exc)
        return None
    assert isinstance(proof, BakedProof)
    assert proof.format in ("baked-png", "baked-svg")
    assert proof.version in ("ob2", "ob3")
    assert proof.text and proof.text == proof.text.strip()
    return proof


@given(st.binary(max_size=2048))
def test_arbitrary_bytes(data: bytes) -> None:
    outcome(data)


@given(st.binary(max_size=512))
def test_arbitrary_bytes_after_png_signature(data: bytes) -> None:
    outcome(b"\x89PNG\r\n\x1a\n" + data)


BADGE_PNG = pillow_png(("openbadges", URL, True))


@given(st.integers(0, len(BADGE_PNG) - 1), st.integers(1, 255))
def test_flipped_byte_in_png(at: int, xor: int) -> None:
    damaged = bytearray(BADGE_PNG)
    damaged[at] ^= xor
    outcome(bytes(damaged))


@given(st.lists(st.tuples(st.sampled_from([b"iTXt", b"tEXt", b"IDAT", b"zzzz", b"IEND"]),
                          st.binary(max_size=64)), max_size=5))
def test_valid_crc_chunks_with_arbitrary_bodies(chunks: list[tuple[bytes, bytes]]) -> None:
    outcome(with_chunks(PLAIN, *(chunk(ctype, body) for ctype, body in chunks)))


@settings(max_examples=200)
@given(st.text(max_size=200), st.sampled_from(["assertion", "credential", "other"]),
       st.sampled_from(["http://openbadges.org", "https://purl.imsglobal.org/ob/v3p0", ""]))
def test_arbitrary_text_in_svg(text: str, name: str, ns: str) -> None:
    outcome(svg(f"<openbadges:{name}>{text}</openbadges:{name}>", ns or "urn:x"))
    outcome(svg(f'<openbadges:{name} verify="{text}"/>', ns or "urn:x"))
    outcome(text.encode("utf-8", "surrogatepass"))
