"""JSON-LD for Data Integrity proofs, offline and bounded: the vendored contexts, expansion,
RDF Dataset Canonicalization (URDNA2015 / RDFC-1.0) and compaction, with PyLD underneath.
:mod:`kiosk.domain.data_integrity` checks the proof with what this module computes.

Offline means offline: JSON-LD contexts are resolved only from the documents vendored in
``kiosk/domain/jsonld_contexts`` (exact-URL allowlist, see its README). Any other context URL, and
any inline context object, is refused before PyLD runs.

Like Digital Bazaar's verifiers ("safe mode"), a credential is refused when JSON-LD would silently
drop part of it (a term its contexts do not define, a relative IRI): what is dropped is not
signed, so a reader of the JSON could be shown data that nobody vouched for.

RDF canonicalisation can take exponential time on crafted graphs of look-alike blank nodes
("poison graphs"); PyLD has no limit, so a work budget here refuses such credentials quickly.

Canonicalisation costs a few milliseconds, so its hashes are memoised per process (keyed by the
SHA-256 of the canonical JSON text), and so is the credential compacted. A new credential is
expanded once: the expansion made for its hash is also the one :func:`compacted` compacts.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from importlib import resources
from typing import Any, Final

from pyld import jsonld  # type: ignore[import-untyped]
from pyld.canon import URDNA2015  # type: ignore[import-untyped]
from pyld.identifier_issuer import IdentifierIssuer  # type: ignore[import-untyped]

from kiosk.domain.proof_errors import MalformedProof, ProofError

# Units of canonicalisation work (Hash N-Degree Quads calls + permutations tried). Real
# credentials need none or a handful; a 7-node poison graph of 1 KB needs ~10^5 (6 s).
MAX_CANONICALISATION_WORK: Final = 2000
MEMO_SIZE: Final = 512  # hashes of ~256 credentials (document + proof config each)

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

_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]*$")


def canonical_json(value: object) -> str:
    """One JSON text per value (sorted keys, no spaces): the memo's key, the size cap's text."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def compacted(unsecured: dict[str, Any], context: object,
              expanded: list[Any] | None = None) -> dict[str, Any]:
    """`unsecured` compacted with `context`, memoised; from `expanded` when it is at hand."""
    memo_key = b"signed:" + hashlib.sha256(canonical_json(unsecured).encode("utf-8")).digest()
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
            result = processor.compact(expanded, {"@context": context}, options)
    except Exception as exc:  # PyLD raises JsonLdError, but also KeyError, TypeError, ...
        own = _proof_error_in(exc)
        raise MalformedProof(str(own) if own else "the credential is not valid JSON-LD") \
            from exc
    if not isinstance(result, dict):
        raise MalformedProof("the credential is not valid JSON-LD")
    _remember(memo_key, json.dumps(result).encode("utf-8"))
    return result


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


def canonical_hash(value: dict[str, Any]) -> bytes:
    """SHA-256 of the canonical N-Quads of `value`, memoised by its canonical JSON text."""
    return hash_and_expansion(value)[0]


def hash_and_expansion(value: dict[str, Any]) -> tuple[bytes, list[Any] | None]:
    """:func:`canonical_hash`, and the expansion made for it (None when memoised)."""
    text = canonical_json(value)
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
