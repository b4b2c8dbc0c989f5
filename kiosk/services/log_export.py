"""The hand-out log as CSV for a spreadsheet: the hand-outs a search of the log matches
(kiosk/services/hand_out_log.py), oldest first, each void on the row of what it voids."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import select

from ..domain.log_search import LogSearch
from ..domain.staff import CurrentUser
from ..domain.text import csv_cell
from ..extensions import db
from ..models import Building, Credential, StaffUser
from . import lookups
from .hand_out_log import condition

CHUNK = 200  # rows a piece of the streamed file holds (about 50 KB)
COLUMNS = ("receipt", "handed_out_at", "person", "employee_id", "credential", "pin",
           "award_id", "staff", "building", "source", "manual_reason", "note", "voided_at",
           "voided_by", "void_reason", "distribution_id")
# The few staff, pins and buildings are read once, defused once; person and void per row.
_SELECT = (
    "SELECT d.receipt, d.handed_out_at, p.name, p.employee_id, d.credential_id, d.award_id, "
    "d.staff_user_id, d.building_id, d.source, d.manual_reason, d.note, v.voided_at, "
    "v.staff_user_id, v.reason, d.id "
    "FROM distribution AS d JOIN person AS p ON p.id = d.person_id "
    "LEFT JOIN void AS v ON v.distribution_id = d.id ")


def csv_lines(wanted: LogSearch, user: CurrentUser) -> Iterator[str]:
    """The hand-outs matching ``wanted`` as CSV, oldest first, streamed ``CHUNK`` rows at a
    time (never the whole log in memory); times in the building's time zone. Text is defused
    for spreadsheets (``csv_cell``); a BOM first and CRLF line ends, as Excel reads UTF-8 CSV.

    Small pieces keep the server's memory flat: with ``kiosk serve``'s small output buffer
    (kiosk/commands.py: OUTBUF_HIGH_WATERMARK) an export of 100,000 rows costs each server
    thread about 3 MiB once, where pieces of 1,000 rows and waitress's own buffer cost 25 MiB
    per export, kept while the browser stayed connected."""
    tz = lookups.timezone()
    buf = io.StringIO()
    writer = csv.writer(buf)

    def local(stored: str | None) -> str:  # a time as the database holds it (UTC)
        if stored is None:
            return ""
        moment = datetime.fromisoformat(stored).replace(tzinfo=UTC)
        return moment.astimezone(tz).isoformat(timespec="seconds")

    def flush() -> str:
        value = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        return value

    yield "\ufeff"  # so that spreadsheet programs read UTF-8
    writer.writerow(COLUMNS)
    yield flush()
    where = condition(wanted, user)
    if where is None:
        return
    # the driver's own rows: SQLAlchemy's text() took as long again to read them
    result = db.session.connection().exec_driver_sql(
        f"{_SELECT} WHERE {where.sql} ORDER BY d.handed_out_at, d.receipt_no", where.params)
    pins, staff, buildings = _names()
    cell = csv_cell
    # What the kiosk writes itself (the receipt number, the times, the id) cannot start like a
    # formula; every other cell is text a person or a file brought, defused by csv_cell (the
    # ones most often empty only when they are not: "x and cell(x)").
    for rows in result.partitions(CHUNK):
        writer.writerows((r[0], local(r[1]), cell(r[2]), cell(r[3]), *pins[r[4]], cell(r[5]),
                          staff[r[6]], buildings[r[7]], r[8] and cell(r[8]),
                          r[9] and cell(r[9]), r[10] and cell(r[10]), local(r[11]),
                          staff.get(r[12], ""), r[13] and cell(r[13]), r[14])
                         for r in rows)
        yield flush()


def _names() -> tuple[dict[int, tuple[object, object]], dict[int, object], dict[int, object]]:
    """(credential and pin by credential id, staff by id, buildings by id), defused."""
    pins = {cid: (csv_cell(name), csv_cell(pin or f"{name} pin")) for cid, name, pin in
            db.session.execute(select(Credential.id, Credential.name, Credential.pin_name))}
    staff = {sid: csv_cell(name) for sid, name in
             db.session.execute(select(StaffUser.id, StaffUser.name))}
    buildings = {bid: csv_cell(name) for bid, name in
                 db.session.execute(select(Building.id, Building.name))}
    return pins, staff, buildings
