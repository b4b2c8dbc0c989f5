"""Receipt numbers and the plain words behind every reason code."""

import pytest

from kiosk.domain.reasons import Reason
from kiosk.domain.receipts import building_code, receipt_label


@pytest.mark.parametrize(("name", "code"), [
    ("Page Jackson Elementary", "PJE"),
    ("Shepherdstown Middle School", "SMS"),
    ("T. A. Lowery Elementary School of the Arts", "TALE"),
    ("washington high", "WH"),
    ("School 42", "S4"),
    ("", "BLDG"),
    ("---", "BLDG"),
])
def test_building_code(name, code):
    assert building_code(name) == code


def test_building_code_is_short_ascii_capitals():
    code = building_code("École Élémentaire Zoë Nguyễn")
    assert code.isascii() and code.isupper() and 1 <= len(code) <= 4


def test_receipt_label():
    assert receipt_label("PJE", 1) == "PJE-00001"
    assert receipt_label("PJE", 42) == "PJE-00042"
    assert receipt_label("SMS", 123456) == "SMS-123456"


def test_receipt_labels_sort_in_hand_out_order():
    labels = [receipt_label("PJE", n) for n in (1, 2, 9, 10, 99, 100, 9999)]
    assert labels == sorted(labels)


DESIGN_CODES = ["ok", "already_issued", "revoked", "expired", "not_yet_valid", "unknown_badge",
                "no_pin_for_credential", "out_of_stock", "bad_signature", "untrusted_issuer",
                "recipient_mismatch", "malformed"]


def test_the_reason_codes_are_exactly_those_in_the_design():
    assert sorted(r.value for r in Reason) == sorted(DESIGN_CODES)


@pytest.mark.parametrize("reason", list(Reason))
def test_every_reason_has_plain_words(reason):
    assert reason.headline and reason.advice
    for words in (reason.headline, reason.advice):
        assert "_" not in words, "a person should never read a code"
        assert words[0].isupper()
    assert reason.advice.endswith(".")
    assert reason.tone in ("go", "wait", "stop")


def test_headlines_tell_reasons_apart():
    assert len({r.headline for r in Reason}) == len(Reason)


def test_only_ok_says_go():
    assert [r for r in Reason if r.tone == "go"] == [Reason.OK]
    assert Reason.REVOKED.tone == "stop"
    assert Reason.OUT_OF_STOCK.tone == "wait"


def test_reason_is_its_code():
    assert Reason("already_issued") is Reason.ALREADY_ISSUED
    assert f"{Reason.OUT_OF_STOCK}" == "out_of_stock"
