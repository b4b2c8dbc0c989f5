"""Import badge data into the cache from CSV files: the roster (one row per award) and the pin
catalogue; and, through :mod:`.badge_import`, from Open Badges documents (JSON, JWKS, baked
images). Each file is told apart by its content, not its name. Idempotent: importing the same
file again changes nothing; a changed row (a newly revoked award, say) is applied. A bad row is
reported with its line number and skipped; the rest of the file still imports. All files go in
one transaction."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select

from ..db import write_transaction
from ..domain.payload import MalformedPayload, award_keys
from ..domain.receipts import building_code
from ..errors import InvalidInput
from ..models import Award, AwardKey, Building, Credential, Person, utcnow
from . import lookups, people

ROSTER_COLUMNS = ("employee_id", "name", "email", "building", "credential", "issued_on",
                  "award_id")
ROSTER_OPTIONAL = ("award_urls", "revoked", "revocation_reason")
CATALOGUE_COLUMNS = ("credential", "released_on", "has_pin")
CATALOGUE_OPTIONAL = ("pin_name",)

Progress = Callable[[int], None]


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        text = (f"{self.rows} rows read: {self.created} added, {self.updated} changed, "
                f"{self.unchanged} unchanged, {len(self.errors)} with errors")
        if self.warnings:
            text += f", {len(self.warnings)} warning{'s' if len(self.warnings) > 1 else ''}"
        return text


class RowError(ValueError):
    pass


def count_rows(paths: Iterable[str | Path]) -> int:
    """Rows in CSV files, documents in JSON files, one per badge image: the progress total."""
    from . import badge_documents

    total = 0
    for path in paths:
        with open(path, "rb") as f:
            if badge_documents.file_format(f.read(badge_documents.HEAD_BYTES)) == "table":
                f.seek(0)
                total += max(sum(1 for _ in f) - 1, 0)
            else:
                total += badge_documents.count_documents(Path(path))
    return total


def import_files(paths: Iterable[str | Path], progress: Progress | None = None, *,
                 credential: str | None = None, issuer: str | None = None) -> ImportReport:
    """Import catalogue files first (whatever order they are given in), then rosters, then
    Open Badges documents. ``credential`` ties every badge class among those documents to
    that catalogue credential; ``issuer`` names the issuer whose keys a JWKS file holds."""
    from . import badge_documents, badge_import

    files = [Path(p) for p in paths]
    parsed = []
    documents: list[badge_documents.Item] = []
    for path in files:
        data = _read(path)
        if badge_documents.file_format(data[:badge_documents.HEAD_BYTES]) != "table":
            documents.extend(badge_documents.read_documents(path.name, data))
            continue
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(f"{path}: not a UTF-8 text file.") from None
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip() for h in (reader.fieldnames or [])]
        reader.fieldnames = header
        kind = _kind(header)
        if kind is None:
            raise InvalidInput(
                f"{path}: unknown file. A roster starts with the header "
                f"{','.join(ROSTER_COLUMNS)}; a catalogue with {','.join(CATALOGUE_COLUMNS)}; "
                "badge data is Open Badges JSON or a baked PNG or SVG badge image."
            )
        parsed.append((kind, path, reader))
    parsed.sort(key=lambda item: item[0] != "catalogue")
    report = ImportReport()
    with write_transaction():
        importer = _Importer(report)
        for kind, path, reader in parsed:
            apply = importer.catalogue_row if kind == "catalogue" else importer.roster_row
            for row in reader:
                report.rows += 1
                try:
                    apply(row)
                except RowError as exc:
                    report.errors.append(f"{path.name}, line {reader.line_num}: {exc}")
                if progress:
                    progress(1)
        if documents or credential is not None or issuer is not None:
            badge_import.BadgeImporter(importer, credential=credential,
                                       issuer=issuer).run(documents, progress)
        importer.index_people()
        lookups.set_setting(lookups.BADGE_DATA_AS_OF, utcnow().isoformat())
    return report


def _read(path: Path) -> bytes:
    """The file's bytes; a badge file over the size limit is refused before it is read."""
    from . import badge_documents

    try:
        with open(path, "rb") as f:
            head = f.read(badge_documents.HEAD_BYTES)
            if badge_documents.file_format(head) != "table":
                badge_documents.check_size(path.name, os.fstat(f.fileno()).st_size)
            return head + f.read()
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read the file ({exc.strerror}).") from None


def _kind(header: list[str]) -> str | None:
    if all(c in header for c in ROSTER_COLUMNS):
        return "roster"
    if all(c in header for c in CATALOGUE_COLUMNS):
        return "catalogue"
    return None


def _text(row: dict[str, str | None], column: str, required: bool = True,
          limit: int = 300) -> str:
    value = " ".join((row.get(column) or "").split())
    if required and not value:
        raise RowError(f"{column} is empty")
    if len(value) > limit:
        raise RowError(f"{column} is longer than {limit} characters")
    return value


def _date(row: dict[str, str | None], column: str) -> date | None:
    value = (row.get(column) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RowError(f"{column} {value!r} is not a date like 2024-09-27") from None


def _bool(row: dict[str, str | None], column: str) -> bool:
    value = (row.get(column) or "").strip().lower()
    if value in ("", "false", "no", "n", "0"):
        return False
    if value in ("true", "yes", "y", "1"):
        return True
    raise RowError(f"{column} {value!r} is not true or false")


def _keys(identifier: str, column: str) -> tuple[str, ...]:
    try:
        return award_keys(identifier)
    except MalformedPayload as exc:
        raise RowError(f"{column} {identifier[:80]!r}: {exc}") from None


class _Importer:
    def __init__(self, report: ImportReport):
        from ..extensions import db

        self.s = db.session
        self.report = report
        self.credentials = {c.name_key: c for c in self.s.scalars(select(Credential))}
        self.people = {p.employee_id: p for p in self.s.scalars(select(Person))}
        self.buildings = {b.name for b in self.s.scalars(select(Building))}
        self.keys = dict(self.s.execute(select(AwardKey.key, AwardKey.award_id)).all())
        self.to_index: dict[str, Person] = {}  # by employee id
        self.words_were: dict[str, tuple[str, str]] = {}  # name and email before the import

    def _count(self, created: bool, changed: bool) -> None:
        if created:
            self.report.created += 1
        elif changed:
            self.report.updated += 1
        else:
            self.report.unchanged += 1

    def catalogue_row(self, row: dict[str, str | None]) -> None:
        name = _text(row, "credential")
        values = {
            "name": name,
            "released_on": _date(row, "released_on"),
            "has_pin": _bool(row, "has_pin"),
            "pin_name": _text(row, "pin_name", required=False),
        }
        cred = self.credentials.get(lookups.name_key(name))
        created = cred is None
        if cred is None:
            cred = Credential(name_key=lookups.name_key(name))
            self.s.add(cred)
            self.credentials[cred.name_key] = cred
        self._count(created, _assign(cred, values))

    def roster_row(self, row: dict[str, str | None]) -> None:
        employee_id = _text(row, "employee_id", limit=64)
        award_id = _text(row, "award_id", limit=512)
        cred = self.credentials.get(lookups.name_key(_text(row, "credential")))
        if cred is None:
            raise RowError(f"credential {row.get('credential')!r} is not in the catalogue "
                           "(import the catalogue file too)")
        email = _text(row, "email", required=False, limit=320)
        building = _text(row, "building", required=False, limit=200)
        keys = list(_keys(award_id, "award_id"))
        for url in (row.get("award_urls") or "").split():
            keys.extend(k for k in _keys(url, "award_urls") if k not in keys)
        revoked = _bool(row, "revoked")
        award_values: dict[str, object] = {
            "credential": cred,
            "issued_on": _date(row, "issued_on"),
            "revoked": revoked,
            "revocation_reason": _text(row, "revocation_reason", required=False,
                                       limit=1000) if revoked else "",
        }
        person_values = {"name": _text(row, "name", limit=200), "email": email,
                         "building": building}
        award = self.check_award(award_id, keys, employee_id)
        # The row is valid: apply it.
        person = self.people.get(employee_id)
        person_created = person is None
        if person is None:
            person = Person(employee_id=employee_id)
            self.s.add(person)
            self.people[employee_id] = person
        words_from = (person.name, person.email)
        person_changed = _assign(person, person_values)
        if (person.name, person.email) != words_from:  # added or renamed: new lookup words
            self.to_index[employee_id] = person
            if not person_created:  # what its words were made of, the first time it changed
                self.words_were.setdefault(employee_id, words_from)
        if building and building not in self.buildings:
            self.s.add(Building(name=building, code=building_code(building), is_here=False))
            self.buildings.add(building)
        award_created, award_changed = self.save_award(award, award_id, person, keys,
                                                       award_values)
        self._count(award_created or person_created, person_changed or award_changed)

    def index_people(self) -> None:
        """Store the lookup's words of the people this import added or renamed."""
        self.s.flush()
        was = {p.id: (p.id, e, *self.words_were[e]) for e, p in self.to_index.items()
               if e in self.words_were}
        people.index_people(self.s, [(p.id, p.employee_id, p.name, p.email)
                                     for p in self.to_index.values()], was=was)

    def check_award(self, award_id: str, keys: list[str], employee_id: str) -> Award | None:
        """The stored award ``award_id`` (None when new). RowError when one of its ``keys``
        belongs to another award, or the award to another employee."""
        for key in keys:
            owner = self.keys.get(key)
            if owner is not None and owner != award_id:
                raise RowError(f"{key.split(':', 1)[1]!r} already belongs to award {owner!r}")
        award = self.s.get(Award, award_id)
        if award is not None and award.person.employee_id != employee_id:
            raise RowError(f"award {award_id!r} belongs to another employee")
        return award

    def save_award(self, award: Award | None, award_id: str, person: Person, keys: list[str],
                   values: dict[str, object]) -> tuple[bool, bool]:
        """Create or update an award checked by :meth:`check_award`, and store its new keys.
        Returns (created, changed)."""
        created = award is None
        if award is None:
            award = Award(id=award_id, person=person)
            self.s.add(award)
        changed = _assign(award, values)
        if changed and not created:
            award.updated_at = utcnow()
        new_keys = [k for k in keys if k not in self.keys]
        for key in new_keys:
            self.s.add(AwardKey(key=key, award=award))
            self.keys[key] = award_id
        return created, changed or bool(new_keys)


def _assign(obj: object, values: Mapping[str, object]) -> bool:
    changed = False
    for attr, value in values.items():
        if getattr(obj, attr, None) != value:
            setattr(obj, attr, value)
            changed = True
    return changed
