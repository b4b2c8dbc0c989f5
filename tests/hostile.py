"""Hostile text for the tests of issue 11 (tests/integration/test_hostile_text.py,
tests/hub/test_hostile_text.py): strings that would run as markup, a template, a formula or a
printer command if any output took them for anything but text, and the checks that a page, a
CSV, a PDF or receipt bytes hold them as text."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

from tests.web.dom import Element, parse

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
TEMPLATE = "{{7*7}}"
LINK = "javascript:alert(1)"
MARKUP = '<font color=red>R</font> <a href="x">A</a> &amp; <b>B'  # reportlab Paragraph markup
# What must never be in a page's source as it is (the escaped forms are fine)
RAW = (SCRIPT, ATTRIBUTE, "<img", "<font", "<a href=\"x\"", "<b>")


def inert(body: str) -> Element:
    """The page or fragment, checked to run nothing it was given: no inline script, no event
    handler, no image or font element, no link to ``javascript:``, none of :data:`RAW`."""
    for raw in RAW:
        assert raw not in body, f"{raw!r} is in the page as markup"
    doc = parse(body)
    for el in doc.iter():
        assert el.tag not in ("img", "font", "iframe", "svg", "object", "b"), el
        assert not (el.tag == "script" and not el.get("src")), "an inline script"
        for name, value in el.attrs.items():
            assert not name.startswith("on"), f"{el.tag} has an event handler {name}"
            if name in ("href", "src", "action", "formaction") or name.startswith("hx-"):
                assert not (value or "").strip().lower().startswith("javascript:"), (el, name)
    return doc


def csv_records(data: bytes) -> list[dict[str, str]]:
    """A CSV download read back as a spreadsheet program would: UTF-8 with a BOM."""
    assert data.startswith(b"\xef\xbb\xbf"), "a CSV for spreadsheets starts with a BOM"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# What a spreadsheet takes for the start of a formula, with the full-width forms some read alike
FORMULA = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def defused(text: str) -> str:
    """A cell as the CSV must hold ``text``: a leading ' where a spreadsheet would see a
    formula, and otherwise exactly as written."""
    return "'" + text if text[:1] in FORMULA else text


def pdf_text(data: bytes, folder: Path, name: str = "hostile.pdf") -> str:
    """The text of a PDF as pdftotext (poppler) reads it, with runs of white space made one."""
    assert data.startswith(b"%PDF-"), data[:40]
    path = folder / name
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                         text=True).stdout
    return " ".join(out.split())
