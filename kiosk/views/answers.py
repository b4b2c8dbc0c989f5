"""A form's answer, shown at the form that was sent: the kiosk's and the district hub's pages
alike (the Staff logins page, the hub's Logins page).

What a form was sent for comes back where the person is, not at the top of the page: "saved"
in the row or form that was sent, or why not, linked to the field it is about
(``aria-describedby``), which the answer marks (``aria-invalid``) and focuses (``autofocus``,
which htmx honours in what it swaps in). The row or form comes back drawn from what is stored,
so a refused change does not stay on screen as if it were saved. The button that was used keeps
its id, so htmx gives the focus back to it. Templates draw answers with the macros of
``templates/partials/_answer.html``; kiosk.js clears every answer when the next request
starts, so that an old one never stands beside the new one.

With JavaScript the ``fragment`` (the row, or the form's panel) is swapped in at ``target``;
without it the whole page comes back with the answer at its form."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Protocol

from flask import request
from flask.wrappers import Response

from .htmx import render, wants_fragment


class Refusal(Protocol):
    """A typed error of the kiosk (kiosk/errors.py) or of the hub (sync/hub/errors.py)."""

    message: str
    status: int
    field: str | None


@dataclasses.dataclass(frozen=True)
class Answer:
    form: str  # the id of the form that was sent
    message: str = ""  # what was done
    error: str = ""  # or why not
    field: str | None = None  # the name of the field the error is about, if one
    # what was typed, given back in a refused form
    typed: Mapping[str, str] = dataclasses.field(default_factory=dict)
    status: int = 200

    @property
    def id(self) -> str:
        """The id of the answer's message, which the field or button it is about names."""
        return f"{self.form}-answer"


def done(form: str, message: str) -> Answer:
    return Answer(form, message=message)


def refused(form: str, exc: Refusal) -> Answer:
    """``exc`` at ``form``, with what was typed in it (templates never give back a PIN)."""
    return Answer(form, error=exc.message, field=exc.field, typed=request.form,
                  status=exc.status)


def answer_at(page: str, fragment: str, answer: Answer, *, target: str,
              swap: str = "innerHTML", **context: Any) -> Response:
    """``page`` with ``answer`` at its form, or for HTMX ``fragment``, swapped at ``target``
    (a CSS selector) as ``swap`` says, whatever the form asked."""
    response = render(page, fragment, status=answer.status, answer=answer, **context)
    if wants_fragment():
        response.headers["HX-Retarget"] = target
        response.headers["HX-Reswap"] = swap
    return response
