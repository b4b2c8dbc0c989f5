"""The sync API (docs/sync-protocol.md, docs/hub-openapi.yaml). JSON in, JSON out; kiosks
authenticate with their token; every answer says the protocol version and the hub's time."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from kiosk.sync.protocol import (
    MAX_BATCH,
    MAX_PAGE,
    PROTOCOL,
    ProtocolError,
    TimeOutOfRange,
    check_protocol,
    parse_time,
    read_json,
    read_public_key,
    storable_text,
    time_text,
)

from ..auth import kiosk_required
from ..errors import NotAllowed
from ..extensions import hub_csrf
from ..models import utcnow
from ..services import changes, district_bundles, enrollment, ingest

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_CURSOR = 2**53 - 1
hub_csrf.exempt(bp)  # kiosks send a token, not a cookie: there is nothing to forge


def answer(body: dict[str, Any], status: int = 200) -> Response:
    response = jsonify({"protocol": PROTOCOL, "hub_time": time_text(utcnow()), **body})
    response.status_code = status
    return response


def _body() -> dict[str, Any]:
    """The request's JSON object. The route's cap (config.py: BODY_CAPS) bounds the bytes read
    (413), read_json the depth (400) and the values (413) before anything is parsed."""
    if not request.is_json:
        raise ProtocolError("malformed", "the request body is not JSON (Content-Type: "
                                         "application/json)")
    return check_protocol(read_json(request.get_data(cache=False)))


def _text(body: dict[str, Any], name: str, limit: int) -> str:
    """A text member; blank is left to the service to refuse (an unknown code, another
    building), so that the answer says what is wrong in the user's terms."""
    value = body.get(name)
    if not isinstance(value, str) or not value or len(value) > limit:
        raise ProtocolError("malformed", f"{name} is missing or too long")
    return _storable(value, name).strip()


def _storable(value: str, name: str) -> str:
    if not storable_text(value):  # PostgreSQL stores no NUL; no database a lone surrogate
        raise ProtocolError("malformed", f"{name} holds a NUL character or text that is not "
                                         "Unicode")
    return value


@bp.get("/health")
def health():  # type: ignore[no-untyped-def]
    return answer({"status": "ok"})


@bp.post("/enroll")
def enroll():  # type: ignore[no-untyped-def]
    body = _body()
    public_key = _text(body, "public_key", 100)
    read_public_key(public_key)
    name = body.get("kiosk_name") or ""
    if not isinstance(name, str):
        raise ProtocolError("malformed", "kiosk_name is not text")
    done = enrollment.enroll(_text(body, "code", 64), _text(body, "building", 200),
                             _storable(name[:120], "kiosk_name"), public_key)
    return answer({"kiosk_id": done.kiosk.id, "token": done.token,
                   "building": done.kiosk.building.name,
                   "hub_key": district_bundles.hub_key_text()}, 201)


@bp.post("/events")
@kiosk_required
def push():  # type: ignore[no-untyped-def]
    body = _body()
    events = body.get("events")
    if not isinstance(events, list):
        raise ProtocolError("malformed", "events is not a list")
    if len(events) > MAX_BATCH:
        raise ProtocolError("too_many_events", f"at most {MAX_BATCH} events a batch")
    if str(body.get("kiosk_id", g.kiosk.id)) != g.kiosk.id:
        raise NotAllowed("The kiosk id does not match the token.", code="wrong_kiosk")
    outcomes = ingest.receive(g.kiosk.id, events, _sent_at(body))
    return answer({"results": [o.as_json() for o in outcomes]})


def _sent_at(body: dict[str, Any]) -> object:
    """The kiosk's clock when it sent the batch: not a time is a 400; a time too far off to
    show (year 1) leaves the clock offset unknown, and the events are taken all the same."""
    sent_at = body.get("sent_at")
    if sent_at is not None:
        try:
            parse_time(sent_at, "sent_at")
        except TimeOutOfRange:
            pass  # ingest sees it cannot read it, and estimates no offset
    return sent_at


@bp.get("/changes")
@kiosk_required
def pull():  # type: ignore[no-untyped-def]
    unknown = set(request.args) - {"after", "limit"}
    if unknown:
        raise ProtocolError("malformed", f"unknown parameters: {', '.join(sorted(unknown))}")
    try:
        after = int(request.args.get("after", "0"))
        limit = int(request.args.get("limit", str(MAX_PAGE)))
    except ValueError:
        raise ProtocolError("malformed", "after and limit are whole numbers") from None
    if not 0 <= after <= MAX_CURSOR or limit < 1:
        raise ProtocolError("malformed", "after is 0 or more, limit 1 or more")
    page = changes.page(g.kiosk, after, limit)
    if not page.more:
        enrollment.seen(g.kiosk.id)  # a kiosk with nothing to push is not silent
    head = json.dumps({"protocol": PROTOCOL, "hub_time": time_text(utcnow()), "next": page.next,
                       "more": page.more, "data_as_of": time_text(page.data_as_of)
                       if page.data_as_of else None,
                       "hub_key": district_bundles.hub_key_text()})
    return Response(head[:-1] + ',"changes":' + page.changes_json() + "}",
                    mimetype="application/json")
