"""Signed proofs for the demo: a trusted demo issuer with its key, two baked badge images to
drop on the scan page, signed samples for the verdicts only a signature can give (expired, not
yet valid, bad signature, untrusted issuer), and the district's slip key (so admins can print
proof slips).

The issuer's private key lives only while the demo is seeded: what it signs is written to the
instance folder then, so the console shows the same samples on every start.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import secrets
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from PIL import Image, ImageDraw
from PIL.PngImagePlugin import PngInfo

from ..db import write_transaction
from ..domain.reasons import Reason
from ..domain.slips import make_slip
from ..extensions import db
from ..models import Award, BadgeClass, Issuer, IssuerKey
from .district_keys import district_key

ISSUER = "https://badges.example.k12.wv.us/issuer"
KEY_ID = "https://badges.example.k12.wv.us/keys/1"
BADGE_CLASS = "https://badges.example.k12.wv.us/badges/"
STRANGER = "https://quick-badges.example.com"  # an issuer the district has never heard of
SAMPLES = "sample-proofs"  # in the instance folder: <reason>.txt, one payload each
SIGNED_REASONS = (Reason.EXPIRED, Reason.NOT_YET_VALID, Reason.BAD_SIGNATURE,
                  Reason.UNTRUSTED_ISSUER)


def seed_demo_proofs(folder: Path, images: list[str], signed: list[str]) -> None:
    """Trust a demo issuer, sign badges for the ``images`` awards and bake them into images,
    and write the signed samples for three more awards (``signed``) to ``sample-proofs``."""
    district_key(create=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    awards = [db.session.get(Award, award_id) for award_id in [*images, *signed]]
    with write_transaction() as s:
        s.add(Issuer(id=ISSUER, name="Demo District Badges", version="ob2",
                     key_ids=json.dumps([KEY_ID]), revocation_list="", document="{}"))
        s.add(IssuerKey(id=KEY_ID, owner=ISSUER, kind="pem", material=pem.decode("ascii")))
        classes = {_badge_class(a): a.credential for a in awards if a is not None}
        for class_id, credential in classes.items():
            if s.get(BadgeClass, class_id) is None:
                s.add(BadgeClass(id=class_id, issuer_id=ISSUER, name=credential.name,
                                 credential_id=credential.id))
    baked = folder / "sample-badges"
    baked.mkdir(exist_ok=True)
    for n, award in enumerate(a for a in awards[:len(images)] if a is not None):
        token = _sign(_assertion(award), key)
        (baked / f"badge-{n + 1}.png").write_bytes(_baked_png(token, award.credential.name))
    samples = [a for a in awards[len(images):] if a is not None]
    if len(samples) == 3:
        _write_samples(folder / SAMPLES, _signed_samples(samples, key, date.today()))


def signed_samples(folder: Path) -> dict[str, str]:
    """The signed sample payloads written when the demo was seeded, by reason code."""
    found = {}
    for reason in SIGNED_REASONS:
        path = folder / SAMPLES / f"{reason.value}.txt"
        if path.is_file():
            found[reason.value] = path.read_text(encoding="ascii").strip()
    return found


def slip_sample(award_id: str) -> str | None:
    key = district_key()
    return make_slip(award_id, date.today(), key) if key else None


def _badge_class(award: Award) -> str:
    return BADGE_CLASS + str(award.credential_id)


def _signed_samples(awards: list[Award], key: rsa.RSAPrivateKey,
                    today: date) -> dict[Reason, str]:
    """Genuine badges of the demo issuer that are past their expiry date or not valid yet,
    one altered after it was signed, and a well-signed badge from an issuer nobody trusts."""
    expired, early, altered = awards
    issued = expired.issued_on or today - timedelta(days=730)
    ends = min(issued + timedelta(days=365), today - timedelta(days=30))
    starts = today.replace(year=today.year + 5, day=1)  # stays in the future for years
    genuine = _assertion(altered)
    backdated = (altered.issued_on or today) - timedelta(days=365)
    edited = {**genuine, "issuedOn": backdated.isoformat()}
    stranger = _assertion(expired, award_id=f"urn:uuid:{uuid.uuid4()}", badge={
        "id": f"{STRANGER}/badges/pin-eligible", "type": "BadgeClass",
        "name": expired.credential.name,
        "issuer": {"id": f"{STRANGER}/issuer", "type": "Profile", "name": "Quick Badges"}})
    stranger["verification"] = {"type": "SignedBadge", "creator": f"{STRANGER}/keys/1"}
    stranger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {
        Reason.EXPIRED: _sign({**_assertion(expired), "expires": ends.isoformat()}, key),
        Reason.NOT_YET_VALID: _sign({**_assertion(early), "issuedOn": starts.isoformat()},
                                    key),
        Reason.BAD_SIGNATURE: _swap_body(_sign(genuine, key), edited),
        Reason.UNTRUSTED_ISSUER: _sign(stranger, stranger_key),
    }


def _write_samples(where: Path, samples: dict[Reason, str]) -> None:
    where.mkdir(exist_ok=True)
    for reason, payload in samples.items():
        (where / f"{reason.value}.txt").write_text(payload + "\n", encoding="ascii")


def _assertion(award: Award, award_id: str | None = None,
               badge: dict[str, Any] | None = None) -> dict[str, Any]:
    """An OB 2.0 assertion of ``award`` to its person (hashed email) by the demo issuer."""
    salt = secrets.token_hex(8)
    identity = hashlib.sha256((award.person.email + salt).encode()).hexdigest()
    return {
        "@context": "https://w3id.org/openbadges/v2", "type": "Assertion",
        "id": award_id or award.id,
        "recipient": {"type": "email", "hashed": True, "salt": salt,
                      "identity": f"sha256${identity}"},
        "badge": badge or _badge_class(award),
        "issuedOn": award.issued_on.isoformat() if award.issued_on else "2023-01-01",
        "verification": {"type": "SignedBadge", "creator": KEY_ID},
    }


def _sign(assertion: dict[str, Any], key: rsa.RSAPrivateKey) -> str:
    """A compact JWS (RS256) of the assertion."""
    head = _b64(_json({"alg": "RS256"}))
    body = _b64(_json(assertion))
    signature = key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{_b64(signature)}"


def _swap_body(token: str, assertion: dict[str, Any]) -> str:
    """The token with another body under the original signature, as if edited after signing."""
    head, _, signature = token.split(".")
    return f"{head}.{_b64(_json(assertion))}.{signature}"


def _json(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()  # compact: short enough to paste


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _baked_png(token: str, credential: str) -> bytes:
    image = Image.new("RGB", (240, 240), "#1f4e79")
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 20, 220, 220), fill="#f2c14e", outline="white", width=6)
    draw.text((120, 120), credential[:18], fill="#1f4e79", anchor="mm")
    info = PngInfo()
    info.add_itxt("openbadges", token)
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()
