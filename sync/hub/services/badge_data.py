"""The district's badge data on the hub: the pin catalogue and roster CSV files (the same
formats as `kiosk cache import`), and Open Badges documents (issuer profiles, keys, JWKS, badge
classes, revocation and status lists, baked images). New and changed rows become changes that
every kiosk pulls (what they say: award_changes.py); documents travel as they are and each
kiosk applies them with its own importer (hub_documents.py). Idempotent: the same file again
adds no change.

A row with a text that cannot be shown as it is (a control character such as NUL or ESC, an
invisible format character such as U+202E) is reported and skipped, the same rule as the
kiosk's import (kiosk/services/cache_import.py says why): such a name never reaches the change
log, the kiosks, or PostgreSQL, which refuses a NUL."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, insert, select, update

from kiosk.domain.payload import MalformedPayload, award_keys
from kiosk.errors import InvalidInput as KioskInvalidInput
from kiosk.services import badge_documents, list_urls
from kiosk.services.cache_import import (
    CATALOGUE_COLUMNS,
    ROSTER_COLUMNS,
    Progress,
    RowError,
    _bool,
    _date,
    _kind,
    _text,
    check_shown,
)

from ..db import hub_transaction
from ..errors import InvalidInput
from ..extensions import hub_db
from ..models import HubAward, HubCredential, utcnow
from . import changes, owed_count, people
from .accounts import name_key
from .award_changes import AWARD_FIELDS, award_change, iso
from .hub_documents import store_documents

BATCH = 5000


@dataclass
class HubImport:
    rows: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    documents: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return (f"{self.rows} rows read: {self.added} added, {self.changed} changed, "
                f"{self.unchanged} unchanged, {self.documents} Open Badges documents, "
                f"{len(self.errors)} with errors")


def import_files(paths: Iterable[str | Path], credential: str | None = None,
                 issuer: str | None = None, progress: Progress | None = None,
                 url: str | None = None) -> HubImport:
    """Catalogue files first, then rosters (a transaction each :data:`BATCH` rows), then
    Open Badges files. ``progress`` is told of each row read and each file of documents.
    ``url`` is where the one revocation or status list among the documents was published:
    kiosks file it under that URL too (kiosk/services/list_urls.py)."""
    report = HubImport()
    tables: list[tuple[str, str, csv.DictReader[str]]] = []
    documents: list[tuple[str, bytes]] = []
    document_items = 0
    read: list[badge_documents.Item] = []
    for path in map(Path, paths):
        data = path.read_bytes()
        if badge_documents.file_format(data[:badge_documents.HEAD_BYTES]) != "table":
            items = badge_documents.read_documents(path.name, data)
            read += items
            for item in items:
                if item.document is None:
                    report.errors.append(f"{item.label}: {item.problem}")
            documents.append((path.name, data))
            document_items += len(items)
            continue
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(f"{path.name}: not a UTF-8 text file. Save it as CSV UTF-8 and "
                               "import it again.") from None
        reader = csv.DictReader(io.StringIO(text, newline=""))
        reader.fieldnames = [h.strip() for h in (reader.fieldnames or [])]
        kind = _kind(reader.fieldnames)
        if kind is None:
            raise InvalidInput(f"{path.name}: a roster starts with {','.join(ROSTER_COLUMNS)}; "
                               f"a catalogue with {','.join(CATALOGUE_COLUMNS)}.")
        tables.append((kind, path.name, reader))
    try:
        url = list_urls.checked_url(url, read)
    except KioskInvalidInput as exc:
        raise InvalidInput(exc.message) from None
    tables.sort(key=lambda t: t[0] != "catalogue")
    for kind, name, reader in tables:
        if kind == "catalogue":
            _catalogue(name, reader, report, progress)
        else:
            _roster(name, reader, report, progress)
    if documents:
        report.documents += store_documents(documents, credential, issuer, url)
        if progress:
            progress(document_items)
    if report.added + report.changed > 1000:
        _refresh_statistics()
    return report


def _refresh_statistics() -> None:
    """After a big import, what PostgreSQL's autovacuum would do later, at once: the planner
    learns the tables' new size (a new kiosk's first pull reads the change log in order), and
    the tables the district log's name search and "what is still owed" read are vacuumed, so
    that their index-only scans need not visit each new row in the table to see it is
    visible (a name that matches thousands of people: 60 ms rather than 15)."""
    from sqlalchemy import text

    engine = hub_db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE hub_change"))
            conn.execute(text("VACUUM (ANALYZE) hub_award, hub_person_word, hub_owed"))


def _catalogue(name: str, reader: csv.DictReader[str], report: HubImport,
               progress: Progress | None) -> None:
    with hub_transaction() as session:
        known = {c.name_key: c for c in session.scalars(select(HubCredential))}
        new_changes = []
        repinned: set[int] = set()  # credentials whose pin or name changed: who is owed
        for row in reader:
            report.rows += 1
            if progress:
                progress(1)
            try:
                title = _text(row, "credential")
                values = {"name": title, "released_on": _date(row, "released_on"),
                          "has_pin": _bool(row, "has_pin"),
                          "pin_name": _text(row, "pin_name", required=False)}
            except RowError as exc:
                report.errors.append(f"{name}, line {reader.line_num}: {exc}")
                continue
            cred = known.get(name_key(title))
            if cred is None:
                cred = HubCredential(name_key=name_key(title), **values)
                session.add(cred)
                known[cred.name_key] = cred
                report.added += 1
            elif any(getattr(cred, k) != v for k, v in values.items()):
                if (cred.has_pin, cred.name) != (values["has_pin"], values["name"]):
                    repinned.add(cred.id)
                for k, v in values.items():
                    setattr(cred, k, v)
                report.changed += 1
            else:
                report.unchanged += 1
                continue
            new_changes.append(changes.Change("credential", {
                "name": title, "released_on": iso(values["released_on"]),
                "has_pin": values["has_pin"], "pin_name": values["pin_name"]}))
        session.flush()
        owed_count.refresh_credential(session, repinned)
        changes.record(session, new_changes)


def _roster(name: str, reader: csv.DictReader[str], report: HubImport,
            progress: Progress | None) -> None:
    credentials = {c.name_key: c for c in hub_db.session.scalars(select(HubCredential))}
    batch: list[dict[str, Any]] = []
    read = 0
    for row in reader:
        report.rows += 1
        read += 1
        try:
            batch.append(_award(row, credentials))
        except RowError as exc:
            report.errors.append(f"{name}, line {reader.line_num}: {exc}")
        if len(batch) >= BATCH:
            _save_awards(batch, credentials, report)
            batch = []
            if progress:
                progress(read)
            read = 0
    _save_awards(batch, credentials, report)
    if progress and read:
        progress(read)


def _award(row: dict[str, str | None], credentials: dict[str, HubCredential]) -> dict[str, Any]:
    cred = credentials.get(name_key(_text(row, "credential")))
    if cred is None:
        raise RowError(f"credential {row.get('credential')!r} is not in the catalogue")
    revoked = _bool(row, "revoked")
    award_id = _text(row, "award_id", limit=512)
    try:
        award_keys(award_id)
    except MalformedPayload as exc:
        raise RowError(f"award_id {award_id[:80]!r}: {exc}") from None
    return {
        "id": award_id, "employee_id": _text(row, "employee_id", limit=64),
        "person_name": _text(row, "name", limit=200),
        "email": _text(row, "email", required=False, limit=320),
        "building": _text(row, "building", required=False, limit=200),
        "credential_id": cred.id, "issued_on": _date(row, "issued_on"), "expires_on": None,
        "revoked": revoked,
        "revocation_reason": _text(row, "revocation_reason", required=False, limit=1000)
        if revoked else "",
        "aliases": " ".join(check_shown(row.get("award_urls") or "", "award_urls").split()),
    }


def _save_awards(batch: list[dict[str, Any]], credentials: dict[str, HubCredential],
                 report: HubImport) -> None:
    if not batch:
        return
    names = {c.id: c.name for c in credentials.values()}
    now = utcnow()
    with hub_transaction() as session:
        stored = {a.id: a for a in session.scalars(
            select(HubAward).where(HubAward.id.in_([r["id"] for r in batch])))}
        new_rows, changed_rows, out = [], [], []
        for r in batch:
            old = stored.get(r["id"])
            if old is None:
                new_rows.append({**r, "updated_at": now})
                report.added += 1
            elif any(getattr(old, k) != r[k] for k in AWARD_FIELDS):
                changed_rows.append({**r, "updated_at": now})
                report.changed += 1
            else:
                report.unchanged += 1
                continue
            out.append(changes.Change("award", award_change(r, names[r["credential_id"]])))
        holders = {stored[r["id"]].employee_id for r in changed_rows}  # before the update
        if new_rows:
            session.execute(insert(HubAward), new_rows)
        for r in changed_rows:
            session.execute(update(HubAward).where(HubAward.id == r["id"]).values(**r))
        # the words the district log finds these people under (a renamed award's old holder too)
        touched = {r["employee_id"] for r in new_rows + changed_rows} | holders
        people.refresh_words(session, touched)
        owed_count.refresh(session, touched)
        changes.record(session, out)


@dataclass(frozen=True)
class CatalogueLine:
    credential: HubCredential
    awards: int
    revoked: int


def catalogue() -> list[CatalogueLine]:
    """The district's credentials, oldest first, with how many awards of each it knows."""
    counts = {cid: (int(n), int(r or 0)) for cid, n, r in hub_db.session.execute(
        select(HubAward.credential_id, func.count(),
               func.sum(case((HubAward.revoked.is_(True), 1), else_=0)))
        .group_by(HubAward.credential_id))}
    return [CatalogueLine(c, *counts.get(c.id, (0, 0))) for c in hub_db.session.scalars(
        select(HubCredential).order_by(HubCredential.released_on, HubCredential.id))]
