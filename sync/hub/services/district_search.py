"""What district staff ask of the district hand-out log, read from the address bar (as the
kiosk's log does: kiosk/domain/log_search.py): a name, employee number or receipt typed; a
building; a pin; a date range; all, voided, not voided or manual; and where in it the page is
(a keyset cursor: the hand-out the page starts after, or before). The same words make the
address again, so a search is bookmarked, sent back by the back button, carried to the CSV
and linked to from an exception. Pure: no Flask, no database.

Nothing typed here is trusted: what cannot be read is left out and said so, never an error."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from kiosk.domain.log_search import SHOW, param_text, typed_period, whole_number
from kiosk.domain.search_words import MAX_QUERY_TEXT
from kiosk.domain.text import typed_text

__all__ = ["SHOW", "HubLogSearch", "parse_search"]

_HAND_OUT_ID = re.compile(r"[0-9A-Za-z-]{1,36}", re.ASCII)  # a kiosk's distribution id


@dataclass(frozen=True)
class HubLogSearch:
    text: str = ""  # a name, employee number or receipt number, as typed
    building: int | None = None  # hub_building id
    pin: str = ""  # the pin's credential, by name
    since: date | None = None  # the district's dates, both included
    until: date | None = None
    show: str = ""  # a key of SHOW
    after: str | None = None  # the page holds hand-outs older than this one (its id)
    before: str | None = None  # ... or newer than it
    problems: tuple[str, ...] = ()

    @property
    def filtered(self) -> bool:
        return bool(self.text or self.building or self.pin or self.since or self.until
                    or self.show)

    def params(self, *, cursor: bool = True) -> dict[str, str]:
        """The search as address parameters, without the empty ones (and without the
        cursor unless ``cursor``)."""
        found = {"q": self.text, "building": param_text(self.building), "pin": self.pin,
                 "from": param_text(self.since), "to": param_text(self.until), "show": self.show}
        if cursor:
            found.update(after=self.after or "", before=self.before or "")
        return {key: value for key, value in found.items() if value}

    def older_than(self, hand_out_id: str) -> HubLogSearch:
        return replace(self, after=hand_out_id, before=None)

    def newer_than(self, hand_out_id: str) -> HubLogSearch:
        return replace(self, after=None, before=hand_out_id)

    def first_page(self) -> HubLogSearch:
        return replace(self, after=None, before=None)


def parse_search(args: Mapping[str, str]) -> HubLogSearch:
    problems: list[str] = []
    text = typed_text(args.get("q", "")[:MAX_QUERY_TEXT], 200)
    since, until = typed_period(args, problems)
    show = args.get("show", "")
    if show not in SHOW:
        problems.append("Showing all hand-outs: the kind asked for is not one of the choices.")
        show = ""
    after, before = _hand_out(args.get("after", "")), _hand_out(args.get("before", ""))
    return HubLogSearch(text=text, building=whole_number(args.get("building", "")),
                        pin=typed_text(args.get("pin", "")[:300], 300), since=since,
                        until=until, show=show, after=after,
                        before=None if after else before, problems=tuple(problems))


def _hand_out(value: str) -> str | None:
    value = value.strip()
    return value if _HAND_OUT_ID.fullmatch(value) else None


