"""Public keys of issuers: from PEM (OB 2.0 CryptographicKey), JWK (OB 3.0 JWKS) and did:key.

Only RSA (2048 bits or more), EC P-256 and Ed25519 keys are accepted. Every failure raises
:class:`~kiosk.domain.proof_errors.MalformedProof`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from kiosk.domain.proof_errors import MalformedProof

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey

MIN_RSA_BITS = 2048
MAX_RSA_BITS = 8192
_MAX_PEM_CHARS = 8192
_MAX_DID_CHARS = 256

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {ch: i for i, ch in enumerate(_B58_ALPHABET)}

_MULTICODEC_ED25519 = b"\xed\x01"
_MULTICODEC_P256 = b"\x80\x24"


def b58decode(text: str) -> bytes:
    """Decode base58btc (Bitcoin alphabet). Leading '1's are leading zero bytes."""
    number = 0
    for ch in text:
        digit = _B58_INDEX.get(ch)
        if digit is None:
            raise MalformedProof(f"not base58btc: {ch!r}")
        number = number * 58 + digit
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * zeros + body


def b58encode(data: bytes) -> str:
    """Encode bytes as base58btc (used by tests and for printing keys)."""
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rem = divmod(number, 58)
        out.append(_B58_ALPHABET[rem])
    zeros = len(data) - len(data.lstrip(b"\x00"))
    return "1" * zeros + "".join(reversed(out))


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url strictly (no padding, no other characters)."""
    if not isinstance(text, str) or not text.isascii() or "=" in text:
        raise MalformedProof("not base64url")
    if len(text) % 4 == 1:
        raise MalformedProof("not base64url")
    try:
        return base64.b64decode(
            text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4), validate=True
        )
    except (binascii.Error, ValueError) as exc:
        raise MalformedProof("not base64url") from exc


def _check(key: object) -> PublicKey:
    if isinstance(key, rsa.RSAPublicKey):
        if not MIN_RSA_BITS <= key.key_size <= MAX_RSA_BITS:
            raise MalformedProof(f"RSA key of {key.key_size} bits refused")
        return key
    if isinstance(key, ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise MalformedProof(f"curve {key.curve.name} refused")
        return key
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key
    raise MalformedProof("key type refused")


def key_from_pem(text: str) -> PublicKey:
    """A public key from PEM (SubjectPublicKeyInfo, or PKCS#1 'RSA PUBLIC KEY')."""
    if not isinstance(text, str) or len(text) > _MAX_PEM_CHARS or not text.isascii():
        raise MalformedProof("not a PEM public key")
    try:
        key = serialization.load_pem_public_key(text.strip().encode("ascii"))
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise MalformedProof("not a PEM public key") from exc
    return _check(key)


def _jwk_bytes(jwk: Mapping[str, object], name: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str) or not value:
        raise MalformedProof(f"JWK member {name!r} missing")
    return b64url_decode(value)


def key_from_jwk(jwk: Mapping[str, object]) -> PublicKey:
    """A public key from a JWK: RSA (n, e), EC P-256 (x, y) or OKP Ed25519 (x)."""
    if not isinstance(jwk, Mapping):
        raise MalformedProof("JWK is not an object")
    if "d" in jwk or "p" in jwk or "q" in jwk:
        raise MalformedProof("private JWK refused")
    kty = jwk.get("kty")
    try:
        if kty == "RSA":
            n = int.from_bytes(_jwk_bytes(jwk, "n"), "big")
            e = int.from_bytes(_jwk_bytes(jwk, "e"), "big")
            if n.bit_length() < MIN_RSA_BITS or n.bit_length() > MAX_RSA_BITS:
                raise MalformedProof("RSA key size refused")
            return _check(rsa.RSAPublicNumbers(e, n).public_key())
        if kty == "EC":
            if jwk.get("crv") != "P-256":
                raise MalformedProof("curve refused")
            x, y = _jwk_bytes(jwk, "x"), _jwk_bytes(jwk, "y")
            if len(x) != 32 or len(y) != 32:
                raise MalformedProof("P-256 coordinates must be 32 bytes")
            return _check(
                ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + x + y)
            )
        if kty == "OKP":
            if jwk.get("crv") != "Ed25519":
                raise MalformedProof("curve refused")
            x = _jwk_bytes(jwk, "x")
            if len(x) != 32:
                raise MalformedProof("Ed25519 key must be 32 bytes")
            return ed25519.Ed25519PublicKey.from_public_bytes(x)
    except MalformedProof:
        raise
    except (ValueError, TypeError, OverflowError, UnsupportedAlgorithm) as exc:
        raise MalformedProof("bad JWK") from exc
    raise MalformedProof("JWK kty refused")


def key_bytes(key: PublicKey) -> bytes:
    """The key material of a public key, the same however the key was written (PEM, JWK or
    did:key): its DER SubjectPublicKeyInfo. Two keys are one key when these bytes agree."""
    return key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def check_did_key_kid(kid: str, key: PublicKey) -> None:
    """A key published under a ``did:key`` kid (in a JWKS) must be the key that did:key
    names; MalformedProof says why not, in words that follow "the key was not imported:"."""
    try:
        named = key_from_did_key(kid)
    except MalformedProof as exc:
        raise MalformedProof(f"its kid is not a usable did:key ({exc})") from None
    if key_bytes(named) != key_bytes(key):
        raise MalformedProof("its kid is a did:key, and the JWK holds a different public key "
                             "than that did:key names")


def key_from_did_key(did: str) -> PublicKey:
    """A public key from ``did:key:z...`` (Ed25519 or P-256), optionally with a ``#fragment``.

    When a fragment is present it must be the same multibase value as the DID itself.
    """
    if not isinstance(did, str) or len(did) > _MAX_DID_CHARS:
        raise MalformedProof("not a did:key")
    base, sep, fragment = did.partition("#")
    if not base.startswith("did:key:z"):
        raise MalformedProof("not a did:key in base58btc")
    multibase = base[len("did:key:") :]
    if sep and fragment != multibase:
        raise MalformedProof("did:key fragment does not name its own key")
    raw = b58decode(multibase[1:])
    try:
        if raw[:2] == _MULTICODEC_ED25519 and len(raw) == 34:
            return ed25519.Ed25519PublicKey.from_public_bytes(raw[2:])
        if raw[:2] == _MULTICODEC_P256 and len(raw) == 35:
            return _check(ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw[2:]))
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise MalformedProof("bad did:key") from exc
    raise MalformedProof("did:key type refused")
