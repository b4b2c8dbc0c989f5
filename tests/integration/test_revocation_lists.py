"""Revocation and status lists on the kiosk (issue 12, defects 4 and 5): a list is found under
the URL it was published at as well as its own id; a list the badge names and the cache does
not hold is said to be unchecked, in `kiosk verify --json` and in words, and the district's
setting refuses such a badge if it asks to; a refused proof still says what it was."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from kiosk.domain.payload import award_keys
from kiosk.domain.reasons import Reason
from kiosk.errors import Refused
from kiosk.extensions import db
from kiosk.models import RevocationList
from kiosk.services import lookups
from kiosk.services.cache_import import import_files
from kiosk.services.hand_out import hand_out
from kiosk.services.lookups import staff_named
from kiosk.services.scan import check_proof
from tests import corpus as c
from tests import factories as f
from tests.integration.test_badge_import import ob3_achievement, ob3_profile

ALICE = "alice@example.org"
PUBLISHED = "https://ob3.example.org/lists/published-7"  # where the issuer publishes the list
LIST_ID = "urn:uuid:5a7e1157-0000-4000-8000-00000000aaaa"  # the list's own id
INDEX = 4242
OB3_AWARD = "urn:uuid:0b300000-0000-4000-8000-00000000b0b1"


def status_list(corpus: c.Corpus, *revoked: int, list_id: str = LIST_ID,
                **members: Any) -> dict[str, Any]:
    """A Bitstring Status List credential with its own ``id``, revoking ``revoked``."""
    bits = bytearray(c.STATUS_LIST_BITS // 8)
    for index in revoked:
        bits[index // 8] |= 0x80 >> (index % 8)
    doc = corpus.status_list_credential(bytes(bits))
    doc["id"], doc["credentialSubject"]["id"] = list_id, f"{list_id}#list"
    return {**doc, **members}


def token(corpus: c.Corpus, list_url: str = PUBLISHED, index: int = INDEX) -> str:
    """Alice's Balance badge as a VC-JWT whose status entry names ``list_url``."""
    entry = {"id": f"{list_url}#{index}", "type": "BitstringStatusListEntry",
             "statusPurpose": "revocation", "statusListIndex": str(index),
             "statusListCredential": list_url}
    return corpus.ob3_vc_jwt("rsa", ALICE, award_id=f.ALICE_BALANCE,
                             extra={"credentialStatus": entry})


def write(folder: Path, name: str, doc: Any) -> Path:
    path = folder / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def verify(runner, payload: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["verify", "--json", payload])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_a_list_published_at_another_url_than_its_id_is_found_by_that_url(
        runner, corpus, tmp_path):
    badge = token(corpus)
    data = verify(runner, badge)  # the list was never imported: ok, but it says so
    assert data["reason"] == "ok"
    revocation = data["checked"]["revocation"]
    assert revocation["checked"] is False
    assert revocation["lists"] == [{"url": PUBLISHED, "checked": False,
                                    "why": "is not in the badge data on this kiosk"}]
    assert revocation["words"].startswith(f"Revocation not checked: the list {PUBLISHED} is")

    listed = write(tmp_path, "status.json", status_list(corpus, INDEX))
    plain = runner.invoke(args=["cache", "import", str(listed)])  # filed under its id only
    assert plain.exit_code == 0, plain.output
    assert verify(runner, badge)["checked"]["revocation"]["checked"] is False

    result = runner.invoke(args=["cache", "import", "--url", PUBLISHED, str(listed)])
    assert result.exit_code == 0, result.output
    data = verify(runner, badge)
    assert data["reason"] == "revoked"
    revocation = data["checked"]["revocation"]
    assert revocation["checked"] is True
    (entry,) = revocation["lists"]
    assert (entry["url"], entry["checked"], entry["filed_as"]) == (PUBLISHED, True, LIST_ID)
    assert entry["as_of"] is not None
    assert revocation["words"].startswith(f"Checked against the issuer's revocation list "
                                          f"{PUBLISHED} (as of ")
    # the bit of another badge on the same list is clear: checked, and ok
    other = verify(runner, token(corpus, index=INDEX + 1))
    assert other["reason"] == "ok" and other["checked"]["revocation"]["checked"] is True


def test_the_url_a_list_records_itself_files_it_too(runner, corpus, tmp_path):
    listed = write(tmp_path, "status.json", status_list(corpus, INDEX, url=PUBLISHED))
    assert runner.invoke(args=["cache", "import", str(listed)]).exit_code == 0
    assert verify(runner, token(corpus))["reason"] == "revoked"


def test_an_ob2_revocation_list_published_at_the_issuers_url_is_found(ctx, corpus, tmp_path):
    badge = corpus.ob2_jws(ALICE, award_id=f.ALICE_TRAUMA)
    db.session.delete(db.session.get(RevocationList, c.OB2_REVOCATIONS))  # never imported
    db.session.commit()
    result = check_proof(badge)
    assert result.reason is Reason.OK and result.revocation_unchecked
    moved = {"@context": c.OB2_CONTEXT, "id": "urn:uuid:0b2115e7-0000-4000-8000-000000000001",
             "type": "RevocationList", "issuer": c.OB2_ISSUER,
             "revokedAssertions": [{"id": f.ALICE_TRAUMA, "revocationReason": "Not finished"}]}
    report = import_files([write(tmp_path, "list.json", moved)], url=c.OB2_REVOCATIONS)
    assert not report.errors, report.errors
    result = check_proof(badge)
    assert result.reason is Reason.REVOKED and result.detail == "Not finished"
    assert result.revocation["checked"] is True


@pytest.mark.parametrize("url, files, says", [
    ("not a url", 1, "not an absolute URL"),
    (PUBLISHED, 2, "the files hold 2"),
    (PUBLISHED, 0, "the files hold 0"),
])
def test_a_url_that_cannot_name_one_list_is_refused_before_anything_is_written(
        runner, corpus, tmp_path, url, files, says):
    docs = [status_list(corpus, list_id=f"urn:uuid:{uuid.uuid4()}") for _ in range(files)]
    paths = [write(tmp_path, f"doc{n}.json", doc) for n, doc in enumerate(docs)]
    if not paths:
        paths = [write(tmp_path, "profile.json", {"@context": c.OB3_CONTEXT, "type": "Profile",
                                                  "id": "https://x.example.org/i"})]
    result = runner.invoke(args=["cache", "import", "--url", url, *map(str, paths)])
    assert result.exit_code == 2
    assert says in result.output
    assert verify(runner, token(corpus))["checked"]["revocation"]["checked"] is False


def test_the_district_setting_refuses_a_badge_it_cannot_check(app, ctx, corpus):
    badge = token(corpus)
    app.config["UNCHECKED_REVOCATION"] = "refuse"
    result = check_proof(badge)
    assert result.reason is Reason.UNKNOWN_BADGE  # the closest code: data this kiosk lacks
    assert result.headline == "Revocation not checked"
    assert PUBLISHED in result.detail and "not in the badge data" in result.detail
    assert "import the issuer's list" in result.advice
    assert result.as_json()["message"] == "Revocation not checked"
    admin = staff_named(f.LOGINS["admin"][0]).id
    with pytest.raises(Refused):
        hand_out(badge, str(uuid.uuid4()), admin)
    app.config["UNCHECKED_REVOCATION"] = "warn"  # the default: handed out, with the warning
    done = hand_out(badge, str(uuid.uuid4()), admin)
    assert done.result.ok and done.result.revocation_unchecked


def test_a_proof_naming_no_list_says_only_the_district_data_speaks(runner, corpus):
    data = verify(runner, corpus.ob3_vc_jwt("rsa", ALICE, award_id=f.ALICE_BALANCE))
    assert data["reason"] == "ok"
    assert data["checked"]["revocation"]["lists"] == []
    assert "names no revocation list" in data["checked"]["revocation"]["words"]
    assert verify(runner, f.ALICE_TRAUMA)["checked"]["revocation"] is None  # a hosted link


def test_verify_in_words_says_whether_revocation_was_checked(runner, corpus):
    result = runner.invoke(args=["verify", token(corpus)])
    assert result.exit_code == 0, result.output
    assert f"revocation: Revocation not checked: the list {PUBLISHED}" in result.output


# --- defect 5: a refused proof keeps its format --------------------------------------------------


@pytest.mark.parametrize("make, fmt", [
    (lambda c: c.ob3_vc_jwt("rsa", ALICE, award_id=f.ALICE_BALANCE,
                            signing_key=c.attacker_rsa), "ob3-vc-jwt"),
    (lambda c: c.ob3_vc_jwt("rsa", ALICE, award_id=f.ALICE_BALANCE,
                            claims_override={"sub": "did:example:someone-else"}), "ob3-vc-jwt"),
    (lambda c: c.ob2_jws(ALICE, award_id=f.ALICE_TRAUMA, signing_key=c.attacker_rsa),
     "ob2-jws"),
], ids=["vc-jwt signature", "vc-jwt claims", "ob2 signature"])
def test_verify_json_of_a_refused_signed_proof_names_its_format(runner, corpus, make, fmt):
    data = verify(runner, make(corpus))
    assert data["reason"] == "bad_signature"
    assert data["format"] == data["checked"]["format"] == fmt
    assert data["checked"]["format_name"] is not None


def test_verify_json_of_a_refused_badge_image_names_the_image_and_what_it_held(
        runner, corpus, tmp_path):
    forged = corpus.ob3_vc_jwt("rsa", ALICE, award_id=f.ALICE_BALANCE,
                               signing_key=corpus.attacker_rsa)
    path = tmp_path / "badge.png"
    path.write_bytes(corpus.baked_png(forged, "openbadgecredential"))
    result = runner.invoke(args=["verify", "--json", "--image", str(path)])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert (data["reason"], data["format"]) == ("bad_signature", "baked-png")
    assert data["checked"]["inside"] == "an Open Badges 3.0 credential (VC-JWT)"


def test_a_credential_imported_with_its_list_is_revoked_by_the_list_under_its_url(
        ctx, corpus, tmp_path):
    credential = corpus.ob3_credential("rsa", "bob@example.org", award_id=OB3_AWARD, extra={
        "credentialStatus": {"id": f"{PUBLISHED}#{INDEX}", "type": "BitstringStatusListEntry",
                             "statusPurpose": "revocation", "statusListIndex": str(INDEX),
                             "statusListCredential": PUBLISHED}})
    docs = [credential, ob3_profile(), ob3_achievement(), status_list(corpus, INDEX)]
    report = import_files([write(tmp_path, "all.json", docs)], url=PUBLISHED)
    assert not report.errors, report.errors
    award = lookups.find_award(award_keys(OB3_AWARD))
    assert award is not None and award.revoked
