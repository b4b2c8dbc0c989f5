"""Import Open Badges documents into the badge cache, as ``kiosk cache import`` does.

A file is told apart by its content, never its name: a PNG or SVG is a baked badge image, text
starting with ``{`` or ``[`` is JSON (a list holds several documents), anything else is a CSV
file for :mod:`.cache_import`. A JSON object with a ``keys`` list is a JWKS, read for the
issuer named by ``--issuer``. Every other document is known by its ``type``: OB 2.0 Issuer
Profile, CryptographicKey, BadgeClass, Assertion and RevocationList; OB 3.0 Profile, Achievement,
OpenBadgeCredential, 1EdTechRevocationList and Bitstring Status List credentials.

Import is the district's own act of trust, so signatures are not checked here (a signed badge
in an image is only decoded); what is stored is what :mod:`.trust` reads when a proof is
checked. Documents are applied in an order that lets one import carry everything, whatever
the order of the files: issuers, keys, JWKS, badge classes, revocation and status lists,
assertions and credentials, and last the revocation lists are applied to the cached awards.
A bad document is reported ("file.json, item 3: ...") and skipped; the rest still imports,
in the same transaction as the CSV files.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from ..domain.claims import (
    first_object,
    node_name,
    ob2_recipient,
    ob3_recipient,
    types_of,
    when,
)
from ..domain.facts import Recipient
from ..domain.keys import key_from_pem
from ..domain.ob3 import revocation as ob3_revocation
from ..domain.payload import MalformedPayload, award_keys
from ..domain.proof_errors import MalformedProof, ProofError
from ..domain.recipient import identity_matches
from ..domain.revocation import decode_status_list, ob2_revoked
from ..errors import InvalidInput
from ..models import Credential, Person, utcnow
from ..models_issuers import BadgeClass, Issuer, IssuerKey, RevocationList
from . import list_urls, lookups
from .badge_documents import (
    PHASES,
    Document,
    DocumentError,
    Item,
    Kind,
    canonical_json,
    document_id,
    flag,
    issuer_version,
    kind_of,
    list_row,
    optional_id,
    revoked_ids,
)
from .cache_import import Progress, RowError, _assign, _Importer, _keys
from .jwks_keys import read_jwks
from .trust import DatabaseFacts

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 64  # badge documents nest about six deep
HEAD_BYTES = 4096  # enough of a file's start to tell what it is
REVOKED = "Revoked by the issuer."
HOSTED_LINK_ONLY = ("this image holds only a link to a hosted badge; import the roster row "
                    "for it instead")

# The hashes of OB recipient identities (kiosk.domain.recipient checks every match found).
_HASHES = {"sha256": hashlib.sha256, "md5": hashlib.md5}
_ABSOLUTE_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# --- applying documents to the cache ---------------------------------------------------------


@dataclass
class _Outcome:
    """What importing one document did, counted once all documents are applied."""

    created: bool = False
    changed: bool = False

    def add(self, created: bool, changed: bool) -> None:
        self.changed = self.changed or created or changed


@dataclass(frozen=True)
class _BadgeClassRow:
    id: str
    issuer_id: str
    name: str
    credential_id: int | None


class BadgeImporter:
    """Applies badge documents inside the CSV importer's transaction (its session, caches
    and report)."""

    def __init__(self, base: _Importer, *, credential: str | None = None,
                 issuer: str | None = None, url: str | None = None):
        self.base = base
        self.s = base.s
        self.report = base.report
        self.s.flush()  # catalogue rows imported just now get their ids
        self.tie: Credential | None = None
        if credential is not None:
            self.tie = base.credentials.get(lookups.name_key(credential))
            if self.tie is None:
                raise InvalidInput(f"--credential {credential!r} is not in the pin catalogue "
                                   "(import the catalogue file too).")
        self.issuer = (issuer or "").strip() or None
        self.url = url  # where the one list among the documents was published (--url)
        self.facts = DatabaseFacts()
        self.lists: list[tuple[_Outcome, str, Document]] = []
        self.warned: set[str] = set()
        self._by_email: dict[str, list[Person]] | None = None
        self._email_bytes: list[tuple[Person, tuple[bytes, ...]]] | None = None
        self._salts_seen: set[tuple[str, str]] = set()
        self._hashes: dict[tuple[str, str], dict[str, list[Person]]] = {}
        self._classes: dict[str, _BadgeClassRow] = {}
        self._ob2_lists: dict[str, Mapping[str, object] | None] = {}
        self._handlers: dict[Kind, Callable[[Document, str, _Outcome], None]] = {
            Kind.ISSUER: self.issuer_profile,
            Kind.KEY: self.cryptographic_key,
            Kind.JWKS: self.jwks,
            Kind.BADGE_CLASS: self.badge_class,
            Kind.OB2_LIST: lambda doc, label, out: self.revocation_list(doc, out, "ob2"),
            Kind.OB3_LIST: lambda doc, label, out: self.revocation_list(doc, out, "ob3"),
            Kind.STATUS_LIST: self.status_list,
            Kind.ASSERTION: self.assertion,
            Kind.CREDENTIAL: self.credential,
        }

    def run(self, items: list[Item], progress: Progress | None = None) -> None:
        queue: list[tuple[int, int, Kind, Item]] = []
        for number, item in enumerate(items):
            self.report.rows += 1
            try:
                if item.document is None:
                    raise DocumentError(item.problem)
                kind = kind_of(item.document)
            except DocumentError as exc:
                self._fail(item, exc, progress)
                continue
            queue.append((PHASES[kind], number, kind, item))
        queue.sort(key=lambda entry: entry[:2])
        outcomes = []
        for _phase, _number, kind, item in queue:
            assert item.document is not None
            outcome = _Outcome()
            try:
                self._handlers[kind](item.document, item.label, outcome)
            except (RowError, ProofError) as exc:
                self._fail(item, exc, progress)
                continue
            outcomes.append(outcome)
            if progress:
                progress(1)
        self.apply_revocation_lists()
        for outcome in outcomes:
            self.base._count(outcome.created, outcome.changed)

    def _fail(self, item: Item, exc: Exception, progress: Progress | None) -> None:
        self.report.errors.append(f"{item.label}: {exc}")
        if progress:
            progress(1)

    def _put(self, model: type[Any], row_id: str, values: dict[str, object]) -> tuple[bool, bool]:
        """Create or update one row of the trust tables; (created, changed)."""
        row = self.s.get(model, row_id)
        created = row is None
        if row is None:
            row = model(id=row_id)
            self.s.add(row)
        changed = _assign(row, values)
        if changed and not created:
            row.imported_at = utcnow()
        return created, changed and not created

    # --- issuers and keys ----------------------------------------------------------------

    def issuer_profile(self, doc: Document, label: str, out: _Outcome) -> None:
        issuer_id = document_id(doc, "the issuer profile")
        entries = doc.get("publicKey")
        if entries is None:
            entries = []
        elif not isinstance(entries, list):
            entries = [entries]
        key_ids: list[str] = []
        keys: list[tuple[str, dict[str, object]]] = []
        for entry in entries:
            key_id = optional_id(entry)
            if not key_id:
                raise DocumentError("a publicKey of the issuer profile has no usable id")
            key_ids.append(key_id)
            if isinstance(entry, Mapping) and "publicKeyPem" in entry:
                keys.append(self._pem_key(entry, key_id, issuer_id))
        listed = doc.get("revocationList")
        list_id, list_values = "", None
        if isinstance(listed, Mapping):  # embedded: imported with the profile
            list_id, list_values = list_row(listed, "ob2", default_issuer=issuer_id)
        elif listed is not None:
            list_id = optional_id(listed)
            if not list_id:
                raise DocumentError("the issuer's revocationList is not a usable URL")
        out.created, changed = self._put(Issuer, issuer_id, {
            "name": node_name(doc),
            "version": issuer_version(doc),
            "key_ids": json.dumps(key_ids) if key_ids else None,
            "revocation_list": list_id,
            "document": canonical_json(doc),
        })
        out.add(False, changed)
        for key_id, values in keys:
            out.add(*self._put(IssuerKey, key_id, values))
        if isinstance(listed, Mapping) and list_values is not None:
            out.add(*self._put(RevocationList, list_id, list_values))
            out.add(False, list_urls.file_list(self.s, list_id, listed))
            self.lists.append((out, "ob2", listed))

    def cryptographic_key(self, doc: Document, label: str, out: _Outcome) -> None:
        key_id = document_id(doc, "the key")
        if not optional_id(doc.get("owner")):
            raise DocumentError(f"key {key_id!r} names no owner (the issuer it belongs to)")
        key_id, values = self._pem_key(doc, key_id, "")
        out.created, changed = self._put(IssuerKey, key_id, values)
        out.add(False, changed)

    def _pem_key(self, doc: Document, key_id: str,
                 default_owner: str) -> tuple[str, dict[str, object]]:
        pem = doc.get("publicKeyPem")
        if not isinstance(pem, str) or not pem.strip():
            raise DocumentError(f"key {key_id!r} has no publicKeyPem")
        if "PRIVATE KEY" in pem:
            raise DocumentError(f"key {key_id!r} is a private key; export only the public key")
        try:
            key_from_pem(pem)
        except MalformedProof as exc:
            raise DocumentError(f"key {key_id!r}: {exc}") from None
        owner = optional_id(doc.get("owner")) or default_owner
        return key_id, {"owner": owner, "kid": None, "kind": "pem", "material": pem.strip()}

    def jwks(self, doc: Document, label: str, out: _Outcome) -> None:
        if self.issuer is None:
            raise DocumentError("a JWKS does not say whose keys it holds; import it with "
                                "--issuer ISSUER_ID")
        if self.s.get(Issuer, self.issuer) is None:
            raise DocumentError(f"issuer {self.issuer!r} is not in the cache; import its "
                                "profile first (or in the same import)")
        keys = read_jwks(doc, self.issuer)
        self.report.errors += [f"{label}: {problem}" for problem in keys.left_out]
        rows = keys.rows
        for key_id, values in rows.items():
            created, changed = self._put(IssuerKey, key_id, values)
            out.created = out.created or created
            out.changed = out.changed or changed
        # The JWKS is the issuer's whole key set: a key it no longer holds is no longer trusted.
        stale = self.s.scalars(select(IssuerKey).where(
            IssuerKey.owner == self.issuer, IssuerKey.kind == "jwk",
            IssuerKey.id.not_in(list(rows))))
        for key in stale:
            self.s.delete(key)
            out.changed = True

    # --- badge classes ---------------------------------------------------------------------

    def badge_class(self, doc: Document, label: str, out: _Outcome) -> None:
        achievement = "Achievement" in types_of(doc.get("type"))
        row = self._read_badge_class(doc, achievement, self.issuer or "")
        out.created, changed = self._save_badge_class(row, label)
        out.add(False, changed)

    def _read_badge_class(self, doc: Document, achievement: bool,
                          fallback_issuer: str) -> _BadgeClassRow:
        what = "the achievement" if achievement else "the badge class"
        badge_id = document_id(doc, what)
        if achievement:
            issuer_id = optional_id(doc.get("creator")) or fallback_issuer
            if not issuer_id:
                raise DocumentError(f"achievement {badge_id!r} names no creator (its issuer); "
                                    "import it with --issuer ISSUER_ID")
        else:
            issuer_id = optional_id(doc.get("issuer"))
            if not issuer_id:
                raise DocumentError(f"badge class {badge_id!r} names no issuer")
        name = node_name(doc)
        return _BadgeClassRow(badge_id, issuer_id, name, self._tie(badge_id, name))

    def _tie(self, badge_id: str, name: str) -> int | None:
        """The catalogue credential of a badge class: ``--credential``, else the one it is
        already tied to, else the one with its name."""
        if self.tie is not None:
            return self.tie.id
        stored = self.s.get(BadgeClass, badge_id)
        if stored is not None and stored.credential_id is not None:
            return stored.credential_id
        credential = self.base.credentials.get(lookups.name_key(name)) if name else None
        return credential.id if credential is not None else None

    def _save_badge_class(self, row: _BadgeClassRow, label: str) -> tuple[bool, bool]:
        if row.credential_id is None and row.id not in self.warned:
            self.warned.add(row.id)
            self.report.warnings.append(
                f"{label}: badge class {row.name or row.id!r} matches no credential in the "
                "pin catalogue; it is kept but not tied to one (use --credential NAME)")
        self._classes[row.id] = row
        return self._put(BadgeClass, row.id, {"issuer_id": row.issuer_id, "name": row.name,
                                              "credential_id": row.credential_id})

    # --- revocation and status lists -------------------------------------------------------

    def revocation_list(self, doc: Document, out: _Outcome, kind: str) -> None:
        list_id, values = list_row(doc, kind)
        out.created, out.changed = self._put(RevocationList, list_id, values)
        out.add(False, list_urls.file_list(self.s, list_id, doc, self.url))
        self.lists.append((out, kind, doc))

    def status_list(self, doc: Document, label: str, out: _Outcome) -> None:
        list_id = document_id(doc, "the status list")
        subject = doc.get("credentialSubject")
        if isinstance(subject, list):
            subject = subject[0] if subject else None
        encoded = subject.get("encodedList") if isinstance(subject, Mapping) else None
        if not isinstance(encoded, str):
            raise DocumentError(f"status list {list_id!r} has no encodedList")
        try:
            decode_status_list(encoded)
        except MalformedProof as exc:
            raise DocumentError(f"status list {list_id!r}: {exc}") from None
        out.created, out.changed = self._put(RevocationList, list_id, {
            "kind": "bitstring",
            "issuer_id": optional_id(doc.get("issuer")),
            "document": canonical_json(doc),
        })
        out.add(False, list_urls.file_list(self.s, list_id, doc, self.url))

    def apply_revocation_lists(self) -> None:
        """Revoke every cached award that a revocation list of this import lists."""
        for out, kind, doc in self.lists:
            for listed_id, reason in revoked_ids(doc, kind):
                try:
                    keys = award_keys(listed_id)
                except MalformedPayload:
                    continue
                award = lookups.find_award(keys)
                if award is None or award.revoked:
                    continue
                award.revoked = True
                award.revocation_reason = reason or REVOKED
                award.updated_at = utcnow()
                out.changed = True

    # --- awards ------------------------------------------------------------------------------

    def assertion(self, doc: Document, label: str, out: _Outcome) -> None:
        award_id = document_id(doc, "the assertion")
        badge = doc.get("badge")
        embedded = self._read_badge_class(badge, False, "") if isinstance(badge, Mapping) \
            else None
        badge_class = embedded or self._cached_badge_class(optional_id(badge), "assertion")
        recipient = ob2_recipient(doc.get("recipient"))
        revoked = flag(doc.get("revoked"))
        reason = doc.get("revocationReason") if revoked else None
        if not revoked:
            reason = self._ob2_listed(award_id, badge_class.issuer_id, doc.get("uid"))
            revoked = reason is not None
        values: dict[str, object] = {
            "issued_on": _day(doc.get("issuedOn"), "issue date"),
            "expires_on": _day(doc.get("expires"), "expiry date"),
            "revoked": revoked,
            "revocation_reason": (reason if isinstance(reason, str) and reason
                                  else REVOKED if revoked else "")[:1000],
        }
        self._save_award(award_id, recipient, badge_class, embedded, values, label, out)

    def _ob2_listed(self, award_id: str, issuer_id: str, uid: object) -> str | None:
        """The reason if the issuer's cached RevocationList lists the assertion, else None.
        (Lists are all stored before the first assertion is read, so each is read once.)"""
        if issuer_id not in self._ob2_lists:
            issuer = self.facts.issuer(issuer_id)
            listed = None
            if issuer is not None and issuer.revocation_list:
                listed = self.facts.revocation_list(issuer.revocation_list)
            self._ob2_lists[issuer_id] = listed
        listed = self._ob2_lists[issuer_id]
        if listed is None:
            return None
        return ob2_revoked(listed, award_id, uid if isinstance(uid, str) else None)

    def credential(self, doc: Document, label: str, out: _Outcome) -> None:
        award_id = document_id(doc, "the credential")
        subject = first_object(doc.get("credentialSubject"))
        if subject is None:
            raise DocumentError(f"credential {award_id!r} has no credentialSubject")
        issuer_id = optional_id(doc.get("issuer")) or self.issuer or ""
        achievement = subject.get("achievement")
        embedded = self._read_badge_class(achievement, True, issuer_id) \
            if isinstance(achievement, Mapping) else None
        badge_class = embedded or self._cached_badge_class(optional_id(achievement),
                                                           "credential")
        recipient = ob3_recipient(subject)
        if recipient is None:
            raise DocumentError("the credential does not say who it was awarded to by email")
        reason = ob3_revocation(doc, award_id, self.facts)
        values: dict[str, object] = {
            "issued_on": _day(doc.get("validFrom", doc.get("issuanceDate")), "issue date"),
            "expires_on": _day(doc.get("validUntil", doc.get("expirationDate")),
                               "expiry date"),
            "revoked": reason is not None,
            "revocation_reason": (reason or REVOKED)[:1000] if reason is not None
            else "",
        }
        self._save_award(award_id, recipient, badge_class, embedded, values, label, out)

    def _cached_badge_class(self, badge_id: str, what: str) -> _BadgeClassRow:
        if not badge_id:
            raise DocumentError(f"the {what} names no badge class")
        if badge_id not in self._classes:
            stored = self.s.get(BadgeClass, badge_id)
            if stored is None:
                raise DocumentError(f"badge class {badge_id!r} is not in the cache; import it "
                                    "first (or in the same import)")
            self._classes[badge_id] = _BadgeClassRow(stored.id, stored.issuer_id, stored.name,
                                                     stored.credential_id)
        return self._classes[badge_id]

    def _save_award(self, award_id: str, recipient: Recipient, badge_class: _BadgeClassRow,
                    embedded: _BadgeClassRow | None, values: dict[str, object], label: str,
                    out: _Outcome) -> None:
        if badge_class.credential_id is None:
            raise DocumentError(f"badge class {badge_class.name or badge_class.id!r} is not "
                                "tied to a credential in the pin catalogue; import it with "
                                "--credential NAME")
        person = self._person(recipient)
        keys = list(_keys(award_id, "id"))
        award = self.base.check_award(award_id, keys, person.employee_id)
        # The document is valid: apply it.
        if embedded is not None:
            out.add(*self._save_badge_class(embedded, label))
        values["credential"] = self.s.get(Credential, badge_class.credential_id)
        created, changed = self.base.save_award(award, award_id, person, keys, values)
        out.created = created
        out.add(False, changed)

    def _person(self, recipient: Recipient) -> Person:
        if recipient.type and not recipient.is_email:  # no type: try it as an email
            raise DocumentError(f"the badge names its recipient by {recipient.type!r}; the "
                                "roster matches people by email")
        if recipient.hashed:
            candidates = self._people_by_hash(recipient)
        else:
            candidates = self._people_by_email().get(recipient.identity.strip().casefold(), [])
        found = [p for p in candidates if identity_matches(
            recipient.identity, recipient.hashed, recipient.salt, (p.email, p.email.lower()))]
        if not found:
            who = "" if recipient.hashed else f" {recipient.identity.strip()[:320]!r}"
            raise DocumentError(f"the recipient{who} is not on the roster (no person's email "
                                "matches); import the roster row for them first")
        if len(found) > 1:
            ids = ", ".join(sorted(p.employee_id for p in found))
            raise DocumentError(f"the recipient matches more than one person on the roster "
                                f"({ids})")
        return found[0]

    def _people_by_email(self) -> dict[str, list[Person]]:
        if self._by_email is None:
            self._by_email = {}
            for person in self.base.people.values():
                if person.email:
                    self._by_email.setdefault(person.email.strip().casefold(), []).append(
                        person)
        return self._by_email

    def _emails(self) -> list[tuple[Person, tuple[bytes, ...]]]:
        """Each person with an email, and the email as stored and lower-cased, as bytes."""
        if self._email_bytes is None:
            self._email_bytes = []
            for person in self.base.people.values():
                if person.email:
                    emails = dict.fromkeys((person.email, person.email.lower()))
                    self._email_bytes.append(
                        (person, tuple(e.encode("utf-8") for e in emails)))
        return self._email_bytes

    def _people_by_hash(self, recipient: Recipient) -> list[Person]:
        """The people whose email hashes to a hashed identity. A salt seen a second time
        gets a table of every person's hash: many issuers use one salt, or none, for all
        their badges, while others use a new salt for each."""
        algorithm, _, digest = recipient.identity.strip().partition("$")
        algorithm, digest = algorithm.lower(), digest.lower()
        make = _HASHES.get(algorithm)
        if make is None:
            return []
        key = (algorithm, recipient.salt or "")
        salted = key[1].encode("utf-8")
        table = self._hashes.get(key)
        if table is None and key in self._salts_seen:
            table = {}
            for person, emails in self._emails():
                for email in emails:
                    table.setdefault(make(email + salted).hexdigest(), []).append(person)
            if len(self._hashes) >= 16:
                self._hashes.clear()
            self._hashes[key] = table
        if table is not None:
            return table.get(digest, [])
        self._salts_seen.add(key)
        found = []
        for person, emails in self._emails():
            for email in emails:
                if make(email + salted).hexdigest() == digest:
                    found.append(person)
                    break
        return found


def _day(value: object, what: str) -> date | None:
    """A badge date as the day it is in the kiosk's time zone (a bare date stays as it is)."""
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise DocumentError(f"the badge's {what} {value!r} is not a date") from None
    moment = when(value, what)
    return moment.astimezone(lookups.timezone()).date() if moment else None

