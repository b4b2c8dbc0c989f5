"""Hand-outs as the buildings reported them: those found by manual lookup at the desk (no
proof scanned), counted per building for the dashboard and listed with their reasons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ..db import MAX_ID
from ..extensions import hub_db
from ..models import HubBuilding, HubHandOut
from . import people

MANUAL_LIST_LIMIT = 500


@dataclass(frozen=True)
class ManualHandOut:
    distribution_id: str
    building: str
    handed_out_at: datetime
    employee_id: str
    credential: str
    receipt: str
    staff: str
    reason: str
    voided_at: datetime | None
    person: str = ""  # the roster's name, "" when it does not know the employee number


def manual_counts() -> dict[int, int]:
    """Building id -> hand-outs found by manual lookup there that stand (not voided)."""
    return {building_id: int(n) for building_id, n in hub_db.session.execute(
        select(HubHandOut.building_id, func.count())
        .where(HubHandOut.manual_reason != "", HubHandOut.voided_at.is_(None))
        .group_by(HubHandOut.building_id))}


def manual_hand_outs(building_id: int | None = None,
                     limit: int = MANUAL_LIST_LIMIT) -> list[ManualHandOut]:
    """The newest hand-outs found by manual lookup, voided ones included (and marked)."""
    if building_id is not None and not 0 < building_id <= MAX_ID:
        return []  # no building has that id
    query = (select(HubHandOut, HubBuilding.name).join(HubBuilding,
                                                       HubBuilding.id == HubHandOut.building_id)
             .where(HubHandOut.manual_reason != "")
             .order_by(HubHandOut.handed_out_at.desc(), HubHandOut.id).limit(limit))
    if building_id is not None:
        query = query.where(HubHandOut.building_id == building_id)
    found = hub_db.session.execute(query).all()
    named = people.names(hub_db.session, {h.employee_id for h, _ in found})
    return [ManualHandOut(h.id, building, h.handed_out_at, h.employee_id, h.credential,
                          h.receipt, h.staff, h.manual_reason, h.voided_at,
                          named.get(h.employee_id, ""))
            for h, building in found]
