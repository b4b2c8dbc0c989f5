"""The one place that decides whether a request wants an HTMX fragment or a whole page."""

from __future__ import annotations

from typing import Any

from flask import make_response, render_template, request
from flask.wrappers import Response


def wants_fragment() -> bool:
    return bool(request.headers.get("HX-Request")) and not request.headers.get(
        "HX-History-Restore-Request"
    )


def render(page: str, fragment: str, status: int = 200, **context: Any) -> Response:
    """Render ``fragment`` for HTMX, or ``page`` (which includes the fragment) otherwise."""
    as_fragment = wants_fragment()
    template = fragment if as_fragment else page
    html = render_template(template, fragment=fragment, as_fragment=as_fragment, **context)
    response = make_response(html, status)
    response.vary.add("HX-Request")
    return response
