"""Compact JWS (RFC 7515) decoding and signature checking, for OB 2.0 signed assertions,
OB 3.0 VC-JWTs and district slips.

Only RS256, ES256 and EdDSA are ever verified, and only with a key of the matching type:
that is what defeats ``alg: none`` and HS256 made with a public key as the HMAC secret.
"""

from __future__ import annotations

import binascii
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from kiosk.domain.keys import PublicKey, alg_matches_key
from kiosk.domain.proof_errors import BadSignature, MalformedProof

MAX_TOKEN_CHARS = 16 * 1024
DEFAULT_ALGS: tuple[str, ...] = ("RS256", "ES256", "EdDSA")
_B64URL_PART = re.compile(r"[A-Za-z0-9_-]+")
_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class CompactJws:
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
    """Decode a part that already matched ``_B64URL_PART``."""
    if len(part) % 4 == 1:
        raise MalformedProof("not base64url")
    padded = part.replace("-", "+").replace("_", "/") + "=" * (-len(part) % 4)
    return binascii.a2b_base64(padded)  # the fastest of the stdlib's ways; input is checked


def _json_object(part: str, what: str) -> dict[str, object]:
    raw = _b64(part)
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedProof(f"JWS {what} is not JSON") from exc
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
    if not _COMPACT.fullmatch(token):
        if token.count(".") != 2 or "" in token.split("."):
            raise MalformedProof("JWS must have three non-empty parts")
        raise MalformedProof("JWS parts must be unpadded base64url")
    parts = token.split(".")
    header = _json_object(parts[0], "header")
    payload = _json_object(parts[1], "payload")
    signature = _b64(parts[2])
    if not isinstance(header.get("alg"), str):
        raise MalformedProof("JWS header has no alg")
    if "crit" in header:
        raise MalformedProof("JWS critical header extensions are not supported")
    if header.get("b64", True) is not True:
        raise MalformedProof("unencoded JWS payloads are not supported")
    return CompactJws(
        header=header,
        payload=payload,
        signing_input=f"{parts[0]}.{parts[1]}".encode("ascii"),
        signature=signature,
    )


def verify_compact(jws: CompactJws, key: PublicKey, allowed: Iterable[str] = DEFAULT_ALGS) -> None:
    """Check the signature of ``jws`` with ``key``. Raises :class:`BadSignature` otherwise."""
    alg = jws.alg
    if alg not in tuple(allowed) or not alg_matches_key(alg, key):
        raise BadSignature(f"alg {alg!r} is not accepted with this key")
    try:
        if alg == "RS256" and isinstance(key, rsa.RSAPublicKey):
            key.verify(jws.signature, jws.signing_input, padding.PKCS1v15(), hashes.SHA256())
            return
        if alg == "ES256" and isinstance(key, ec.EllipticCurvePublicKey):
            if len(jws.signature) != 64:
                raise BadSignature("ES256 signature must be 64 bytes")
            r = int.from_bytes(jws.signature[:32], "big")
            s = int.from_bytes(jws.signature[32:], "big")
            key.verify(encode_dss_signature(r, s), jws.signing_input, ec.ECDSA(hashes.SHA256()))
            return
        if alg in ("EdDSA", "Ed25519") and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(jws.signature, jws.signing_input)
            return
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError) as exc:
        raise BadSignature("signature does not verify") from exc
    raise BadSignature(f"alg {alg!r} is not accepted with this key")
