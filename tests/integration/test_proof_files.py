"""Proofs brought as files, through the same path as a scan: a JSON credential, a phone photo of
a printed proof, a baked image; the verdict says what was read and where, refusals say why,
and checking a file records nothing. ``kiosk verify --file`` takes each of them."""

from __future__ import annotations

import json

import pytest

from kiosk.domain.reasons import Reason
from kiosk.models import Distribution, OutboxEvent
from kiosk.services.proof_files import TooLargeToRead, UseTheFile, check_file, check_pasted
from tests import factories as f
from tests import proof_pictures as pp
from tests.integration.conftest import count

pytestmark = pytest.mark.usefixtures("ctx")  # the services are called directly

ELSEWHERE = "https://example.org/welcome"  # a link that is no badge in this cache


def _big_credential(corpus) -> dict:  # type: ignore[no-untyped-def]
    """A Data Integrity credential longer than a scan can be (a description of 6 KB)."""
    return corpus.ob3_data_integrity(award_id=f.ALICE_BALANCE,
                                      extra={"description": "Completed. " * 600})


def test_a_json_credential_file_gets_the_scans_verdict(corpus):
    data = json.dumps(_big_credential(corpus), indent=2).encode()
    assert len(data) > 4096
    result = check_file(data)
    assert result.reason is Reason.OK, result.detail
    out = result.as_json()
    assert out["format"] == "json-file"
    assert out["checked"]["inside"] == "an Open Badges 3.0 credential (Data Integrity proof)"
    assert out["read"]["file"] == "json"
    assert result.carrier == "json-file"  # the hand-out reads the same text as a file's


def test_a_vc_jwt_in_an_envelope_file_is_the_vc_jwt(corpus):
    token = corpus.ob3_vc_jwt("p256", "alice@example.org", award_id=f.ALICE_BALANCE)
    envelope = {"@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": "EnvelopedVerifiableCredential", "id": f"data:application/vc+jwt,{token}"}
    result = check_file(json.dumps(envelope).encode())
    assert result.reason is Reason.OK, result.detail
    assert result.checked["inside"] == "an Open Badges 3.0 credential (VC-JWT)"
    assert result.payload == token


def test_an_ob2_assertion_file_is_its_cached_award(corpus):
    assertion = corpus.ob2_assertion("alice@example.org", award_id=f.ALICE_TRAUMA, hosted=True)
    result = check_file(json.dumps(assertion).encode())
    assert result.reason is Reason.OK, result.detail
    assert result.award.award_id == f.ALICE_TRAUMA


def test_a_forged_credential_file_is_refused_and_says_what_it_was(corpus):
    doc = _big_credential(corpus)
    doc["credentialSubject"]["id"] = "did:example:someone-else"
    result = check_file(json.dumps(doc).encode())
    assert result.reason is Reason.BAD_SIGNATURE
    assert result.as_json()["format"] == "json-file"


def test_a_pasted_json_credential_longer_than_a_scan_is_offered_the_file_path(corpus):
    with pytest.raises(UseTheFile, match="drop the file on the scan page or choose it"):
        check_pasted(json.dumps(_big_credential(corpus)))
    # a short one still goes the scan's way, and a long text that is no JSON is a long scan
    assert check_pasted("{}").reason is Reason.MALFORMED
    assert "longer than 4 KB" in check_pasted("x" * 5000).detail


@pytest.fixture(scope="module")
def photo_of_three_codes() -> bytes:
    return pp.encode(pp.photo([ELSEWHERE, f.BADGR_URL, "hello"], code_px=600), "JPEG",
                     quality=85)


def test_a_phone_photo_of_a_printed_proof_reads_like_a_scan(corpus):
    data = pp.encode(pp.photo(f.BADGR_URL, angle=-6, dim=0.4), "JPEG", quality=80)
    result = check_file(data)
    assert result.reason is Reason.OK, result.detail
    assert result.payload == f.BADGR_URL and result.carrier == ""  # exactly a scan
    assert result.as_json()["read"]["words"] == "the QR code in the photo"


def test_of_several_codes_the_one_about_a_person_gives_the_verdict(photo_of_three_codes):
    result = check_file(photo_of_three_codes)
    assert result.reason is Reason.OK
    read = result.as_json()["read"]
    assert (read["code"], read["codes"], read["found"]) == (2, 3, 3)
    assert read["words"] == "QR code 2 of 3 in the photo"


def test_a_photo_with_no_code_says_so():
    result = check_file(pp.encode(pp.photo([], size=(1600, 1200)), "WEBP"))
    assert result.reason is Reason.MALFORMED
    assert "No QR code was found in the photo" in result.detail


def test_a_plain_png_is_a_picture_and_a_baked_one_is_a_badge(corpus):
    screenshot = pp.encode(pp.qr_image(f.BADGR_URL, box=4), "PNG")
    assert check_file(screenshot).as_json()["read"]["file"] == "photo"
    baked = corpus.baked_png(corpus.ob2_jws("alice@example.org", award_id=f.ALICE_TRAUMA))
    result = check_file(baked)
    assert (result.reason, result.proof.format) == (Reason.OK, "baked-png")


@pytest.mark.parametrize("data", [pp.png_header_only(9000, 9000),
                                  b"\xff\xd8\xff" + b"\0" * (21 * 1024 * 1024)],
                         ids=["81-megapixels", "21-MB"])
def test_a_file_past_a_cap_is_refused_before_it_is_read(data):
    with pytest.raises(TooLargeToRead):
        check_file(data)


@pytest.mark.parametrize(("data", "words"), [
    (b"\0\0\0\x18ftypheic" + b"\0" * 64, "HEIC"),
    (b"PK\x03\x04 a zip file", "It reads a PDF, a photo"),
    (b"", "empty"),
], ids=["heic", "zip", "empty"])
def test_a_file_of_another_kind_is_malformed_with_what_the_kiosk_reads(data, words):
    result = check_file(data)
    assert result.reason is Reason.MALFORMED
    assert words in result.detail


def test_checking_files_records_nothing(app, corpus, photo_of_three_codes):
    events = count(OutboxEvent)
    check_file(photo_of_three_codes)
    check_file(json.dumps(_big_credential(corpus)).encode())
    assert count(Distribution) == 0 and count(OutboxEvent) == events


# --- kiosk verify --file -----------------------------------------------------------------


def test_verify_file_json_says_what_was_read(runner, tmp_path, photo_of_three_codes):
    path = tmp_path / "photo.jpg"
    path.write_bytes(photo_of_three_codes)
    result = runner.invoke(args=["verify", "--json", "--file", str(path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["read"] == {"file": "photo", "page": None, "pages": None, "code": 2,
                            "codes": 3, "attachment": None, "found": 3,
                            "words": "QR code 2 of 3 in the photo"}


def test_verify_file_in_words_and_image_as_its_alias(runner, tmp_path, corpus):
    path = tmp_path / "alice.json"
    path.write_text(json.dumps(_big_credential(corpus)))
    result = runner.invoke(args=["verify", "--image", str(path)])
    assert result.exit_code == 0, result.output
    assert "format: json-file" in result.output


def test_verify_refuses_a_file_past_a_cap_with_exit_2(runner, tmp_path):
    path = tmp_path / "huge.png"
    path.write_bytes(pp.png_header_only(9000, 9000))
    result = runner.invoke(args=["verify", "--file", str(path)])
    assert result.exit_code == 2
    assert "megapixels" in result.output


def test_verify_a_long_pasted_json_points_to_file(runner, corpus):
    result = runner.invoke(args=["verify", json.dumps(_big_credential(corpus))])
    assert result.exit_code == 2
    assert "--file FILE" in result.output
