"""Compact JWS (RFC 7515) decoding and signature checking, for OB 2.0 signed assertions,
OB 3.0 VC-JWTs and district slips.

Only RS256, ES256 and EdDSA are ever verified, and only with a key of the matching type:
that is what defeats ``alg: none`` and HS256 made with a public key as the HMAC secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

import orjson
import pybase64
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from kiosk.domain.keys import PublicKey
from kiosk.domain.proof_errors import BadSignature, MalformedProof

MAX_TOKEN_CHARS = 16 * 1024
DEFAULT_ALGS: tuple[str, ...] = ("RS256", "ES256", "EdDSA")
_B64URL_PART = re.compile(r"[A-Za-z0-9_-]+")
_PADDING = ("", "", "==", "=")  # by the part's length modulo 4 (1 is impossible)
_NOT_B64URL = "JWS parts must be unpadded base64url"
_PKCS1V15 = padding.PKCS1v15()  # immutable descriptions of the algorithms, made once
_SHA256 = hashes.SHA256()
_ECDSA_SHA256 = ec.ECDSA(_SHA256)


class CompactJws(NamedTuple):
    """A decoded compact JWS; its signature not yet checked. (A plain tuple: one is built on
    every scan, and it costs half of a frozen dataclass.)"""

    header: dict[str, object]
    payload: dict[str, object]
    signing_input: bytes
    signature: bytes

    @property
    def alg(self) -> str:
        alg = self.header.get("alg")
        return alg if isinstance(alg, str) else ""

    @property
    def kid(self) -> str | None:
        kid = self.header.get("kid")
        return kid if isinstance(kid, str) else None


def looks_like_compact_jws(text: str) -> bool:
    """Cheap shape test: three base64url parts, the first one starting like a JSON object."""
    parts = text.split(".")
    return (
        len(parts) == 3
        and len(text) <= MAX_TOKEN_CHARS
        and parts[0].startswith("ey")
        and all(_B64URL_PART.fullmatch(part) for part in parts)
    )


def _b64(part: str) -> bytes:
    """Decode one unpadded base64url part; anything outside that alphabet is refused.

    ``b64decode`` with ``altchars`` also takes "+" and "/", and padding when it is right, so
    those are refused first; it checks every other character (``validate``) as it decodes.
    pybase64, not binascii: a 2 KB token decodes in a fifth of the time.
    """
    if len(part) % 4 == 1 or "+" in part or "/" in part or "=" in part:
        raise MalformedProof(_NOT_B64URL)
    try:  # altchars b"-_", validate=True: passed by position, as keywords cost more here
        return pybase64.b64decode(part + _PADDING[len(part) % 4], b"-_", True)
    except ValueError:  # binascii.Error, or a character beyond ASCII
        raise MalformedProof(_NOT_B64URL) from None


def _json_object(part: str, what: str) -> dict[str, object]:
    try:
        value = orjson.loads(_b64(part))
    except orjson.JSONDecodeError:  # also NaN, lone surrogates, nesting deeper than 1024
        raise MalformedProof(f"JWS {what} is not JSON") from None
    if not isinstance(value, dict):
        raise MalformedProof(f"JWS {what} is not a JSON object")
    return value


def decode_compact(token: str) -> CompactJws:
    """Split and decode a compact JWS without checking its signature."""
    if not isinstance(token, str):
        raise MalformedProof("JWS is not text")
    token = token.strip()
    if len(token) > MAX_TOKEN_CHARS:
        raise MalformedProof("JWS too long")
    # partition finds a dot with memchr; split and count step through 2 KB char by char
    signed, _, signature_part = token.rpartition(".")
    head, _, body = signed.partition(".")
    if not head or not body or not signature_part or "." in body:
        raise MalformedProof("JWS must have three non-empty parts")
    header = _json_object(head, "header")
    payload = _json_object(body, "payload")
    signature = _b64(signature_part)
    if not isinstance(header.get("alg"), str):
        raise MalformedProof("JWS header has no alg")
    if "crit" in header:
        raise MalformedProof("JWS critical header extensions are not supported")
    if header.get("b64", True) is not True:
        raise MalformedProof("unencoded JWS payloads are not supported")
    return CompactJws(header, payload, signed.encode("ascii"), signature)


def verify_compact(jws: CompactJws, key: PublicKey, allowed: Iterable[str] = DEFAULT_ALGS) -> None:
    """Check the signature of ``jws`` with ``key``. Raises :class:`BadSignature` otherwise.

    Each alg is tried only with its own type of key (and ES256 only on P-256).
    """
    alg = jws.alg
    if alg not in tuple(allowed):
        raise BadSignature(f"alg {alg!r} is not accepted with this key")
    try:
        if alg == "RS256" and isinstance(key, rsa.RSAPublicKey):
            key.verify(jws.signature, jws.signing_input, _PKCS1V15, _SHA256)
            return
        if (alg == "ES256" and isinstance(key, ec.EllipticCurvePublicKey)
                and isinstance(key.curve, ec.SECP256R1)):
            if len(jws.signature) != 64:
                raise BadSignature("ES256 signature must be 64 bytes")
            r = int.from_bytes(jws.signature[:32], "big")
            s = int.from_bytes(jws.signature[32:], "big")
            key.verify(encode_dss_signature(r, s), jws.signing_input, _ECDSA_SHA256)
            return
        if alg in ("EdDSA", "Ed25519") and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(jws.signature, jws.signing_input)
            return
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError) as exc:
        raise BadSignature("signature does not verify") from exc
    raise BadSignature(f"alg {alg!r} is not accepted with this key")
