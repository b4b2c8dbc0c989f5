"""The district's badge data on the hub: the pin catalogue and roster CSV files (the same
formats as `kiosk cache import`), and Open Badges documents (issuer profiles, keys, JWKS, badge
classes, revocation and status lists, baked images). New and changed rows become changes that
every kiosk pulls; documents travel as they are and each kiosk applies them with its own
importer. Idempotent: the same file again adds no change.

A row with a text that cannot be shown as it is (a control character such as NUL or ESC, an
invisible format character such as U+202E) is reported and skipped, the same rule as the
kiosk's import (kiosk/services/cache_import.py says why): such a name never reaches the change
log, the kiosks, or PostgreSQL, which refuses a NUL."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
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
from ..models import HubAward, HubCredential, HubDocument, utcnow
from . import changes, owed_count, people
from .accounts import name_key

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
        _documents(documents, credential, issuer, report, url)
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
                "name": title, "released_on": _iso(values["released_on"]),
                "has_pin": values["has_pin"], "pin_name": values["pin_name"]}))
        session.flush()
        owed_count.refresh_credential(session, repinned)
        changes.record(session, new_changes)


def _iso(value: object) -> str | None:
    return value.isoformat() if isinstance(value, date) else None


_AWARD_FIELDS = ("employee_id", "person_name", "email", "building", "credential_id",
                 "issued_on", "expires_on", "revoked", "revocation_reason", "aliases")


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
            elif any(getattr(old, k) != r[k] for k in _AWARD_FIELDS):
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


def award_change(r: dict[str, Any], credential: str) -> dict[str, Any]:
    """What a kiosk is told about an award, with the keys it is found under (worked out once
    here, not by every kiosk: a first pull brings the whole district)."""
    aliases = r["aliases"].split()
    return {"id": r["id"], "employee_id": r["employee_id"], "name": r["person_name"],
            "email": r["email"], "building": r["building"], "credential": credential,
            "issued_on": _iso(r["issued_on"]), "expires_on": _iso(r["expires_on"]),
            "revoked": r["revoked"], "revocation_reason": r["revocation_reason"],
            "aliases": aliases, "keys": _keys(r["id"], aliases)}


def _keys(award_id: str, aliases: list[str]) -> list[str]:
    """The keys a kiosk finds the award under. A link on a platform the kiosk knows (Badgr,
    Credly) is found by its platform key, which every spelling of the link gives; its plain
    ``url:`` key would only add a third row per award to every kiosk's cache."""
    found: list[str] = []
    for identifier in (award_id, *aliases):
        try:
            keys = award_keys(identifier)
        except MalformedPayload:
            continue
        if any(not k.startswith("url:") for k in keys):
            keys = tuple(k for k in keys if not k.startswith("url:"))
        found += [k for k in keys if k not in found]
    return found


def _documents(files: list[tuple[str, bytes]], credential: str | None, issuer: str | None,
               report: HubImport, url: str | None = None) -> None:
    """Store and pass on each file of Open Badges documents (with the URL its list was
    published at, if given); apply revocation lists to the district's own awards."""
    with hub_transaction() as session:
        out = []
        for name, data in files:
            # the same file again is no change; the same file published at a new URL is one
            digest = hashlib.sha256(data + (b"\n" + url.encode() if url else b"")).hexdigest()
            if session.get(HubDocument, digest) is not None:
                continue
            session.add(HubDocument(id=digest, digest=digest, updated_at=utcnow()))
            report.documents += 1
            sent = {"name": name, "content": base64.b64encode(data).decode("ascii"),
                    "credential": credential, "issuer": issuer}
            if url:
                sent["url"] = url
            out.append(changes.Change("document", sent))
            for item in badge_documents.read_documents(name, data):
                _revoke_listed(session, item.document, out)
        changes.record(session, out)


def _revoke_listed(session, doc: object, out: list[changes.Change]) -> None:  # type: ignore[no-untyped-def]
    if not isinstance(doc, dict):
        return
    try:
        kind = badge_documents.kind_of(doc)
    except RowError:
        return
    if kind not in (badge_documents.Kind.OB2_LIST, badge_documents.Kind.OB3_LIST):
        return
    version = "ob2" if kind is badge_documents.Kind.OB2_LIST else "ob3"
    listed = dict(badge_documents.revoked_ids(doc, version))
    if not listed:
        return
    names = {c.id: c.name for c in session.scalars(select(HubCredential))}
    revoked = set()
    for award in session.scalars(select(HubAward).where(HubAward.id.in_(list(listed)))):
        if award.revoked:
            continue
        revoked.add(award.employee_id)
        award.revoked = True
        award.revocation_reason = listed[award.id] or badge_documents.REVOKED
        award.updated_at = utcnow()
        row = {k: getattr(award, k) for k in ("id", *_AWARD_FIELDS)}
        out.append(changes.Change("award", award_change(row, names[award.credential_id])))
    session.flush()
    owed_count.refresh(session, revoked)


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
