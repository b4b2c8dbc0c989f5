"""`kiosk enroll` and `kiosk sync` from the command line, against the hub on 127.0.0.1."""

from __future__ import annotations

from kiosk.services.district import enrollment

from .conftest import District, assert_all_on_hub_once


def test_enroll_and_sync_from_the_command_line(bare_district: District) -> None:
    district = bare_district
    kiosk = district.kiosks[0]
    cli = kiosk.app.test_cli_runner()

    result = cli.invoke(args=["enroll", "--hub", district.url, "--code", kiosk.code])
    assert result.exit_code == 0, result.output
    found = kiosk.call(enrollment)
    assert found is not None and found.building == kiosk.building
    assert f"Enrolled with {district.url} as a kiosk of {kiosk.building}" in result.output
    kiosk.kiosk_id = found.kiosk_id

    again = cli.invoke(args=["enroll", "--hub", district.url, "--code", kiosk.code])
    assert again.exit_code == 2 and "used already" in again.output
    assert kiosk.call(enrollment) == found

    result = cli.invoke(args=["sync"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Pushed 3 events (0 the hub had already, 0 refused), "
                                    "pulled ")

    district.proxy.down = True
    result = cli.invoke(args=["sync"])
    assert result.exit_code == 1
    assert "Pushed 0 events" in result.output and "stopped: cannot reach the hub" in result.output

    district.proxy.heal()
    for other in district.kiosks[1:]:
        other.enroll(district.url)
        assert other.sync().ok
    assert_all_on_hub_once(district)


def test_enroll_on_the_command_line_notes_when_the_kiosk_enrolled(
        bare_district: District) -> None:
    from datetime import datetime

    from kiosk.models import utcnow
    from kiosk.services import lookups
    from kiosk.services.district import ENROLLED_AT
    from kiosk.services.district_status import stale_sync_warning, sync_status

    district = bare_district
    kiosk = district.kiosks[0]
    started = utcnow()
    result = kiosk.app.test_cli_runner().invoke(
        args=["enroll", "--hub", district.url, "--code", kiosk.code])
    assert result.exit_code == 0, result.output

    enrolled_at = datetime.fromisoformat(kiosk.call(lookups.get_setting, ENROLLED_AT) or "")
    assert started <= enrolled_at <= utcnow()
    status = kiosk.call(sync_status)
    assert status.enrolled_at == enrolled_at
    assert status.state == "first_sync_waiting" and not status.stale
    assert kiosk.call(stale_sync_warning) == ""
