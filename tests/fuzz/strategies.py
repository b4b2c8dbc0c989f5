"""What a scanner, a keyboard, a dropped badge image or a program on the network could send:
Hypothesis strategies for the fuzz tests (tests/fuzz) and bench/fuzz.py (issue 11).

Each strategy mixes the arbitrary (any text, any bytes, any JSON) with what looks like the real
thing (badge links, JWS-shaped ``a.b.c`` tokens, Open Badges JSON, baked images, slips, events
of the sync protocol with one member wrong), so that the fuzzing reaches past the first check.
A few values are placeholders (``OWN_KIOSK``, ``FRESH_CODE``) that the property fills in with
the environment's own (tests/fuzz/targets.py).
"""

from __future__ import annotations

import base64
import functools
import json
import string
import zlib
from typing import Any
from urllib.parse import quote

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from kiosk.domain.manual import MANUAL_REASONS
from kiosk.sync.protocol import EVENT_KINDS, GENESIS
from tests import corpus as c
from tests import factories as f

# The suite's share: a few seconds a target. bench/fuzz.py runs the same with many more.
SUITE = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much, HealthCheck.large_base_example],
)

CORPUS = c.make_corpus()  # signed proofs; KioskDesk puts its issuers in the kiosk's cache
B64URL = string.ascii_letters + string.digits + "-_"
HEX = "0123456789abcdef"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def json_text(value: Any, ascii_only: bool = True) -> str:
    """JSON as a sender might write it: NaN and Infinity too (which are not JSON)."""
    return json.dumps(value, ensure_ascii=ascii_only)


def _sometimes(value: st.SearchStrategy[Any], other: st.SearchStrategy[Any],
               one_in: int = 5) -> st.SearchStrategy[Any]:
    """``value`` mostly, ``other`` about one time in ``one_in``."""
    return st.integers(0, one_in - 1).flatmap(lambda n: other if n == 0 else value)


# --- text and JSON -----------------------------------------------------------------------------

SURROGATES = st.characters(categories=["Cs"])  # lone halves of a UTF-16 pair
NASTY_CHARS = st.sampled_from(["\x00", "\t", "\r\n", "\u200b", "\u202e", "\ufeff", "\u0085",
                               "\u2028", "\U0001f4a9", "é", "\\", '"', "'", "<", "&", "%"])
TEXT = st.text(max_size=300)
NASTY_TEXT = st.lists(st.one_of(st.text(max_size=8), NASTY_CHARS), max_size=12).map("".join)
# Text a Python str can hold but UTF-8 cannot (what "\ud800" in JSON becomes)
UNPAIRED_TEXT = st.lists(st.one_of(st.text(max_size=6), SURROGATES), min_size=1,
                         max_size=6).map("".join)
SHORT_TEXT = st.one_of(st.text(max_size=40), NASTY_TEXT)

BIG_NUMBERS = st.sampled_from([0, 1, -1, 2**31, -(2**31) - 1, 2**53, 2**63, -(2**64), 10**9,
                               10**9 + 1, -(10**9) - 1, 10**30, 1e308, -0.0, 0.1, 1e-320])
JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), BIG_NUMBERS,
    st.floats(allow_nan=False, allow_infinity=False), SHORT_TEXT, UNPAIRED_TEXT,
)
OB_KEYS = st.sampled_from([
    "@context", "id", "type", "issuer", "credentialSubject", "proof", "recipient", "badge",
    "verification", "credentialStatus", "validFrom", "validUntil", "issuanceDate",
    "expires", "identity", "hashed", "salt", "achievement", "name", "@id", "@type", "@graph",
    "@value", "@list", "kid", "alg", "jwk", "vc", "iss", "sub", "jti", "nbf", "exp",
])
EVENT_KEYS = st.sampled_from([
    "protocol", "kiosk_id", "sent_at", "events", "id", "seq", "kind", "payload", "created_at",
    "prev_hash", "hash", "distribution_id", "award_id", "employee_id", "credential", "qty",
    "counted", "expected", "ref", "at", "voided_at", "reason", "receipt", "manual",
])
JSON_KEYS = st.one_of(st.text(max_size=12), OB_KEYS, EVENT_KEYS)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=5),
                            st.dictionaries(JSON_KEYS, inner, max_size=5)),
    max_leaves=25,
)
JSON_OBJECTS = st.dictionaries(JSON_KEYS, JSON_VALUES, max_size=6)
NON_FINITE = st.sampled_from([float("nan"), float("inf"), float("-inf")])
# Values of any JSON type, and the two floats JSON has no words for
ANY_JSON = st.one_of(JSON_VALUES, NON_FINITE)

_JUNK_TOKENS = st.sampled_from(["1e999", "-1e999", "NaN", "Infinity", "\\ud800", "\\u0000",
                                "[" * 40, "]", "}", "{", ",", '"', "\\", "\x00", "\xff", "null",
                                "9" * 400, "tru", "\\x41"])


@st.composite
def mangled_json(draw: Any, values: st.SearchStrategy[Any] = JSON_VALUES) -> str:
    """JSON text with a few bytes spliced in: damaged, or valid with odd numbers and escapes."""
    text = json_text(draw(values))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 3))
        text = text[:at] + draw(_JUNK_TOKENS) + text[at + cut:]
    return text


# --- what a scan can be ------------------------------------------------------------------------

UUID_TEXT = st.one_of(
    st.uuids().map(str),
    st.uuids().map(lambda u: str(u).upper()),
    st.text(alphabet=HEX + "ABCDEF-g", min_size=30, max_size=40),
)
HOSTS = st.sampled_from([
    "api.badgr.io", "badgr.io", "www.credly.com", "api.credly.com", "credly.com",
    "api.youracclaim.com", "example.org", "EXAMPLE.ORG:8443", "localhost:0", "host:99999",
    "host:-1", "[::1]", "[zz]", "a..b", "", "xn--bcher-kva.example", "bücher.example",
    "127.0.0.1", "@", "user:pw@example.org", "example.org:", ":80", "%41.example",
])
URL_PATHS = st.one_of(
    st.text(alphabet=B64URL + "%.~", max_size=70).map(lambda i: f"/public/assertions/{i}"),
    UUID_TEXT.map(lambda u: f"/v1/obi/v2/badge_assertions/{u}"),
    st.tuples(UUID_TEXT, st.sampled_from(["", "/", "/public_url", "/public_url/", ".json"])
              ).map(lambda p: f"/badges/{p[0]}{p[1]}"),
    TEXT.map(lambda t: "/" + t[:80]),
    st.just(""),
)
URL_QUERIES = st.one_of(
    st.just(""),
    st.one_of(st.emails(), SHORT_TEXT).map(lambda e: "?identity__email=" + e),
    st.one_of(st.emails(), SHORT_TEXT).map(lambda e: "?identity__email=" + quote(e)),
    SHORT_TEXT.map(lambda q: "?" + q),
    st.just("?identity__email=a@b.org&identity__email=c@d.org"),
)
URLS = st.builds(
    lambda scheme, host, path, query, frag: f"{scheme}{host}{path}{query}{frag}",
    st.sampled_from(["https://", "http://", "HTTPS://", "Http://", "https:/", "https:",
                     "ftp://", "javascript:", "data:", "urn:", "//", ""]),
    HOSTS, URL_PATHS, URL_QUERIES, st.sampled_from(["", "#", "#x", "#\u00e9"]),
)

# The proofs the kiosk's badge data knows (tests/factories.py) and the signed corpus
ROSTER_PROOFS = [
    f.ALICE_TRAUMA, f.ALICE_BALANCE, f.BOB_TRAUMA, f.BOB_REVOKED, f.CARA_COMMUNICATION,
    f.CARA_CHALLENGES, f.BADGR_URL, f.BADGR_URL + "?identity__email=alice@example.org",
    f.BADGR_URL + "?identity__email=mallory@example.org",
    f"https://www.credly.com/badges/{f.CREDLY_UUID}/public_url",
    f"https://api.credly.com/v1/obi/v2/badge_assertions/{f.CREDLY_UUID}",
]
SIGNED_PROOFS = [
    CORPUS.ob2_jws(),
    CORPUS.ob2_jws(badge="url", creator=None),
    CORPUS.ob3_vc_jwt("rsa", status="revocation-list"),
    CORPUS.ob3_vc_jwt("p256", status="bitstring", status_index=8),
    CORPUS.ob3_vc_jwt("did", subject_id="did:example:alice"),
    CORPUS.slip(),
    CORPUS.slip(f.ALICE_TRAUMA),
    json.dumps(CORPUS.ob3_data_integrity(), separators=(",", ":")),
]
REAL_PROOFS = st.sampled_from(ROSTER_PROOFS + SIGNED_PROOFS)
MUTATION_CHARS = string.ascii_letters + string.digits + "-_.=+/ :{}\"\\,\x00é"


@st.composite
def damaged(draw: Any, texts: st.SearchStrategy[str] = REAL_PROOFS) -> str:
    """A real proof with one to three characters changed, added or taken away."""
    text = draw(texts)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, max(len(text) - 1, 0)))
        kind = draw(st.sampled_from(["change", "insert", "delete", "case", "truncate"]))
        char = draw(st.sampled_from(MUTATION_CHARS))
        if kind == "change":
            text = text[:at] + char + text[at + 1:]
        elif kind == "insert":
            text = text[:at] + char + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + 1:]
        elif kind == "truncate":
            text = text[:at]
        else:
            text = text[:at] + text[at:at + 1].swapcase() + text[at + 1:]
    return text


JWS_HEADERS = st.fixed_dictionaries(
    {"alg": st.one_of(st.sampled_from(["RS256", "ES256", "EdDSA", "HS256", "none", "", "RS1"]),
                      JSON_VALUES)},
    optional={"kid": st.one_of(st.sampled_from([c.OB2_KEY_ID, c.KIDS["rsa"], c.KIDS["p256"],
                                                CORPUS.did_key_id, f"{c.OB3_RSA}#rsa-1"]),
                               JSON_VALUES),
              "typ": st.sampled_from(["JWT", "vc+ld+json+jwt", ""]),
              "crit": JSON_VALUES, "b64": st.booleans(), "jwk": JSON_VALUES},
)
JWS_CLAIMS = st.one_of(
    JSON_OBJECTS,
    st.sampled_from([CORPUS.ob2_assertion(),
                     CORPUS.ob3_jwt_claims(CORPUS.ob3_credential("rsa", status="bitstring"))]),
    st.fixed_dictionaries({}, optional={k: JSON_VALUES for k in
                                        ("iss", "sub", "jti", "nbf", "exp", "vc", "id",
                                         "recipient", "badge", "verify")}),
)
JWS_PART = st.one_of(
    st.binary(max_size=200).map(b64url),
    JSON_VALUES.map(lambda v: b64url(json_text(v).encode())),
    st.text(alphabet=B64URL + "=+/", max_size=80),
    SHORT_TEXT,
)


@st.composite
def jws_shaped(draw: Any) -> str:
    """``header.payload.signature``: a JSON header, then anything in the other parts; or any
    number of base64url-ish parts after ``ey``."""
    if draw(st.booleans()):
        header = b64url(json_text(draw(JWS_HEADERS)).encode())
        claims = b64url(json_text(draw(JWS_CLAIMS)).encode())
        parts = [header, draw(st.one_of(st.just(claims), JWS_PART)),
                 b64url(draw(st.binary(max_size=300)))]
        return ".".join(parts)
    return "ey" + ".".join(draw(st.lists(JWS_PART, min_size=1, max_size=5)))


OB_DOCUMENTS = st.one_of(
    JSON_OBJECTS,
    st.fixed_dictionaries(
        {"@context": st.one_of(st.just(["https://www.w3.org/ns/credentials/v2",
                                        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]),
                               st.just("https://w3id.org/openbadges/v2"), JSON_VALUES),
         "type": st.one_of(st.just(["VerifiableCredential", "OpenBadgeCredential"]),
                           st.just("Assertion"), JSON_VALUES)},
        optional={"id": st.one_of(st.just(c.AWARD_ID), UUID_TEXT, URLS, JSON_VALUES),
                  "issuer": st.one_of(st.sampled_from([c.OB2_ISSUER, c.OB3_RSA, CORPUS.did]),
                                      JSON_VALUES),
                  "credentialSubject": JSON_VALUES, "recipient": JSON_VALUES,
                  "badge": JSON_VALUES, "verification": JSON_VALUES,
                  "proof": st.one_of(st.just(CORPUS.ob3_data_integrity()["proof"]),
                                     JSON_VALUES),
                  "credentialStatus": JSON_VALUES, "validFrom": JSON_VALUES},
    ),
)
SLIP_SHAPED = st.one_of(
    st.text(alphabet=B64URL + ".:", max_size=120).map(lambda t: "PKS1:" + t),
    st.text(max_size=60).map(lambda t: "PKS1:" + t),
    damaged(st.just(CORPUS.slip())),
)
JUNK_AROUND = st.sampled_from(["", " ", "\r\n", "\t", "\x00", "\u200b", "\ufeff", "\x1b[A"])

PAYLOADS = st.one_of(
    TEXT, NASTY_TEXT, URLS, REAL_PROOFS, damaged(), jws_shaped(), SLIP_SHAPED,
    OB_DOCUMENTS.map(json_text), mangled_json(OB_DOCUMENTS),
    st.text(alphabet="a/:.-%", max_size=5000),
    st.tuples(JUNK_AROUND, st.one_of(URLS, REAL_PROOFS, TEXT), JUNK_AROUND).map("".join),
)
"""Text a person could type or a scanner send (no lone surrogates: a form cannot carry them)."""

# What reaches the pure parser: any of those, text UTF-8 cannot write, bytes, other encodings
RAW_PAYLOADS = st.one_of(
    PAYLOADS, UNPAIRED_TEXT, st.binary(max_size=700),
    PAYLOADS.map(lambda t: t.encode("utf-8")),
    PAYLOADS.map(lambda t: t.encode("utf-16")),
)
CARRIERS = st.sampled_from([None, None, None, None, "baked-png", "baked-svg", "", "png", "url"])


# --- badge images ------------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORDS = st.sampled_from(["openbadges", "openbadgecredential", "Comment", "openbadges "])
IMAGE_TEXTS = st.one_of(PAYLOADS, st.sampled_from(SIGNED_PROOFS + ROSTER_PROOFS))


@st.composite
def pngs(draw: Any) -> bytes:
    """A PNG with zero to two text chunks (iTXt, tEXt or zTXt, compressed or not) holding a
    payload, or damaged after that."""
    png = c.plain_png()
    chunks = b""
    for _ in range(draw(st.integers(0, 2))):
        keyword = draw(PNG_KEYWORDS)
        text = draw(IMAGE_TEXTS).encode("utf-8")
        kind = draw(st.sampled_from(["iTXt", "iTXt-z", "tEXt", "zTXt", "raw"]))
        if kind == "iTXt":
            chunks += c.itxt_chunk(keyword, text)
        elif kind == "iTXt-z":
            chunks += c.itxt_chunk(keyword, text, compressed=True)
        elif kind == "tEXt":
            chunks += c.png_chunk(b"tEXt", keyword.encode("latin-1") + b"\0" + text)
        elif kind == "zTXt":
            chunks += c.png_chunk(b"zTXt", keyword.encode("latin-1") + b"\0\0"
                                  + zlib.compress(text))
        else:
            chunks += c.png_chunk(b"iTXt", keyword.encode("latin-1") + b"\0"
                                  + draw(st.binary(max_size=60)))
    data = png[:-12] + chunks + png[-12:]
    how = draw(st.sampled_from(["whole", "whole", "truncated", "flipped", "tail"]))
    if how == "truncated":
        data = data[:draw(st.integers(0, len(data)))]
    elif how == "flipped":
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([data[at] ^ (1 << draw(st.integers(0, 7)))]) + data[at + 1:]
    elif how == "tail":
        data += draw(st.binary(max_size=100))
    return data


@st.composite
def svgs(draw: Any) -> bytes:
    """An SVG with an ``openbadges`` element carrying a payload, or SVG-ish text with the XML
    tricks a hostile file may hold (entities, DOCTYPE, other namespaces)."""
    if draw(st.booleans()):
        body = draw(st.one_of(st.none(), IMAGE_TEXTS))
        if body is not None:
            body = body.replace("]]>", "]] >")
        verify = draw(IMAGE_TEXTS)
        return CORPUS.baked_svg(verify, draw(st.sampled_from(["ob2", "ob3"])), body=body)
    head = draw(st.sampled_from([
        "<svg", "<?xml version='1.0'?><svg", "<!DOCTYPE svg [<!ENTITY a 'aaaa'>]><svg",
        "<!DOCTYPE svg SYSTEM 'file:///etc/passwd'><svg",
        "<svg xmlns:openbadges='http://openbadges.org'><openbadges:assertion verify='",
        "<svg xmlns:ob='https://purl.imsglobal.org/ob/v3p0'><ob:credential>",
        "\ufeff<svg", "<svg xmlns='http://www.w3.org/2000/svg'>&a;",
    ]))
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "latin-1"]))
    return (head + draw(st.one_of(TEXT, IMAGE_TEXTS))).encode(encoding, errors="replace")


IMAGES = st.one_of(pngs(), svgs(), st.binary(max_size=600),
                   st.binary(max_size=300).map(lambda b: PNG_SIGNATURE + b))


# --- files of any kind: photos, PDFs, JSON credentials (the scan page's file drop, the camera)

PICTURE_FORMATS = st.sampled_from(["PNG", "JPEG", "WEBP"])
SIGNATURES = st.sampled_from([b"%PDF-1.7\n", b"\xff\xd8\xff\xe0", b"RIFF\x00\x00\x00\x00WEBP",
                              b"\x00\x00\x00\x18ftypheic", b"GIF89a", b"BM", b"{", b"<svg",
                              PNG_SIGNATURE])


def _damage(draw: Any, data: bytes) -> bytes:
    """The file as it is, or cut short, with a bit flipped, or with bytes after its end."""
    how = draw(st.sampled_from(["whole", "whole", "truncated", "flipped", "tail"]))
    if how == "truncated":
        return data[:draw(st.integers(0, len(data)))]
    if how == "flipped" and data:
        at = draw(st.integers(0, len(data) - 1))
        return data[:at] + bytes([data[at] ^ (1 << draw(st.integers(0, 7)))]) + data[at + 1:]
    if how == "tail":
        return data + draw(st.binary(max_size=100))
    return data


@st.composite
def pictures(draw: Any) -> bytes:
    """A small picture (PNG, JPEG or WebP): a QR code of a payload, noise, or a header that
    claims far more pixels than it holds; whole or damaged."""
    from PIL import Image

    from tests.proof_pictures import encode, png_header_only, qr_image

    kind = draw(st.sampled_from(["qr", "qr", "noise", "claims"]))
    if kind == "claims":
        return png_header_only(draw(st.integers(1, 100_000)), draw(st.integers(1, 5_000)))
    if kind == "qr":
        text = draw(st.one_of(REAL_PROOFS, URLS, SHORT_TEXT.map(lambda t: t or "x")))
        try:
            image = qr_image(text, box=draw(st.integers(2, 4)))
        except Exception:  # qrcode: more data than a QR code holds
            image = Image.new("L", (8, 8))
    else:
        width, height = draw(st.integers(1, 40)), draw(st.integers(1, 40))
        image = Image.frombytes("L", (width, height),
                                draw(st.binary(min_size=width * height,
                                               max_size=width * height)))
    return _damage(draw, encode(image, draw(PICTURE_FORMATS)))


@functools.cache
def _pdfs() -> tuple[bytes, ...]:
    """A few PDFs as certificates come: QR codes on pages, a credential attached (made once)."""
    from tests.proof_pictures import pdf

    signed = SIGNED_PROOFS[-1].encode("utf-8")  # the Data Integrity credential
    return (pdf([[ROSTER_PROOFS[0]]]), pdf([[SIGNED_PROOFS[0], ROSTER_PROOFS[6]], ["x"]]),
            pdf([[]], attachments={"credential.json": signed,
                                   "badge.png": CORPUS.baked_png(SIGNED_PROOFS[0])}))


@st.composite
def pdfs(draw: Any) -> bytes:
    return _damage(draw, draw(st.sampled_from(_pdfs())))


FILES = st.one_of(
    IMAGES, pictures(), pdfs(),
    OB_DOCUMENTS.map(lambda d: json_text(d).encode("utf-8")),
    st.sampled_from(SIGNED_PROOFS + ROSTER_PROOFS).map(lambda t: t.encode("utf-8")),
    st.tuples(SIGNATURES, st.binary(max_size=300)).map(lambda p: p[0] + p[1]),
)
"""What a person can drop on the scan page or choose there: any file."""
CAMERA_FRAMES = st.one_of(pictures(), st.binary(max_size=300),
                          st.tuples(SIGNATURES, st.binary(max_size=300)).map(
                              lambda p: p[0] + p[1]))


# --- the kiosk's forms -------------------------------------------------------------------------

def _field_name(name: str) -> str:
    return name + "_" if name == "csrf_token" else name


EXTRA_FIELDS = st.dictionaries(st.text(min_size=1, max_size=15).map(_field_name),
                               SHORT_TEXT, max_size=3)
HX = st.sampled_from([{}, {"HX-Request": "true"}, {"HX-Request": "true", "HX-Target": "verdict"},
                      {"HX-Request": "true", "HX-History-Restore-Request": "true"}])
SCAN_FORMS = st.tuples(
    st.fixed_dictionaries({}, optional={"payload": PAYLOADS}), EXTRA_FIELDS
).map(lambda p: {**p[1], **p[0]})
# The bytes of a form body after the CSRF token: anything, or a payload in any bytes
RAW_FORM_TAILS = st.one_of(
    st.binary(max_size=400),
    st.binary(max_size=400).map(lambda b: b"payload=" + quote(b).encode("ascii")),
    st.binary(max_size=200).map(lambda b: b"payload=" + b),
    PAYLOADS.map(lambda t: b"payload=" + quote(t.encode("utf-8", "surrogatepass")).encode()),
)
SOME_HAND_OUT = "<a hand-out made at this kiosk>"  # filled in with one, if there is one
HAND_OUT_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "payload": st.one_of(REAL_PROOFS, REAL_PROOFS, PAYLOADS),
    "nonce": _sometimes(st.uuids().map(str), st.one_of(st.just(""), SHORT_TEXT, UUID_TEXT)),
    "carrier": st.one_of(st.sampled_from(["", "baked-png", "baked-svg", "url", "id"]),
                         SHORT_TEXT),
    "manual": st.one_of(st.sampled_from(["", "1", "on", "0", "false"]), SHORT_TEXT),
    "manual_reason": st.one_of(st.sampled_from([code for code, _ in MANUAL_REASONS]),
                               SHORT_TEXT),
    "manual_note": st.one_of(SHORT_TEXT, st.text(min_size=190, max_size=400)),
}
HAND_OUT_FORMS = st.tuples(
    _sometimes(
        st.fixed_dictionaries({k: HAND_OUT_FIELDS[k] for k in ("payload", "nonce")},
                              optional={k: v for k, v in HAND_OUT_FIELDS.items()
                                        if k not in ("payload", "nonce")}),
        st.fixed_dictionaries({}, optional=HAND_OUT_FIELDS)),
    EXTRA_FIELDS,
).map(lambda p: {**p[1], **p[0]})
WAITLIST_FORMS = st.tuples(
    st.fixed_dictionaries({}, optional={
        "payload": st.one_of(REAL_PROOFS, PAYLOADS),
        "carrier": st.one_of(st.sampled_from(["", "baked-png", "baked-svg"]), SHORT_TEXT),
        "manual": st.sampled_from(["", "1"]),
    }),
    EXTRA_FIELDS,
).map(lambda p: {**p[1], **p[0]})
LOOKUP_QUERIES = st.one_of(
    TEXT, NASTY_TEXT, st.sampled_from(["Alice", "alice@example.org", "E1", "e", "%", "_", "*",
                                       "Able Alice", "a" * 100, "\x00", "' OR 1=1 --"]),
    st.text(alphabet="%_*\\'\" ", max_size=20),
)
AWARD_IDS = st.one_of(st.sampled_from([f.ALICE_TRAUMA, f.BOB_REVOKED, f.CARA_COMMUNICATION]),
                      SHORT_TEXT, st.text(min_size=500, max_size=700))


# --- the hub's sync API ------------------------------------------------------------------------

OWN_KIOSK = "<the kiosk's own id>"  # filled in with the id of the kiosk whose token is sent
FRESH_CODE = "<a fresh enrollment code>"  # filled in with a code made just before the call

TIME_TEXTS = st.one_of(
    st.datetimes(timezones=st.one_of(st.none(), st.timezones())).map(lambda d: d.isoformat()),
    st.sampled_from(["0001-01-01T00:00:00+00:00", "0001-01-02T00:00:00+14:00",
                     "9999-12-31T23:59:59.999999-14:00", "9999-12-30T00:00:00Z",
                     "2026-02-30T00:00:00Z", "2026-12-01T14:23:05.123456+00:00", "", "Z",
                     "2026-12-01T14:23:05\x00+00:00", "2026-12-01 14:23:05+24:00"]),
    SHORT_TEXT,
)
TIMES = st.one_of(TIME_TEXTS, JSON_VALUES)
HASHES = st.one_of(st.text(alphabet=HEX, min_size=64, max_size=64), st.just(GENESIS),
                   st.text(alphabet=HEX + "ABCDEF", min_size=63, max_size=65), JSON_VALUES)
KINDS = st.one_of(st.sampled_from(sorted(EVENT_KINDS) + ["kiosk_restored", "note", "x" * 41,
                                                         "pin_handed_out\x00", " "]),
                  SHORT_TEXT, JSON_VALUES)
COUNTS = st.one_of(BIG_NUMBERS, st.integers(-5, 50), st.integers(), JSON_VALUES)
CREDENTIALS = st.one_of(st.sampled_from([row[0] for row in f.CATALOGUE]), SHORT_TEXT,
                        JSON_VALUES)
PAYLOAD_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "distribution_id": st.one_of(UUID_TEXT, JSON_VALUES),
    "award_id": st.one_of(st.sampled_from([f.ALICE_TRAUMA, f.BOB_REVOKED]), SHORT_TEXT,
                          JSON_VALUES),
    "employee_id": st.one_of(st.sampled_from(["E1", "E2", "E3"]), SHORT_TEXT, JSON_VALUES),
    "credential": CREDENTIALS, "building": st.one_of(st.just(f.BUILDING), JSON_VALUES),
    "staff": st.one_of(SHORT_TEXT, JSON_VALUES), "handed_out_at": TIMES, "recorded_at": TIMES,
    "receipt": st.one_of(st.just("PJE-00001"), SHORT_TEXT, JSON_VALUES),
    "source": st.one_of(st.sampled_from(["scan", "manual"]), JSON_VALUES),
    "format": st.one_of(st.sampled_from(["url", "lookup"]), JSON_VALUES),
    "new_award": JSON_VALUES, "manual": JSON_VALUES,
    "manual_reason": st.one_of(SHORT_TEXT, JSON_VALUES),
    "reason": st.one_of(SHORT_TEXT, JSON_VALUES), "voided_at": TIMES, "void_id": UUID_TEXT,
    "qty": COUNTS, "counted": COUNTS, "expected": COUNTS, "note": st.one_of(TEXT, JSON_VALUES),
    "at": TIMES, "ref": st.one_of(SHORT_TEXT, JSON_VALUES),
}
EVENT_PAYLOADS = st.one_of(
    st.fixed_dictionaries({}, optional=PAYLOAD_FIELDS),
    JSON_OBJECTS,
    st.recursive(st.dictionaries(st.just("x"), st.none(), max_size=1),
                 lambda inner: st.dictionaries(st.just("x"), inner, min_size=1, max_size=1),
                 max_leaves=12),  # nested past the 8 levels a payload may have
    # about the 16 KB a payload may have, either side of it
    st.builds(lambda ch, n: {"note": ch * n}, st.sampled_from(["a", "é", "\U0001f4a9"]),
              st.integers(3_900, 16_500)),
)


@st.composite
def events(draw: Any, wild: bool = True) -> dict[str, Any]:
    """An event of the sync protocol. Half of them are right but for their payload, which
    holds anything (so that the hub stores and applies what it reads); the others have any
    member replaced by any JSON value, or left out."""
    event: dict[str, Any] = {
        "id": draw(st.uuids()).__str__(),
        "seq": draw(st.integers(1, 60)),
        "kind": draw(st.sampled_from(sorted(EVENT_KINDS))),
        "payload": draw(EVENT_PAYLOADS),
        "created_at": draw(st.sampled_from(["2026-12-01T14:23:05.123456+00:00",
                                            "2026-12-01T09:23:05-05:00"])),
        "prev_hash": GENESIS,
        "hash": draw(st.text(alphabet=HEX, min_size=64, max_size=64)),
    }
    if draw(st.booleans()):
        return event
    wrong = {
        "id": st.one_of(UUID_TEXT, JSON_VALUES, st.uuids().map(lambda u: f"urn:uuid:{u}"),
                        st.uuids().map(lambda u: "{" + str(u) + "}")),
        "seq": st.one_of(COUNTS, st.sampled_from([0, 2**53, True, 1.0, "1"])),
        "kind": KINDS, "payload": JSON_VALUES, "created_at": TIMES, "prev_hash": HASHES,
        "hash": HASHES,
    }
    for name in draw(st.lists(st.sampled_from(sorted(wrong)), min_size=1, max_size=3)):
        if draw(st.integers(0, 3)) == 0:
            event.pop(name, None)
        else:
            event[name] = draw(wrong[name])
    if wild:
        event.update(draw(st.dictionaries(st.text(max_size=10), JSON_VALUES, max_size=2)))
    return event


# Mostly the enrolled kiosk's own token (so that the body is read); else a revoked kiosk's, a
# made-up one, none, or any header text
# JSON written as UTF-8 mostly; now and then with a lone surrogate as it is (not UTF-8)
ASCII_ONLY = st.sampled_from([True, True, True, False])
AUTHS = _sometimes(st.just("own"), st.one_of(
    st.sampled_from(["other", "none", "revoked", "junk", "basic", "empty", "bearer-only"]),
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=60)),
    one_in=3)
CONTENT_TYPES = _sometimes(st.just("application/json"), st.sampled_from([
    "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin-1",
    "application/jsonx", "application/merge-patch+json", ""]))


@st.composite
def push_bodies(draw: Any) -> bytes:
    """The body of POST /api/v1/events: push-shaped with members wrong, any JSON, or any bytes."""
    kind = draw(st.sampled_from(["push"] * 5 + ["json", "mangled", "bytes"]))
    if kind == "bytes":
        return bytes(draw(st.binary(max_size=600)))
    if kind == "json":
        return json_text(draw(ANY_JSON)).encode("utf-8")
    body: dict[str, Any] = {
        "protocol": draw(_sometimes(st.just(1), ANY_JSON)),
        "kiosk_id": draw(_sometimes(st.just(OWN_KIOSK), st.one_of(JSON_VALUES, UUID_TEXT))),
        "sent_at": draw(_sometimes(st.just("2026-12-01T14:23:05.123456+00:00"), TIMES)),
        "events": draw(_sometimes(st.lists(events(), max_size=4), ANY_JSON)),
    }
    for name in draw(st.lists(st.sampled_from(sorted(body)), max_size=2)):
        body.pop(name, None)
    if kind == "mangled":
        return draw(mangled_json(st.just(body))).encode("utf-8", "surrogatepass")
    return json_text(body, ascii_only=draw(ASCII_ONLY)).encode("utf-8", "surrogatepass")


GOOD_PUBLIC_KEYS = st.binary(min_size=32, max_size=32).map(lambda b: "ed25519:" + b64url(b))
PUBLIC_KEYS = st.one_of(
    GOOD_PUBLIC_KEYS,
    st.binary(max_size=64).map(lambda b: "ed25519:" + b64url(b)),
    st.text(max_size=110).map(lambda t: "ed25519:" + t),
    SHORT_TEXT, JSON_VALUES,
)


@st.composite
def enroll_bodies(draw: Any) -> bytes:
    """The body of POST /api/v1/enroll: enroll-shaped with members wrong (sometimes with a code
    that works), any JSON, or any bytes."""
    kind = draw(st.sampled_from(["enroll", "enroll", "enroll", "json", "mangled", "bytes"]))
    if kind == "bytes":
        return bytes(draw(st.binary(max_size=600)))
    if kind == "json":
        return json_text(draw(ANY_JSON)).encode("utf-8")
    body: dict[str, Any] = {
        "protocol": draw(_sometimes(st.just(1), ANY_JSON)),
        "code": draw(_sometimes(st.just(FRESH_CODE),
                                st.one_of(SHORT_TEXT, st.text(alphabet=string.ascii_uppercase
                                                              + "-", max_size=70), JSON_VALUES))),
        "building": draw(_sometimes(st.just(f.BUILDING),
                                    st.one_of(st.just("Shepherdstown Middle School"),
                                              SHORT_TEXT, JSON_VALUES))),
        "kiosk_name": draw(_sometimes(st.just("Front office"),
                                      st.one_of(SHORT_TEXT, st.text(min_size=110, max_size=300),
                                                JSON_VALUES))),
        "public_key": draw(_sometimes(GOOD_PUBLIC_KEYS, PUBLIC_KEYS)),
    }
    for name in draw(st.lists(st.sampled_from(sorted(body)), max_size=2)):
        body.pop(name, None)
    body.update(draw(st.dictionaries(st.text(max_size=10), JSON_VALUES, max_size=2)))
    if kind == "mangled":
        return draw(mangled_json(st.just(body))).encode("utf-8", "surrogatepass")
    return json_text(body, ascii_only=draw(ASCII_ONLY)).encode("utf-8", "surrogatepass")


CURSOR_VALUES = _sometimes(st.integers(0, 10**4).map(str), st.one_of(
    st.integers(-5, 10**6).map(str), st.integers().map(str), BIG_NUMBERS.map(str),
    st.sampled_from(["", " 1", "1 ", "+1", "0x10", "1_000", "١٢", "1e3", "nan", "-0",
                     str(2**53), str(2**53 - 1), str(2**63), "9" * 5000]),
    SHORT_TEXT,
), one_in=2)
CHANGES_QUERIES = st.one_of(
    st.fixed_dictionaries({}, optional={"after": CURSOR_VALUES, "limit": CURSOR_VALUES}),
    st.dictionaries(st.one_of(st.sampled_from(["after", "limit", "since", "protocol"]),
                              st.text(min_size=1, max_size=10)), CURSOR_VALUES, max_size=3),
    st.binary(max_size=100),  # a raw query string
)

# The credential of a hand-out reported again and again: the catalogue's, or any text a
# database stores (no NUL, no lone surrogate) up to the 300 characters the hub keeps
REPEATED_CREDENTIALS = st.one_of(
    st.sampled_from([row[0] for row in f.CATALOGUE]),
    st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
            max_size=300),
)

# A valid event to go with a fuzzed one in a batch: the kinds a kiosk sends
VALID_KINDS = st.sampled_from(["pin_handed_out", "stock_received", "stock_counted",
                               "waitlist_added", "kiosk_restored"])

