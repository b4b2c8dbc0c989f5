"""What a file is (from its bytes, never its name), the credential a JSON file holds, and the
words that say where in a file a proof was read."""

from __future__ import annotations

import json

import pytest

from kiosk.domain.payload import MalformedPayload
from kiosk.domain.proof_files import (
    MAX_JSON_FILE_BYTES,
    Source,
    credential_in_json,
    kind_of,
    shown_name,
)
from tests import proof_pictures as pp

TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"


@pytest.mark.parametrize(("data", "kind"), [
    (pp.PNG_SIGNATURE + b"rest", "png"),
    (b"\xff\xd8\xff\xe0rest", "jpeg"),
    (b"RIFF\0\0\0\0WEBPVP8 ", "webp"),
    (b"\0\0\0\x18ftypheic\0\0\0\0", "heic"),
    (b"%PDF-1.7\n", "pdf"),
    (b"junk first\n%PDF-1.4\n", "pdf"),
    (b'\xef\xbb\xbf  {"a": 1}', "json"),
    (b'"eyJ..."', "json"),
    (b'<?xml version="1.0"?><svg/>', "svg"),
    (b"GIF89a", "other"),
    (b"", "other"),
])
def test_the_kind_comes_from_the_first_bytes(data, kind):
    assert kind_of(data) == kind


def test_a_credential_json_is_checked_as_it_is():
    text = json.dumps({"type": ["VerifiableCredential", "OpenBadgeCredential"],
                       "credentialSubject": {}, "proof": {"type": "DataIntegrityProof"}},
                      indent=2)
    assert credential_in_json(("\ufeff" + text + "\n").encode()) == text


@pytest.mark.parametrize("doc", [
    {"@context": ["https://www.w3.org/ns/credentials/v2"],
     "type": "EnvelopedVerifiableCredential", "id": f"data:application/vc+jwt,{TOKEN}"},
    {"type": "EnvelopedVerifiableCredential", "id": f"data:application/vc-ld+jwt,{TOKEN}"},
    {"type": ["VerifiableCredential"], "proof": {"type": "JwtProof2020", "jwt": TOKEN}},
    TOKEN,
    {"type": ["VerifiablePresentation"], "verifiableCredential": [
        {"type": "EnvelopedVerifiableCredential", "id": f"data:application/vc+jwt,{TOKEN}"}]},
], ids=["envelope", "envelope-vc-ld", "jwt-proof", "json-string", "presentation"])
def test_a_vc_jwt_wrapped_in_json_is_unwrapped(doc):
    assert credential_in_json(json.dumps(doc).encode()) == TOKEN


def test_a_presentation_of_one_embedded_credential_gives_that_credential():
    credential = {"type": ["VerifiableCredential"], "credentialSubject": {"id": "x"}}
    doc = {"type": "VerifiablePresentation", "verifiableCredential": credential}
    assert json.loads(credential_in_json(json.dumps(doc).encode())) == credential


@pytest.mark.parametrize(("data", "words"), [
    (b"{" + b" " * MAX_JSON_FILE_BYTES + b"}", "larger than 1 MB"),
    (b'{"a": "\xff"}', "not readable text"),
    (b'{"a": ', "not readable JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "not readable JSON"),
    (b"[1, 2]", "holds no credential"),
    (json.dumps({"type": "VerifiablePresentation", "verifiableCredential": [TOKEN, TOKEN]})
     .encode(), "holding 2 credentials"),
], ids=["too-large", "not-utf8", "cut-short", "too-deep", "a-list", "two-credentials"])
def test_a_json_file_that_holds_no_credential_says_why(data, words):
    with pytest.raises(MalformedPayload, match=words):
        credential_in_json(data)


@pytest.mark.parametrize(("source", "words"), [
    (Source("pdf", page=1, pages=2, code=2, codes=3), "QR code 2 of 3 on page 1 of the PDF"),
    (Source("photo", code=1, codes=1), "the QR code in the photo"),
    (Source("photo", code=2, codes=2), "QR code 2 of 2 in the photo"),
    (Source("camera", code=1, codes=1), "the QR code seen by the camera"),
    (Source("pdf", pages=1, attachment="badge.json"),
     "the file “badge.json” attached to the PDF"),
    (Source("json"), "the JSON file"),
])
def test_where_a_proof_was_read_in_words(source, words):
    assert source.words == words
    assert source.as_json()["words"] == words


def test_an_attached_file_name_is_shown_without_controls_and_short():
    assert shown_name("badge\u202e\x1b.json") == "badge.json"
    assert len(shown_name("a" * 500)) == 80


def test_the_verdict_says_where_only_when_it_names_a_code_or_an_attachment():
    assert Source("pdf", page=1, pages=1, code=1, codes=1).worth_saying
    assert Source("pdf", pages=1, attachment="badge.png").worth_saying
    assert not Source("photo").worth_saying  # nothing found in it: the detail says so
    assert not Source("json").worth_saying  # the format names it already
