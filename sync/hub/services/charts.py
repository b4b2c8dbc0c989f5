"""The district's charts (kiosk/domain/charts.py draws them): hand-outs per week by pin, for
the district or one building, and stock against what is owed, per building.

Weeks run Monday to Sunday in the district's time zone (``TIMEZONE``). A hand-out counts in
the week it was handed out, and not at all once voided. On PostgreSQL the day is the
district's own, daylight saving and all; on SQLite (a trial hub) it is the day at the
district's offset from UTC now, which may put a hand-out within an hour of midnight on the
wrong day across a change of the clocks.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, literal, select

from kiosk.domain.charts import BarChart, Series
from kiosk.reports.bar_drawing import drawing

from ..extensions import hub_db
from ..models import HubBuilding, HubCredential, HubHandOut
from . import owed
from .report_pdf import Chart

WEEKS = 12
BUILDINGS_SHOWN = 15


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def _local_day(zone: ZoneInfo, now: datetime):  # type: ignore[no-untyped-def]
    """The SQL for a hand-out's day in the district's time zone (stored: naive UTC)."""
    column = HubHandOut.handed_out_at
    if hub_db.engine.dialect.name == "postgresql":
        return func.date(func.timezone(zone.key, func.timezone("UTC", column)))
    offset = now.astimezone(zone).utcoffset() or timedelta()
    return func.date(column, literal(f"{int(offset.total_seconds() // 60):+d} minutes"))


def hand_outs_by_week(building_id: int | None = None, weeks: int = WEEKS,
                      now: datetime | None = None) -> BarChart:
    zone = _zone()
    now = now or datetime.now(UTC)
    today = now.astimezone(zone).date()
    first = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    start = datetime.combine(first, time(), zone).astimezone(UTC)
    day = _local_day(zone, now)
    query = (select(day, HubHandOut.credential, func.count())
             .where(HubHandOut.handed_out_at >= start, HubHandOut.voided_at.is_(None))
             .group_by(day, HubHandOut.credential))
    if building_id is not None:
        query = query.where(HubHandOut.building_id == building_id)
    pins = list(hub_db.session.execute(
        select(HubCredential.name, HubCredential.pin_name).where(HubCredential.has_pin.is_(True))
        .order_by(HubCredential.released_on, HubCredential.id)))
    counts = {name: [0] * weeks for name, _ in pins}
    for on, credential, n in hub_db.session.execute(query):
        moment = on if isinstance(on, date) else date.fromisoformat(str(on))
        week = (moment - first).days // 7
        if credential in counts and 0 <= week < weeks:
            counts[credential][week] += int(n)
    labels = tuple(f"{first + timedelta(weeks=w):%b} {(first + timedelta(weeks=w)).day}"
                   for w in range(weeks))
    where = _building_name(building_id) if building_id is not None else "the district"
    return BarChart(
        title=f"Hand-outs per week, {where}",
        description=(f"Pins handed out each week (Monday to Sunday) over the last {weeks} weeks "
                     f"at {where}, by pin; voided hand-outs are left out."),
        categories=labels,
        series=tuple(Series(pin_name or f"{name} pin", tuple(counts[name]))
                     for name, pin_name in pins))


def stock_against_owed(limit: int = BUILDINGS_SHOWN) -> BarChart:
    """Per enrolled building, all pins together: on hand, and people owed a pin; the buildings
    furthest short first."""
    report = owed.owed()
    held: dict[str, list[int]] = {}
    for row in report.rows:
        if row.enrolled:
            figures = held.setdefault(row.building, [0, 0])
            figures[0] += row.on_hand
            figures[1] += row.owed
    held = {name: f for name, f in held.items() if f[0] or f[1]}  # a building with neither: no bar
    ranked = sorted(held.items(), key=lambda kv: (-(kv[1][1] - kv[1][0]), -kv[1][1], kv[0]))
    shown = ranked[:limit]
    of = f"the {len(shown)} of {len(ranked)} buildings furthest short" \
        if len(ranked) > limit else "every building with pins on hand or people owed"
    return BarChart(
        title="Stock against owed, by building",
        description=(f"For {of}: the pins on hand (all pins together) beside the people owed "
                     "a pin there."),
        categories=tuple(name for name, _ in shown),
        series=(Series("On hand", tuple(f[0] for _, f in shown)),
                Series("Owed", tuple(f[1] for _, f in shown))),
        horizontal=True)


def _building_name(building_id: int) -> str:
    building = hub_db.session.get(HubBuilding, building_id)
    return building.name if building else "an unknown building"


def pictures() -> list[Chart]:
    """The dashboard's charts for its PDF (none that would be empty)."""
    return [Chart(c.title, drawing(c)) for c in (hand_outs_by_week(), stock_against_owed())
            if not c.empty]
