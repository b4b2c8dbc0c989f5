"""What the district's pages share: times in the district's zone, and refusals that keep what
the person typed (the panel comes back with the message beside the form, filled in as it was
sent, with or without JavaScript)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, request
from flask.wrappers import Response

from kiosk.views import answers
from kiosk.views.answers import answer_at

from ..errors import HubError


def local(moment: datetime | None, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    if moment is None:
        return "never"
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime(fmt)


def refused(page: str, fragment: str, target: str, exc: HubError, *, form: str,
            **context: Any) -> Response:
    """``page`` again (or its ``fragment`` for HTMX, swapped into ``target``) with ``exc``'s
    message at the ``form`` that was sent, and the values that were typed in it: the shared
    answer at a form (kiosk/views/answers.py). Panels not yet drawn with its macros
    (partials/_answer.html) read ``error``, ``error_in`` and ``typed``."""
    return answer_at(page, fragment, answers.refused(form, exc), target=target,
                     error=exc.message, error_in=form, typed=request.form, **context)
