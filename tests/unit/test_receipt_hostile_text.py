"""Receipts from hostile names (issue 11): a name holding ESC, GS, DLE, NUL and every other
control character, letters beyond the printer's code page, or a name longer than the paper is
wide. The printer gets exactly the commands of a plain receipt, text it can print (folded,
spelled out, or a ``?``: never silently dropped), and no line wider than the paper. The kiosk's
side, through hand-outs and the print queue, is tests/integration/test_hostile_text.py."""

from __future__ import annotations

import pytest

from kiosk.printers.receipt import ReceiptData, ReceiptProfile, render_receipt, render_test_page
from kiosk.printers.receipt import TestPageData as PageData  # not a test class
from tests.unit.escpos_tokens import parse

CONTROLS = "".join(chr(c) for c in range(32)) + "\x7f\x85\x9b"
NAMES = {
    "controls": f"Ann\x1b@\x1bE\x01\x1d!\x11\x1dV\x00\x10\x04\x01\x00{CONTROLS}Lee",
    "beyond the code page": "Søren Łukasz Straße Æsa Œuvre Ðorđe Þór “Q” – 李明 😀 ½",
    "long": "Bartholomew-Maximilian " * 12 + "Vandersloot-Featherstonehaugh" * 4,
}
PROFILES = {"80mm": ReceiptProfile("TM-T88III", 80, 48),
            "58mm": ReceiptProfile("POS-5890", 58, 32)}
PLAIN = ReceiptData(building="Page Jackson Elementary", pin="Trauma pin",
                    credential="Understanding Trauma and the Brain", person="Alice Able",
                    handed_out_at="2024-03-01 10:30", staff="Dee Designee", receipt="PJE-00042",
                    manual="Other: blank proof")


def _hostile(name: str) -> ReceiptData:
    return ReceiptData(building=name, pin=name, credential=name, person=name,
                       handed_out_at=PLAIN.handed_out_at, staff=name, receipt=PLAIN.receipt,
                       manual=f"Other: {name}")


def _same_commands(hostile: bytes, plain: bytes) -> None:
    """The hostile receipt sends the printer exactly the commands of a plain one: none came
    from its text (parse refuses any control byte outside a known command)."""
    assert parse(hostile).names() == parse(plain).names()


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("name", NAMES)
def test_a_receipt_prints_any_name_within_the_paper_and_sends_only_its_own_commands(
        name, profile):
    hostile = render_receipt(_hostile(NAMES[name]), PROFILES[profile])
    _same_commands(hostile, render_receipt(PLAIN, PROFILES[profile]))
    parsed = parse(hostile)
    assert all(0x20 <= b < 0x7F or b == 0x0A for b in parsed.text_bytes)
    assert max(line.width for line in parsed.lines) <= PROFILES[profile].columns
    page = render_test_page(PageData(NAMES[name], NAMES[name], "2024-03-01", NAMES[name]),
                            PROFILES[profile])
    _same_commands(page, render_test_page(PageData("B", "file", "2024-03-01", "S"),
                                          PROFILES[profile]))
    assert max(line.width for line in parse(page).lines) <= PROFILES[profile].columns


def test_letters_beyond_the_printers_code_page_are_spelled_out_or_marked_never_dropped():
    flat = " ".join(parse(render_receipt(_hostile(NAMES["beyond the code page"]),
                                         PROFILES["80mm"])).text.split())
    assert 'Staff member: Soren Lukasz Strasse AEsa OEuvre Dorde THor "Q" - ?? ? 1/2' in flat
    controls = " ".join(parse(render_receipt(_hostile(NAMES["controls"]),
                                             PROFILES["80mm"])).text.split())
    assert "Staff member: Ann @ E ! V Lee" in controls
    long = parse(render_receipt(_hostile(NAMES["long"]), PROFILES["58mm"])).text
    assert "".join(NAMES["long"].split()) in "".join(long.split())  # wrapped, not cut short
