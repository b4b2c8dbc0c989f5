"""Input the hub must refuse, clearly and cheaply, on SQLite and on PostgreSQL: bodies larger
than their route takes (413, checked before a byte is read), JSON nested too deep or not JSON
at all (400), times and numbers out of range; and one bad event in a batch is rejected with its
reason while the rest of the batch is stored. Never a 500, never a blow-up: one test serves the
hub for real and sends it 60 MB bodies while watching its peak memory."""

from __future__ import annotations

import http.client
import io
import json
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import HubEvent
from kiosk.sync.protocol import MAX_BODY_BYTES
from tests.factories import TRAUMA
from tests.hub.conftest import PAGE_JACKSON, District, HubClient, SimKiosk
from tests.hub.helpers import html
from tests.hub.stores import hub_store, postgres_ready, store_hub  # noqa: F401  (fixtures)

# A body with no Content-Length, as waitress hands a chunked one on: it ends where it ends.
CHUNKED = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True}


# --- the hub on both stores ----------------------------------------------------------------


@pytest.fixture
def hub(store_hub: Callable[..., Flask]) -> Flask:  # noqa: F811  (the fixture)
    return store_hub()


@pytest.fixture
def kiosk(hub: Flask, tmp_path: Path) -> SimKiosk:
    district = District(hub, tmp_path)
    district.building(PAGE_JACKSON)
    return district.kiosk(PAGE_JACKSON)


@pytest.fixture
def api(hub: Flask) -> HubClient:
    client = hub.test_client()
    assert isinstance(client, HubClient)
    return client


def _push(api: HubClient, kiosk: SimKiosk, body: bytes | dict[str, Any], **kwargs: Any):  # type: ignore[no-untyped-def]
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return api.post("/api/v1/events", data=data, content_type="application/json", csrf=False,
                    headers={"Authorization": f"Bearer {kiosk.token}"}, **kwargs)


def _enroll(api: HubClient, data: bytes, **kwargs: Any):  # type: ignore[no-untyped-def]
    return api.post("/api/v1/enroll", data=data, content_type="application/json", csrf=False,
                    **kwargs)


def _stored(hub: Flask) -> set[str]:
    with hub.app_context():
        ids = set(hub_db.session.scalars(select(HubEvent.id)))
        hub_db.session.remove()
    return ids


def _refusal(response, status: int, code: str) -> str:  # type: ignore[no-untyped-def]
    """The refusal's message, once its shape is the protocol's: status, code, words."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["protocol"] == 1 and body["hub_time"]
    assert body["error"] == code, body
    assert body["message"] and "Traceback" not in body["message"]
    return str(body["message"])


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


# --- times out of range ----------------------------------------------------------------------


@pytest.mark.parametrize("sent_at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
                                     "0001-01-01T00:00:00Z"])
def test_a_sent_at_out_of_range_still_takes_the_events(api, kiosk, hub, sent_at):
    # sent_at only tells the kiosk's clock offset: one no time zone can show tells nothing
    event = kiosk.received(TRAUMA, 2)
    response = _push(api, kiosk, {"protocol": 1, "sent_at": sent_at, "events": [event]})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["results"] == [{"id": event["id"], "status": "accepted"}]
    assert _stored(hub) == {event["id"]}


def test_a_sent_at_that_is_not_a_time_is_refused(api, kiosk):
    response = _push(api, kiosk, {"protocol": 1, "sent_at": "yesterday", "events": []})
    assert "sent_at" in _refusal(response, 400, "malformed")


def test_one_event_out_of_range_is_rejected_and_the_rest_of_the_batch_is_stored(api, kiosk,
                                                                                  hub):
    bad = kiosk.received(TRAUMA, 5)
    bad["created_at"] = "0001-01-01T00:00:00+14:00"
    good = kiosk.received(TRAUMA, 2)
    response = _push(api, kiosk, {"protocol": 1, "events": [bad, good]})
    assert response.status_code == 200, response.get_data(as_text=True)
    results = response.get_json()["results"]
    assert results[0]["id"] == bad["id"] and results[0]["status"] == "rejected"
    assert "created_at" in results[0]["reason"]
    assert results[1] == {"id": good["id"], "status": "accepted"}
    assert _stored(hub) == {good["id"]}


# --- every field of an event -----------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def _set(name: str, value: object) -> Mutation:
    def mutate(event: dict[str, Any]) -> None:
        event[name] = value
    return mutate


def _payload(name: str, value: object) -> Mutation:
    def mutate(event: dict[str, Any]) -> None:
        event["payload"][name] = value
    return mutate


def _nested_payload(depth: int) -> Mutation:
    def mutate(event: dict[str, Any]) -> None:
        value: Any = "deep"
        for _ in range(depth):
            value = {"in": value}
        event["payload"]["note"] = value
    return mutate


BAD_EVENTS: dict[str, tuple[str, Mutation]] = {
    "created_at year 1 in +14:00": ("stock_received",
                                    _set("created_at", "0001-01-01T00:00:00+14:00")),
    "created_at year 9999 in -14:00": ("stock_received",
                                       _set("created_at", "9999-12-31T23:59:59-14:00")),
    "created_at in year 1": ("stock_received", _set("created_at", "0001-01-01T00:00:00+00:00")),
    "created_at with a NUL": ("stock_received",
                              _set("created_at", "2026-12-01T14:23:05\x00+00:00")),
    "created_at a number": ("stock_received", _set("created_at", 1764598985)),
    "seq beyond 2**63": ("stock_received", _set("seq", 2**64 + 1)),
    "seq 2**63": ("stock_received", _set("seq", 2**63)),
    "seq zero": ("stock_received", _set("seq", 0)),
    "seq a fraction": ("stock_received", _set("seq", 1.5)),
    "seq text": ("stock_received", _set("seq", "1")),
    "id a number": ("stock_received", _set("id", 12345678123456781234567812345678)),
    "id a megabyte": ("stock_received", _set("id", "a" * 1_000_000)),
    "id with a NUL": ("stock_received", _set("id", str(uuid.uuid4()) + "\x00")),
    "kind a megabyte": ("stock_received", _set("kind", "k" * 1_000_000)),
    "kind with a NUL": ("stock_received", _set("kind", "stock\x00received")),
    "payload a list": ("stock_received", _set("payload", [1, 2])),
    "payload text": ("stock_received", _set("payload", "qty=5")),
    "payload null": ("stock_received", _set("payload", None)),
    "payload nested 20 deep": ("stock_received", _nested_payload(20)),
    "payload over 16 KB": ("stock_received", _payload("note", "n" * 17_000)),
    "payload with a NUL": ("stock_received", _payload("note", "box\x00label")),
    "payload key with a NUL": ("stock_received", _payload("no\x00te", "x")),
    "payload with a lone surrogate": ("stock_received", _payload("note", "\ud800")),
    "qty beyond 2**31": ("stock_received", _payload("qty", 2**31)),
    "qty beyond 2**63": ("stock_received", _payload("qty", 2**63 + 5)),
    "counted beyond 2**31": ("stock_counted", _payload("counted", 2**40)),
    "adjustment beyond -2**31": ("stock_adjusted", _payload("qty", -(2**40))),
    "adjustment beyond 2**63": ("stock_adjusted", _payload("qty", 2**63 + 5)),
    "prev_hash with a NUL": ("stock_received", _set("prev_hash", "0" * 63 + "\x00")),
    "hash a megabyte": ("stock_received", _set("hash", "a" * 1_000_000)),
}


def _event(kiosk: SimKiosk, kind: str) -> dict[str, Any]:
    if kind == "stock_counted":
        return kiosk.counted(TRAUMA, 4, 5)
    if kind == "stock_adjusted":
        return kiosk.adjusted(TRAUMA, -2, "damaged")
    return kiosk.received(TRAUMA, 5, note="box 1")


@pytest.mark.parametrize("case", list(BAD_EVENTS))
def test_one_bad_event_never_holds_up_the_batch(api, kiosk, hub, case):
    kind, mutate = BAD_EVENTS[case]
    bad = _event(kiosk, kind)
    mutate(bad)
    good = kiosk.received(TRAUMA, 2)
    response = _push(api, kiosk, {"protocol": 1, "events": [bad, good]})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    bad_result, good_result = response.get_json()["results"]
    assert bad_result["status"] == "rejected" and bad_result["reason"], bad_result
    assert len(bad_result["id"]) <= 36
    assert good_result == {"id": good["id"], "status": "accepted"}
    assert _stored(hub) == {good["id"]}


def test_a_number_too_large_for_a_float_rejects_its_event_only(api, kiosk, hub):
    bad, good = kiosk.received(TRAUMA, 5, note="NUMBER"), kiosk.received(TRAUMA, 2)
    body = json.dumps({"protocol": 1, "events": [bad, good]}).replace('"NUMBER"', "1e400")
    response = _push(api, kiosk, body.encode())
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert [r["status"] for r in response.get_json()["results"]] == ["rejected", "accepted"]
    assert _stored(hub) == {good["id"]}


def test_an_adjustment_that_takes_pins_away_is_taken(api, kiosk, hub):
    """An adjustment's qty is signed: -2 damaged is a count the protocol takes."""
    taken = kiosk.adjusted(TRAUMA, -2, "damaged", "dropped")
    response = _push(api, kiosk, {"protocol": 1, "events": [taken]})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert [r["status"] for r in response.get_json()["results"]] == ["accepted"]
    assert _stored(hub) == {taken["id"]}


# --- bodies that are not JSON the protocol takes ----------------------------------------------


@pytest.mark.parametrize("depth", [1_000, 100, 33])
def test_json_nested_too_deep_is_a_400_on_enroll_without_a_token(api, depth):
    body = b'{"protocol": 1, "code": "C", "building": "B", "x": ' + _nested(depth) + b"}"
    assert "nested" in _refusal(_enroll(api, body), 400, "malformed")


def test_json_nested_50000_deep_on_enroll_is_too_large_to_read(api):
    # 100 KB of brackets: more than an enrollment takes, refused before it is read
    body = b'{"protocol": 1, "x": ' + _nested(50_000) + b"}"
    _refusal(_enroll(api, body), 413, "too_large")


@pytest.mark.parametrize("depth", [50_000, 100])
def test_json_nested_too_deep_is_a_400_on_push(api, kiosk, hub, depth):
    good = kiosk.received(TRAUMA, 2)
    body = json.dumps({"protocol": 1, "events": [good], "x": "DEEP"}).encode()
    response = _push(api, kiosk, body.replace(b'"DEEP"', _nested(depth)))
    assert "nested" in _refusal(response, 400, "malformed")
    assert _stored(hub) == set()


def test_json_as_deep_as_a_push_needs_is_taken(api, kiosk, hub):
    good = kiosk.received(TRAUMA, 2)
    good["payload"]["note"] = "n"
    body = json.dumps({"protocol": 1, "events": [good], "extra": "DEEP"}).encode()
    response = _push(api, kiosk, body.replace(b'"DEEP"', _nested(28)))
    assert response.status_code == 200
    assert _stored(hub) == {good["id"]}


@pytest.mark.parametrize("note", ['[{"' * 3000, '"' * 3000, "\\" * 3000 + '"]}'],
                         ids=["brackets", "quotes", "backslashes"])
def test_brackets_and_quotes_inside_text_are_text(api, kiosk, hub, note):
    # 500 events of 3,000 quotes each: the depth and values are then counted token by token
    events = [kiosk.received(TRAUMA, 1, note=note) for _ in range(500)]
    response = _push(api, kiosk, {"protocol": 1, "events": events})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert {r["status"] for r in response.get_json()["results"]} == {"accepted"}
    assert len(_stored(hub)) == 500


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_json_with_nan_is_refused_as_malformed(api, kiosk, hub, constant):
    bad = kiosk.received(TRAUMA, 5, note="CONSTANT")
    body = json.dumps({"protocol": 1, "events": [bad]}).encode()
    response = _push(api, kiosk, body.replace(b'"CONSTANT"', constant))
    _refusal(response, 400, "malformed")
    assert _stored(hub) == set()


@pytest.mark.parametrize("body", [b"", b"{", b"\xff\xfe{}", b'{"protocol": 1}' * 2, b"[]",
                                  b'"just text"', b"\x00" * 100])
def test_a_body_that_is_not_a_json_object_is_a_400(api, body):
    _refusal(_enroll(api, body), 400, "malformed")


@pytest.mark.parametrize("field", ["code", "building", "kiosk_name"])
@pytest.mark.parametrize("bad", ["\x00", "\ud800"], ids=["nul", "lone-surrogate"])
def test_enroll_text_a_database_cannot_store_is_a_400_and_the_code_still_works(api, hub,
                                                                             tmp_path, field,
                                                                             bad):
    from kiosk.sync.hub.services import enrollment

    district = District(hub, tmp_path)
    building = district.building(PAGE_JACKSON)
    code = district.call(lambda: enrollment.new_code(building, None).code)
    body = {"protocol": 1, "code": code, "building": PAGE_JACKSON,
            "kiosk_name": "Front office", "public_key": "ed25519:" + "A" * 43}
    response = _enroll(api, json.dumps({**body, field: f"{body[field][:4]}{bad}x"}).encode())
    assert field in _refusal(response, 400, "malformed")
    assert _enroll(api, json.dumps(body).encode()).status_code == 201


# --- bodies larger than their route takes ------------------------------------------------------


def test_an_enrollment_larger_than_a_few_kilobytes_is_a_413(api):
    body = json.dumps({"protocol": 1, "code": "C", "building": "B",
                       "kiosk_name": "k" * 9000}).encode()
    message = _refusal(_enroll(api, body), 413, "too_large")
    assert "8 KB" in message


def test_a_lying_content_length_is_refused_before_the_body_is_read(api):
    # The header says 60 MB; a few bytes follow. The cap is checked from the header alone.
    response = _enroll(api, b"", input_stream=io.BytesIO(b'{"protocol": 1}'),
                       environ_overrides={"CONTENT_LENGTH": "60000000"})
    assert "8 KB" in _refusal(response, 413, "too_large")


def test_a_chunked_body_is_cut_off_at_the_cap(api):
    # No Content-Length: the read stops at the route's cap.
    stream = io.BytesIO(b'{"protocol": 1, "x": "' + b"x" * 100_000 + b'"}')
    response = _enroll(api, b"", input_stream=stream,
                       environ_overrides=CHUNKED)
    _refusal(response, 413, "too_large")
    assert stream.tell() < 20_000


def test_a_push_larger_than_max_body_bytes_is_a_413_and_stores_nothing(api, kiosk, hub):
    events = [kiosk.received(TRAUMA, 1, note="n" * 16_500) for _ in range(500)]
    body = json.dumps({"protocol": 1, "events": events}).encode()
    assert len(body) > MAX_BODY_BYTES
    assert "8 MB" in _refusal(_push(api, kiosk, body), 413, "too_large")
    assert _stored(hub) == set()


def test_a_push_of_millions_of_tiny_values_is_a_413(api, kiosk, hub):
    good = kiosk.received(TRAUMA, 2)
    head = json.dumps({"protocol": 1, "events": [good]}).encode()[:-1]
    body = head + b', "x": [' + b"{}," * 2_000_000 + b"{}]}"
    assert len(body) < MAX_BODY_BYTES
    assert "values" in _refusal(_push(api, kiosk, body), 413, "too_large")
    assert _stored(hub) == set()


def test_a_push_of_a_million_short_strings_is_a_413(api, kiosk, hub):
    good = kiosk.received(TRAUMA, 2)
    head = json.dumps({"protocol": 1, "events": [good]}).encode()[:-1]
    body = head + b', "x": [' + b'"ab",' * 1_000_000 + b'"ab"]}'
    assert len(body) < MAX_BODY_BYTES
    assert "values" in _refusal(_push(api, kiosk, body), 413, "too_large")
    assert _stored(hub) == set()


def test_the_largest_push_a_kiosk_makes_is_taken(api, kiosk, hub):
    events = [kiosk.received(TRAUMA, 1, note="n" * 15_000) for _ in range(500)]
    body = json.dumps({"protocol": 1, "events": events}).encode()
    assert len(body) < MAX_BODY_BYTES
    response = _push(api, kiosk, body)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert {r["status"] for r in response.get_json()["results"]} == {"accepted"}
    assert len(_stored(hub)) == 500


@pytest.mark.parametrize(("path", "cap"), [("/login", "4 KB"), ("/buildings", "64 KB")])
def test_a_page_form_larger_than_the_page_takes_is_a_413_page(hub, path, cap):
    browser = hub.test_client()
    assert isinstance(browser, HubClient)
    if path != "/login":
        browser.login("admin")
    response = browser.post(path, data={"name": "x" * 100_000, "pin": "1"})
    assert response.status_code == 413
    assert "<h1" in html(response) and "Traceback" not in html(response)
    assert cap in html(response)


def test_a_bundle_larger_than_the_bundle_cap_is_a_413(hub):
    browser = hub.test_client()
    assert isinstance(browser, HubClient)
    browser.login("admin")
    response = browser.post("/bundles", csrf=False, input_stream=io.BytesIO(b"--x--\r\n"),
                            environ_overrides={"CONTENT_LENGTH": "70000000"},
                            content_type="multipart/form-data; boundary=x")
    assert response.status_code == 413
    assert "64 MB" in html(response)


# --- the hub served for real: 60 MB bodies and its peak memory -------------------------------

SERVE = """
import json, resource, sys, uuid
from cryptography.hazmat.primitives.asymmetric import ed25519
import waitress
from kiosk.sync.hub import create_hub_app
from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.services import enrollment
from kiosk.sync.protocol import public_key_text

# a safety net: a hub that parses what it should refuse fails here, not the machine
resource.setrlimit(resource.RLIMIT_AS, (3 * 1024**3, 3 * 1024**3))
app = create_hub_app({"TESTING": True, "INSTANCE_PATH": sys.argv[1], "SECRET_KEY": "t",
                      "PIN_HASH_METHOD": "pbkdf2:sha256:1000"})
with app.app_context():
    hub_db.create_all()
    building = enrollment.add_building("B")
    code = enrollment.new_code(building.id, None).code
    key = public_key_text(ed25519.Ed25519PrivateKey.generate().public_key())
    token = enrollment.enroll(code, "B", "k", key).token
    hub_db.session.remove()
server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
print(json.dumps({"port": server.effective_port, "token": token}), flush=True)
server.run()
"""


class Served:
    def __init__(self, folder: Path) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", SERVE, str(folder)],
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        ready = json.loads(self.process.stdout.readline())
        self.port, self.token = int(ready["port"]), str(ready["token"])

    def peak_mb(self) -> float:
        """The server process's peak resident memory (VmHWM), in MB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024

    def post(self, path: str, body: bytes | Iterator[bytes], token: bool = False,
             chunked: bool = False) -> tuple[int, dict[str, Any]]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            conn.request("POST", path, body=body, headers=headers, encode_chunked=chunked)
            response = conn.getresponse()
            return response.status, json.loads(response.read())
        finally:
            conn.close()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    if not Path("/proc/self/status").exists():
        pytest.skip("reads the server's peak memory from /proc (Linux)")
    server = Served(tmp_path / "served-hub")
    yield server
    server.stop()


NESTED_60MB = b'{"protocol": 1, "x": [' + b"{}," * 20_000_000 + b"{}]}"


def _chunks(data: bytes, size: int = 1024 * 1024) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


@pytest.mark.slow
def test_60_mb_bodies_get_a_413_without_the_hub_growing(served):
    served.post("/api/v1/enroll", b'{"protocol": 1}')  # warm up: code paths, pools, buffers
    served.post("/api/v1/events", b'{"protocol": 1, "events": []}', token=True)
    before = served.peak_mb()
    answers: list[tuple[int, dict[str, Any]]] = []

    def send() -> None:
        answers.append(served.post("/api/v1/enroll", NESTED_60MB))

    four = [threading.Thread(target=send) for _ in range(4)]  # unauthenticated, at once
    for thread in four:
        thread.start()
    for thread in four:
        thread.join()
    answers.append(served.post("/api/v1/events", NESTED_60MB, token=True))
    answers.append(served.post("/api/v1/enroll", _chunks(NESTED_60MB), chunked=True))
    assert [(status, body["error"]) for status, body in answers] == [(413, "too_large")] * 6
    grown = served.peak_mb() - before
    assert grown < 50, f"the hub's peak memory grew by {grown:.0f} MB"


# --- read_json: both ways of measuring, the same answers ---------------------------------------


QUOTES = b'\\"' * 40  # inside a string: 40 quote characters, no more values


@pytest.mark.parametrize("way", ["token-by-token", "strings-cut-out"])
def test_read_json_measures_depth_and_values_either_way(way):
    from kiosk.sync.protocol import ProtocolError, read_json

    # More quote characters than values allowed: the JSON is read token by token; fewer: its
    # strings are cut out first. Either way, the same answers.
    limit = 10 if way == "token-by-token" else 1000
    text = b'{"note": "[[[[{{{{' + QUOTES + b'", "x": ["]]]]"]}'
    assert read_json(text, max_depth=2, max_values=limit) == {
        "note": "[[[[{{{{" + '"' * 40, "x": ["]]]]"]}
    with pytest.raises(ProtocolError) as refused:
        read_json(b'[[[["' + QUOTES + b'"]]]]', max_depth=3, max_values=limit)
    assert refused.value.code == "malformed" and "nested deeper than 3" in str(refused.value)
    too_many = b'["' + QUOTES + b'", ' + b"{}, " * limit + b"{}]"
    with pytest.raises(ProtocolError) as refused:
        read_json(too_many, max_values=limit)
    assert refused.value.code == "too_large"


def test_a_field_that_is_not_text_is_not_stored_as_its_repr(api, kiosk, hub):
    """A staff name sent as an object or a list is no name: the hand-out keeps "" there, not
    "{'a': 1}" (what str() of it would store and every page would show)."""
    from kiosk.sync.hub.models import HubHandOut

    event = kiosk.hand_out("urn:uuid:odd-1", "E1", TRAUMA, staff={"a": 1})  # type: ignore[arg-type]
    event = kiosk.event("pin_handed_out", {**event["payload"], "receipt": ["R", 1]})
    response = _push(api, kiosk, {"protocol": 1, "events": [event]})
    assert response.get_json()["results"][0]["status"] == "accepted"
    with hub.app_context():
        stored = hub_db.session.scalar(select(HubHandOut))
        assert (stored.staff, stored.receipt) == ("", "")
        hub_db.session.remove()
