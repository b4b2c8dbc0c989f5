"""Offline verification of an Open Badges 3.0 credential with an embedded Data Integrity proof,
cryptosuite ``eddsa-rdfc-2022`` (W3C "Data Integrity EdDSA Cryptosuites v1.0", section 3.2), or
``eddsa-2022``, its name in the drafts until 2023: the same algorithm, still written by tools of
that time and by the OB 3.0 spec's own Linked Data Proof example.

The check, as the cryptosuite defines it:

1. the proof configuration is the proof without ``proofValue``, given the credential's
   ``@context``; the unsecured document is the credential without ``proof``;
2. both are canonicalised to N-Quads with RDF Dataset Canonicalization (URDNA2015 / RDFC-1.0)
   and hashed with SHA-256;
3. ``proofValue`` is multibase base58btc (``z`` prefix) of an Ed25519 signature over
   ``sha256(proof config) || sha256(document)``.

Offline, safe and bounded JSON-LD (vendored contexts only, nothing silently dropped, a work
budget on canonicalisation, memoised hashes) is :mod:`kiosk.domain.jsonld_offline`; the
signature itself is checked on every call. This module checks the proof's shape and signature,
and gives the credential as signed (:func:`signed_content`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.domain.jsonld_offline import (
    CONTEXT_FILES,
    canonical_hash,
    canonical_json,
    compacted,
    hash_and_expansion,
)
from kiosk.domain.keys import PublicKey, b58decode
from kiosk.domain.proof_errors import BadSignature, MalformedProof, UntrustedIssuer

CRYPTOSUITE: Final = "eddsa-rdfc-2022"
LEGACY: Final = "eddsa-2022"  # CRYPTOSUITE's name until 2023
# The names this check accepts; the cryptosuite is part of the signed proof configuration.
CRYPTOSUITES: Final = frozenset({CRYPTOSUITE, LEGACY})
PROOF_TYPE: Final = "DataIntegrityProof"
PROOF_PURPOSE: Final = "assertionMethod"

MAX_DOCUMENT_BYTES: Final = 256 * 1024  # the credential as compact UTF-8 JSON
MAX_DEPTH: Final = 64  # nesting of JSON objects and arrays
MAX_VERIFICATION_METHOD_CHARS: Final = 2048

_ED25519_SIGNATURE_BYTES = 64
_MAX_PROOF_VALUE_CHARS = 100  # 64 bytes are 86-88 base58 characters

# A Verifiable Credential's first context must be one of these (VC Data Model 1.1 / 2.0).
VC_BASE_CONTEXTS: Final = frozenset(
    {"https://www.w3.org/2018/credentials/v1", "https://www.w3.org/ns/credentials/v2"}
)


@dataclass(frozen=True)
class DataIntegrityProof:
    verification_method: str  # the proof's verificationMethod
    created: datetime | None  # proof.created, timezone-aware, if present
    cryptosuite: str  # as the proof names it: "eddsa-rdfc-2022" or "eddsa-2022"


def verify_data_integrity(
    document: Mapping[str, object],
    resolve_key: Callable[[str], PublicKey | None],
) -> DataIntegrityProof:
    """Check the embedded proof of `document`. resolve_key(verificationMethod) returns the trusted
    public key for that method or None. Raises MalformedProof (no proof / wrong shape / unknown
    context URL / JSON-LD error / cryptosuite not eddsa-rdfc-2022 or eddsa-2022 / proofPurpose
    not assertionMethod), UntrustedIssuer (resolve_key gave None), BadSignature (the signature
    does not verify, proofValue not base58btc 'z' + 64 bytes, key is not Ed25519).

    resolve_key only says which key is trusted for the method; whether that method belongs to the
    credential's issuer is the caller's rule. Errors raised by resolve_key itself pass through.
    """
    doc = _plain_json(document)
    contexts = _check_contexts(doc)
    proof = _choose_proof(doc.get("proof"))
    verification_method, created = _check_proof_shape(proof, contexts)
    suite: str = proof["cryptosuite"]  # one of CRYPTOSUITES, checked just above

    key = resolve_key(verification_method)
    if key is None:
        raise UntrustedIssuer(f"no trusted key for {verification_method[:200]}")
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise BadSignature(f"{suite} needs an Ed25519 key")
    signature = _decode_proof_value(proof.get("proofValue"))

    unsecured = {name: value for name, value in doc.items() if name != "proof"}
    proof_config = {name: value for name, value in proof.items() if name != "proofValue"}
    proof_config["@context"] = doc["@context"]
    document_hash, expanded = hash_and_expansion(unsecured)
    try:
        key.verify(signature, canonical_hash(proof_config) + document_hash)
    except InvalidSignature as exc:
        raise BadSignature("the Data Integrity proof does not match the credential") from exc
    if expanded is not None:  # a new credential: compact the expansion just made, not a new one
        compacted(unsecured, doc["@context"], expanded)
    return DataIntegrityProof(verification_method, created, suite)


def signed_content(document: Mapping[str, object]) -> dict[str, Any]:
    """The credential (without its proof) as its signature covers it, in its own terms.

    The signature covers the JSON-LD graph, not the JSON: the same graph can be written with
    full IRIs, ``@type``, or ``{"@value": ...}`` objects and still verify. Read as plain JSON,
    a re-spelled ``credentialStatus`` or ``identifier`` would simply go unseen. So the facts
    of a verified credential are read from its graph compacted with its own ``@context``:
    one spelling, whatever the JSON looked like. Call it after :func:`verify_data_integrity`.
    """
    doc = _plain_json(document)
    unsecured = {name: value for name, value in doc.items() if name != "proof"}
    return compacted(unsecured, doc["@context"])


# --- shape ------------------------------------------------------------------------------------


def _plain_json(document: Mapping[str, object]) -> dict[str, Any]:
    """A private plain-JSON copy of `document`, within the size and depth limits."""
    if not isinstance(document, Mapping):
        raise MalformedProof("the credential is not a JSON object")
    try:
        text = canonical_json(dict(document))
        if len(text.encode("utf-8")) > MAX_DOCUMENT_BYTES:
            raise MalformedProof("the credential is too large")
        doc = json.loads(text)
    except MalformedProof:
        raise
    except (TypeError, ValueError, RecursionError, UnicodeError) as exc:
        raise MalformedProof("the credential is not plain JSON") from exc
    if not isinstance(doc, dict):
        raise MalformedProof("the credential is not a JSON object")
    _check_depth_and_nested_contexts(doc)
    return doc


def _check_depth_and_nested_contexts(doc: dict[str, Any]) -> None:
    """Iteratively: no deeper than MAX_DEPTH, and every ``@context`` anywhere is allowlisted."""
    stack: list[tuple[object, int]] = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise MalformedProof("the credential is nested too deeply")
        if isinstance(value, dict):
            if "@context" in value:
                _allowlisted(value["@context"])
            stack.extend((child, depth + 1) for child in value.values())
        elif isinstance(value, list):
            stack.extend((child, depth + 1) for child in value)


def _allowlisted(context: object) -> list[str]:
    urls = context if isinstance(context, list) else [context]
    for url in urls:
        if not isinstance(url, str):
            raise MalformedProof("inline JSON-LD contexts are not accepted")
        if url not in CONTEXT_FILES:
            raise MalformedProof(f"unknown JSON-LD context {url[:200]!r}")
    return [url for url in urls if isinstance(url, str)]


def _check_contexts(doc: dict[str, Any]) -> list[str]:
    if "@context" not in doc:
        raise MalformedProof("the credential has no @context")
    contexts = _allowlisted(doc["@context"])
    if not contexts or contexts[0] not in VC_BASE_CONTEXTS:
        raise MalformedProof("the credential's first @context is not a Verifiable Credentials one")
    return contexts


def _choose_proof(proof: object) -> dict[str, Any]:
    if proof is None:
        raise MalformedProof("the credential has no embedded proof")
    if isinstance(proof, dict):
        return proof
    if isinstance(proof, list):
        for candidate in proof:
            if (
                isinstance(candidate, dict)
                and candidate.get("type") == PROOF_TYPE
                and _accepted_suite(candidate.get("cryptosuite"))
            ):
                return candidate
        raise MalformedProof(f"no {PROOF_TYPE} with cryptosuite {CRYPTOSUITE} (or {LEGACY}) "
                             "among the proofs")
    raise MalformedProof("the proof is not a JSON object")


def _accepted_suite(value: object) -> bool:
    return isinstance(value, str) and value in CRYPTOSUITES


def _check_proof_shape(
    proof: dict[str, Any], contexts: list[str]
) -> tuple[str, datetime | None]:
    if proof.get("type") != PROOF_TYPE:
        raise MalformedProof(f"the proof is not a {PROOF_TYPE}")
    if not _accepted_suite(proof.get("cryptosuite")):
        raise MalformedProof(f"the proof's cryptosuite is not {CRYPTOSUITE} (or {LEGACY})")
    if proof.get("proofPurpose") != PROOF_PURPOSE:
        raise MalformedProof(f"the proof's purpose is not {PROOF_PURPOSE}")
    if "previousProof" in proof:
        raise MalformedProof("chained proofs are not supported")
    if "@context" in proof:
        # Data Integrity 1.0, 4.3 step 4: the document's contexts must start with the proof's.
        own = _allowlisted(proof["@context"])
        if contexts[: len(own)] != own:
            raise MalformedProof("the proof's @context does not match the credential's")
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or not method or len(method) > MAX_VERIFICATION_METHOD_CHARS:
        raise MalformedProof("the proof has no usable verificationMethod")
    return method, _parse_created(proof.get("created"))


def _parse_created(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise MalformedProof("proof.created is not a date-time")
    try:
        created = datetime.fromisoformat(value)
    except ValueError as exc:
        raise MalformedProof("proof.created is not a date-time") from exc
    if created.tzinfo is None or created.utcoffset() is None:
        raise MalformedProof("proof.created has no time zone")
    return created


def _decode_proof_value(value: object) -> bytes:
    if not isinstance(value, str) or not value.startswith("z"):
        raise BadSignature("proofValue is not multibase base58btc")
    if len(value) > _MAX_PROOF_VALUE_CHARS:
        raise BadSignature("proofValue is too long for an Ed25519 signature")
    try:
        signature = b58decode(value[1:])
    except MalformedProof as exc:
        raise BadSignature("proofValue is not base58btc") from exc
    if len(signature) != _ED25519_SIGNATURE_BYTES:
        raise BadSignature("proofValue is not a 64-byte Ed25519 signature")
    return signature


