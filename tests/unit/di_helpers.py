"""Make Open Badges 3.0 credentials with an ``eddsa-rdfc-2022`` Data Integrity proof, for tests.

Canonicalisation here calls PyLD directly with its own offline loader over the vendored context
files, so it does not share the verifier's code path (only the files).
"""

from __future__ import annotations

import copy
import hashlib
import json
from importlib import resources
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519
from pyld import jsonld  # type: ignore[import-untyped]

from kiosk.domain.jsonld_offline import CONTEXT_FILES
from kiosk.domain.keys import b58encode

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_303 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
ISSUER = "https://district.example/issuers/jefferson"
VERIFICATION_METHOD = f"{ISSUER}#key-1"


def _loader(url: str, options: object = None) -> dict[str, Any]:
    name = CONTEXT_FILES[url]  # KeyError for anything else: the helper is offline too
    text = resources.files("kiosk.domain.jsonld_contexts").joinpath(name).read_text("utf-8")
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": json.loads(text),
    }


def canonical_nquads(value: dict[str, Any]) -> str:
    return str(
        jsonld.normalize(
            copy.deepcopy(value),
            {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": _loader},
        )
    )


def sign_data_integrity(
    document: dict[str, Any],
    private_key: ed25519.Ed25519PrivateKey,
    verification_method: str,
    created: str | None,
    *,
    cryptosuite: str = "eddsa-rdfc-2022",
    proof_purpose: str = "assertionMethod",
) -> dict[str, Any]:
    """`document` (without proof) plus an embedded DataIntegrityProof signed with `private_key`
    (``created`` None leaves ``proof.created`` out)."""
    unsecured = {k: v for k, v in copy.deepcopy(document).items() if k != "proof"}
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "verificationMethod": verification_method,
        "cryptosuite": cryptosuite,
        "proofPurpose": proof_purpose,
    }
    if created is not None:
        proof["created"] = created
    config = {**proof, "@context": unsecured["@context"]}
    hash_data = (
        hashlib.sha256(canonical_nquads(config).encode("utf-8")).digest()
        + hashlib.sha256(canonical_nquads(unsecured).encode("utf-8")).digest()
    )
    proof["proofValue"] = "z" + b58encode(private_key.sign(hash_data))
    return {**unsecured, "proof": proof}


def open_badge(
    name: str = "Understanding Trauma and the Brain",
    recipient: str = "sha256$c7ef86405ba71b85acd8e2e95166c4b111448089f2e1599f42fe1bba46e865c5",
    credential_id: str = "urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002",
) -> dict[str, Any]:
    """An unsigned OB 3.0 OpenBadgeCredential (VC 2.0 data model, context 3.0.3)."""
    return {
        "@context": [VC_V2, OB_303],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name,
        "issuer": {
            "id": ISSUER,
            "type": ["Profile"],
            "name": "Jefferson County Schools",
        },
        "validFrom": "2022-09-27T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": recipient,
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": "pepper",
                }
            ],
            "achievement": {
                "id": "https://district.example/achievements/trauma-and-the-brain",
                "type": ["Achievement"],
                "name": name,
                "description": "A competency-based micro-credential for school staff.",
                "criteria": {"narrative": "Complete the course and its reflection."},
            },
        },
    }
