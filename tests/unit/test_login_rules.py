"""The lockout's rule of tries (a try is counted before its PIN is checked) and the keyed hash
under which the wrong PINs for a name nobody has are counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kiosk.domain.staff import claim_try, name_digest

NOW = datetime(2026, 12, 12, 9, 0, tzinfo=UTC)


def test_each_try_counts_as_wrong_until_it_proves_right_and_the_fifth_locks_at_once():
    failed, locked_until = 0, None
    for n in range(1, 5):
        claim = claim_try(failed, locked_until, NOW, attempts=5, minutes=5)
        assert claim is not None and (claim.failed, claim.locked_until) == (n, None)
        failed, locked_until = claim.failed, claim.locked_until
    fifth = claim_try(failed, locked_until, NOW, attempts=5, minutes=5)
    assert fifth is not None and fifth.locked_until == NOW + timedelta(minutes=5)
    assert fifth.failed == 0


def test_no_try_while_locked_and_a_fresh_count_after():
    until = NOW + timedelta(minutes=5)
    assert claim_try(0, until, NOW, attempts=5, minutes=5) is None
    assert claim_try(0, until, until - timedelta(seconds=1), attempts=5, minutes=5) is None
    after = claim_try(0, until, until, attempts=5, minutes=5)
    assert after is not None and (after.failed, after.locked_until) == (1, None)


def test_a_count_above_a_lowered_limit_locks_rather_than_blocks_for_ever():
    claim = claim_try(7, None, NOW, attempts=3, minutes=5)
    assert claim is not None and claim.locked_until == NOW + timedelta(minutes=5)


def test_the_name_digest_needs_the_key():
    digest = name_digest(b"key one", "zed zanzibar")
    assert len(digest) == 64 and "zed" not in digest
    assert digest == name_digest(b"key one", "zed zanzibar")
    assert digest != name_digest(b"key two", "zed zanzibar")
    assert digest != name_digest(b"key one", "zed zanzibaz")
