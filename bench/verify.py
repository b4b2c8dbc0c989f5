"""Benchmark signed-proof verification (issue 3): the kiosk's verify against bare `cryptography`.

For each signed format, the kiosk's verify is ``kiosk.domain.proofs.read_proof`` (the pure
function every scan runs: parse, find the issuer and key in the cached facts, check the
signature, the claims, the recipient's shape and the revocation lists). Its baseline is the
bare ``cryptography`` signature check of the same tokens with the same key, done on bytes that
were decoded beforehand: the floor no verifier can go below.

Every proof in a round is distinct (its own award id), so nothing is served from a memo, and
the two sides run in alternating rounds so that a noisy machine slows both alike. The rate of
each side is its median over the rounds. Target: the kiosk reaches at least half the bare rate.

The Data Integrity format (``ob3-data-integrity``) is also measured "again": the same
credential checked a second time, as happens when the pin is handed out right after the scan;
the canonical hashes are memoised then, the signature is always checked anew.

Prints one JSON object; exit status 1 when a target is missed.

    .venv/bin/python bench/verify.py
    .venv/bin/python bench/verify.py --proofs 50 --rounds 3      # a smoke run
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, padding  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature  # noqa: E402

from kiosk.domain import jsonld_offline  # noqa: E402
from kiosk.domain.jws import decode_compact  # noqa: E402
from kiosk.domain.keys import b58decode  # noqa: E402
from kiosk.domain.proofs import read_proof  # noqa: E402
from tests import corpus as c  # noqa: E402

TARGET_RATIO = 0.5


def _bare_jws(token: str, key: Any) -> Callable[[], None]:
    jws = decode_compact(token)
    data, sig = jws.signing_input, jws.signature
    if jws.alg == "RS256":
        return lambda: key.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
    if jws.alg == "ES256":
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"),
                                   int.from_bytes(sig[32:], "big"))
        return lambda: key.verify(der, data, ec.ECDSA(hashes.SHA256()))
    return lambda: key.verify(sig, data)


def _bare_data_integrity(doc: dict[str, Any], key: Any) -> Callable[[], None]:
    """The Ed25519 check of the proof's hash data, hashes computed beforehand."""
    proof = dict(doc["proof"])
    signature = b58decode(proof.pop("proofValue")[1:])
    unsigned = {k: v for k, v in doc.items() if k != "proof"}
    config = {"@context": doc["@context"], **proof}
    data = (hashlib.sha256(jsonld_offline._canonize(config).encode()).digest()  # noqa: SLF001
            + hashlib.sha256(jsonld_offline._canonize(unsigned).encode()).digest())  # noqa: SLF001
    return lambda: key.verify(signature, data)


def _bare_slip(token: str, key: Any) -> Callable[[], None]:
    import base64

    body = base64.b32decode(token[5:] + "=" * (-len(token[5:]) % 8))
    message, signature = b"PKS1" + body[:-64], body[-64:]
    return lambda: key.verify(signature, message)


def build_cases(corpus: c.Corpus, n: int) -> dict[str, dict[str, Any]]:
    """Per format: n distinct payloads, and for each the kiosk call and the bare call."""
    cases: dict[str, dict[str, Any]] = {}
    ids = [f"urn:uuid:{uuid.UUID(int=i + 1)}" for i in range(n)]

    def add(name: str, payloads: list[Any], bare: Callable[[Any], Callable[[], None]],
            kind: str, key_type: str) -> None:
        cases[name] = {"payloads": payloads, "bare": [bare(p) for p in payloads],
                       "format": kind, "key": key_type}

    add("ob2-jws RS256", [corpus.ob2_jws(award_id=i) for i in ids],
        lambda t: _bare_jws(t, corpus.ob2_key.public_key()), "ob2-jws", "RSA 2048")
    for issuer, label, key_type in (("rsa", "RS256", "RSA 2048"), ("p256", "ES256", "P-256"),
                                    ("did", "EdDSA", "Ed25519")):
        key = corpus.signing_key(issuer).public_key()
        add(f"ob3-vc-jwt {label}",
            [corpus.ob3_vc_jwt(issuer, award_id=i, status="bitstring") for i in ids],
            lambda t, key=key: _bare_jws(t, key), "ob3-vc-jwt", key_type)
    did_key = corpus.did_private.public_key()
    di_ids = ids[: max(5, n // 20)]  # canonicalisation is slow: fewer proofs, same method
    add("ob3-data-integrity eddsa-rdfc-2022",
        # each with its own proof time, as real credentials have: nothing shared is memoised
        [json.dumps(corpus.ob3_data_integrity(award_id=i, created=f"2024-01-15T10:{n // 60:02}:"
                                              f"{n % 60:02}Z"))
         for n, i in enumerate(di_ids)],
        lambda d: _bare_data_integrity(json.loads(d), did_key), "ob3-data-integrity", "Ed25519")
    add("district-slip Ed25519", [corpus.slip(i) for i in ids],
        lambda t: _bare_slip(t, corpus.district_key.public_key()), "district-slip", "Ed25519")
    return cases


def _rate(calls: list[Callable[[], Any]]) -> float:
    start = time.perf_counter()
    for call in calls:
        call()
    return len(calls) / (time.perf_counter() - start)


def measure(cases: dict[str, dict[str, Any]], facts: Any, rounds: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, case in cases.items():
        payloads = case["payloads"]
        for payload in payloads:  # every one must verify, or the rate means nothing
            proof = read_proof(payload, facts, c.NOW)
            assert proof.format == case["format"] and proof.signed is not None, name
        kiosk_rates, bare_rates = [], []
        for _ in range(rounds):
            with jsonld_offline._memo_lock:  # noqa: SLF001  every round starts cold
                jsonld_offline._memo.clear()  # noqa: SLF001
            kiosk_rates.append(_rate([
                (lambda p=p: read_proof(p, facts, c.NOW)) for p in payloads]))
            bare_rates.append(_rate(case["bare"]))
        kiosk, bare = statistics.median(kiosk_rates), statistics.median(bare_rates)
        results[name] = {
            "key": case["key"],
            "proofs_per_round": len(payloads),
            "kiosk_per_s": round(kiosk, 1),
            "bare_cryptography_per_s": round(bare, 1),
            "ratio": round(kiosk / bare, 3),
            "target_ratio": TARGET_RATIO,
            "met": kiosk / bare >= TARGET_RATIO,
        }
        if case["format"] == "ob3-data-integrity":
            again = [_rate([(lambda p=p: read_proof(p, facts, c.NOW)) for p in payloads])
                     for _ in range(rounds)]
            results[name]["checked_again_per_s"] = round(statistics.median(again), 1)
            results[name]["checked_again_ratio"] = round(statistics.median(again) / bare, 3)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--proofs", type=int, default=400, help="distinct proofs per format")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    load_before = os.getloadavg()
    corpus = c.make_corpus()
    facts = corpus.facts()
    started = time.time()
    results = measure(build_cases(corpus, args.proofs), facts, args.rounds)
    report = {
        "bench": "verify",
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "load_before": load_before,
                    "load_after": os.getloadavg()},
        "rounds": args.rounds,
        "seconds": round(time.time() - started, 1),
        "formats": results,
        "all_met": all(r["met"] for r in results.values()),
    }
    print(json.dumps(report, indent=2))
    return 0 if report["all_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
