"""Import a district bundle: a building with no network gets the district's changes (badge
data, revocations, its stock, other buildings' hand-outs) from a file the hub signed
(`kiosk sync import FILE`, or the Sync page; docs/sync-protocol.md, "District bundles").

The whole file is checked before anything is applied: the hub's signature with the key this
kiosk learned from its hub online (at enrollment, and on every pull), then that it was made for
this kiosk. Then exactly what a pull would do: only the changes past this kiosk's pull cursor
(an older change applied again could undo a newer one: a revocation, say), a page at a time,
through the pull's own code (:func:`district_changes.prepare`, :func:`write_in_turns`: a
hand-out at the desk waits for one step at most), each page's cursor with its last step. An
import cut off half way goes on from there next time; the same file twice applies nothing.
Under `kiosk serve` a file of more than a page uploaded on the Sync page is imported so in a
process of its own (:mod:`bundle_process`).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from flask import current_app
from sqlalchemy.orm import Session

from kiosk.sync.district_file import (
    MAX_FILE_BYTES,
    TOO_LARGE,
    BundleRefused,
    OtherKey,
    check,
    read_changes,
)

from ..db import write_in_turns
from ..errors import InvalidInput, KioskError
from ..extensions import db
from . import district_changes, lookups, own_process
from .district import BUNDLE_AS_OF, CURSOR, HUB_KEY, enrollment


@dataclass(frozen=True)
class DistrictImport:
    applied: int  # changes applied now
    already: int  # changes this kiosk had pulled already
    data_as_of: str  # the district's data as of (the file's), in words
    older: bool = False  # the file ends before what this kiosk pulled already

    @property
    def summary(self) -> str:
        as_of = f"; badge data as of {self.data_as_of}" if self.data_as_of else ""
        if not self.applied and self.older:
            return ("Nothing new: the file is older than the district data this kiosk has "
                    f"already{as_of}")
        if not self.applied:
            return (f"Nothing new: this kiosk already had all {self.already} of the file's "
                    f"changes{as_of}")
        return (f"{self.applied} change{'' if self.applied == 1 else 's'} applied, "
                f"{self.already} already here{as_of}")


class _Overtaken(KioskError):
    """A pull from the hub moved the cursor while the file was being applied."""


def import_path(path: Path) -> DistrictImport:
    """`kiosk sync import FILE`."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InvalidInput(TOO_LARGE)
        with open(path, "rb") as source:
            return import_bundle(source)
    except OSError as exc:
        raise KioskError(f"Cannot read {path}: {exc.strerror or exc}") from None


def import_bundle(source: IO[bytes]) -> DistrictImport:
    """Check the whole file, then apply what is new in it (see the module's docstring)."""
    found = enrollment()
    if found is None:
        raise InvalidInput("Enroll this kiosk with the district hub first: a district bundle "
                           "is made for one enrolled kiosk.")
    key = lookups.get_setting(HUB_KEY) or ""
    with tempfile.TemporaryFile(prefix="district-bundle-") as copy:
        try:
            checked = check(source, key, copy)
        except BundleRefused as exc:
            if isinstance(exc, OtherKey) and not key:
                raise InvalidInput("This kiosk does not know the district hub's key yet, so it "
                                   "cannot tell a genuine district bundle: sync online once, "
                                   "or enroll again. Nothing was applied.") from None
            raise InvalidInput(str(exc)) from None
        _made_for_here(checked.head, found.kiosk_id, found.building)
        db.session.rollback()
        return _apply(checked, checked.end)


def _made_for_here(head: dict[str, Any], kiosk_id: str, building: str) -> None:
    named = str(head.get("building") or "")[:200]
    kiosk = str(head.get("kiosk_name") or head.get("kiosk_id") or "")[:120]
    if lookups.name_key(named) != lookups.name_key(building):
        raise InvalidInput(f"That district bundle was made for {named!r}, but this kiosk is "
                           f"{building!r}'s: download the file for this kiosk on the hub's "
                           "Buildings & kiosks page. Nothing was applied.")
    if head.get("kiosk_id") != kiosk_id:
        raise InvalidInput(f"That district bundle was made for another kiosk of {building} "
                           f"({kiosk!r}), not this one ({kiosk_id}): download the file for "
                           "this kiosk on the hub's Buildings & kiosks page. Nothing was "
                           "applied.")


def _apply(checked: Any, end: dict[str, Any]) -> DistrictImport:
    start = int(lookups.get_setting(CURSOR) or 0)
    db.session.rollback()
    binders = district_changes.Binders.of(db.engine.dialect)
    size = int(current_app.config["PULL_PAGE_CHANGES"])
    cursor, applied, already = start, 0, 0
    as_of = end.get("data_as_of") if end["next"] > start else None
    try:
        for page in read_changes(checked, size):
            new = [c for c in page if isinstance(c, dict) and _seq(c) > cursor]
            already += len(page) - len(new)
            if not new:
                continue
            steps = district_changes.prepare(new, binders)
            last = max(_seq(c) for c in new)
            write_in_turns([*(_guarded(step.write, cursor) for step in steps),
                            _guarded(_cursor_to(last), cursor)])
            db.session.expunge_all()
            own_process.collect_between_pages()  # in a child (bundle_process), else nothing
            applied, cursor = applied + len(new), last
        if end["next"] > cursor or as_of:  # past changes meant for others; the data's time
            write_in_turns([_guarded(_cursor_to(max(int(end["next"]), cursor), as_of),
                                     cursor)])
    except _Overtaken as exc:
        raise KioskError(f"{exc.message} {applied} changes from the file were applied; nothing "
                         "more is needed.") from None
    return DistrictImport(applied, already, _shown(as_of or lookups.get_setting(
        lookups.BADGE_DATA_AS_OF)), older=end["next"] < start)


def _seq(change: dict[str, Any]) -> int:
    value = change.get("cursor")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _guarded(write: Any, expected: int) -> Any:
    """A step that goes only while the pull cursor is where this import left it: a sync with
    the hub meanwhile brought newer data, which the file's older changes must not undo."""

    def step(session: Session) -> None:
        if int(lookups.get_setting(CURSOR) or 0) != expected:
            raise _Overtaken("The kiosk's district data moved on while the file was being "
                             "imported (a sync with the hub, or another import at the same "
                             "time), and it has that newer data.")
        write(session)

    return step


def _cursor_to(value: int, as_of: object = None) -> Any:
    def step(session: Session) -> None:
        lookups.set_setting(CURSOR, str(value))
        if as_of:
            lookups.set_setting(lookups.BADGE_DATA_AS_OF, str(as_of))
            lookups.set_setting(BUNDLE_AS_OF, str(as_of))  # fresh data, not synced online

    return step


def _shown(moment: str | None) -> str:
    if not moment:
        return ""
    try:
        when = datetime.fromisoformat(moment).astimezone(lookups.timezone())
    except (ValueError, OverflowError):
        return ""
    return when.strftime("%a %d %b %Y, %H:%M")
