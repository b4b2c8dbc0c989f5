"""The sync protocol's pure parts, shared by the kiosk and the hub (docs/sync-protocol.md).

- the version and the limits;
- canonical JSON and the hash chain: each kiosk event carries the hash of the one before it, so
  the hub can tell a missing event (a gap) or an edited one (a broken link);
- reading an event someone sent, with a reason for every refusal;
- signed sync bundles (the USB stick for a building with no network): Ed25519 over the
  canonical JSON of the bundle.

No Flask, no SQLAlchemy, no network.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
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
BUNDLE_FORMAT = "pin-kiosk-sync-bundle"

EVENT_KINDS = frozenset({
    "pin_handed_out", "hand_out_voided", "stock_received", "stock_counted", "stock_applied",
    "waitlist_added", "waitlist_fulfilled",
})
_HEX64 = re.compile(r"[0-9a-f]{64}")


class ProtocolError(ValueError):
    """A message that does not follow the protocol; ``code`` names why, for the other side."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def canonical(value: Any) -> bytes:
    """The one byte string a JSON value is hashed and signed as."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def time_text(moment: datetime) -> str:
    """A time as the protocol writes it: UTC, ISO 8601, microseconds."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_time(text: object, what: str = "time") -> datetime:
    if not isinstance(text, str) or len(text) > 40:
        raise ProtocolError("malformed", f"{what} is not a time")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ProtocolError("malformed", f"{what} is not a time") from None
    if moment.tzinfo is None:
        raise ProtocolError("malformed", f"{what} has no time zone")
    return moment.astimezone(UTC)


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
    """An event from a push or a bundle; ProtocolError("malformed", ...) when it is not one."""
    if not isinstance(raw, dict):
        raise ProtocolError("malformed", "an event is a JSON object")
    try:
        event_id = str(uuid.UUID(str(raw.get("id"))))
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
    body = canonical(payload)
    if len(body) > MAX_PAYLOAD_BYTES:
        raise ProtocolError("malformed", "the event's payload is larger than 16 KB")
    if _has_nul(payload):  # no database stores a NUL character in text
        raise ProtocolError("malformed", "the event's payload holds a NUL character")
    created_at = raw.get("created_at")
    parse_time(created_at, "created_at")
    prev_hash, hash_ = raw.get("prev_hash"), raw.get("hash")
    for value, name in ((prev_hash, "prev_hash"), (hash_, "hash")):
        if not isinstance(value, str) or not _HEX64.fullmatch(value):
            raise ProtocolError("malformed", f"the event's {name} is not a SHA-256 hex digest")
    return Event(event_id, seq, kind, payload, str(created_at), str(prev_hash), str(hash_))


def _has_nul(value: object) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def check_protocol(body: object) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ProtocolError("malformed", "the request body is not a JSON object")
    if body.get("protocol") not in SUPPORTED:
        raise ProtocolError("unsupported_protocol",
                            f"protocol {body.get('protocol')!r} is not one of {list(SUPPORTED)}")
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
