"""The dashboard's charts (sync/hub/services/charts.py): hand-outs per week by pin, for the
district or one building, voids left out; stock against owed per building, furthest short
first; as fragments of the dashboard and in its PDF. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from kiosk.sync.hub.services import charts
from tests.factories import ALICE_BALANCE, ALICE_TRAUMA, BALANCE, BOB_TRAUMA, TRAUMA
from tests.hub.conftest import PAGE_JACKSON, SHEPHERDSTOWN, District, HubClient
from tests.hub.helpers import pdf_text
from tests.hub.stores import hub_store, postgres_ready, store_hub  # noqa: F401  (fixtures)


@pytest.fixture
def seeded(store_hub: Callable[..., Flask], tmp_path: Path) -> District:  # noqa: F811
    d = District(store_hub(), tmp_path)
    d.badge_data()
    d.building(PAGE_JACKSON)
    d.building(SHEPHERDSTOWN)
    return d


def series(chart: object) -> dict[str, tuple[int, ...]]:
    return {s.name: s.values for s in chart.series}  # type: ignore[attr-defined]


def test_this_weeks_hand_outs_by_pin_and_voids_left_out(seeded: District) -> None:
    north, south = seeded.kiosk(PAGE_JACKSON), seeded.kiosk(SHEPHERDSTOWN)
    trauma = north.hand_out(ALICE_TRAUMA, "E1", TRAUMA)
    north.send(trauma, north.hand_out(ALICE_BALANCE, "E1", BALANCE))
    south.send(south.hand_out(BOB_TRAUMA, "E2", TRAUMA))
    chart = seeded.call(charts.hand_outs_by_week)
    assert len(chart.categories) == charts.WEEKS
    assert series(chart)["Trauma pin"][-1] == 2 and series(chart)["Balance pin"][-1] == 1
    assert sum(series(chart)["Trauma pin"][:-1]) == 0
    one = seeded.call(charts.hand_outs_by_week, seeded.building_id(SHEPHERDSTOWN))
    assert series(one)["Trauma pin"][-1] == 1 and one.title.endswith(SHEPHERDSTOWN)
    north.send(north.void(trauma))
    assert series(seeded.call(charts.hand_outs_by_week))["Trauma pin"][-1] == 1


def test_a_week_runs_monday_to_sunday_in_the_districts_time_zone(seeded: District) -> None:
    kiosk = seeded.kiosk(PAGE_JACKSON)
    kiosk.send(kiosk.hand_out(ALICE_TRAUMA, "E1", TRAUMA))
    # seen from a week later the hand-out is in the week before the last
    later = datetime.now(UTC) + timedelta(days=7)
    chart = seeded.call(charts.hand_outs_by_week, None, charts.WEEKS, later)
    assert series(chart)["Trauma pin"][-2:] == (1, 0)
    today = later.astimezone(ZoneInfo(seeded.app.config["TIMEZONE"])).date()
    monday = today - timedelta(days=today.weekday() + 7 * (charts.WEEKS - 1))
    assert monday.weekday() == 0
    assert chart.categories[0] == f"{monday:%b} {monday.day}"


def test_stock_against_owed_furthest_short_first(seeded: District) -> None:
    seeded.allocate(PAGE_JACKSON, TRAUMA, 10)
    chart = seeded.call(charts.stock_against_owed)
    assert chart.horizontal
    assert chart.categories == (SHEPHERDSTOWN, PAGE_JACKSON)  # 1 short; 10 on hand for 3 owed
    assert series(chart) == {"On hand": (0, 10), "Owed": (1, 3)}


def test_the_fragments_and_the_dashboard_pdf(seeded: District, tmp_path: Path) -> None:
    kiosk = seeded.kiosk(PAGE_JACKSON)
    kiosk.send(kiosk.hand_out(ALICE_TRAUMA, "E1", TRAUMA))
    client = seeded.app.test_client()
    assert isinstance(client, HubClient)
    client.login("viewer")
    dashboard = client.get("/").get_data(as_text=True)
    assert 'hx-get="/charts/hand-outs"' in dashboard and 'hx-get="/charts/stock-owed"' in dashboard
    weekly = client.get("/charts/hand-outs").get_data(as_text=True)
    assert "<svg" in weekly and "Hand-outs per week, the district" in weekly
    one = client.get("/charts/hand-outs", query_string={
        "building": seeded.building_id(PAGE_JACKSON)}).get_data(as_text=True)
    assert f"Hand-outs per week, {PAGE_JACKSON}" in one
    assert "<svg" in client.get("/charts/stock-owed").get_data(as_text=True)
    text = pdf_text(client.get("/export/dashboard.pdf").get_data(), tmp_path)
    assert "Hand-outs per week, the district" in text
    assert "Stock against owed, by building" in text


def test_with_nothing_handed_out_the_chart_says_so(seeded: District) -> None:
    client = seeded.app.test_client()
    assert isinstance(client, HubClient)
    client.login("viewer")
    assert "nothing to show yet" in client.get("/charts/hand-outs").get_data(as_text=True)
