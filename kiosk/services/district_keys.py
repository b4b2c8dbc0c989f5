"""The district's slip signing key (only on the district's computer) and the district public keys
this kiosk trusts when it reads a slip."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

from ..db import write_transaction
from ..domain.proof_errors import MalformedProof
from ..domain.slips import district_kid, public_key_from_text, public_key_text
from ..errors import InvalidInput
from . import lookups

log = logging.getLogger(__name__)

KEY_FILE = "district-signing-key.pem"
TRUSTED_SETTING = "district_keys"
NO_KEY = ("This computer does not hold the district's signing key. Run "
          "`kiosk keys district --create` on the district's computer.")

# Parsed signing keys by file path, kept while the file's (mtime, size) stays the same.
_CACHE: dict[str, tuple[tuple[int, int], Ed25519PrivateKey]] = {}
_LOCK = threading.Lock()


def key_path() -> Path:
    return Path(current_app.instance_path) / KEY_FILE


def district_key(create: bool = False) -> Ed25519PrivateKey | None:
    """The district's signing key from the instance folder; with ``create``, a new one is made
    (file mode 0600) when there is none yet. None when there is none and ``create`` is false."""
    path = key_path()
    with _LOCK:
        key = _load(path)
        if key is None and create:
            _write_new_key(path)
            key = _load(path)
    return key


def _load(path: Path) -> Ed25519PrivateKey | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _CACHE.get(str(path))
    if cached and cached[0] == stamp:
        return cached[1]
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise InvalidInput(f"The district signing key in {path} cannot be read ({exc}). "
                           "Restore it from the district's backup.") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput(f"{path} holds a key of the wrong kind; slips need an Ed25519 key.")
    _CACHE[str(path)] = (stamp, key)
    return key


def _write_new_key(path: Path) -> None:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp makes the file with mode 0600 before a byte of the key is in it
    fd, tmp = tempfile.mkstemp(prefix=".district-key-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    log.info("made a new district signing key in %s", path)


def _stored() -> dict[str, str]:
    raw = lookups.get_setting(TRUSTED_SETTING)
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        log.warning("the %s setting is not JSON; ignored", TRUSTED_SETTING)
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, str)}


def trust_district_key(text: str) -> str:
    """Trust a district public key (``ed25519:...``) for reading slips; returns its kid."""
    try:
        key = public_key_from_text(text)
    except MalformedProof as exc:
        raise InvalidInput(f"{exc} Copy it exactly as `kiosk keys district` prints it.") from None
    kid = district_kid(key)
    with write_transaction():
        keys = _stored()
        keys[kid] = public_key_text(key)
        lookups.set_setting(TRUSTED_SETTING, json.dumps(keys, sort_keys=True))
    return kid


def trusted_district_keys() -> dict[str, Ed25519PublicKey]:
    """kid -> public key: the keys trusted here, and the public half of this computer's own
    signing key when it holds one."""
    trusted: dict[str, Ed25519PublicKey] = {}
    for kid, text in _stored().items():
        try:
            key = public_key_from_text(text)
        except MalformedProof:
            log.warning("trusted district key %s is damaged; ignored", kid)
            continue
        trusted[district_kid(key)] = key
    try:
        own = district_key()
    except InvalidInput:
        log.warning("the district signing key file cannot be read; ignored for reading slips")
        own = None
    if own is not None:
        public = own.public_key()
        trusted[district_kid(public)] = public
    return trusted
