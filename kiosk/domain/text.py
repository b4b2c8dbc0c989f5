"""Text that people type and files bring: what may be kept, and how a cell of a CSV file holds it.

Every output escapes text its own one way: pages by Jinja's autoescaping, CSV cells by
:func:`csv_cell` (here), PDFs by ``kiosk/reports/pdf_kit.py:clean_line`` (drawn as plain
strings, never reportlab markup), receipts by ``printers/receipt.py:ascii_safe``.

**What a text may hold.** A character that cannot be shown as it is (:func:`unshown_character`):
a control character (ESC, NUL, BEL, DEL, GS...) or an invisible format character (Unicode
category Cf: bidi overrides such as U+202E, zero-width space, soft hyphen, byte order mark...)
is never part of a name or a note as a person means it. Imports refuse the row that holds one
and say where (``kiosk/services/cache_import.py``); what a person types is kept without them
(:func:`typed_text`), so that nothing kept can carry a printer command, cut a text short (NUL,
which PostgreSQL and the sync protocol also refuse), or read differently from what it holds.
ZWJ and ZWNJ (U+200D, U+200C) are kept: they are part of correct spelling in Persian, Arabic,
Indic scripts and emoji."""

from __future__ import annotations

import unicodedata

_KEPT_FORMAT = frozenset("\u200c\u200d")  # ZWNJ, ZWJ: spelling in Persian, Indic scripts, emoji
_CONTROL_NAMES = ("NUL SOH STX ETX EOT ENQ ACK BEL BS HT LF VT FF CR SO SI DLE DC1 DC2 DC3 DC4 "
                  "NAK SYN ETB CAN EM SUB ESC FS GS RS US").split()


def unshown_character(value: str) -> str | None:
    """The first character of ``value`` that cannot be shown as it is: a control character
    or an invisible format character other than ZWJ and ZWNJ; None when there is none."""
    if value.isprintable():  # the usual case, in C: no control or format character at all
        return None
    for ch in value:
        if not ch.isprintable() and unicodedata.category(ch) in ("Cc", "Cf") \
                and ch not in _KEPT_FORMAT:
            return ch
    return None


def without_unshown(value: str) -> str:
    """``value`` without the characters :func:`unshown_character` finds."""
    if unshown_character(value) is None:
        return value
    return "".join(ch for ch in value if ch.isprintable() or ch in _KEPT_FORMAT
                   or unicodedata.category(ch) not in ("Cc", "Cf"))


def describe_character(ch: str) -> str:
    """"a control character (U+001B ESC)", "an invisible formatting character (U+202E
    RIGHT-TO-LEFT OVERRIDE)": for a person fixing the text, never the character itself."""
    code = f"U+{ord(ch):04X}"
    if unicodedata.category(ch) == "Cc":
        short = _CONTROL_NAMES[ord(ch)] if ord(ch) < 32 else "DEL" if ord(ch) == 127 else ""
        return f"a control character ({code}{' ' + short if short else ''})"
    name = unicodedata.name(ch, "")
    return f"an invisible formatting character ({code}{' ' + name if name else ''})"


_WHITE_SPACE = str.maketrans("\t\n\r", "   ")


def unshown_in_cell(value: str) -> str | None:
    """:func:`unshown_character` for a cell of a file, where tabs and line breaks are white
    space (made one space), but any other control character (GS, FS, NEL...) is not: Python
    counts those as white space too, and would have turned them into a space unseen."""
    return unshown_character(value.translate(_WHITE_SPACE))


def typed_text(text: str, limit: int | None = None, *, lines: bool = False) -> str:
    """Text a person typed, as it is kept: without the characters that cannot be shown, runs
    of white space made one space, at most ``limit`` characters. With ``lines``, its line
    breaks are kept (each as LF) and each line tidied so."""
    if lines:
        kept = "\n".join(typed_text(line) for line in text.splitlines()).strip()
        return kept[:limit] if limit is not None else kept
    kept = " ".join(without_unshown(text).split())
    return kept[:limit] if limit is not None else kept


def typed_name_problem(typed: str, what: str = "A name") -> str | None:
    """Why a name a person typed (a login, a building) cannot be kept, in words; None when it
    can. A name holds no character that cannot be shown: refused rather than tidied, since a
    name is what a person types again to log in or to find it."""
    ch = unshown_in_cell(typed)
    return None if ch is None else f"{what} cannot hold {describe_character(ch)}."


# Where a spreadsheet (Excel, LibreOffice, Google Sheets) takes a cell for a formula, and their
# full-width forms, which some of them read as the same.
FORMULA_STARTS = "=+-@\t\r\uff1d\uff0b\uff0d\uff20"


def csv_cell(value: object) -> object:
    """A cell a spreadsheet shows as text and never runs (CSV injection): text that starts like
    a formula starts with ``'``; numbers stay numbers; None is an empty cell. Nothing else
    changes, so the file reads back with ``csv`` to what was written (quotes, line breaks)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        text = str(value)
        return "'" + text if text and text[0] in FORMULA_STARTS else text
    return value
