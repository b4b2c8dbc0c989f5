"""Fuzzing: whatever a scanner types, the kiosk gets a verdict, never a crash."""

from __future__ import annotations

from datetime import date, datetime

from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.eligibility import AwardFacts, PriorHandOut, decide
from kiosk.domain.payload import MAX_PAYLOAD_BYTES, MalformedPayload, Proof, parse_payload
from kiosk.domain.reasons import Reason

URLISH = st.builds(
    lambda scheme, host, path, query: f"{scheme}://{host}/{path}{query}",
    st.sampled_from(["http", "https", "HTTPS", "javascript", "ftp"]),
    st.sampled_from(["api.badgr.io", "www.credly.com", "api.credly.com", "example.org",
                     "EXAMPLE.org:8080", "", "[::1]", "a_b.org", "x"]),
    st.text(max_size=80),
    st.sampled_from(["", "?identity__email=a@b.org", "?identity__email=", "#frag", "?%zz"]),
)
PAYLOADS = st.one_of(st.text(max_size=300), st.text(max_size=5000, alphabet="a/:.-"), URLISH)


def _check(payload: str | bytes) -> Proof | None:
    try:
        proof = parse_payload(payload)
    except MalformedPayload as exc:
        assert str(exc)
        return None
    assert isinstance(proof, Proof)
    assert proof.keys and all(isinstance(k, str) and k for k in proof.keys)
    assert all(":" in k and k.split(":", 1)[1] for k in proof.keys)
    assert proof.format in ("url", "id")
    assert len(proof.text.encode("utf-8")) <= MAX_PAYLOAD_BYTES
    assert proof.text == proof.text.strip()
    return proof


@given(PAYLOADS)
def test_any_text_gives_a_proof_or_malformed(payload):
    _check(payload)


@given(st.binary(max_size=600))
def test_any_bytes_give_a_proof_or_malformed(payload):
    _check(payload)


@given(st.text(max_size=200))
def test_text_and_its_utf8_bytes_read_the_same(payload):
    as_text = _check(payload)
    as_bytes = _check(payload.encode("utf-8"))
    assert (as_text is None) == (as_bytes is None)
    if as_text and as_bytes:
        assert as_text.keys == as_bytes.keys


@given(st.text(max_size=200), st.sampled_from(["\r\n", "\t", "\x00", " ", "\u200b", "\n\n"]))
def test_surrounding_junk_never_changes_the_keys(payload, junk):
    bare = _check(payload)
    padded = _check(junk + payload + junk)
    if bare is not None:
        assert padded is not None and padded.keys == bare.keys


AWARDS = st.builds(
    AwardFacts,
    award_id=st.text(min_size=1, max_size=20),
    person_name=st.text(max_size=20),
    person_email=st.emails() | st.just(""),
    employee_id=st.text(max_size=8),
    credential_name=st.text(max_size=20),
    has_pin=st.booleans(),
    pin_name=st.text(max_size=20),
    issued_on=st.none() | st.dates(),
    expires_on=st.none() | st.dates(),
    revoked=st.booleans(),
    revocation_reason=st.text(max_size=20),
)
PRIORS = st.none() | st.builds(
    PriorHandOut,
    distribution_id=st.uuids().map(str),
    receipt=st.text(max_size=12),
    handed_out_at=st.datetimes(),
    building=st.text(max_size=20),
    staff=st.text(max_size=20),
)
PROOFS = st.builds(
    Proof,
    format=st.sampled_from(["url", "id"]),
    text=st.text(min_size=1, max_size=40),
    keys=st.tuples(st.text(min_size=1, max_size=20)),
    recipient_email=st.none() | st.emails() | st.text(max_size=20),
)


@given(PROOFS, st.none() | AWARDS, PRIORS, st.none() | st.integers(-5, 50), st.dates())
def test_decide_always_gives_a_reason(proof, award, prior, on_hand, today):
    reason = decide(proof, award, prior, on_hand, today)
    assert isinstance(reason, Reason)
    assert reason.headline and reason.advice
    if reason is Reason.OK:
        assert award is not None and award.has_pin and not award.revoked
        assert prior is None and on_hand is not None and on_hand > 0


def test_decide_is_deterministic_for_an_example():
    proof = parse_payload("urn:uuid:11111111-1111-4111-8111-111111111111")
    award = AwardFacts("a", "Alice", "a@example.org", "E1", "C", True, "P", date(2023, 1, 1))
    assert decide(proof, award, None, 3, date(2024, 1, 1)) is Reason.OK
    prior = PriorHandOut("d", "PJE-00001", datetime(2024, 1, 1), "PJE", "Dee")
    assert decide(proof, award, prior, 3, date(2024, 1, 1)) is Reason.ALREADY_ISSUED
