"""District stock: allocate pins to a building, move pins between buildings, and the district's
recent ledger. A refusal (more pins moved than a building should have) shows beside the form,
with what was typed still in it."""

from __future__ import annotations

from flask import Blueprint, g, request

from kiosk.views.htmx import render

from ..auth import requires
from ..errors import InvalidInput, NotFound
from ..services import enrollment, stock
from .common import refused

bp = Blueprint("stock", __name__)

PAGE, PANEL, TARGET = "hub/stock.html", "hub/partials/_stock.html", "#stock-panel"
WHAT = {"allocated": "allocated by the district", "transfer_in": "moved in",
        "transfer_out": "moved out"}


def _context(**context):  # type: ignore[no-untyped-def]
    buildings = enrollment.buildings()
    pins = stock.pins()
    return dict(buildings=buildings, pins=pins, ledger=stock.ledger(), what=WHAT,
                building_names={b.id: b.name for b in buildings},
                pin_labels={p.name: p.pin_label for p in pins}, **context)


@bp.get("/stock")
@requires("read")
def page():  # type: ignore[no-untyped-def]
    return render(PAGE, PANEL, **_context())


@bp.post("/stock/allocate")
@requires("stock")
def allocate():  # type: ignore[no-untyped-def]
    f = request.form
    try:
        line = stock.allocate(f.get("building", ""), f.get("credential", ""), f.get("qty", ""),
                              f.get("note", ""), g.user.name)
    except (InvalidInput, NotFound) as exc:
        return refused(PAGE, PANEL, TARGET, exc, form="allocate", **_context())
    return render(PAGE, PANEL, **_context(
        message=f"Allocated {line.qty} pins. The building's kiosk adds them on its next sync."))


@bp.post("/stock/move")
@requires("stock")
def move():  # type: ignore[no-untyped-def]
    f = request.form
    try:
        out, _ = stock.transfer(f.get("from", ""), f.get("to", ""), f.get("credential", ""),
                                f.get("qty", ""), f.get("note", ""), g.user.name)
    except (InvalidInput, NotFound) as exc:
        return refused(PAGE, PANEL, TARGET, exc, form="move", **_context())
    return render(PAGE, PANEL, **_context(
        message=f"Moved {-out.qty} pins. Both kiosks see it on their next sync."))
