"""Whatever is scanned, typed or dropped in as a badge image, the proof parser answers with a
Proof or refuses with a reason code and words (a ProofError); no other exception escapes.

Complements tests/unit/test_read_proof_fuzz.py (which aims at signatures and damaged signed
proofs): here every input shape at once, bytes and text UTF-8 cannot write, through the same
strategies as the kiosk's pages and bench/fuzz.py."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given

from tests.fuzz.strategies import IMAGES, SUITE
from tests.fuzz.targets import PARSER_CASES, check_read_image, check_read_proof


@SUITE
@given(PARSER_CASES)
# a lone surrogate (kiosk verify given bytes that are not UTF-8: Python's argv holds them so)
# was a UnicodeEncodeError out of payload.clean
@example(("\udcff", None))
@example(("https://api.badgr.io/public/assertions/\udcff", None))
@example(("{\"id\": \"\udcff\"}", "baked-png"))
def test_the_parser_reads_or_refuses_anything(case: tuple[Any, Any]) -> None:
    check_read_proof(case)


@SUITE
@given(IMAGES)
def test_the_image_reader_reads_or_refuses_anything(data: bytes) -> None:
    check_read_image(data)
