"""Import badge data into the cache from CSV files: the roster (one row per award) and the pin
catalogue; and, through :mod:`.badge_import`, from Open Badges documents (JSON, JWKS, baked
images). Each file is told apart by its content, not its name. Idempotent: importing the same
file again changes nothing; a changed row (a newly revoked award, say) is applied. A bad row is
reported with its line number and skipped; the rest of the file still imports.

**Beside the desk.** An import runs while staff hand out pins (`kiosk cache import` beside
`kiosk serve`), so it never holds the database for long: rows are read and checked outside any
transaction, then written in batches of :data:`BATCH_ROWS`, each its own short transaction
(:func:`kiosk.db.write_transaction` with ``background``). A row is all or nothing: its person,
its award and the award's keys commit together. What a row is checked against (the people,
keys and awards it names) is read inside its batch's transaction, not once at the start: a
pull or a hand-out (a signed badge's new award and keys, ``proof_awards.record_award``) may
have written in between. An import cut off half way leaves whole rows; run again, it finishes
(the rows already in are unchanged). The batches commit without waiting for the disk, and the
last step of the import commits durably, which makes every batch before it durable too.

Open Badges documents are applied in one transaction after the CSV files (a file is at most
20 MB; see :mod:`.badge_import`).

**What a text may hold.** Every text of a row (names, email, building, credential, ids, links)
is refused with the row when it holds a character that cannot be shown as it is
(``kiosk/domain/text.py:unshown_character``): a control character (ESC, NUL, BEL, DEL, GS...;
a tab or a line break is white space) or an invisible format character (Unicode category Cf:
bidi overrides and isolates such as U+202E, zero-width space, soft hyphen, word joiner, byte
order mark, left-to-right mark...). Such a character is never
part of a name as the district means it: a control character is a damaged export or an attack
on whoever reads the log and the CSV (ESC sequences, NUL cutting text short, PostgreSQL refusing
it), a bidi override makes a name read differently from what it holds, and the other invisible
ones make two spellings of one name that look the same but do not match in the lookup. Refused
and not stripped: the district's file is the roster, and the report says which line, which
column and which character, so it is fixed once where it came from rather than stored
differently in every cache. ZWJ and ZWNJ (U+200D, U+200C) are kept: they are part of correct
spelling in Persian, Arabic, Indic scripts and emoji. Accents and every other letter are kept.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from ..db import write_transaction
from ..domain.payload import MalformedPayload, award_keys
from ..domain.receipts import building_code
from ..domain.text import describe_character, unshown_character, unshown_in_cell
from ..errors import InvalidInput
from ..models import Award, AwardKey, Building, Credential, Person, utcnow
from . import lookups, people

ROSTER_COLUMNS = ("employee_id", "name", "email", "building", "credential", "issued_on",
                  "award_id")
ROSTER_OPTIONAL = ("award_urls", "revoked", "revocation_reason")
CATALOGUE_COLUMNS = ("credential", "released_on", "has_pin")
CATALOGUE_OPTIONAL = ("pin_name",)
# Rows a transaction: about 10 ms of writing each on the benchmark machine (docs/benchmarks.md,
# bench/desk_during_import.py), so that a hand-out waits a moment behind one, never more.
BATCH_ROWS = 250

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

    def count(self, created: bool, changed: bool) -> None:
        if created:
            self.created += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1


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
                 credential: str | None = None, issuer: str | None = None,
                 url: str | None = None) -> ImportReport:
    """Import catalogue files first (whatever order they are given in), then rosters, then
    Open Badges documents. ``credential`` ties every badge class among those documents to
    that catalogue credential; ``issuer`` names the issuer whose keys a JWKS file holds;
    ``url`` is where the one revocation or status list among them was published
    (:mod:`.list_urls`).

    A file that cannot be read as a whole (unknown header, not UTF-8, broken JSON, too large),
    or a ``credential`` in no catalogue, refuses the import before anything is written."""
    from . import badge_documents, badge_import, list_urls

    files = [Path(p) for p in paths]
    catalogues: list[tuple[Path, list[tuple[int, dict[str, str | None]]]]] = []
    rosters: list[tuple[Path, csv.DictReader[str]]] = []
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
        if kind == "catalogue":  # small: read whole, so that --credential can be checked
            catalogues.append((path, [(reader.line_num, row) for row in reader]))
        else:
            rosters.append((path, reader))
    if credential is not None:
        _check_credential_option(credential, catalogues)
    url = list_urls.checked_url(url, documents)
    report = ImportReport()
    for path, rows in catalogues:
        for start in range(0, len(rows), BATCH_ROWS):
            _catalogue_batch(path.name, rows[start:start + BATCH_ROWS], report, progress)
    for path, reader in rosters:
        _roster(path.name, reader, report, progress)
    if documents or credential is not None or issuer is not None:
        with write_transaction(bulk=True, background=True):
            importer = _Importer(report)
            badge_import.BadgeImporter(importer, credential=credential, issuer=issuer,
                                       url=url).run(documents, progress)
    with write_transaction():  # durable, and so makes every batch before it durable
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


def _check_credential_option(
        credential: str, catalogues: list[tuple[Path, list[tuple[int, dict[str, str | None]]]]]
) -> None:
    from ..extensions import db

    wanted = lookups.name_key(credential)
    if any(lookups.name_key(row.get("credential") or "") == wanted
           for _, rows in catalogues for _, row in rows):
        return
    if db.session.scalar(select(Credential.id).where(Credential.name_key == wanted)) is None:
        raise InvalidInput(f"--credential {credential!r} is not in the pin catalogue "
                           "(import the catalogue file too).")


# --- what a text may hold ----------------------------------------------------------------------

def check_shown(value: str, column: str, find: Callable[[str], str | None] = unshown_character
                ) -> str:
    """``value``, or RowError naming the first character in it that cannot be shown."""
    ch = find(value)
    if ch is not None:
        raise RowError(f"{column} contains {describe_character(ch)}; correct the row and "
                       "import it again")
    return value


# --- reading a row (no database) ---------------------------------------------------------------


def _text(row: Mapping[str, str | None], column: str, required: bool = True,
          limit: int = 300) -> str:
    # checked before white space is tidied: Python's split() takes GS, FS, RS, US, NEL, VT and
    # FF for white space, and would have made each a space unseen
    raw = check_shown(row.get(column) or "", column, unshown_in_cell)
    value = " ".join(raw.split())
    if required and not value:
        raise RowError(f"{column} is empty")
    if len(value) > limit:
        raise RowError(f"{column} is longer than {limit} characters")
    return value


def _date(row: Mapping[str, str | None], column: str) -> date | None:
    value = (row.get(column) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RowError(f"{column} {value!r} is not a date like 2024-09-27") from None


def _bool(row: Mapping[str, str | None], column: str) -> bool:
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


@dataclass(frozen=True)
class RosterRow:
    """One roster row, read and checked as far as can be without the database."""

    line: int
    employee_id: str
    name: str
    email: str
    building: str
    credential: str  # as the file spells it
    award_id: str
    keys: tuple[str, ...]
    issued_on: date | None
    revoked: bool
    revocation_reason: str


def read_roster_row(line: int, row: Mapping[str, str | None]) -> RosterRow:
    employee_id = _text(row, "employee_id", limit=64)
    award_id = _text(row, "award_id", limit=512)
    credential = _text(row, "credential")
    email = _text(row, "email", required=False, limit=320)
    building = _text(row, "building", required=False, limit=200)
    keys = list(_keys(award_id, "award_id"))
    for url in check_shown(row.get("award_urls") or "", "award_urls").split():
        keys.extend(k for k in _keys(url, "award_urls") if k not in keys)
    revoked = _bool(row, "revoked")
    issued_on = _date(row, "issued_on")
    reason = _text(row, "revocation_reason", required=False, limit=1000) if revoked else ""
    return RosterRow(line, employee_id, _text(row, "name", limit=200), email, building,
                     credential, award_id, tuple(keys), issued_on, revoked, reason)


# --- writing rows, a batch a transaction ---------------------------------------------------------


def _batches(reader: csv.DictReader[str]) -> Iterator[list[tuple[int, dict[str, str | None]]]]:
    batch: list[tuple[int, dict[str, str | None]]] = []
    for row in reader:
        batch.append((reader.line_num, row))
        if len(batch) >= BATCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


def _roster(name: str, reader: csv.DictReader[str], report: ImportReport,
            progress: Progress | None) -> None:
    for batch in _batches(reader):
        errors: list[tuple[int, str]] = []
        rows = []
        for line, raw in batch:  # outside the transaction: nobody waits for this
            try:
                rows.append(read_roster_row(line, raw))
            except RowError as exc:
                errors.append((line, str(exc)))
        if rows:
            with write_transaction(bulk=True, background=True) as session:
                errors += _RosterBatch(session, rows, report).write()
        report.rows += len(batch)
        report.errors += [f"{name}, line {line}: {text}" for line, text in sorted(errors)]
        if progress:
            progress(len(batch))


class _RosterBatch:
    """One batch of roster rows, in the caller's transaction: what the rows name is read
    first, each row is checked and applied in order in memory, then written in a few
    statements."""

    def __init__(self, session: Session, rows: list[RosterRow], report: ImportReport):
        self.s, self.rows, self.report = session, rows, report
        employees = {r.employee_id for r in rows}
        award_ids = {r.award_id for r in rows}
        self.credentials = dict(session.execute(select(Credential.name_key,
                                                              Credential.id)).all())
        # employee id -> [person id (None: new), name, email, building]
        self.people: dict[str, list[Any]] = {
            e: [i, n, m, b] for e, i, n, m, b in session.execute(
                select(Person.employee_id, Person.id, Person.name, Person.email,
                       Person.building).where(Person.employee_id.in_(employees)))}
        self.owners: dict[str, str] = dict(session.execute(
            select(AwardKey.key, AwardKey.award_id)
            .where(AwardKey.key.in_({k for r in rows for k in r.keys}))).all())
        # award id -> [employee id, credential id, issued on, revoked, revocation reason]
        self.awards: dict[str, list[Any]] = {
            a: [e, c, i, bool(v), t] for a, e, c, i, v, t in session.execute(
                select(Award.id, Person.employee_id, Award.credential_id, Award.issued_on,
                       Award.revoked, Award.revocation_reason)
                .join(Person, Person.id == Award.person_id).where(Award.id.in_(award_ids)))}
        buildings = {r.building for r in rows if r.building}
        self.buildings = set(session.scalars(select(Building.name)
                                             .where(Building.name.in_(buildings))))
        self.new_people: set[str] = set()
        self.changed_people: set[str] = set()
        self.words_were: dict[str, tuple[str, str]] = {}  # name and email before the batch
        self.to_index: set[str] = set()
        self.new_awards: set[str] = set()
        self.changed_awards: set[str] = set()
        self.new_keys: list[dict[str, str]] = []
        self.new_buildings: list[dict[str, Any]] = []

    def write(self) -> list[tuple[int, str]]:
        errors = []
        for row in self.rows:
            try:
                self.apply(row)
            except RowError as exc:
                errors.append((row.line, str(exc)))
        self.flush()
        return errors

    def apply(self, r: RosterRow) -> None:
        credential_id = self.credentials.get(lookups.name_key(r.credential))
        if credential_id is None:
            raise RowError(f"credential {r.credential!r} is not in the catalogue (import the "
                           "catalogue file too)")
        for key in r.keys:
            owner = self.owners.get(key)
            if owner is not None and owner != r.award_id:
                raise RowError(f"{key.split(':', 1)[1]!r} already belongs to award {owner!r}")
        award = self.awards.get(r.award_id)
        if award is not None and award[0] != r.employee_id:
            raise RowError(f"award {r.award_id!r} belongs to another employee")
        # The row is valid: apply it.
        person = self.people.get(r.employee_id)
        person_created = person is None
        if person is None:
            person = self.people[r.employee_id] = [None, None, None, None]
            self.new_people.add(r.employee_id)
        values = [r.name, r.email, r.building]
        person_changed = person[1:] != values
        if person_changed:
            if (person[1], person[2]) != (r.name, r.email):  # added or renamed: new words
                self.to_index.add(r.employee_id)
                if not person_created and r.employee_id not in self.new_people:
                    self.words_were.setdefault(r.employee_id, (person[1], person[2]))
            person[1:] = values
            if r.employee_id not in self.new_people:
                self.changed_people.add(r.employee_id)
        if r.building and r.building not in self.buildings:
            self.buildings.add(r.building)
            self.new_buildings.append({"name": r.building, "code": building_code(r.building),
                                       "is_here": False})
        stored = [r.employee_id, credential_id, r.issued_on, r.revoked, r.revocation_reason]
        award_created = award is None
        award_changed = award != stored
        if award_created:
            self.new_awards.add(r.award_id)
        elif award_changed and r.award_id not in self.new_awards:
            self.changed_awards.add(r.award_id)
        self.awards[r.award_id] = stored
        new_keys = [k for k in r.keys if k not in self.owners]
        for key in new_keys:
            self.owners[key] = r.award_id
            self.new_keys.append({"key": key, "award_id": r.award_id})
        self.report.count(award_created or person_created,
                          person_changed or award_changed or bool(new_keys))

    def flush(self) -> None:
        s, conn, now = self.s, self.s.connection(), utcnow()
        if self.new_people:
            conn.execute(insert(Person.__table__), [
                {"employee_id": e, "name": p[1], "email": p[2], "building": p[3]}
                for e in sorted(self.new_people) for p in [self.people[e]]])
            for e, person_id in s.execute(select(Person.employee_id, Person.id)
                                          .where(Person.employee_id.in_(self.new_people))):
                self.people[e][0] = person_id
        if self.changed_people:
            table = Person.__table__
            conn.execute(
                update(table).where(table.c.employee_id == bindparam("e"))
                .values(name=bindparam("n"), email=bindparam("m"), building=bindparam("b")),
                [{"e": e, "n": p[1], "m": p[2], "b": p[3]}
                 for e in sorted(self.changed_people) for p in [self.people[e]]])
        if self.new_buildings:
            conn.execute(insert(Building.__table__), self.new_buildings)
        if self.new_awards:
            conn.execute(insert(Award.__table__), [
                {"id": a, "person_id": self.people[v[0]][0], "credential_id": v[1],
                 "issued_on": v[2], "expires_on": None, "revoked": v[3],
                 "revocation_reason": v[4], "updated_at": now}
                for a in sorted(self.new_awards) for v in [self.awards[a]]])
        if self.changed_awards:
            table = Award.__table__
            conn.execute(
                update(table).where(table.c.id == bindparam("a"))
                .values(credential_id=bindparam("c"), issued_on=bindparam("i"),
                        revoked=bindparam("v"), revocation_reason=bindparam("t"),
                        updated_at=bindparam("u")),
                [{"a": a, "c": v[1], "i": v[2], "v": v[3], "t": v[4], "u": now}
                 for a in sorted(self.changed_awards) for v in [self.awards[a]]])
        if self.new_keys:
            conn.execute(insert(AwardKey.__table__), sorted(self.new_keys, key=lambda k: k["key"]))
        rows = [(self.people[e][0], e, self.people[e][1], self.people[e][2])
                for e in self.to_index]
        was = {self.people[e][0]: (self.people[e][0], e, *self.words_were[e])
               for e in self.to_index if e in self.words_were}
        people.index_people(s, rows, was=was)


def _catalogue_batch(name: str, rows: list[tuple[int, dict[str, str | None]]],
                     report: ImportReport, progress: Progress | None) -> None:
    errors, good = [], []
    for line, row in rows:
        try:
            title = _text(row, "credential")
            good.append((line, title, {
                "name": title,
                "released_on": _date(row, "released_on"),
                "has_pin": _bool(row, "has_pin"),
                "pin_name": _text(row, "pin_name", required=False),
            }))
        except RowError as exc:
            errors.append((line, str(exc)))
    with write_transaction(background=True) as session:
        known = {c.name_key: c for c in session.scalars(select(Credential))}
        for _line, title, values in good:
            cred = known.get(lookups.name_key(title))
            created = cred is None
            if cred is None:
                cred = known[lookups.name_key(title)] = Credential(name_key=lookups.name_key(title))
                session.add(cred)
            report.count(created, _assign(cred, values))
    report.rows += len(rows)
    report.errors += [f"{name}, line {line}: {text}" for line, text in sorted(errors)]
    if progress:
        progress(len(rows))


# --- the base of the Open Badges documents' import -------------------------------------------


class _Importer:
    """What :class:`~.badge_import.BadgeImporter` applies documents with, in the caller's one
    transaction: the catalogue, the people (read when first needed), and an award's keys and
    owner, read from the database as they are asked for."""

    def __init__(self, report: ImportReport):
        from ..extensions import db

        self.s = db.session
        self.report = report
        self.credentials = {c.name_key: c for c in self.s.scalars(select(Credential))}
        self._people: dict[str, Person] | None = None
        self.keys: dict[str, str | None] = {}  # key -> award id (None: nobody's), as read

    @property
    def people(self) -> dict[str, Person]:
        if self._people is None:
            self._people = {p.employee_id: p for p in self.s.scalars(select(Person))}
        return self._people

    def _count(self, created: bool, changed: bool) -> None:
        self.report.count(created, changed)

    def _owners(self, keys: list[str]) -> None:
        unread = [k for k in keys if k not in self.keys]
        if unread:
            self.keys.update(dict.fromkeys(unread))
            self.keys.update(self.s.execute(select(AwardKey.key, AwardKey.award_id)
                                            .where(AwardKey.key.in_(unread))).all())

    def check_award(self, award_id: str, keys: list[str], employee_id: str) -> Award | None:
        """The stored award ``award_id`` (None when new). RowError when one of its ``keys``
        belongs to another award, or the award to another employee."""
        self._owners(keys)
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
        self._owners(keys)
        new_keys = [k for k in keys if self.keys.get(k) is None]
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
