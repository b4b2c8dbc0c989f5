"""Signed proofs for the demo: a trusted demo issuer with its key, two baked badge images to
drop on the scan page, and the district's slip key (so admins can print proof slips)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import secrets
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from PIL import Image, ImageDraw
from PIL.PngImagePlugin import PngInfo

from ..db import write_transaction
from ..domain.slips import make_slip
from ..extensions import db
from ..models import Award, BadgeClass, Issuer, IssuerKey
from .district_keys import district_key

ISSUER = "https://badges.example.k12.wv.us/issuer"
KEY_ID = "https://badges.example.k12.wv.us/keys/1"
BADGE_CLASS = "https://badges.example.k12.wv.us/badges/"


def seed_demo_proofs(folder: Path, award_ids: list[str]) -> None:
    """Trust a demo issuer, sign badges for the first awards and bake them into images."""
    district_key(create=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    awards = [db.session.get(Award, award_id) for award_id in award_ids]
    with write_transaction() as s:
        s.add(Issuer(id=ISSUER, name="Demo District Badges", version="ob2",
                     key_ids=json.dumps([KEY_ID]), revocation_list="", document="{}"))
        s.add(IssuerKey(id=KEY_ID, owner=ISSUER, kind="pem", material=pem.decode("ascii")))
        for award in awards:
            if award is not None and s.get(BadgeClass, _badge_class(award)) is None:
                s.add(BadgeClass(id=_badge_class(award), issuer_id=ISSUER,
                                 name=award.credential.name, credential_id=award.credential_id))
    images = folder / "sample-badges"
    images.mkdir(exist_ok=True)
    for n, award in enumerate(a for a in awards if a is not None):
        token = _signed_assertion(award, key)
        (images / f"badge-{n + 1}.png").write_bytes(_baked_png(token, award.credential.name))


def slip_sample(award_id: str) -> str | None:
    key = district_key()
    return make_slip(award_id, date.today(), key) if key else None


def _badge_class(award: Award) -> str:
    return BADGE_CLASS + str(award.credential_id)


def _signed_assertion(award: Award, key: rsa.RSAPrivateKey) -> str:
    salt = secrets.token_hex(8)
    identity = hashlib.sha256((award.person.email + salt).encode()).hexdigest()
    assertion = {
        "@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": award.id,
        "recipient": {"type": "email", "hashed": True, "salt": salt,
                      "identity": f"sha256${identity}"},
        "badge": _badge_class(award),
        "issuedOn": award.issued_on.isoformat() if award.issued_on else "2023-01-01",
        "verification": {"type": "SignedBadge", "creator": KEY_ID},
    }
    head = _b64(json.dumps({"alg": "RS256"}).encode())
    body = _b64(json.dumps(assertion).encode())
    signature = key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{_b64(signature)}"


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
