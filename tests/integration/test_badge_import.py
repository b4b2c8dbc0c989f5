"""Importing Open Badges documents (profiles, keys, badge classes, assertions, credentials,
revocation and status lists, JWKS and baked images) into the badge cache."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from kiosk.domain.payload import award_keys
from kiosk.domain.proofs import read_proof
from kiosk.domain.reasons import Reason
from kiosk.errors import InvalidInput
from kiosk.extensions import db
from kiosk.models import BadgeClass, Issuer, IssuerKey, RevocationList
from kiosk.services import lookups
from kiosk.services.badge_documents import HOSTED_LINK_ONLY, Kind, kind_of
from kiosk.services.cache_import import count_rows, import_files
from kiosk.services.scan import check_proof
from kiosk.services.trust import DatabaseFacts
from tests import corpus as c
from tests import factories as f
from tests.integration.conftest import count, snapshot
from tests.unit.jws_helpers import jwk_of, public_pem

OB3_CONTEXT = ["https://www.w3.org/ns/credentials/v2",
               "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
OB2_AWARD = "urn:uuid:0b200000-0000-4000-8000-000000000001"
OB3_AWARD = "urn:uuid:0b300000-0000-4000-8000-000000000001"


@pytest.fixture(scope="module")
def corpus() -> c.Corpus:
    return c.make_corpus()


def write(folder: Path, name: str, value: Any) -> Path:
    path = folder / name
    if isinstance(value, bytes):
        path.write_bytes(value)
    else:
        path.write_text(json.dumps(value, indent=2), encoding="utf-8")
    return path


# --- documents as issuers publish them -------------------------------------------------------


def ob2_profile(**changes: Any) -> dict[str, Any]:
    doc = {"@context": c.OB2_CONTEXT, "type": "Issuer", "id": c.OB2_ISSUER,
           "name": c.OB2_ISSUER_NAME, "url": "https://badges.example.org",
           "email": "badges@example.org", "publicKey": c.OB2_KEY_ID,
           "revocationList": c.OB2_REVOCATIONS}
    return {**doc, **changes}


def ob2_key(corpus: c.Corpus, **changes: Any) -> dict[str, Any]:
    doc = {"@context": c.OB2_CONTEXT, "type": "CryptographicKey", "id": c.OB2_KEY_ID,
           "owner": c.OB2_ISSUER, "publicKeyPem": public_pem(corpus.ob2_key)}
    return {**doc, **changes}


def ob2_badge_class(**changes: Any) -> dict[str, Any]:
    doc = {"@context": c.OB2_CONTEXT, "type": "BadgeClass", "id": c.OB2_BADGE,
           "name": c.OB2_BADGE_NAME, "description": "Micro-credential.",
           "criteria": {"narrative": "Complete the course."}, "issuer": c.OB2_ISSUER}
    return {**doc, **changes}


def ob2_list(*revoked: Any) -> dict[str, Any]:
    return {"@context": c.OB2_CONTEXT, "id": c.OB2_REVOCATIONS, "type": "RevocationList",
            "issuer": c.OB2_ISSUER, "revokedAssertions": list(revoked)}


def ob3_profile(issuer: str = c.OB3_RSA, name: str = "OB3 RSA Issuer") -> dict[str, Any]:
    return {"@context": OB3_CONTEXT, "type": ["Profile"], "id": issuer, "name": name}


def ob3_achievement(**changes: Any) -> dict[str, Any]:
    doc = {"@context": OB3_CONTEXT, "type": ["Achievement"], "id": c.OB3_ACHIEVEMENT,
           "name": c.OB3_ACHIEVEMENT_NAME, "creator": {"id": c.OB3_RSA, "type": ["Profile"]},
           "criteria": {"narrative": "Complete the course."}}
    return {**doc, **changes}


def ob3_list(*revoked: Any, key: str = "revokedCredential") -> dict[str, Any]:
    return {"@context": ["https://purl.imsglobal.org/spec/vcrl/v1p0/context.json"],
            "id": c.OB3_REVOCATIONS, "type": "1EdTechRevocationList", "issuer": c.OB3_RSA,
            key: list(revoked)}


def everything(corpus: c.Corpus) -> list[dict[str, Any]]:
    """One of every document kind, the awards last in the list but not necessarily so."""
    return [
        corpus.ob2_assertion("alice@example.org", award_id=OB2_AWARD, badge="url"),
        ob2_profile(),
        ob2_key(corpus),
        ob2_badge_class(),
        ob2_list(),
        ob3_profile(),
        ob3_achievement(),
        ob3_list(),
        corpus.status_list_credential(),
        corpus.ob3_credential("rsa", "bob@example.org", award_id=OB3_AWARD,
                              status="bitstring", valid_until="2030-01-01T00:00:00Z"),
    ]


def import_everything(corpus: c.Corpus, folder: Path, **options: Any):  # type: ignore[no-untyped-def]
    files = [write(folder, "badges.json", everything(corpus)),
             write(folder, "jwks.json", corpus.jwks("rsa"))]
    return import_files(files, issuer=c.OB3_RSA, **options)


def award(award_id: str):  # type: ignore[no-untyped-def]
    return lookups.find_award(award_keys(award_id))


# --- every kind of document ------------------------------------------------------------------


def test_every_kind_of_document_is_stored_the_way_a_check_reads_it(ctx, tmp_path, corpus):
    report = import_everything(corpus, tmp_path)
    assert report.errors == [] and report.warnings == []
    assert (report.rows, report.created, report.updated, report.unchanged) == (11, 11, 0, 0)

    facts = DatabaseFacts()
    ob2 = facts.issuer(c.OB2_ISSUER)
    assert ob2 is not None and ob2.name == c.OB2_ISSUER_NAME
    assert ob2.key_ids == (c.OB2_KEY_ID,) and ob2.revocation_list == c.OB2_REVOCATIONS
    assert db.session.get(Issuer, c.OB2_ISSUER).version == "ob2"
    ob3 = db.session.get(Issuer, c.OB3_RSA)
    assert ob3.version == "ob3" and ob3.key_ids is None
    key = facts.key(c.OB2_KEY_ID)
    assert key is not None and key.owner == c.OB2_ISSUER
    [jwk] = facts.issuer_keys(c.OB3_RSA)
    assert (jwk.id, jwk.kid) == (f"{c.OB3_RSA}#rsa-1", "rsa-1")
    assert facts.badge_class(c.OB2_BADGE).issuer_id == c.OB2_ISSUER
    assert facts.badge_class(c.OB3_ACHIEVEMENT).issuer_id == c.OB3_RSA
    assert facts.revocation_list(c.OB2_REVOCATIONS)["type"] == "RevocationList"
    assert facts.revocation_list(c.OB3_REVOCATIONS)["type"] == "1EdTechRevocationList"
    assert facts.status_list(c.OB3_STATUS) == bytes(c.STATUS_LIST_BITS // 8)

    # The badge classes are tied to the catalogue credentials with their names.
    ties = dict(db.session.execute(select(BadgeClass.id, BadgeClass.credential_id)).all())
    assert ties == {c.OB2_BADGE: lookups.credential_named(f.TRAUMA).id,
                    c.OB3_ACHIEVEMENT: lookups.credential_named(f.BALANCE).id}

    # The assertion (hashed, salted recipient) and the credential became awards.
    alice = award(OB2_AWARD)
    assert (alice.person.employee_id, alice.credential.name) == ("E1", f.TRAUMA)
    assert alice.issued_on.isoformat() == "2024-01-15" and not alice.revoked
    bob = award(OB3_AWARD)
    assert (bob.person.employee_id, bob.credential.name) == ("E2", f.BALANCE)
    assert bob.expires_on.isoformat() == "2029-12-31"  # midnight UTC is New Year's Eve here
    assert check_proof(OB2_AWARD).reason is Reason.OK

    # Signed proofs now verify against what was imported, signature and all.
    proof = read_proof(corpus.ob2_jws("alice@example.org", award_id=OB2_AWARD), facts, c.NOW)
    assert proof.signed is not None and proof.signed.signed_by == c.OB2_KEY_ID
    token = corpus.ob3_vc_jwt("rsa", "bob@example.org", award_id=OB3_AWARD)
    proof = read_proof(token, facts, c.NOW)
    assert proof.signed is not None and proof.signed.issuer_id == c.OB3_RSA


def test_reimporting_the_same_documents_changes_nothing(ctx, tmp_path, corpus):
    import_everything(corpus, tmp_path)
    before = snapshot()
    trust = {model.__name__: count(model) for model in (Issuer, IssuerKey, BadgeClass,
                                                         RevocationList)}
    report = import_everything(corpus, tmp_path)
    assert report.errors == []
    assert (report.rows, report.created, report.updated, report.unchanged) == (11, 0, 0, 11)
    assert snapshot() == before
    assert trust == {model.__name__: count(model) for model in (Issuer, IssuerKey, BadgeClass,
                                                                 RevocationList)}


def test_a_changed_document_replaces_the_stored_one(ctx, tmp_path, corpus):
    import_everything(corpus, tmp_path)
    report = import_files([write(tmp_path, "profile.json", ob2_profile(name="Renamed"))])
    assert (report.created, report.updated) == (0, 1)
    issuer = db.session.get(Issuer, c.OB2_ISSUER)
    assert issuer.name == "Renamed" and json.loads(issuer.document)["name"] == "Renamed"


def test_the_order_of_files_and_documents_does_not_matter(ctx, tmp_path, corpus):
    files = [write(tmp_path, f"{n}.json", doc)
             for n, doc in enumerate(reversed(everything(corpus)))]
    files.insert(0, write(tmp_path, "jwks.json", corpus.jwks("rsa")))
    report = import_files(files, issuer=c.OB3_RSA)
    assert report.errors == [] and report.created == 11


def test_a_single_document_file_and_kind_detection(ctx, tmp_path, corpus):
    assert kind_of(ob2_profile()) is Kind.ISSUER
    assert kind_of(ob3_profile()) is Kind.ISSUER
    assert kind_of(corpus.status_list_credential()) is Kind.STATUS_LIST
    assert kind_of(corpus.ob3_credential()) is Kind.CREDENTIAL
    assert kind_of({"type": ["VerifiableCredential", "AchievementCredential"]}) is (
        Kind.CREDENTIAL)
    assert kind_of({"type": "StatusList2021Credential"}) is Kind.STATUS_LIST
    assert kind_of(corpus.jwks("rsa")) is Kind.JWKS
    report = import_files([write(tmp_path, "issuer.json", ob2_profile())])
    assert (report.rows, report.created, report.errors) == (1, 1, [])


def test_an_issuer_profile_with_embedded_key_and_revocation_list(ctx, tmp_path, corpus):
    profile = ob2_profile(publicKey=[{"id": c.OB2_KEY_ID, "type": "CryptographicKey",
                                      "publicKeyPem": public_pem(corpus.ob2_key)}],
                          revocationList=ob2_list({"id": f.BOB_TRAUMA,
                                                   "revocationReason": "Duplicate"}))
    report = import_files([write(tmp_path, "issuer.json", profile)])
    assert (report.rows, report.created, report.errors) == (1, 1, [])
    facts = DatabaseFacts()
    assert facts.issuer(c.OB2_ISSUER).revocation_list == c.OB2_REVOCATIONS
    assert facts.key(c.OB2_KEY_ID).owner == c.OB2_ISSUER
    assert facts.revocation_list(c.OB2_REVOCATIONS)["revokedAssertions"][0]["id"] == (
        f.BOB_TRAUMA)
    result = check_proof(f.BOB_TRAUMA)
    assert (result.reason, result.detail) == (Reason.REVOKED, "Duplicate")


def test_a_profile_without_keys_stores_null_key_ids(ctx, tmp_path):
    import_files([write(tmp_path, "issuer.json", ob2_profile(publicKey=None))])
    assert db.session.get(Issuer, c.OB2_ISSUER).key_ids is None


# --- keys ------------------------------------------------------------------------------------


def test_a_weak_or_private_pem_key_is_refused(ctx, tmp_path, corpus):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    private = corpus.ob2_key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()).decode()
    report = import_files([write(tmp_path, "keys.json", [
        ob2_key(corpus, id="https://badges.example.org/keys/weak", publicKeyPem=public_pem(weak)),
        ob2_key(corpus, id="https://badges.example.org/keys/secret", publicKeyPem=private),
        ob2_key(corpus, owner=None),
        ob2_key(corpus),
    ])])
    assert [e.split(":", 1)[0] for e in report.errors] == [
        "keys.json, item 1", "keys.json, item 2", "keys.json, item 3"]
    assert "RSA key of 1024 bits refused" in report.errors[0]
    assert "private key" in report.errors[1] and "PRIVATE" not in report.errors[1]
    assert "owner" in report.errors[2]
    assert db.session.scalars(select(IssuerKey.id)).all() == [c.OB2_KEY_ID]


def test_a_jwks_needs_the_issuer_option_and_a_known_issuer(ctx, tmp_path, corpus):
    jwks = write(tmp_path, "jwks.json", corpus.jwks("rsa"))
    report = import_files([jwks])
    assert len(report.errors) == 1 and "--issuer" in report.errors[0]
    report = import_files([jwks], issuer=c.OB3_RSA)
    assert "not in the cache" in report.errors[0]
    assert count(IssuerKey) == 0
    report = import_files([write(tmp_path, "rsa.json", ob3_profile()), jwks], issuer=c.OB3_RSA)
    assert report.errors == [] and report.created == 2
    assert db.session.get(IssuerKey, f"{c.OB3_RSA}#rsa-1").kind == "jwk"


def test_a_jwks_with_private_keys_is_refused_and_nothing_of_it_is_stored(ctx, tmp_path, corpus):
    import_files([write(tmp_path, "rsa.json", ob3_profile())])
    secret = {**jwk_of(corpus.rsa_key, private=True), "kid": "rsa-1"}
    public = {**jwk_of(corpus.p256_key), "kid": "p256-1"}
    report = import_files([write(tmp_path, "jwks.json", {"keys": [public, secret]})],
                          issuer=c.OB3_RSA)
    assert report.errors == [
        "jwks.json: this file holds private keys; export only the public keys"]
    assert count(IssuerKey) == 0


def test_jwks_key_ids_and_rotation(ctx, tmp_path, corpus):
    import_files([write(tmp_path, "rsa.json", ob3_profile())])
    url_kid = "https://ob3.example.org/keys/p256"
    first = {"keys": [{**jwk_of(corpus.rsa_key), "kid": "rsa-1"},
                      {**jwk_of(corpus.p256_key), "kid": url_kid}]}
    report = import_files([write(tmp_path, "jwks.json", first)], issuer=c.OB3_RSA)
    assert report.errors == []
    ids = set(db.session.scalars(select(IssuerKey.id)))
    assert ids == {f"{c.OB3_RSA}#rsa-1", url_kid}
    material = json.loads(db.session.get(IssuerKey, url_kid).material)
    assert material["x"] == jwk_of(corpus.p256_key)["x"]
    # The issuer drops a key from its JWKS: the kiosk stops trusting it.
    report = import_files([write(tmp_path, "jwks.json", corpus.jwks("rsa"))], issuer=c.OB3_RSA)
    assert report.updated == 1
    assert set(db.session.scalars(select(IssuerKey.id))) == {f"{c.OB3_RSA}#rsa-1"}


def test_a_jwks_key_without_kid_is_refused(ctx, tmp_path, corpus):
    import_files([write(tmp_path, "rsa.json", ob3_profile())])
    report = import_files([write(tmp_path, "jwks.json", {"keys": [jwk_of(corpus.rsa_key)]})],
                          issuer=c.OB3_RSA)
    assert "kid" in report.errors[0]
    assert count(IssuerKey) == 0


# --- lists -----------------------------------------------------------------------------------


def test_a_short_or_damaged_status_list_is_refused(ctx, tmp_path, corpus):
    short = corpus.status_list_credential(bits=bytes(1024))
    damaged = corpus.status_list_credential()
    damaged["credentialSubject"]["encodedList"] = "uNotGzipAtAll"
    report = import_files([write(tmp_path, "lists.json", [short, damaged])])
    assert len(report.errors) == 2
    assert "shorter than 131,072 entries" in report.errors[0]
    assert report.errors[1].startswith("lists.json, item 2: status list")
    assert count(RevocationList) == 0


def test_revocation_lists_revoke_cached_awards(ctx, tmp_path):
    assert check_proof(f.ALICE_TRAUMA).reason is Reason.OK
    lists = [ob2_list({"id": f.ALICE_TRAUMA, "revocationReason": "Completed by someone else"}),
             ob3_list(f.CARA_CHALLENGES, key="revokedCredentials")]
    path = write(tmp_path, "lists.json", lists)
    report = import_files([path])
    assert (report.created, report.errors) == (2, [])
    result = check_proof(f.ALICE_TRAUMA)
    assert (result.reason, result.detail) == (Reason.REVOKED, "Completed by someone else")
    result = check_proof(f.CARA_CHALLENGES)
    assert (result.reason, result.detail) == (Reason.REVOKED, "Revoked by the issuer.")
    assert check_proof(f.ALICE_BALANCE).reason is Reason.OK
    before = snapshot()
    report = import_files([path])
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert snapshot() == before


def test_a_newly_listed_award_counts_as_a_change_of_the_list(ctx, tmp_path):
    import_files([write(tmp_path, "list.json", ob2_list())])
    report = import_files([write(tmp_path, "list.json", ob2_list(f.BOB_TRAUMA))])
    assert (report.created, report.updated) == (0, 1)
    assert check_proof(f.BOB_TRAUMA).reason is Reason.REVOKED


# --- badge classes and awards ----------------------------------------------------------------


def test_a_badge_class_is_tied_by_name_or_left_untied_with_a_warning(ctx, tmp_path, corpus):
    other = ob2_badge_class(id="https://badges.example.org/badges/knots", name="Knot Tying")
    report = import_files([write(tmp_path, "classes.json", [
        ob2_profile(), ob2_badge_class(name="  understanding trauma   AND the brain "), other,
        corpus.ob2_assertion("cara@example.org", award_id=OB2_AWARD, badge="url",
                             extra={"badge": other["id"]}),
    ])])
    assert report.warnings == ["classes.json, item 3: badge class 'Knot Tying' matches no "
                               "credential in the pin catalogue; it is kept but not tied to "
                               "one (use --credential NAME)"]
    assert len(report.errors) == 1 and "item 4" in report.errors[0]
    assert "not tied to a credential" in report.errors[0]
    assert report.summary.endswith(", 1 warning")
    ties = dict(db.session.execute(select(BadgeClass.id, BadgeClass.credential_id)).all())
    assert ties == {c.OB2_BADGE: lookups.credential_named(f.TRAUMA).id, other["id"]: None}


def test_the_credential_option_ties_every_badge_class_of_the_import(ctx, tmp_path, corpus):
    renamed = ob3_achievement(name="Balance for Educators (2024)")
    credential = corpus.ob3_credential("rsa", "cara@example.org", award_id=OB3_AWARD,
                                       extra={"issuer": c.OB3_RSA})
    credential["credentialSubject"]["achievement"] = {
        **credential["credentialSubject"]["achievement"], "id": "urn:uuid:ach-2",
        "name": "Something Else"}
    report = import_files([write(tmp_path, "docs.json", [renamed, credential])],
                          credential=f.CULTURE)
    assert report.errors == [] and report.warnings == []
    culture = lookups.credential_named(f.CULTURE).id
    ties = dict(db.session.execute(select(BadgeClass.id, BadgeClass.credential_id)).all())
    assert ties == {c.OB3_ACHIEVEMENT: culture, "urn:uuid:ach-2": culture}
    # An achievement inside a credential without a creator is the credential issuer's.
    assert db.session.get(BadgeClass, "urn:uuid:ach-2").issuer_id == c.OB3_RSA
    assert award(OB3_AWARD).credential.name == f.CULTURE
    # Re-imported without the option, a badge class keeps its tie.
    report = import_files([write(tmp_path, "again.json", renamed)])
    assert (report.unchanged, report.warnings) == (1, [])


def test_an_unknown_credential_option_refuses_the_import(ctx, tmp_path):
    before = snapshot()
    with pytest.raises(InvalidInput, match="Underwater"):
        import_files([write(tmp_path, "b.json", ob2_badge_class())],
                     credential="Underwater Basket Weaving")
    assert snapshot() == before and count(BadgeClass) == 0


def test_recipient_checks(ctx, tmp_path, corpus):
    docs = [
        ob2_profile(), ob2_badge_class(),
        corpus.ob2_assertion("zed@example.org", award_id=OB2_AWARD),  # not on the roster
        corpus.ob2_assertion("bob@example.org", award_id=f.ALICE_TRAUMA),  # Alice's award id
        corpus.ob2_assertion("ALICE@example.org", hashed=False, award_id=OB2_AWARD),
        corpus.ob2_assertion("alice@example.org", award_id="urn:uuid:0b200000-0000-4000-8000-"
                             "000000000002", identity_type="telephone"),
    ]
    report = import_files([write(tmp_path, "awards.json", docs)])
    assert [e.split(":", 1)[0] for e in report.errors] == [
        "awards.json, item 3", "awards.json, item 4", "awards.json, item 6"]
    assert "not on the roster" in report.errors[0]
    assert "belongs to another employee" in report.errors[1]
    assert "telephone" in report.errors[2]
    assert award(OB2_AWARD).person.employee_id == "E1"
    assert award(f.ALICE_TRAUMA).person.employee_id == "E1"


def test_a_revoked_assertion_or_a_listed_credential_is_imported_revoked(ctx, tmp_path):
    corpus = c.make_corpus()  # its own: the status list changes
    corpus.set_status_bit(94567)
    report = import_files([write(tmp_path, "docs.json", [
        ob2_profile(), ob2_badge_class(), ob3_profile(), ob3_achievement(),
        corpus.status_list_credential(),
        corpus.ob2_assertion(award_id=OB2_AWARD, extra={"revoked": True,
                                                        "revocationReason": "Withdrawn"}),
        corpus.ob3_credential("rsa", "bob@example.org", award_id=OB3_AWARD,
                              status="bitstring"),
    ])])
    assert report.errors == []
    assert (award(OB2_AWARD).revoked, award(OB2_AWARD).revocation_reason) == (True, "Withdrawn")
    assert award(OB3_AWARD).revoked


def test_bad_documents_are_reported_and_the_rest_imports(ctx, tmp_path, corpus):
    docs = [ob2_profile(), {"type": "Mystery", "id": "x"}, ["not", "an", "object"],
            ob2_badge_class(issuer=None), {"name": "no type"},
            ob2_badge_class(), corpus.ob2_assertion(award_id=OB2_AWARD)]
    seen: list[int] = []
    path = write(tmp_path, "mixed.json", docs)
    assert count_rows([path]) == 7
    report = import_files([path], progress=seen.append)
    assert sum(seen) == 7 and report.rows == 7
    assert [e.split(":", 1)[0] for e in report.errors] == [
        f"mixed.json, item {n}" for n in (2, 3, 5, 4)]  # errors of later phases come later
    assert "'Mystery'" in report.errors[0]
    assert "no type" in report.errors[2]
    assert "names no issuer" in report.errors[3]
    assert report.created == 3
    assert award(OB2_AWARD) is not None


# --- files -----------------------------------------------------------------------------------


def test_files_that_cannot_be_read_refuse_the_whole_import(ctx, tmp_path):
    good = write(tmp_path, "good.json", ob2_profile())
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": "Issuer", "id": }')
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    also_deep = tmp_path / "deep2.json"
    also_deep.write_text("[" * 100 + "]" * 100)
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as out:
        out.write(b"[")
        out.truncate(21 * 1024 * 1024)
    before = snapshot()
    for path, words in ((broken, "not valid JSON (line 1, column 26"), (deep, "nested too deeply"),
                        (also_deep, "nested too deeply"), (huge, "larger than 20 MB")):
        with pytest.raises(InvalidInput, match=words.replace("(", r"\(")):
            import_files([good, path])
        assert count_rows([path]) == 1
    assert snapshot() == before and count(Issuer) == 0


def test_csv_and_badge_files_go_in_one_import(ctx, tmp_path, corpus):
    catalogue = f.write_csv(tmp_path / "cat.csv", ["credential", "released_on", "has_pin"],
                            [["Finding Joy", "2025-01-01", "true"]])
    roster = f.write_csv(tmp_path / "new.csv", f.ROSTER_HEADER, [
        ["E9", "Dan Dunn", "dan@example.org", f.BUILDING, f.TRAUMA, "2024-01-01", "JCS-1", "",
         "false", ""]])
    badges = write(tmp_path, "badges.json", [
        ob2_profile(), ob2_badge_class(name="Finding Joy"),
        corpus.ob2_assertion("dan@example.org", award_id=OB2_AWARD)])
    assert count_rows([badges, catalogue, roster]) == 5
    report = import_files([badges, roster, catalogue])
    assert report.errors == [] and report.created == 5
    dan = award(OB2_AWARD)
    assert (dan.person.name, dan.credential.name) == ("Dan Dunn", "Finding Joy")


# --- baked images ----------------------------------------------------------------------------


def test_baked_png_and_svg_badges_import(ctx, tmp_path, corpus):
    import_files([write(tmp_path, "trust.json", [ob2_profile(), ob2_badge_class(),
                                                  ob3_profile(), ob3_achievement()])])
    images = [
        write(tmp_path, "signed.png", corpus.baked_png(
            corpus.ob2_jws("alice@example.org", award_id=OB2_AWARD, badge="url"))),
        write(tmp_path, "vc.svg", corpus.baked_svg(
            corpus.ob3_vc_jwt("rsa", "bob@example.org", award_id=OB3_AWARD,
                              legacy_vc_claim=True), "ob3")),
        write(tmp_path, "json.svg", corpus.baked_svg("https://example.org/a/3", "ob2", json.dumps(
            corpus.ob2_assertion("cara@example.org", award_id="urn:uuid:0b200000-0000-4000-"
                                 "8000-000000000003")))),
        write(tmp_path, "json.png", corpus.baked_png(json.dumps(corpus.ob3_credential(
            "rsa", "cara@example.org", award_id="urn:uuid:0b300000-0000-4000-8000-000000000003"
        )), "openbadgecredential", compressed=True)),
        write(tmp_path, "hosted.png", corpus.baked_png("https://api.badgr.io/public/assertions/x1")),
        write(tmp_path, "plain.png", c.plain_png()),
    ]
    assert count_rows(images) == 6
    report = import_files(images)
    assert report.errors == [f"hosted.png: {HOSTED_LINK_ONLY}",
                             "plain.png: This image carries no badge data."]
    assert report.created == 4
    assert award(OB2_AWARD).person.employee_id == "E1"
    bob = award(OB3_AWARD)
    assert (bob.person.employee_id, bob.credential.name) == ("E2", f.BALANCE)
    assert award("urn:uuid:0b200000-0000-4000-8000-000000000003").credential.name == f.TRAUMA
    assert award("urn:uuid:0b300000-0000-4000-8000-000000000003").person.employee_id == "E3"


# --- the command line ------------------------------------------------------------------------


def test_cli_imports_badges_with_credential_and_issuer(runner, app, tmp_path, corpus):
    achievement = ob3_achievement(name="Balance 2024")
    credential = corpus.ob3_credential("rsa", "bob@example.org", award_id=OB3_AWARD)
    credential["credentialSubject"]["achievement"]["name"] = "Balance 2024"
    files = [write(tmp_path, "profile.json", ob3_profile()),
             write(tmp_path, "jwks.json", corpus.jwks("rsa")),
             write(tmp_path, "badges.json", [achievement, credential])]
    args = ["cache", "import", *map(str, files), "--credential", f.CULTURE,
            "--issuer", c.OB3_RSA]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, (result.output, result.exception)
    assert "4 rows read: 4 added, 0 changed, 0 unchanged, 0 with errors" in result.stdout
    result = runner.invoke(args=args)
    assert "0 added, 0 changed, 4 unchanged, 0 with errors" in result.stdout
    with app.app_context():
        assert award(OB3_AWARD).credential.name == f.CULTURE
        assert db.session.get(IssuerKey, f"{c.OB3_RSA}#rsa-1") is not None


def test_cli_reports_a_jwks_without_issuer_and_an_untied_badge_class(runner, app, tmp_path,
                                                                     corpus):
    files = [write(tmp_path, "jwks.json", corpus.jwks("rsa")),
             write(tmp_path, "achievement.json", ob3_achievement(name="Balance 2024"))]
    result = runner.invoke(args=["cache", "import", *map(str, files)])
    assert result.exit_code == 1
    assert "jwks.json: a JWKS does not say whose keys it holds" in result.stderr
    assert "Warning: achievement.json: badge class 'Balance 2024' matches no credential" in (
        result.stderr)
    assert "Traceback" not in result.output


def test_cli_refuses_an_unknown_credential(runner, tmp_path):
    path = write(tmp_path, "b.json", ob2_badge_class())
    result = runner.invoke(args=["cache", "import", str(path), "--credential", "Nope"])
    assert result.exit_code == 2 and "'Nope' is not in the pin catalogue" in result.stderr


def test_a_hashed_recipient_matches_a_roster_email_in_any_case(ctx, tmp_path, corpus):
    roster = f.write_csv(tmp_path / "eve.csv", f.ROSTER_HEADER, [
        ["E9", "Eve Egan", "Eve.Egan@Example.org", f.BUILDING, f.TRAUMA, "2024-01-01", "JCS-1",
         "", "false", ""]])
    docs = [ob2_profile(), ob2_badge_class()] + [
        corpus.ob2_assertion(email, award_id=f"urn:uuid:0b200000-0000-4000-8000-00000000001{n}",
                             salt=salt, upper_hex=True)
        for n, (email, salt) in enumerate([("eve.egan@example.org", "a"),
                                           ("Eve.Egan@Example.org", "a"),
                                           ("eve.egan@example.org", None)])]
    report = import_files([roster, write(tmp_path, "eve.json", docs)])
    assert report.errors == [] and report.created == 6
    for n in range(3):
        assert award(f"urn:uuid:0b200000-0000-4000-8000-00000000001{n}").person.name == (
            "Eve Egan")
