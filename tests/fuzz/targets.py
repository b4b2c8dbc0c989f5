"""The fuzz targets (issue 11): each one a strategy of what could be sent and a property that
must hold whatever it is. The tests in this folder run them a little; bench/fuzz.py runs the
same targets a great deal.

- the proof parser (``kiosk.domain.proofs.read_proof`` and ``read_image``, the pure functions
  every scan, typed id and dropped badge image goes through): a Proof, or a ProofError with a
  reason code and words; never any other exception;
- the kiosk's pages a designee uses at the desk (POST /scan, /scan/image with any file,
  /scan/camera, /hand-out, /waitlist, a void, GET /lookup and /lookup/award): an answer a
  person can read, never a 500;
- the hub's sync API (POST /api/v1/enroll, /api/v1/events, GET /api/v1/changes) with the
  enrolled kiosk's token, another building's, a revoked kiosk's, made-up ones and none: a
  JSON answer with the protocol's error codes, never a 500; in a batch of one fuzzed event
  and one valid event, the valid one is taken; the same pin reported for one person again and
  again is taken;
- afterwards, the admin's pages (``pages_after``) show whatever the examples left.

The environments (``KioskDesk``, ``HubApi``) are built once and used for every example: state
left by one example (a pin handed out, a kiosk enrolled, an event stored) is part of what the
next one meets.
"""

from __future__ import annotations

import io
import json
import shutil
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import event
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder, TestResponse
from werkzeug.wrappers import Request

from kiosk.domain.payload import MAX_PAYLOAD_BYTES as MAX_SCAN_BYTES
from kiosk.domain.payload import Proof
from kiosk.domain.proof_errors import ProofError
from kiosk.domain.proofs import FORMAT_NAMES, read_image, read_proof
from kiosk.domain.reasons import Reason
from tests import corpus as c
from tests import factories as f
from tests.fuzz import strategies as s

FACTS = s.CORPUS.facts()
NOW = c.NOW
# What the examples got as answers, when someone counts (bench/fuzz.py sets a Counter)
TALLY: Counter[str] | None = None


def note(label: str) -> None:
    """How far an example got: a Hypothesis event (--hypothesis-show-statistics), counted."""
    event(label)
    if TALLY is not None:
        TALLY[label] += 1


# --- the proof parser --------------------------------------------------------------------------


def _proof_or_refusal(read: Callable[..., Proof], *args: Any, **kwargs: Any) -> None:
    try:
        proof = read(*args, **kwargs)
    except ProofError as exc:
        note(f"refused {exc.reason.value}")
        assert isinstance(exc.reason, Reason) and exc.reason is not Reason.OK, exc
        assert str(exc).strip(), "a refusal says why"
        return
    note(f"read {proof.format}")
    assert isinstance(proof, Proof), proof
    assert proof.format in FORMAT_NAMES, proof
    assert proof.keys and all(isinstance(key, str) and ":" in key for key in proof.keys), proof
    assert isinstance(proof.text, str) and proof.text, proof


def check_read_proof(case: tuple[str | bytes, str | None]) -> None:
    raw, carrier = case
    _proof_or_refusal(read_proof, raw, FACTS, NOW, carrier=carrier)


def check_read_image(data: bytes) -> None:
    _proof_or_refusal(read_image, data, FACTS, NOW)


# --- the kiosk at the desk ---------------------------------------------------------------------


class KioskDesk:
    """A seeded kiosk (tests/factories.py) with the signed corpus's issuers and keys in its
    cache, and a designee logged in (a browser that sends the CSRF token)."""

    def __init__(self, folder: Path) -> None:
        from kiosk.extensions import db
        from tests.conftest import KioskClient, make_app
        from tests.trust import load_trust

        self.folder = folder
        # no idle logout in a long run; the printer queue is filled but never printed
        self.app: Flask = make_app(folder, IDLE_MINUTES=60 * 24 * 365)
        with self.app.app_context():
            db.create_all()
            f.seed_district(folder)
            load_trust(s.CORPUS)
            db.session.remove()
        self.app.test_client_class = KioskClient
        client = self.app.test_client()
        assert isinstance(client, KioskClient)
        client.login("designee")
        self.client = client
        self.token = client.csrf_token()

    def some_hand_out(self) -> str | None:
        """The id of the latest hand-out here (voided or not), if there is one."""
        from sqlalchemy import select

        from kiosk.extensions import db
        from kiosk.models import Distribution

        with self.app.app_context():
            found = db.session.scalar(select(Distribution.id)
                                      .order_by(Distribution.handed_out_at.desc()).limit(1))
            db.session.remove()
        return found

    def pages_after(self) -> dict[str, int]:
        """What the admin's pages answer once the fuzzing has left its records (hand-outs
        with any notes, voids with any reasons, the waitlist): every one a 200."""
        from tests.conftest import KioskClient

        admin = self.app.test_client()
        assert isinstance(admin, KioskClient)
        admin.login("admin")
        return {path: admin.get(path).status_code for path in KIOSK_PAGES}

    def close(self) -> None:
        from kiosk.extensions import db

        with self.app.app_context():
            db.engine.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)


KIOSK_PAGES = ("/scan", "/log", "/log.csv", "/stock", "/sync", "/users", "/settings")


def _readable(response: TestResponse, allowed: set[int]) -> str:
    """The kiosk answered with a page or fragment a person can read, and was still logged in."""
    status = response.status_code
    text = response.get_data(as_text=True)
    note(f"answered {status}")
    assert status < 500, (status, text[-2000:])
    assert status in allowed, (status, text[-2000:])
    assert response.mimetype == "text/html", response.mimetype
    assert "Traceback" not in text
    return text


def _long_json(payload: str | None) -> bool:
    """A JSON credential pasted whole into the scan field, longer than a scan can be: the kiosk
    answers 400 "That is a credential file" (use the file drop instead)."""
    text = (payload or "").strip()
    return text.startswith("{") and len(text.encode("utf-8", "surrogatepass")) > MAX_SCAN_BYTES


def _verdict_or_file_refusal(response: TestResponse, payload: str | None) -> None:
    text = _readable(response, {200, 400} if _long_json(payload) else {200})
    if response.status_code == 200:
        assert 'data-reason="' in text, text[-2000:]


def check_scan(desk: KioskDesk, case: tuple[dict[str, str], dict[str, str]]) -> None:
    form, headers = case
    response = desk.client.post("/scan", data=form, headers=headers)
    _verdict_or_file_refusal(response, form.get("payload"))


def check_scan_raw(desk: KioskDesk, case: tuple[bytes, dict[str, str]]) -> None:
    """A form body of any bytes after the CSRF token (a program that sent what it liked).
    A body that is not UTF-8 is no form to Werkzeug (it reads it as empty), so its CSRF token
    is missing: 400, "Please try again", which is fair (a browser percent-encodes every byte)."""
    tail, headers = case
    body = b"csrf_token=" + desk.token.encode() + b"&" + tail
    content_type = "application/x-www-form-urlencoded"
    response = desk.client.post("/scan", data=body, headers=headers, csrf=False,
                                content_type=content_type)
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        _readable(response, {400})
        return
    sent = Request(EnvironBuilder(method="POST", data=body, content_type=content_type)
                   .get_environ())  # the form as the kiosk read it
    _verdict_or_file_refusal(response, sent.form.get("payload"))


def check_scan_image(desk: KioskDesk, case: tuple[bytes, str, dict[str, str]]) -> None:
    """Any file dropped on the scan page: a verdict (200), or refused as too large to read
    (400: more pixels or pages than the kiosk decodes)."""
    data, filename, headers = case
    response = desk.client.post("/scan/image", data={"image": (io.BytesIO(data), filename)},
                                headers=headers, content_type="multipart/form-data")
    text = _readable(response, {200, 400})
    if response.status_code == 200:
        assert 'data-reason="' in text, text[-2000:]


def check_camera(desk: KioskDesk, data: bytes) -> None:
    """A camera frame of any bytes: the QR codes in it (JSON), or a message why it could not
    be read (400)."""
    response = desk.client.post("/scan/camera", data=data, content_type="image/jpeg",
                                headers={"X-CSRFToken": desk.token}, csrf=False)
    if response.status_code == 200 and response.mimetype == "application/json":
        note("answered 200")
        codes = response.get_json()["codes"]
        assert isinstance(codes, list) and all(isinstance(code, str) for code in codes), codes
        return
    _readable(response, {400})


def check_lookup(desk: KioskDesk, case: tuple[str | bytes, dict[str, str]]) -> None:
    query, headers = case
    if isinstance(query, bytes):  # a raw query string, as a server hands it on (latin-1)
        response = desk.client.get("/lookup", query_string="q=" + query.decode("latin-1"),
                                   headers=headers)
    else:
        response = desk.client.get("/lookup", query_string={"q": query}, headers=headers)
    if response.status_code == 204:
        return
    _readable(response, {200})


def check_lookup_award(desk: KioskDesk, case: tuple[str, dict[str, str]]) -> None:
    award, headers = case
    response = desk.client.get("/lookup/award", query_string={"award": award}, headers=headers)
    text = _readable(response, {200})
    assert 'data-reason="' in text, text[-2000:]


def check_hand_out(desk: KioskDesk, case: tuple[dict[str, str], dict[str, str]]) -> None:
    """Any form to /hand-out: handed out (200), refused with the verdict (409), or a message
    (400, 403), never a 500."""
    form, headers = case
    response = desk.client.post("/hand-out", data=form, headers=headers)
    _readable(response, {200, 400, 403, 409})


def check_waitlist(desk: KioskDesk, case: tuple[dict[str, str], dict[str, str]]) -> None:
    form, headers = case
    response = desk.client.post("/waitlist", data=form, headers=headers)
    _readable(response, {200, 400, 403, 409})


def check_void(desk: KioskDesk, case: tuple[str, str, dict[str, str]]) -> None:
    distribution_id, reason, headers = case
    if distribution_id == s.SOME_HAND_OUT:
        distribution_id = desk.some_hand_out() or distribution_id
    response = desk.client.post(f"/hand-outs/{quote(distribution_id, safe='')}/void",
                                data={"reason": reason}, headers=headers)
    _readable(response, {200, 308, 400, 403, 404, 405})


# --- the hub's sync API ------------------------------------------------------------------------


class HubApi:
    """A hub with the seed district's badge data, an enrolled kiosk at Page Jackson and a
    revoked one at Shepherdstown; ``sim`` makes the enrolled kiosk's valid, chained events."""

    def __init__(self, folder: Path, database_url: str | None = None) -> None:
        from kiosk.sync.hub.services import enrollment
        from tests.hub.conftest import SHEPHERDSTOWN, District, make_hub

        self.folder = folder
        self.app: Flask = make_hub(folder, **({"DATABASE_URL": database_url}
                                              if database_url else {}))
        district = District(self.app, folder)
        district.badge_data()
        self.building_id = district.building(f.BUILDING)
        district.building(SHEPHERDSTOWN)
        self.sim = district.kiosk(f.BUILDING)
        other = district.kiosk(SHEPHERDSTOWN)  # pulls what the fuzzed kiosk handed out
        revoked = district.kiosk(SHEPHERDSTOWN, name="Old PC")
        district.call(enrollment.revoke, revoked.id, None)
        self.district = district
        self.tokens = {"own": f"Bearer {self.sim.token}", "other": f"Bearer {other.token}",
                       "revoked": f"Bearer {revoked.token}",
                       "junk": "Bearer not-a-token", "basic": "Basic dXNlcjpwYXNz",
                       "empty": "Bearer ", "bearer-only": "Bearer"}
        self.client = FlaskClient(self.app)
        self._admin: FlaskClient | None = None

    def headers(self, auth: str) -> dict[str, str]:
        if auth == "none":
            return {}
        return {"Authorization": self.tokens.get(auth, auth)}

    def fresh_code(self) -> str:
        from kiosk.sync.hub.services import enrollment

        return str(self.district.call(lambda: enrollment.new_code(self.building_id, None).code))

    def stored(self, event_id: str) -> bool:
        from kiosk.sync.hub.extensions import hub_db
        from kiosk.sync.hub.models import HubEvent

        return bool(self.district.call(lambda: hub_db.session.get(HubEvent, event_id)))

    def admin(self) -> FlaskClient:
        """A browser logged in as the district admin (made once)."""
        from tests.hub.conftest import HubClient

        if self._admin is None:
            self.app.test_client_class = HubClient
            client = self.app.test_client()
            assert isinstance(client, HubClient)
            client.login("admin")
            self._admin = client
        return self._admin

    def pages_after(self) -> dict[str, int]:
        """What the district admin's pages answer once the fuzzing has left its records
        (kiosks enrolled with any names, events and exceptions of any text): every one a
        200."""
        return {path: self.admin().get(path).status_code for path in HUB_PAGES}

    def close(self) -> None:
        from kiosk.sync.hub.extensions import hub_db

        with self.app.app_context():
            hub_db.engine.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)


HUB_PAGES = ("/", "/exceptions", "/buildings", "/stock", "/bundles", "/badge-data", "/manual",
             "/export/dashboard.csv", "/export/exceptions.csv", "/export/dashboard.pdf",
             "/export/exceptions.pdf")


def _answer(response: TestResponse, allowed: set[int]) -> dict[str, Any]:
    """A JSON answer of the protocol: the version and the hub's time; an error has a code and
    words."""
    status = response.status_code
    text = response.get_data(as_text=True)
    assert status < 500, (status, text[-2000:])
    assert status in allowed, (status, text[-2000:])
    assert response.mimetype == "application/json", (status, response.mimetype)
    body = json.loads(text)
    note(f"answered {status} {body.get('error', '')}".strip())
    assert isinstance(body, dict) and body.get("protocol") == 1 and body.get("hub_time"), body
    if status >= 400:
        assert isinstance(body.get("error"), str) and body["error"], body
        assert isinstance(body.get("message"), str), body
    return body


def _fill(body: bytes, placeholder: str, value: str) -> bytes:
    return body.replace(json.dumps(placeholder).encode(), json.dumps(value).encode())


def check_enroll(hub: HubApi, case: tuple[bytes, str]) -> None:
    body, content_type = case
    if json.dumps(s.FRESH_CODE).encode() in body:
        body = _fill(body, s.FRESH_CODE, hub.fresh_code())
    response = hub.client.post("/api/v1/enroll", data=body, content_type=content_type or None)
    answer = _answer(response, {201, 400, 403, 413})
    if response.status_code == 201:
        assert answer["kiosk_id"] and answer["token"] and answer["building"] == f.BUILDING


def check_push(hub: HubApi, case: tuple[str, str, bytes]) -> None:
    auth, content_type, body = case
    body = _fill(body, s.OWN_KIOSK, hub.sim.id)
    response = hub.client.post("/api/v1/events", data=body, headers=hub.headers(auth),
                               content_type=content_type or None)
    if auth not in ("own", "other"):
        _answer(response, {401})
        return
    answer = _answer(response, {200, 400, 403, 413})
    if response.status_code == 200:
        sent = json.loads(body)["events"]
        results = answer["results"]
        assert len(results) == len(sent), (results, sent)
        for result in results:
            note(f"event {result['status']}")
            assert result["status"] in ("accepted", "duplicate", "rejected"), result
            assert isinstance(result["id"], str), result
            assert (result["status"] == "rejected") == bool(result.get("reason")), result


def check_changes(hub: HubApi, case: tuple[str, dict[str, str] | bytes]) -> None:
    auth, query = case
    query_string = query.decode("latin-1") if isinstance(query, bytes) else query
    response = hub.client.get("/api/v1/changes", query_string=query_string,
                              headers=hub.headers(auth))
    if auth not in ("own", "other"):
        _answer(response, {401})
        return
    answer = _answer(response, {200, 400})
    if response.status_code == 200:
        assert isinstance(answer["changes"], list) and isinstance(answer["more"], bool)
        assert isinstance(answer["next"], int)


def valid_event(hub: HubApi, kind: str) -> dict[str, Any]:
    """A new event of the enrolled kiosk, as its outbox writes it (next in its chain)."""
    sim = hub.sim
    if kind == "pin_handed_out":  # a person of the roster now and then, else someone new
        if sim.seq % 10 == 0:  # (the same pin to one person again and again is its own target)
            return sim.hand_out(f.ALICE_TRAUMA, "E1", f.TRAUMA)
        return sim.hand_out(f"urn:uuid:{uuid.uuid4()}", f"FZ-{sim.seq}", f.TRAUMA)
    if kind == "stock_received":
        return sim.received(f.BALANCE, 3, note="fuzz")
    if kind == "stock_counted":
        return sim.counted(f.BALANCE, 7, 8)
    if kind == "waitlist_added":
        return sim.waitlisted("E3", f.CHALLENGES, f.CARA_CHALLENGES)
    return sim.event(kind, {"restored_at": "2026-12-01T14:23:05.123456+00:00", "note": "fuzz"})


def check_push_pair(hub: HubApi, case: tuple[dict[str, Any], str, bool]) -> None:
    """A batch of one fuzzed event and one valid one: the batch is answered 200 and the valid
    event is accepted and stored, whatever the other one holds."""
    fuzzed, kind, valid_first = case
    good = valid_event(hub, kind)
    batch = [good, fuzzed] if valid_first else [fuzzed, good]
    body = {"protocol": 1, "kiosk_id": hub.sim.id, "sent_at": "2026-12-01T14:23:05.123456Z",
            "events": batch}
    response = hub.client.post("/api/v1/events", data=json.dumps(body),
                               headers=hub.headers("own"), content_type="application/json")
    answer = _answer(response, {200})
    results = answer["results"]
    assert len(results) == 2, results
    mine = results[0 if valid_first else 1]
    other = results[1 if valid_first else 0]
    note(f"fuzzed event {other['status']} {other.get('reason', '')[:40]}".strip())
    assert mine == {"id": good["id"], "status": "accepted"}, (mine, results)
    assert hub.stored(good["id"])


def check_repeated_hand_outs(hub: HubApi, case: tuple[int, str]) -> None:
    """The same pin handed to the same person again and again (a kiosk gone wrong, or one
    person at many buildings): each push is taken, each repeat opens a duplicate exception,
    and the district's exceptions page (which sweeps) still shows."""
    times, credential = case
    employee = f"FZ-{uuid.uuid4().hex[:12]}"
    for _ in range(times):
        event = hub.sim.hand_out(f"urn:uuid:{uuid.uuid4()}", employee, credential)
        body = {"protocol": 1, "kiosk_id": hub.sim.id, "events": [event]}
        response = hub.client.post("/api/v1/events", data=json.dumps(body),
                                   headers=hub.headers("own"), content_type="application/json")
        answer = _answer(response, {200})
        assert answer["results"] == [{"id": event["id"], "status": "accepted"}], answer
    page = hub.admin().get("/exceptions")
    assert page.status_code == 200, page.get_data(as_text=True)[-2000:]


# --- what each target is sent ------------------------------------------------------------------

PARSER_CASES = st.tuples(s.RAW_PAYLOADS, s.CARRIERS)
SCAN_CASES = st.tuples(s.SCAN_FORMS, s.HX)
SCAN_RAW_CASES = st.tuples(s.RAW_FORM_TAILS, s.HX)
SCAN_IMAGE_CASES = st.tuples(s.FILES, st.one_of(st.sampled_from(["badge.png", "badge.svg",
                                                                  "", "x.exe"]), s.SHORT_TEXT),
                             s.HX)
LOOKUP_CASES = st.tuples(st.one_of(s.LOOKUP_QUERIES, st.binary(max_size=80)), s.HX)
LOOKUP_AWARD_CASES = st.tuples(s.AWARD_IDS, s.HX)
HAND_OUT_CASES = st.tuples(s.HAND_OUT_FORMS, s.HX)
WAITLIST_CASES = st.tuples(s.WAITLIST_FORMS, s.HX)
VOID_CASES = st.tuples(st.one_of(st.just(s.SOME_HAND_OUT), s.UUID_TEXT, s.SHORT_TEXT),
                       s.SHORT_TEXT, s.HX)
ENROLL_CASES = st.tuples(s.enroll_bodies(), s.CONTENT_TYPES)
PUSH_CASES = st.tuples(s.AUTHS, s.CONTENT_TYPES, s.push_bodies())
CHANGES_CASES = st.tuples(s.AUTHS, s.CHANGES_QUERIES)
PAIR_CASES = st.tuples(s.events(), s.VALID_KINDS, st.booleans())
REPEAT_CASES = st.tuples(st.integers(1, 12), s.REPEATED_CREDENTIALS)


@dataclass(frozen=True)
class Target:
    name: str
    env: str  # "pure", "kiosk" or "hub": what the property is given first
    cases: st.SearchStrategy[Any]
    check: Callable[..., None]
    share: float  # of bench/fuzz.py's examples


TARGETS = [
    Target("parser.read_proof", "pure", PARSER_CASES, check_read_proof, 0.28),
    Target("parser.read_image", "pure", s.IMAGES, check_read_image, 0.10),
    Target("kiosk.scan", "kiosk", SCAN_CASES, check_scan, 0.10),
    Target("kiosk.scan_raw", "kiosk", SCAN_RAW_CASES, check_scan_raw, 0.03),
    Target("kiosk.scan_image", "kiosk", SCAN_IMAGE_CASES, check_scan_image, 0.04),
    Target("kiosk.camera", "kiosk", s.CAMERA_FRAMES, check_camera, 0.02),
    Target("kiosk.lookup", "kiosk", LOOKUP_CASES, check_lookup, 0.05),
    Target("kiosk.lookup_award", "kiosk", LOOKUP_AWARD_CASES, check_lookup_award, 0.02),
    Target("kiosk.hand_out", "kiosk", HAND_OUT_CASES, check_hand_out, 0.06),
    Target("kiosk.waitlist", "kiosk", WAITLIST_CASES, check_waitlist, 0.02),
    Target("kiosk.void", "kiosk", VOID_CASES, check_void, 0.02),
    Target("hub.enroll", "hub", ENROLL_CASES, check_enroll, 0.05),
    Target("hub.push", "hub", PUSH_CASES, check_push, 0.10),
    Target("hub.push_pair", "hub", PAIR_CASES, check_push_pair, 0.055),
    Target("hub.repeated_hand_outs", "hub", REPEAT_CASES, check_repeated_hand_outs, 0.005),
    Target("hub.changes", "hub", CHANGES_CASES, check_changes, 0.05),
]
assert abs(sum(t.share for t in TARGETS) - 1.0) < 1e-9

