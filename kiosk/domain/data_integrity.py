"""Offline verification of an Open Badges 3.0 credential with an embedded Data Integrity proof,
cryptosuite ``eddsa-rdfc-2022`` (W3C "Data Integrity EdDSA Cryptosuites v1.0", section 3.2).

The check, as the cryptosuite defines it:

1. the proof configuration is the proof without ``proofValue``, given the credential's
   ``@context``; the unsecured document is the credential without ``proof``;
2. both are canonicalised to N-Quads with RDF Dataset Canonicalization (URDNA2015 / RDFC-1.0)
   and hashed with SHA-256;
3. ``proofValue`` is multibase base58btc (``z`` prefix) of an Ed25519 signature over
   ``sha256(proof config) || sha256(document)``.

Offline means offline: JSON-LD contexts are resolved only from the documents vendored in
``kiosk/domain/jsonld_contexts`` (exact-URL allowlist, see its README). Any other context URL, and
any inline context object, is refused before PyLD runs.

Like Digital Bazaar's verifiers ("safe mode"), a credential is refused when JSON-LD would silently
drop part of it (a term its contexts do not define, a relative IRI): what is dropped is not
signed, so a reader of the JSON could be shown data that nobody vouched for.

RDF canonicalisation can take exponential time on crafted graphs of look-alike blank nodes
("poison graphs"); PyLD has no limit, so a work budget here refuses such credentials quickly.

Canonicalisation costs a few milliseconds, so its two hashes are memoised per process (keyed by
the SHA-256 of the canonical JSON text), and so is the credential as signed; the signature itself
is checked on every call. A new credential is expanded once: the expansion made for its hash is
also the one compacted for :func:`signed_content`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519
from pyld import jsonld  # type: ignore[import-untyped]
from pyld.canon import URDNA2015  # type: ignore[import-untyped]
from pyld.identifier_issuer import IdentifierIssuer  # type: ignore[import-untyped]

from kiosk.domain.keys import PublicKey, b58decode
from kiosk.domain.proof_errors import BadSignature, MalformedProof, ProofError, UntrustedIssuer

CRYPTOSUITE: Final = "eddsa-rdfc-2022"
PROOF_TYPE: Final = "DataIntegrityProof"
PROOF_PURPOSE: Final = "assertionMethod"

MAX_DOCUMENT_BYTES: Final = 256 * 1024  # the credential as compact UTF-8 JSON
MAX_DEPTH: Final = 64  # nesting of JSON objects and arrays
MAX_VERIFICATION_METHOD_CHARS: Final = 2048
# Units of canonicalisation work (Hash N-Degree Quads calls + permutations tried). Real
# credentials need none or a handful; a 7-node poison graph of 1 KB needs ~10^5 (6 s).
MAX_CANONICALISATION_WORK: Final = 2000
MEMO_SIZE: Final = 512  # hashes of ~256 credentials (document + proof config each)

_ED25519_SIGNATURE_BYTES = 64
_MAX_PROOF_VALUE_CHARS = 100  # 64 bytes are 86-88 base58 characters

# Exact URL -> vendored file. Sources and licences: jsonld_contexts/README.md.
CONTEXT_FILES: Final[Mapping[str, str]] = {
    "https://www.w3.org/2018/credentials/v1": "credentials-v1.json",
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.json",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.json",
    "https://w3id.org/security/data-integrity/v2": "data-integrity-v2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json": "ob-v3p0-context-3.0.0.json",
    # The URL the OB 3.0 spec named at first, used by its Linked Data proof test vector;
    # 1EdTech's own validator treats it as an alias of context.json (3.0.0).
    "https://purl.imsglobal.org/spec/ob/v3p0/context/ob_v3p0.jsonld": "ob-v3p0-context-3.0.0.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": "ob-v3p0-context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": "ob-v3p0-context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": "ob-v3p0-extensions.json",
}
# A Verifiable Credential's first context must be one of these (VC Data Model 1.1 / 2.0).
VC_BASE_CONTEXTS: Final = frozenset(
    {"https://www.w3.org/2018/credentials/v1", "https://www.w3.org/ns/credentials/v2"}
)

_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]*$")


@dataclass(frozen=True)
class DataIntegrityProof:
    verification_method: str  # the proof's verificationMethod
    created: datetime | None  # proof.created, timezone-aware, if present
    cryptosuite: str  # "eddsa-rdfc-2022"


def verify_data_integrity(
    document: Mapping[str, object],
    resolve_key: Callable[[str], PublicKey | None],
) -> DataIntegrityProof:
    """Check the embedded proof of `document`. resolve_key(verificationMethod) returns the trusted
    public key for that method or None. Raises MalformedProof (no proof / wrong shape / unknown
    context URL / JSON-LD error / cryptosuite not eddsa-rdfc-2022 / proofPurpose not
    assertionMethod), UntrustedIssuer (resolve_key gave None), BadSignature (the signature does not
    verify, proofValue not base58btc 'z' + 64 bytes, key is not Ed25519).

    resolve_key only says which key is trusted for the method; whether that method belongs to the
    credential's issuer is the caller's rule. Errors raised by resolve_key itself pass through.
    """
    doc = _plain_json(document)
    contexts = _check_contexts(doc)
    proof = _choose_proof(doc.get("proof"))
    verification_method, created = _check_proof_shape(proof, contexts)

    key = resolve_key(verification_method)
    if key is None:
        raise UntrustedIssuer(f"no trusted key for {verification_method[:200]}")
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise BadSignature("eddsa-rdfc-2022 needs an Ed25519 key")
    signature = _decode_proof_value(proof.get("proofValue"))

    unsecured = {name: value for name, value in doc.items() if name != "proof"}
    proof_config = {name: value for name, value in proof.items() if name != "proofValue"}
    proof_config["@context"] = doc["@context"]
    document_hash, expanded = _hash_and_expansion(unsecured)
    try:
        key.verify(signature, _canonical_hash(proof_config) + document_hash)
    except InvalidSignature as exc:
        raise BadSignature("the Data Integrity proof does not match the credential") from exc
    if expanded is not None:  # a new credential: compact the expansion just made, not a new one
        _compacted(unsecured, doc["@context"], expanded)
    return DataIntegrityProof(verification_method, created, CRYPTOSUITE)


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
    return _compacted(unsecured, doc["@context"])


def _compacted(unsecured: dict[str, Any], context: object,
               expanded: list[Any] | None = None) -> dict[str, Any]:
    """`unsecured` compacted with `context`, memoised; from `expanded` when it is at hand."""
    memo_key = b"signed:" + hashlib.sha256(_canonical_json(unsecured).encode("utf-8")).digest()
    cached = _recall(memo_key)
    if cached is not None:  # the same credential again (the hand-out after the scan)
        value = json.loads(cached)
        return value if isinstance(value, dict) else {}
    try:
        if expanded is None:
            expanded = _expand(unsecured)
        with _pyld_lock:
            options = {**_pyld_options(), "skipExpansion": True}  # expanded already
            processor = jsonld.JsonLdProcessor(on_property_dropped=_refuse_dropped)
            compacted = processor.compact(expanded, {"@context": context}, options)
    except Exception as exc:  # PyLD raises JsonLdError, but also KeyError, TypeError, ...
        own = _proof_error_in(exc)
        raise MalformedProof(str(own) if own else "the credential is not valid JSON-LD") \
            from exc
    if not isinstance(compacted, dict):
        raise MalformedProof("the credential is not valid JSON-LD")
    _remember(memo_key, json.dumps(compacted).encode("utf-8"))
    return compacted


# --- shape ------------------------------------------------------------------------------------


def _canonical_json(value: object) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _plain_json(document: Mapping[str, object]) -> dict[str, Any]:
    """A private plain-JSON copy of `document`, within the size and depth limits."""
    if not isinstance(document, Mapping):
        raise MalformedProof("the credential is not a JSON object")
    try:
        text = _canonical_json(dict(document))
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
                and candidate.get("cryptosuite") == CRYPTOSUITE
            ):
                return candidate
        raise MalformedProof(f"no {PROOF_TYPE} with cryptosuite {CRYPTOSUITE} among the proofs")
    raise MalformedProof("the proof is not a JSON object")


def _check_proof_shape(
    proof: dict[str, Any], contexts: list[str]
) -> tuple[str, datetime | None]:
    if proof.get("type") != PROOF_TYPE:
        raise MalformedProof(f"the proof is not a {PROOF_TYPE}")
    if proof.get("cryptosuite") != CRYPTOSUITE:
        raise MalformedProof(f"the proof's cryptosuite is not {CRYPTOSUITE}")
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


# --- contexts ---------------------------------------------------------------------------------


def _read_contexts() -> dict[str, dict[str, Any]]:
    folder = resources.files("kiosk.domain.jsonld_contexts")
    documents: dict[str, dict[str, Any]] = {}
    for url, name in CONTEXT_FILES.items():
        document = json.loads(folder.joinpath(name).read_text(encoding="utf-8"))
        if not isinstance(document, dict) or "@context" not in document:
            raise RuntimeError(f"vendored JSON-LD context {name} is damaged")
        documents[url] = document
    return documents


_CONTEXTS: Final = _read_contexts()


def _load_context(url: str, options: object = None) -> dict[str, Any]:
    """PyLD document loader: the vendored contexts, nothing else, never the network."""
    document = _CONTEXTS.get(url)
    if document is None:
        raise MalformedProof(f"unknown JSON-LD context {str(url)[:200]!r}")
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": copy.deepcopy(document),  # PyLD rewrites nested URLs in place
        # "static": PyLD keeps it resolved in _resolved_contexts; untagged, it would load and
        # resolve every context again on each expansion (a third of a check's time).
        "tag": "static",
    }


# PyLD would otherwise default to a requests/aiohttp loader if one of those is installed. Every
# call below passes the loader explicitly too.
jsonld.set_document_loader(_load_context)


# --- canonicalisation -------------------------------------------------------------------------


class _WorkBudget:
    def __init__(self, units: int) -> None:
        self.left = units

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise MalformedProof("the credential is too costly to canonicalise")


class _CountingIssuer(IdentifierIssuer):  # type: ignore[misc]
    """A blank node issuer that charges the budget each time it is copied: Hash N-Degree Quads
    copies its issuer once per permutation it tries."""

    def __init__(self, prefix: str, budget: _WorkBudget) -> None:
        super().__init__(prefix)
        self.budget = budget

    @classmethod
    def adopt(cls, issuer: Any, budget: _WorkBudget) -> _CountingIssuer:
        clone = cls(issuer.prefix, budget)
        clone.counter = issuer.counter
        clone.existing = dict(issuer.existing)
        clone.order = list(issuer.order)
        return clone

    def __deepcopy__(self, memo: dict[int, object]) -> _CountingIssuer:
        self.budget.spend()
        return _CountingIssuer.adopt(self, self.budget)


class _BoundedURDNA2015(URDNA2015):  # type: ignore[misc]
    def __init__(self, budget: _WorkBudget) -> None:
        super().__init__()
        self.budget = budget

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        self.budget.spend()
        if not isinstance(issuer, _CountingIssuer):
            issuer = _CountingIssuer.adopt(issuer, self.budget)
        return super().hash_n_degree_quads(id_, issuer)


def _refuse_dropped(expanded_property: object) -> None:
    raise MalformedProof(
        f"{str(expanded_property)[:100]!r} is not defined by the credential's JSON-LD contexts"
    )


def _check_absolute_iris(expanded: object) -> None:
    """Refuse relative ``@id`` / ``@type`` IRIs, which canonicalisation would silently drop."""
    stack: list[object] = [expanded]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, dict):
            for name, child in value.items():
                if name == "@value":
                    continue  # a literal, possibly a JSON literal with "@id"-like keys
                if name in ("@id", "@type"):
                    for iri in child if isinstance(child, list) else [child]:
                        keyword = name == "@type" and isinstance(iri, str) and iri[:1] == "@"
                        if not isinstance(iri, str) or not (
                            keyword or iri.startswith("_:") or _ABSOLUTE_IRI.match(iri)
                        ):
                            raise MalformedProof(f"relative IRI {str(iri)[:100]!r} refused")
                else:
                    stack.append(child)


_pyld_lock = threading.Lock()  # PyLD's caches are not thread-safe
_resolved_contexts: dict[str, Any] = {}  # our own, so no other PyLD user can poison it


def _pyld_options() -> dict[str, Any]:
    """PyLD options for every call: offline contexts only, our own context cache."""
    return {
        "documentLoader": _load_context,
        "contextResolver": jsonld.ContextResolver(_resolved_contexts, _load_context),
        # No base IRI: PyLD would resolve relative IRIs against http://example.org/base/,
        # unlike other processors; kept relative, they are refused.
        "base": None,
        "processingMode": "json-ld-1.1",
    }


def _expand(value: dict[str, Any]) -> list[Any]:
    """`value` expanded against its contexts, fully offline; a term they do not define and a
    relative IRI are refused (canonicalisation would silently drop them)."""
    with _pyld_lock:
        processor = jsonld.JsonLdProcessor(on_property_dropped=_refuse_dropped)
        expanded = processor.expand(value, _pyld_options())
    _check_absolute_iris(expanded)
    return expanded  # type: ignore[no-any-return]


def _nquads(expanded: list[Any]) -> str:
    """The N-Quads of an expanded document, canonicalised with URDNA2015 (RDFC-1.0)."""
    with _pyld_lock:
        processor = jsonld.JsonLdProcessor(on_property_dropped=_refuse_dropped)
        dataset = processor.to_rdf(expanded, {**_pyld_options(), "produceGeneralizedRdf": False})
        canonicaliser = _BoundedURDNA2015(_WorkBudget(MAX_CANONICALISATION_WORK))
        nquads = canonicaliser.main(dataset, {"format": "application/n-quads"})
    if not isinstance(nquads, str):
        raise MalformedProof("JSON-LD canonicalisation gave no N-Quads")
    return nquads


def _canonize(value: dict[str, Any]) -> str:
    """N-Quads of `value` canonicalised with URDNA2015 (RDFC-1.0), fully offline."""
    return _nquads(_expand(value))


def _proof_error_in(exc: BaseException) -> ProofError | None:
    """Our own refusal, if PyLD wrapped one (it wraps loader errors in JsonLdError)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ProofError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


_memo: OrderedDict[bytes, bytes] = OrderedDict()
_memo_lock = threading.Lock()


def _recall(memo_key: bytes) -> bytes | None:
    with _memo_lock:
        cached = _memo.get(memo_key)
        if cached is not None:
            _memo.move_to_end(memo_key)
        return cached


def _remember(memo_key: bytes, value: bytes) -> None:
    with _memo_lock:
        _memo[memo_key] = value
        _memo.move_to_end(memo_key)
        while len(_memo) > MEMO_SIZE:
            _memo.popitem(last=False)


def _canonical_hash(value: dict[str, Any]) -> bytes:
    """SHA-256 of the canonical N-Quads of `value`, memoised by its canonical JSON text."""
    return _hash_and_expansion(value)[0]


def _hash_and_expansion(value: dict[str, Any]) -> tuple[bytes, list[Any] | None]:
    """:func:`_canonical_hash`, and the expansion made for it (None when memoised)."""
    text = _canonical_json(value)
    memo_key = hashlib.sha256(text.encode("utf-8")).digest()
    cached = _recall(memo_key)
    if cached is not None:
        return cached, None
    try:
        expanded = _expand(json.loads(text))
        nquads = _nquads(expanded)
    except Exception as exc:  # PyLD raises JsonLdError, but also KeyError, TypeError, ...
        own = _proof_error_in(exc)
        if isinstance(own, MalformedProof):
            raise MalformedProof(str(own)) from exc
        raise MalformedProof("the credential is not valid JSON-LD") from exc
    digest = hashlib.sha256(nquads.encode("utf-8")).digest()
    _remember(memo_key, digest)
    return digest, expanded
