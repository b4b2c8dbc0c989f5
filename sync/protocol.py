"""The sync protocol's pure parts, shared by the kiosk and the hub (docs/sync-protocol.md).

- the version and the limits;
- canonical JSON and the hash chain: each kiosk event carries the hash of the one before it, so
  the hub can tell a missing event (a gap) or an edited one (a broken link);
- reading a request body (capped in depth and values before a Python object is built) and an
  event someone sent, with a reason for every refusal;
- signed sync bundles (the USB stick for a building with no network): Ed25519 over the
  canonical JSON of the bundle.

No Flask, no SQLAlchemy, no network.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import uuid
from array import array
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import accumulate
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

PROTOCOL = 1
SUPPORTED = (1,)
GENESIS = "0" * 64  # the prev_hash of a kiosk's first event
MAX_BATCH = 500  # events in one push
MAX_PAGE = 5000  # changes in one pull
MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_KIND_CHARS = 40
MAX_PAYLOAD_BYTES = 16 * 1024
# A push nests four deep (body, events, event, payload); a payload is flat. The depth is
# checked before anything is parsed, so no parser recurses further.
MAX_JSON_DEPTH = 32
MAX_PAYLOAD_DEPTH = 8
# Strings, objects, arrays and commas in one body: a push of 500 events of 20-odd fields holds
# about 50,000. 8 MB of "{}," is 2.8 million objects (200 MB once parsed); this keeps a body's
# objects near 20 MB.
MAX_JSON_VALUES = 200_000
# Quantities and counts in stock events: a kiosk takes at most 100,000 pins a shipment or
# count; twice this bound (a count's difference) still fits the hub's 32-bit ledger columns.
MAX_COUNT = 10**9
# (An adjustment's qty carries its sign: the bound is on its size either way.)
COUNT_FIELDS = {"stock_received": ("qty",), "stock_counted": ("counted", "expected"),
                "stock_applied": ("qty",), "stock_adjusted": ("qty",)}
# The times the protocol takes: a day inside what Python holds, so that every time zone can
# show them (0001-01-01 UTC is still 31 December of year 0 in New York: an OverflowError on
# every page that shows it). A kiosk clock years off is still taken, and flagged by its offset.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, tzinfo=UTC)
BUNDLE_FORMAT = "pin-kiosk-sync-bundle"

# Every kind a kiosk sends (docs/sync-protocol.md); the hub stores kiosk_restored and applies
# nothing for it.
EVENT_KINDS = frozenset({
    "pin_handed_out", "hand_out_voided", "stock_received", "stock_counted", "stock_adjusted",
    "stock_applied", "waitlist_added", "waitlist_fulfilled", "waitlist_contacted",
    "waitlist_removed", "kiosk_restored",
})
_HEX64 = re.compile(r"[0-9a-f]{64}")


class ProtocolError(ValueError):
    """A message that does not follow the protocol; ``code`` names why, for the other side."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class TimeOutOfRange(ProtocolError):
    """A time no time zone can show (year 1, year 9999): a kiosk clock far off."""

    def __init__(self, what: str) -> None:
        super().__init__("malformed", f"{what} is out of range")


def canonical(value: Any) -> bytes:
    """The one byte string a JSON value is hashed and signed as."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def time_text(moment: datetime) -> str:
    """A time as the protocol writes it: UTC, ISO 8601, microseconds."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_time(text: object, what: str = "time") -> datetime:
    """A protocol time (ISO 8601 with a zone, within EARLIEST and LATEST) in UTC;
    ProtocolError otherwise."""
    # fromisoformat takes "...05\x00+00:00" (a NUL PostgreSQL cannot store) as a time
    if not isinstance(text, str) or len(text) > 40 or not (text.isascii()
                                                           and text.isprintable()):
        raise ProtocolError("malformed", f"{what} is not a time")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ProtocolError("malformed", f"{what} is not a time") from None
    if moment.tzinfo is None:
        raise ProtocolError("malformed", f"{what} has no time zone")
    try:
        moment = moment.astimezone(UTC)  # year 1 at +14:00 is before the year 1 in UTC
    except OverflowError:
        raise TimeOutOfRange(what) from None
    if not EARLIEST <= moment < LATEST:
        raise TimeOutOfRange(what)
    return moment


def event_hash(prev_hash: str, event_id: str, seq: int, kind: str, payload: Any,
               created_at: str) -> str:
    body = canonical({"id": event_id, "seq": seq, "kind": kind, "payload": payload,
                      "created_at": created_at})
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + body).hexdigest()


@dataclass(frozen=True)
class Event:
    """One kiosk event as it travels: what happened, in the kiosk's order, chained."""

    id: str
    seq: int
    kind: str
    payload: dict[str, Any]
    created_at: str
    prev_hash: str
    hash: str

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "seq": self.seq, "kind": self.kind, "payload": self.payload,
                "created_at": self.created_at, "prev_hash": self.prev_hash, "hash": self.hash}

    @property
    def intact(self) -> bool:
        """Whether the event's own hash matches what it says."""
        return self.hash == event_hash(self.prev_hash, self.id, self.seq, self.kind,
                                       self.payload, self.created_at)


def read_event(raw: object) -> Event:
    """An event from a push or a bundle; ProtocolError("malformed", ...) when it is not one,
    or when a database could not store it as it is (a NUL, a lone surrogate, a count beyond
    the ledger's columns): that event is refused, and the rest of its batch goes on."""
    if not isinstance(raw, dict):
        raise ProtocolError("malformed", "an event is a JSON object")
    raw_id = raw.get("id")
    try:
        if not isinstance(raw_id, str) or len(raw_id) > 45:
            raise ValueError
        event_id = str(uuid.UUID(raw_id))
    except ValueError:
        raise ProtocolError("malformed", "the event id is not a UUID") from None
    seq, kind, payload = raw.get("seq"), raw.get("kind"), raw.get("payload")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq < 2**53:
        raise ProtocolError("malformed", "the event's seq is not a positive whole number")
    if not isinstance(kind, str) or not 0 < len(kind) <= MAX_KIND_CHARS \
            or not kind.isprintable():
        raise ProtocolError("malformed", "the event has no kind")
    if not isinstance(payload, dict):
        raise ProtocolError("malformed", "the event's payload is not a JSON object")
    problem = _payload_problem(payload)
    if problem:
        raise ProtocolError("malformed", f"the event's payload {problem}")
    if len(canonical(payload)) > MAX_PAYLOAD_BYTES:
        raise ProtocolError("malformed", "the event's payload is larger than 16 KB")
    for name in COUNT_FIELDS.get(kind, ()):
        value = payload.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_COUNT:
            raise ProtocolError("malformed", f"the event's {name} is beyond {MAX_COUNT:,}")
    created_at = raw.get("created_at")
    parse_time(created_at, "created_at")
    prev_hash, hash_ = raw.get("prev_hash"), raw.get("hash")
    for value, name in ((prev_hash, "prev_hash"), (hash_, "hash")):
        if not isinstance(value, str) or not _HEX64.fullmatch(value):
            raise ProtocolError("malformed", f"the event's {name} is not a SHA-256 hex digest")
    return Event(event_id, seq, kind, payload, str(created_at), str(prev_hash), str(hash_))


def _payload_problem(payload: dict[str, Any]) -> str:
    """What in a payload no database stores, or canonical JSON cannot write ("" if nothing);
    without recursion, so a payload nested deeper than Python recurses is refused too."""
    stack: list[tuple[object, int]] = [(payload, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return "holds a NUL character"
            if not _unicode(item):
                return "holds text that is not Unicode (a lone surrogate)"
        elif isinstance(item, float):
            if not math.isfinite(item):
                return "holds a number too large for JSON"
        elif isinstance(item, dict | list):
            if depth > MAX_PAYLOAD_DEPTH:
                return f"is nested deeper than {MAX_PAYLOAD_DEPTH} levels"
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return ""


def _unicode(text: str) -> bool:
    """Whether the text is Unicode through and through (a lone surrogate from a JSON "\\ud800"
    is not: UTF-8 cannot carry it, so no database can store it)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def storable_text(text: str) -> bool:
    """Text that SQLite and PostgreSQL both store as it is: no NUL, no lone surrogate."""
    return "\x00" not in text and _unicode(text)


# --- request bodies ---------------------------------------------------------------------------

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')  # one JSON string, escapes and all
_TOKEN = re.compile(_STRING.pattern + rb"|[\[\]{},]")  # ... or a structural character
_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 and -1 as signed bytes
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def read_json(data: bytes, max_depth: int = MAX_JSON_DEPTH,
              max_values: int = MAX_JSON_VALUES) -> Any:
    """A request body's JSON, once a scan of its bytes has found it no deeper than
    ``max_depth`` and with no more than ``max_values`` strings, objects, arrays and commas:
    a hostile body is refused before any of it becomes Python objects (and no parser recurses
    50,000 deep). ProtocolError "malformed" (400) for JSON too deep, not UTF-8 or not JSON
    (NaN and Infinity are not); "too_large" (413) for too many values."""
    values, depth = _measure(data, max_depth, max_values)
    if values > max_values:
        raise ProtocolError("too_large", f"the JSON holds more than {max_values:,} values; "
                                         f"a push of {MAX_BATCH} events needs far fewer")
    if depth > max_depth:
        raise ProtocolError("malformed", f"the JSON is nested deeper than {max_depth} levels")
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_not_json)
    except UnicodeDecodeError:
        raise ProtocolError("malformed", "the request body is not UTF-8 text") from None
    except ValueError as exc:
        raise ProtocolError("malformed", f"the request body is not JSON ({exc})") from None


def _measure(data: bytes, max_depth: int, max_values: int) -> tuple[int, int]:
    """How many values JSON text holds (strings, objects, arrays, commas: an upper bound on
    the objects it becomes) and how deep it nests, read past a limit only as far as needed
    to tell that it is passed."""
    if data.count(b'"') // 2 <= max_values:
        # strings cut out in C (a push: 2 ms for 200 events), then what is left counted
        rest, strings = _STRING.subn(b"", data)
        values = strings + rest.count(b",") + rest.count(b"[") + rest.count(b"{")
        if values > max_values:
            return values, 0
        steps = array("b", rest.translate(_STEP, _NOT_BRACKET))
        return values, max(accumulate(steps), default=0)
    # a great many quotes (cutting out millions of strings would cost memory): token by
    # token, stopping at the first limit passed
    values = depth = 0
    for token in _TOKEN.finditer(data):
        first = data[token.start()]
        if first in b"]}":
            depth -= 1
            continue
        values += 1
        if first in b"[{":
            depth += 1
        if values > max_values or depth > max_depth:
            break
    return values, depth


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def check_protocol(body: object) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ProtocolError("malformed", "the request body is not a JSON object")
    version = body.get("protocol")
    if isinstance(version, bool) or not isinstance(version, int) or version not in SUPPORTED:
        # repr of a scalar only, and short: the value may be a megabyte, or nested
        shown = repr(version)[:20] if isinstance(version, int | float | str | None) else "[...]"
        raise ProtocolError("unsupported_protocol",
                            f"protocol {shown} is not one of {list(SUPPORTED)}")
    return body


# --- keys and bundles ---------------------------------------------------------------------------


def public_key_text(key: ed25519.Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def read_public_key(text: object) -> ed25519.Ed25519PublicKey:
    if not isinstance(text, str) or not text.startswith("ed25519:") or len(text) > 100:
        raise ProtocolError("malformed", "the public key is not ed25519:...")
    body = text[8:]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return ed25519.Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise ProtocolError("malformed", "the public key is not an Ed25519 key") from None


def sign_bundle(bundle: dict[str, Any], key: ed25519.Ed25519PrivateKey) -> dict[str, Any]:
    unsigned = {k: v for k, v in bundle.items() if k != "signature"}
    signature = key.sign(canonical(unsigned))
    return {**unsigned, "signature": base64.urlsafe_b64encode(signature).decode("ascii")}


def verify_bundle(bundle: dict[str, Any], key: ed25519.Ed25519PublicKey) -> None:
    """Raises ProtocolError("bad_signature", ...) unless the kiosk's key signed exactly this."""
    signature = bundle.get("signature")
    if not isinstance(signature, str) or len(signature) > 200:
        raise ProtocolError("bad_signature", "the bundle is not signed")
    unsigned = {k: v for k, v in bundle.items() if k != "signature"}
    try:
        key.verify(base64.urlsafe_b64decode(signature), canonical(unsigned))
    except (InvalidSignature, ValueError):
        raise ProtocolError("bad_signature", "the bundle's signature does not match the kiosk "
                                             "it names; it was changed or made elsewhere") from None
