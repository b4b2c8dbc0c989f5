"""Proofs as real issuers write them, through the kiosk's scan, import and `kiosk verify`
(issue 12, defects 1 to 3): a baked SVG with the SVG 1.1 DOCTYPE, a did:key listed in the
issuer's JWKS, and a Data Integrity proof with the pre-2023 cryptosuite name eddsa-2022."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.domain.payload import award_keys
from kiosk.domain.reasons import Reason
from kiosk.extensions import db
from kiosk.models import IssuerKey
from kiosk.services import lookups
from kiosk.services.cache_import import import_files
from kiosk.services.scan import check_image, check_proof
from tests import corpus as c
from tests import factories as f
from tests.unit.jws_helpers import jwk_of

SVG_11 = ('<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
          '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">')
NEW_AWARD = "urn:uuid:0c120000-0000-4000-8000-000000000001"
JWKS_KEY = c.ed25519_key("issue-12-jwks")
DID, DID_URL = c.did_key_of(JWKS_KEY)
_OTHER_DID, OTHER_DID_URL = c.did_key_of(c.ed25519_key("issue-12-other"))


def svg_11(svg: bytes) -> bytes:
    """A corpus SVG as drawing tools write it: XML declaration, then the SVG 1.1 DOCTYPE."""
    declaration, _, rest = svg.decode("utf-8").partition("\n")
    return f"{declaration}\n{SVG_11}\n{rest}".encode()


def write(folder: Path, name: str, value: object) -> Path:
    path = folder / name
    if isinstance(value, bytes):
        path.write_bytes(value)
    else:
        path.write_text(json.dumps(value), encoding="utf-8")
    return path


# --- defect 1: the SVG 1.1 DOCTYPE -------------------------------------------------------------


def test_a_baked_svg_with_the_svg_11_doctype_scans_ok(ctx, corpus):
    token = corpus.ob2_jws("alice@example.org", award_id=f.ALICE_TRAUMA)
    result = check_image(svg_11(corpus.baked_svg(token)))
    assert result.reason is Reason.OK, result.detail
    assert (result.proof.format, result.proof.inner) == ("baked-svg", "ob2-jws")


def test_a_baked_svg_with_the_svg_11_doctype_imports(ctx, tmp_path, corpus):
    token = corpus.ob2_jws("cara@example.org", award_id=NEW_AWARD, badge="url")
    report = import_files([write(tmp_path, "cara.svg", svg_11(corpus.baked_svg(token)))])
    assert report.errors == [] and report.created == 1
    award = lookups.find_award(award_keys(NEW_AWARD))
    assert (award.person.employee_id, award.credential.name) == ("E3", f.TRAUMA)


def test_a_baked_svg_declaring_an_entity_is_still_refused_by_scan_and_import(ctx, tmp_path,
                                                                              corpus):
    token = corpus.ob2_jws("cara@example.org", award_id=NEW_AWARD, badge="url")
    svg = corpus.baked_svg(token).replace(
        b"<svg ", b'<!DOCTYPE svg [<!ENTITY x "y">]>\n<svg ', 1)
    assert check_image(svg).reason is Reason.MALFORMED
    report = import_files([write(tmp_path, "cara.svg", svg)])
    assert len(report.errors) == 1 and "document type" in report.errors[0]
    assert lookups.find_award(award_keys(NEW_AWARD)) is None


# --- defect 2: a did:key in the issuer's JWKS --------------------------------------------------


def jwks(*entries: tuple[object, str]) -> dict[str, object]:
    return {"keys": [{**jwk_of(key), "kid": kid} for key, kid in entries]}  # type: ignore[arg-type]


def test_a_did_key_listed_in_the_issuers_jwks_signs_for_the_issuer(ctx, tmp_path, corpus):
    keys = jwks((corpus.rsa_key, "rsa-1"), (JWKS_KEY, DID_URL))
    report = import_files([write(tmp_path, "jwks.json", keys)], issuer=c.OB3_RSA)
    assert report.errors == []
    for kid in (DID_URL, DID):
        token = corpus.ob3_vc_jwt("rsa", award_id=f.ALICE_BALANCE, kid=kid,
                                  signing_key=JWKS_KEY)
        result = check_proof(token)
        assert result.reason is Reason.OK, result.detail
        assert result.as_json()["checked"]["key"] == DID_URL
    doc = corpus.ob3_data_integrity(
        credential=corpus.ob3_credential("rsa", award_id=f.ALICE_BALANCE),
        signing_key=JWKS_KEY, verification_method=DID_URL)
    result = check_image(corpus.baked_png(json.dumps(doc), "openbadgecredential"))
    assert result.reason is Reason.OK, result.detail


def test_a_jwks_key_that_is_not_the_did_key_its_kid_names_is_refused_and_the_rest_imported(
        ctx, tmp_path, corpus):
    keys = jwks((corpus.rsa_key, "rsa-1"), (JWKS_KEY, DID_URL), (JWKS_KEY, OTHER_DID_URL))
    report = import_files([write(tmp_path, "jwks.json", keys)], issuer=c.OB3_RSA)
    assert len(report.errors) == 1
    assert report.errors[0].startswith(f"jwks.json: key {OTHER_DID_URL!r} was not imported")
    assert "did:key" in report.errors[0]
    stored = set(db.session.scalars(select(IssuerKey.id).where(IssuerKey.owner == c.OB3_RSA)))
    assert stored == {f"{c.OB3_RSA}#rsa-1", DID_URL}
    assert check_proof(corpus.ob3_vc_jwt("rsa", award_id=f.ALICE_BALANCE)).reason is Reason.OK


def test_a_jwks_whose_only_key_is_not_its_did_key_imports_nothing(ctx, tmp_path, corpus):
    bad_kid = f"{DID}#key-1"  # a did:key URL whose fragment is not the key's own
    for keys in (jwks((JWKS_KEY, OTHER_DID_URL)), jwks((JWKS_KEY, bad_kid))):
        report = import_files([write(tmp_path, "jwks.json", keys)], issuer=c.OB3_RSA)
        assert len(report.errors) == 1 and "was not imported" in report.errors[0]
        stored = set(db.session.scalars(select(IssuerKey.id)
                                        .where(IssuerKey.owner == c.OB3_RSA)))
        assert stored == {f"{c.OB3_RSA}#rsa-1"}  # the issuer's keys as they were


# --- defect 3: the cryptosuite name eddsa-2022 ------------------------------------------------


@pytest.mark.parametrize("suite", ["eddsa-2022", "eddsa-rdfc-2022"])
def test_kiosk_verify_names_the_cryptosuite_as_the_proof_gave_it(runner, corpus, tmp_path,
                                                                 suite):
    doc = corpus.ob3_data_integrity(award_id=f.ALICE_BALANCE, cryptosuite=suite)
    path = write(tmp_path, "badge.png", corpus.baked_png(json.dumps(doc),
                                                         "openbadgecredential"))
    result = runner.invoke(args=["verify", "--json", "--image", str(path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["reason"] == "ok"
    assert data["checked"]["inside"] == "an Open Badges 3.0 credential (Data Integrity proof)"
    assert data["checked"]["cryptosuite"] == suite
    words = runner.invoke(args=["verify", "--image", str(path)])
    assert f"cryptosuite: {suite}" in words.output


def test_a_vc_jwt_names_no_cryptosuite(ctx, corpus):
    token = corpus.ob3_vc_jwt("rsa", award_id=f.ALICE_BALANCE)
    assert check_proof(token).as_json()["checked"]["cryptosuite"] is None

