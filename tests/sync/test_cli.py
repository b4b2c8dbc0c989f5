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
