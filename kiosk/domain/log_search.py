"""What the office asks of the hand-out log, read from the address bar: a search (a name,
employee number or receipt number typed; a pin; who handed out; a date range; all, voided, not
voided or manual) and where in it the page is (a keyset cursor: the receipt number of the row
the page starts after, or before). The same words make the address again, so a search can be
bookmarked, sent back by the back button, and carried to the CSV export.

Nothing typed here is trusted: a number that is not a number, a date that is not a date, is
left out and said so, never an error page."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from .search_words import MAX_QUERY_TEXT
from .text import typed_text

SHOW = {
    "": "All hand-outs",
    "standing": "Not voided",
    "voided": "Voided only",
    "manual": "Manual lookups only",
}
MAX_NUMBER = 2**31  # ids and receipt numbers: larger ones name nothing
_RECEIPT = re.compile(r"(?:([A-Za-z]{1,8})[\s-]*)?(\d{1,12})", re.ASCII)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


@dataclass(frozen=True)
class LogSearch:
    text: str = ""  # a name, employee number or receipt number, as typed
    pin: int | None = None  # credential id
    staff: int | None = None  # who handed out (staff_user id)
    since: date | None = None  # local dates, both included
    until: date | None = None
    show: str = ""  # a key of SHOW
    after: int | None = None  # the page holds hand-outs older than this receipt number's
    before: int | None = None  # ... or newer than it
    problems: tuple[str, ...] = ()

    @property
    def filtered(self) -> bool:
        return bool(self.text or self.pin or self.staff or self.since or self.until
                    or self.show)

    def params(self, *, cursor: bool = True) -> dict[str, str]:
        """The search as address parameters, without the empty ones (and without the page's
        cursor unless ``cursor``)."""
        found = {"q": self.text, "pin": param_text(self.pin), "staff": param_text(self.staff),
                 "from": param_text(self.since), "to": param_text(self.until), "show": self.show}
        if cursor:
            found.update(after=param_text(self.after), before=param_text(self.before))
        return {key: value for key, value in found.items() if value}

    def older_than(self, receipt_no: int) -> LogSearch:
        return replace(self, after=receipt_no, before=None)

    def newer_than(self, receipt_no: int) -> LogSearch:
        return replace(self, after=None, before=receipt_no)

    def first_page(self) -> LogSearch:
        return replace(self, after=None, before=None)


def parse_search(args: Mapping[str, str]) -> LogSearch:
    """The search an address asks for. What cannot be read is left out, with a problem saying
    so in words."""
    problems: list[str] = []
    text = typed_text(args.get("q", "")[:MAX_QUERY_TEXT], 200)
    since, until = typed_period(args, problems)
    show = args.get("show", "")
    if show not in SHOW:
        problems.append("Showing all hand-outs: the kind asked for is not one of the choices.")
        show = ""
    after, before = whole_number(args.get("after", "")), whole_number(args.get("before", ""))
    return LogSearch(text=text, pin=whole_number(args.get("pin", "")),
                     staff=whole_number(args.get("staff", "")), since=since, until=until,
                     show=show, after=after, before=None if after else before,
                     problems=tuple(problems))


def receipt_number(text: str, code: str) -> int | None:
    """The receipt number ``text`` names, for a building whose receipts start with ``code``:
    "PJE-00042", "pje 42" and "42" are 42; "E10090" is none (another code)."""
    match = _RECEIPT.fullmatch(text.strip())
    if match is None:
        return None
    letters, digits = match.groups()
    if letters and letters.upper() != code.upper():
        return None
    number = int(digits)
    return number if 0 < number < MAX_NUMBER else None


def whole_number(value: str) -> int | None:
    """An id as typed in an address: a whole number that can name a row, else None."""
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 0 < number < MAX_NUMBER else None


def typed_period(args: Mapping[str, str], problems: list[str]) -> tuple[date | None, date | None]:
    """The From and To dates of an address (``from``, ``to``), each as :func:`typed_date`
    reads it; the wrong way round, swapped, with a problem saying so."""
    since = typed_date(args.get("from", ""), "From", problems)
    until = typed_date(args.get("to", ""), "To", problems)
    if since and until and since > until:
        problems.append("The From date is after the To date: they were swapped.")
        since, until = until, since
    return since, until


def typed_date(value: str, label: str, problems: list[str]) -> date | None:
    """A date as typed (YYYY-MM-DD), else None with why in ``problems``."""
    value = value.strip()
    if not value:
        return None
    try:
        found = date.fromisoformat(value) if _DATE.fullmatch(value) else None
    except ValueError:
        found = None
    if found is None or found.year < 2000:
        problems.append(f"The {label} date was left out: it is not a date (YYYY-MM-DD).")
        return None
    return found


def param_text(value: object) -> str:
    """A value as an address parameter ("" for none)."""
    return "" if value is None else str(value)
