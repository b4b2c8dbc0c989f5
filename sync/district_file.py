"""The district bundle's pure parts (docs/sync-protocol.md, "District bundles"): the pull
direction of the USB stick. The hub writes, for one kiosk, exactly the changes that kiosk would
pull, signed with the hub's own key; the kiosk checks the whole file before applying any of it.

The file is JSON Lines, so that neither side ever holds a big district's 200,000 changes as
Python objects: the hub writes each change from the text it stored, the kiosk checks the
signature in one pass over the bytes and then reads a page of changes at a time.

    {"format": "pin-kiosk-district-bundle", "protocol": 1, "building", "kiosk_id",
     "made_at", "hub_key"}                                   the head, line 1
    {"cursor": 1041, "kind": "award", "data": {...}}         one line per change, in order
    {"changes": N, "next": 1041, "data_as_of": "...", "signature": "<base64url>"}   the end

The signature is Ed25519 over ``LABEL + sha256(every byte before the last line) +
canonical(the last line without its signature)``: a byte changed anywhere, a line dropped or
added, or a file cut short fails it.

No Flask, no SQLAlchemy, no network.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .protocol import (
    BUNDLE_FORMAT,
    PROTOCOL,
    SUPPORTED,
    ProtocolError,
    canonical,
    read_json,
    read_public_key,
)

DISTRICT_FORMAT = "pin-kiosk-district-bundle"
LABEL = b"pin-kiosk district bundle v1\n"
KEY_INFO = b"pin-kiosk district bundle key v1"
# The file: a district of 200,000 awards writes about 100 MB of award lines (about 500 bytes
# each with their links); twice that leaves room for Open Badges documents and growth.
MAX_FILE_BYTES = 256 * 1024 * 1024
# A line: the largest change is an Open Badges document, a file of at most 20 MB
# (kiosk/services/badge_documents.py) written in base64.
MAX_LINE_BYTES = 32 * 1024 * 1024
MAX_HEAD_BYTES = 8 * 1024  # the head and the end are a few hundred bytes
TOO_LARGE = (f"That file is larger than a district bundle can be "
             f"({MAX_FILE_BYTES // (1024 * 1024)} MB). Nothing was applied.")


class BundleRefused(ValueError):
    """A file that is not a district bundle this kiosk may apply, in words for a person."""


class OtherKey(BundleRefused):
    """The file names another hub key than the one the kiosk knows (or it knows none)."""


def key_from_secret(secret: str | bytes) -> ed25519.Ed25519PrivateKey:
    """The hub's district bundle key: every hub server of a district shares its SECRET_KEY,
    so every one of them signs with the same key, and no new file is needed."""
    material = secret.encode("utf-8") if isinstance(secret, str) else secret
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_INFO).derive(material)
    return ed25519.Ed25519PrivateKey.from_private_bytes(seed)


def _line(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"


def _message(digest: bytes, end: dict[str, Any]) -> bytes:
    return LABEL + digest + canonical(end)


def write_bundle(out: IO[bytes], head: dict[str, Any],
                 changes: Iterable[tuple[int, str, str]],
                 end: dict[str, Any], key: ed25519.Ed25519PrivateKey) -> int:
    """Write a signed bundle to ``out``: ``head``, then each change (cursor, kind, its data
    as stored JSON text, written as it is), then ``end`` (``next``, ``data_as_of``; the count
    of changes is added) with the signature. ``end`` may be filled in while the changes are
    written. How many changes were written."""
    digest = hashlib.sha256()

    def put(data: bytes) -> None:
        digest.update(data)
        out.write(data)

    put(_line({"format": DISTRICT_FORMAT, "protocol": PROTOCOL, **head}))
    count = 0
    for seq, kind, data in changes:
        put(f'{{"cursor":{int(seq)},"kind":{json.dumps(kind)},"data":{data}}}\n'
            .encode())
        count += 1
    tail = {**end, "changes": count}
    signature = key.sign(_message(digest.digest(), tail))
    out.write(_line({**tail, "signature": base64.urlsafe_b64encode(signature).decode("ascii")}))
    return count


@dataclass(frozen=True)
class Checked:
    """A bundle whose signature checked out: its head, its end, and its change lines in a
    private copy (``copy``, at the first change line) that nobody can change any more."""

    head: dict[str, Any]
    end: dict[str, Any]
    copy: IO[bytes]

    @property
    def count(self) -> int:
        return int(self.end["changes"])


def read_head(source: IO[bytes]) -> dict[str, Any]:
    """The file's first line, if it is a district bundle of a protocol this kiosk speaks."""
    return _read_head(source)[1]


def _read_head(source: IO[bytes]) -> tuple[bytes, dict[str, Any]]:
    line = source.readline(MAX_HEAD_BYTES + 1)
    try:
        if len(line) > MAX_HEAD_BYTES or not line.endswith(b"\n"):
            raise ProtocolError("malformed", "")
        head = read_json(line, max_depth=4, max_values=100)
    except ProtocolError:
        head = None
    # a kiosk's sync bundle is one long line, "format" first (kiosk/services/district_bundle.py)
    if (isinstance(head, dict) and head.get("format") == BUNDLE_FORMAT) \
            or re.search(rb'"format"\s*:\s*"' + BUNDLE_FORMAT.encode(), line[:200]):
        raise BundleRefused("That is a sync bundle a kiosk made for the hub, not the district's "
                            "data: upload it on the hub's Bundles page.")
    if not isinstance(head, dict) or head.get("format") != DISTRICT_FORMAT:
        raise BundleRefused("That file is not a district bundle (the hub makes one on its "
                            "Buildings & kiosks page, or with `kiosk hub district-bundle`).")
    version = head.get("protocol")
    if isinstance(version, bool) or version not in SUPPORTED:
        raise BundleRefused(f"That district bundle is of sync protocol {str(version)[:20]}; "
                            f"this kiosk speaks {', '.join(map(str, SUPPORTED))}. Update the "
                            "kiosk, or make the file with this kiosk's hub.")
    return line, head


def check(source: IO[bytes], key_text: str, copy: IO[bytes]) -> Checked:
    """Read ``source`` once (at most :data:`MAX_FILE_BYTES`, a line at most
    :data:`MAX_LINE_BYTES`), copying its change lines to ``copy``, and check the hub's
    signature with the key this kiosk learned from its hub (``key_text``). BundleRefused,
    in words, for every file that is not exactly what the hub signed."""
    first, head = _read_head(source)
    if head.get("hub_key") != key_text:
        raise OtherKey("That district bundle was signed by another key than this "
                            "district's hub: it comes from another district or hub, or was "
                            "changed. Nothing was applied.")
    digest = hashlib.sha256(first)
    total, last, lines = len(first), b"", -1
    while True:
        line = source.readline(MAX_LINE_BYTES + 1)
        total += len(line)
        if total > MAX_FILE_BYTES:
            raise BundleRefused(TOO_LARGE)
        if len(line) > MAX_LINE_BYTES:
            raise BundleRefused("That district bundle holds a line longer than any change "
                                "can be; it was changed. Nothing was applied.")
        if not line:
            break
        if last:
            digest.update(last)
            copy.write(last)
        last, lines = line, lines + 1
    end = _end(last)
    signature = end.pop("signature")
    try:
        read_public_key(key_text).verify(signature, _message(digest.digest(), end))
    except (InvalidSignature, ProtocolError):
        raise BundleRefused("That district bundle was changed after the hub made it (its "
                            "signature does not match). Nothing was applied; ask the district "
                            "for a new copy.") from None
    copy.seek(0)
    return Checked(head, end, copy)


def _end(line: bytes) -> dict[str, Any]:
    cut = BundleRefused("That district bundle is cut off (its last line, with the hub's "
                        "signature, is missing): copy it again. Nothing was applied.")
    if len(line) > MAX_HEAD_BYTES or not line.endswith(b"\n"):
        raise cut
    try:
        end = read_json(line, max_depth=4, max_values=100)
    except ProtocolError:
        raise cut from None
    if not isinstance(end, dict) or not isinstance(end.get("signature"), str) \
            or len(end["signature"]) > 200:
        raise cut
    for name in ("changes", "next"):
        value = end.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**53:
            raise cut
    try:
        signature = end["signature"]
        end["signature"] = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    except ValueError:
        raise cut from None
    return end


def read_changes(checked: Checked, size: int) -> Iterable[list[Any]]:
    """The change lines of a checked bundle, a page of ``size`` at a time."""
    page: list[Any] = []
    for line in checked.copy:
        try:
            page.append(json.loads(line))
        except ValueError:  # signed, so the hub wrote it so: skipped, as a pull skips it
            page.append(None)
        if len(page) >= size:
            yield page
            page = []
    if page:
        yield page
