"""Request bodies capped by the route they go to, before anything reads them: the kiosk and the
hub both use it (``app.request_class``).

``BODY_CAPS`` in an app's config maps endpoints to the most bytes their body may have;
every other route takes ``MAX_CONTENT_LENGTH``. Werkzeug then answers a larger
``Content-Length`` with 413 before reading a byte, and stops a body sent without one (chunked,
which waitress hands on as ``wsgi.input_terminated``) at the cap. The cap is the route's from
the first read on, so it holds for CSRF's look at the form as much as for the view.
"""

from __future__ import annotations

from typing import IO

from flask import Request, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream


class CappedRequest(Request):
    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is not None:  # a view set its own
            return self._max_content_length
        if current_app:
            cap = (current_app.config.get("BODY_CAPS") or {}).get(self.endpoint)
            if cap is not None:
                return int(cap)
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    @cached_property
    def stream(self) -> IO[bytes]:
        cap = self.max_content_length
        if (cap is not None and self.content_length is None and not self.shallow
                and "wsgi.input_terminated" in self.environ):
            return _WholeOrRefused(self.environ["wsgi.input"], cap, is_max=True)
        return get_input_stream(self.environ, max_content_length=cap)


class _WholeOrRefused(LimitedStream):
    """A body with no Content-Length (chunked), read up to the cap. Werkzeug's own stream stops
    there quietly and hands on the first bytes of a longer body as if they were all of it (a
    form cut short, a JSON cut short); this one looks one byte further and refuses it (413)."""

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted and self._stream.read(1):
            raise RequestEntityTooLarge()
        return data


def largest_body(config: dict[str, object]) -> int:
    """The largest body any route of an app takes: the server (waitress) refuses anything
    larger itself, before buffering it to disk (its own default is 1 GB)."""
    caps = [int(c) for c in (config.get("BODY_CAPS") or {}).values()]  # type: ignore[attr-defined]
    return max([int(config.get("MAX_CONTENT_LENGTH") or 0), *caps])  # type: ignore[call-overload]


def size_text(size: int) -> str:
    """Bytes in words, as the protocol and the pages give limits: "8 KB", "64 MB"."""
    if size >= 1024 * 1024:
        return f"{round(size / (1024 * 1024))} MB"
    if size >= 1024:
        return f"{round(size / 1024)} KB"
    return f"{size} bytes"


def too_large(where: str) -> str:
    """Why a body was refused as too large (413), with the route's cap in words."""
    cap = request.max_content_length
    limit = f" (at most {size_text(cap)})" if cap is not None else ""
    return f"That is more than {where} takes{limit}; nothing was read or recorded."
