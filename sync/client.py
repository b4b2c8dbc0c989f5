"""The sync client: the only code in the kiosk that makes HTTP calls (docs/sync-protocol.md).

Two errors tell the caller what to do:

- :class:`HubUnreachable`: no answer, a broken connection, a server error, or an answer that
  is not the protocol's: nothing is known to have happened; try again later (the protocol is
  idempotent, so a retry of something the hub did take changes nothing);
- :class:`HubRefused`: the hub answered 4xx: it will not take this as it is (a revoked kiosk,
  an unknown protocol). Retrying the same thing will not help; a person must look.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import orjson

from .protocol import PROTOCOL

USER_AGENT = "pin-kiosk-sync/1"


class HubUnreachable(OSError):
    """The hub could not be reached, or did not answer properly."""


class HubRefused(Exception):
    """The hub answered with a 4xx: ``status``, its ``code`` and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{message} (HTTP {status}, {code})")
        self.status, self.code, self.message = status, code, message


def check_url(url: str) -> str:
    url = (url or "").strip().rstrip("/")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("The hub's address starts with https:// (or http:// on a test "
                         "network), such as https://pins.district.example")
    return url


class HubClient:
    def __init__(self, base_url: str, token: str | None = None, timeout: float = 15.0) -> None:
        self.base = check_url(base_url)
        self.token, self.timeout = token, timeout

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/api/v1/health")

    def enroll(self, code: str, building: str, kiosk_name: str,
               public_key: str) -> dict[str, Any]:
        return self._call("POST", "/api/v1/enroll", {
            "code": code, "building": building, "kiosk_name": kiosk_name,
            "public_key": public_key})

    def push(self, kiosk_id: str, events: list[dict[str, Any]], sent_at: str) -> dict[str, Any]:
        return self._call("POST", "/api/v1/events", {
            "kiosk_id": kiosk_id, "sent_at": sent_at, "events": events})

    def changes(self, after: int, limit: int) -> dict[str, Any]:
        query = urllib.parse.urlencode({"after": after, "limit": limit})
        return self._call("GET", f"/api/v1/changes?{query}")

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = None
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if body is not None:
            data = json.dumps({"protocol": PROTOCOL, **body}, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base + path, data=data, headers=headers,
                                         method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            try:
                answer = _json(exc.read())
            except (OSError, http.client.HTTPException):
                answer = {}  # the body was cut short; the status says enough
            if 400 <= exc.code < 500:
                raise HubRefused(exc.code, str(answer.get("error") or "refused"),
                                 str(answer.get("message") or exc.reason)) from None
            raise HubUnreachable(f"the hub answered HTTP {exc.code}") from None
        except (TimeoutError, urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise HubUnreachable(f"cannot reach the hub ({reason})") from None
        except http.client.HTTPException as exc:  # the line dropped half way through the answer
            raise HubUnreachable(f"the hub's answer was cut short ({type(exc).__name__})") from None
        answer = _json(raw)
        if answer.get("protocol") != PROTOCOL:
            raise HubUnreachable("the hub's answer is not protocol 1")
        return answer


def _json(raw: bytes) -> dict[str, Any]:
    """An answer's JSON object ({} when it is not one). orjson: a page of a first pull is
    2 MB of JSON, 40 of them for a big district."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}
