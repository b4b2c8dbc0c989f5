"""Make compact JWS tokens with private keys, for tests (valid and forged)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from kiosk.domain.keys import b58encode

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_json(value: Any) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode("utf-8"))


def alg_for(key: PrivateKey) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        return "RS256"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return "ES256"
    return "EdDSA"


def raw_sign(key: PrivateKey, signing_input: bytes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    if isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return key.sign(signing_input)


def make_jws(
    key: PrivateKey,
    payload: Any,
    alg: str | None = None,
    header: dict[str, Any] | None = None,
) -> str:
    """A compact JWS of ``payload`` signed with ``key``; ``alg`` may be forced to lie."""
    head = {"alg": alg or alg_for(key), **(header or {})}
    signing_input = f"{b64url_json(head)}.{b64url_json(payload)}"
    signature = raw_sign(key, signing_input.encode("ascii"))
    return f"{signing_input}.{b64url(signature)}"


def make_unsigned(payload: Any) -> str:
    return f"{b64url_json({'alg': 'none'})}.{b64url_json(payload)}."


def make_hs256(secret: bytes, payload: Any) -> str:
    signing_input = f"{b64url_json({'alg': 'HS256', 'typ': 'JWT'})}.{b64url_json(payload)}"
    mac = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


def public_pem(key: PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def flip_char(part: str, at: int) -> str:
    """Change one base64url character so the decoded bytes differ."""
    ch = part[at]
    return part[:at] + ("A" if ch != "A" else "B") + part[at + 1 :]


def tamper_payload(token: str, change: dict[str, Any]) -> str:
    head, payload, sig = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body.update(change)
    return f"{head}.{b64url_json(body)}.{sig}"


def flip_signature_byte(token: str, at: int = 0) -> str:
    head, payload, sig = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
    raw[at] ^= 0x01
    return f"{head}.{payload}.{b64url(bytes(raw))}"


def flip_payload_byte(token: str, at: int = 0) -> str:
    head, payload, sig = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raw[at] ^= 0x01  # e.g. '{' -> 'z' breaks JSON; pick an inner byte for a subtle change
    return f"{head}.{b64url(bytes(raw))}.{sig}"


def did_key_ed25519(key: ed25519.Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "did:key:z" + b58encode(b"\xed\x01" + raw)


def did_key_p256(key: ec.EllipticCurvePublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
    return "did:key:z" + b58encode(b"\x80\x24" + raw)


def jwk_of(key: PrivateKey, private: bool = False) -> dict[str, str]:
    """The public JWK of a key (with ``d`` too when ``private``)."""
    if isinstance(key, rsa.RSAPrivateKey):
        pub = key.public_key().public_numbers()
        jwk = {
            "kty": "RSA",
            "n": b64url(pub.n.to_bytes((pub.n.bit_length() + 7) // 8, "big")),
            "e": b64url(pub.e.to_bytes((pub.e.bit_length() + 7) // 8, "big")),
        }
        if private:
            d = key.private_numbers().d
            jwk["d"] = b64url(d.to_bytes((d.bit_length() + 7) // 8, "big"))
        return jwk
    if isinstance(key, ec.EllipticCurvePrivateKey):
        nums = key.public_key().public_numbers()
        jwk = {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url(nums.x.to_bytes(32, "big")),
            "y": b64url(nums.y.to_bytes(32, "big")),
        }
        if private:
            jwk["d"] = b64url(key.private_numbers().private_value.to_bytes(32, "big"))
        return jwk
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}
    if private:
        jwk["d"] = b64url(
            key.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
        )
    return jwk
