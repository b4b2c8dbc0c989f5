"""The small readers for badge JSON: who a credential names, ids, names and token times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kiosk.domain.claims import epoch, node_id, node_name, ob3_recipient
from kiosk.domain.facts import Recipient
from kiosk.domain.proof_errors import MalformedProof

EMAIL = {"type": "IdentityObject", "identityHash": "sha256$aa", "identityType": "emailAddress",
         "hashed": True, "salt": "pepper"}
STUDENT_ID = {"type": "IdentityObject", "identityHash": "S-1234", "identityType": "studentId",
              "hashed": False}


def test_an_email_identifier_is_chosen_over_an_earlier_one_of_another_kind() -> None:
    chosen = ob3_recipient({"identifier": [STUDENT_ID, EMAIL], "id": "mailto:bob@example.org"})
    assert chosen == Recipient(identity="sha256$aa", hashed=True, salt="pepper",
                               type="emailAddress")
    assert chosen.is_email


def test_a_mailto_subject_comes_before_an_identifier_that_is_no_email() -> None:
    chosen = ob3_recipient({"identifier": [STUDENT_ID], "id": "mailto:Bob@example.org"})
    assert chosen == Recipient(identity="Bob@example.org", hashed=False, type="emailAddress")


def test_else_the_first_usable_identifier() -> None:
    blank = {**EMAIL, "identityHash": "  "}
    chosen = ob3_recipient({"identifier": ["junk", blank, STUDENT_ID, {**STUDENT_ID,
                                                                      "identityHash": "S-9"}]})
    assert chosen == Recipient(identity="S-1234", hashed=False, salt=None, type="studentId")


@pytest.mark.parametrize("identifier", [EMAIL, [EMAIL]], ids=["object", "list"])
def test_one_identifier_may_be_given_without_a_list(identifier: object) -> None:
    chosen = ob3_recipient({"identifier": identifier})
    assert chosen is not None and chosen.identity == "sha256$aa"


@pytest.mark.parametrize("subject", [
    {}, {"identifier": "sha256$aa"}, {"identifier": [{"identityHash": 7}]},
    {"id": "did:example:alice"}, {"identifier": None, "id": 42},
])
def test_nobody_we_know(subject: dict[str, object]) -> None:
    assert ob3_recipient(subject) is None


def test_identity_type_and_salt_of_the_wrong_kind_are_left_out() -> None:
    chosen = ob3_recipient({"identifier": {"identityHash": " sha256$bb ", "identityType": 3,
                                           "salt": ["x"], "hashed": "TRUE"}})
    assert chosen == Recipient(identity="sha256$bb", hashed=True, salt=None, type="")


@pytest.mark.parametrize(("value", "wanted"), [
    ("urn:uuid:1", "urn:uuid:1"), ({"id": " https://x.example/a "}, "https://x.example/a"),
    ("x" * 512, "x" * 512),
])
def test_node_ids(value: object, wanted: str) -> None:
    assert node_id(value, "badge") == wanted


@pytest.mark.parametrize("value", ["", "   ", "x" * 513, " " + "x" * 512, 7, {"id": None}, None])
def test_unusable_node_ids(value: object) -> None:
    with pytest.raises(MalformedProof):
        node_id(value, "badge")


def test_a_missing_node_id_may_be_allowed() -> None:
    assert node_id(None, "badge", required=False) == ""
    assert node_id({"name": "no id"}, "badge", required=False) == ""
    with pytest.raises(MalformedProof):
        node_id("  ", "badge", required=False)


@pytest.mark.parametrize(("name", "shown"), [
    ("Finding Balance", "Finding Balance"), ("  Finding   Balance ", "Finding Balance"),
    ("Finding\tBalance\n", "Finding Balance"), ("Finding\u2003Balance", "Finding Balance"),
    ("x" * 400, "x" * 300), (7, ""),
])
def test_names_are_tidied_for_people(name: object, shown: str) -> None:
    assert node_name({"name": name}) == shown


@pytest.mark.parametrize("value", [True, "1705312800", None, [1], 10**30, float("inf")])
def test_a_token_time_must_be_a_number_of_seconds(value: object) -> None:
    with pytest.raises(MalformedProof):
        epoch(value, "nbf")


def test_token_times() -> None:
    assert epoch(1705312800, "nbf") == datetime(2024, 1, 15, 10, tzinfo=UTC)
    assert epoch(1705312800.5, "nbf") == datetime(2024, 1, 15, 10, 0, 0, 500000, tzinfo=UTC)
