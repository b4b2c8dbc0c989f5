"""`kiosk verify` with signed payloads and `--image`: the JSON names the format and how the
proof was checked; the exit code is 0 for ok, 1 for any other verdict, 2 for a usage error."""

from __future__ import annotations

import json

import pytest

from tests import corpus as c
from tests import factories as f


def _json(result):  # type: ignore[no-untyped-def]
    return json.loads(result.output)


def test_verify_json_of_a_vc_jwt(runner, corpus):
    token = corpus.ob3_vc_jwt("rsa", "alice@example.org", award_id=f.ALICE_BALANCE)
    result = runner.invoke(args=["verify", "--json", token])
    assert result.exit_code == 0, result.output
    data = _json(result)
    assert (data["reason"], data["format"]) == ("ok", "ob3-vc-jwt")
    assert data["checked"]["issuer"] == f"{c.OB3_ISSUER_NAMES['rsa']} ({c.OB3_RSA})"
    assert data["checked"]["key"] == f"{c.OB3_RSA}#rsa-1"  # the cached key it named


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_verify_image(runner, corpus, tmp_path, kind):
    token = corpus.ob2_jws("alice@example.org", award_id=f.ALICE_TRAUMA)
    image = corpus.baked_png(token) if kind == "png" else corpus.baked_svg(token)
    path = tmp_path / f"badge.{kind}"
    path.write_bytes(image)
    result = runner.invoke(args=["verify", "--json", "--image", str(path)])
    assert result.exit_code == 0, result.output
    data = _json(result)
    assert data["format"] == f"baked-{kind}"
    assert data["checked"]["inside"] == "an Open Badges 2.0 signed assertion"


def test_verify_image_in_words_says_how_it_was_checked(runner, corpus, tmp_path):
    path = tmp_path / "badge.png"
    path.write_bytes(corpus.baked_png(corpus.ob2_jws("bob@example.org",
                                                     award_id=f.ALICE_TRAUMA)))
    result = runner.invoke(args=["verify", "--image", str(path)])
    assert result.exit_code == 1
    assert result.output.startswith("recipient_mismatch:")
    assert f"key: {c.OB2_KEY_ID}" in result.output


def test_verify_a_forged_token_exits_1_with_bad_signature(runner, corpus):
    token = corpus.ob2_jws("alice@example.org", award_id=f.ALICE_TRAUMA,
                           signing_key=corpus.attacker_rsa)
    result = runner.invoke(args=["verify", "--json", token])
    assert result.exit_code == 1
    assert _json(result)["reason"] == "bad_signature"


def test_verify_a_file_that_is_no_image_is_malformed(runner, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    result = runner.invoke(args=["verify", "--json", "--image", str(path)])
    assert result.exit_code == 1
    assert _json(result)["reason"] == "malformed"


def test_verify_needs_a_payload_or_an_image_not_both(runner, tmp_path):
    path = tmp_path / "badge.png"
    path.write_bytes(b"x")
    assert runner.invoke(args=["verify", "--image", str(path), "abc"]).exit_code == 2
    assert runner.invoke(args=["verify"]).exit_code == 2
