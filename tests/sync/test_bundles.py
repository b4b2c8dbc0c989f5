"""Sync bundles (the USB stick): imported twice, the second import changes nothing; a bundle
changed after the kiosk signed it, or signed by another kiosk, is refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import kiosk.sync.hub as hub_package
from kiosk.services.district_bundle import export_bundle
from kiosk.sync.hub.errors import InvalidInput as HubInvalidInput
from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.services.bundles import import_bundle
from tests.factories import ALICE_TRAUMA, TRAUMA

from .conftest import District, Kiosk, sync_until_done


@pytest.fixture
def hub_cli(district: District, monkeypatch: pytest.MonkeyPatch) -> Iterator[Kiosk]:
    """`kiosk hub ...` as the district runs it: the hub's database, folder and secret key (as
    every server of a district shares it) from the environment. The hub apps the commands make
    are closed afterwards."""
    monkeypatch.setenv("KIOSK_HUB_DATABASE_URL", district.hub.database_url)
    monkeypatch.setenv("KIOSK_HUB_INSTANCE_PATH", district.hub.app.instance_path)
    monkeypatch.setenv("KIOSK_HUB_SECRET_KEY", str(district.hub.app.config["SECRET_KEY"]))
    made: list[Flask] = []
    real = hub_package.create_hub_app

    def create_hub_app(config: Any = None) -> Flask:
        made.append(real(config))
        return made[-1]

    monkeypatch.setattr(hub_package, "create_hub_app", create_hub_app)
    yield district.kiosks[0]
    for app in made:
        with app.app_context():
            hub_db.engine.dispose()


def snapshot(district: District) -> list[tuple[str, str, str, object]]:
    return [(e.id, e.hash, e.chain, e.received_at) for e in district.hub.events()]


def test_a_bundle_imported_twice_changes_nothing(district: District, hub_cli: Kiosk,
                                                 tmp_path: Path) -> None:
    kiosk = district.kiosks[0]
    district.proxy.down = True  # a building with no network
    kiosk.hand_out(ALICE_TRAUMA)
    kiosk.receive(TRAUMA, 4)
    assert not kiosk.sync().ok
    bundle = tmp_path / "usb" / "pins.json"
    bundle.parent.mkdir()
    assert kiosk.call(export_bundle, bundle) == len(kiosk.outbox()) == 5

    first = district.hub.call(import_bundle, bundle.read_bytes(), "Dana District")
    assert (first.events, first.accepted, first.duplicates, first.rejected) == (5, 5, 0, [])
    before = snapshot(district)
    assert [e[0] for e in before] == [e["id"] for e in kiosk.outbox()]

    result = hub_cli.app.test_cli_runner().invoke(args=["hub", "import", str(bundle)])
    assert result.exit_code == 0, result.output
    assert "5 events from" in result.output and "0 new, 5 the hub had already" in result.output
    assert snapshot(district) == before
    assert district.hub.exceptions() == []

    # back on the network, the kiosk learns the hub has them all
    district.proxy.heal()
    report = kiosk.sync()
    assert report.ok and report.pushed == 5 and report.duplicates == 5
    assert {e["status"] for e in kiosk.outbox()} == {"sent"}
    assert snapshot(district) == before


def tampered(bundle: bytes) -> bytes:
    data = json.loads(bundle)
    data["events"][1]["payload"]["qty"] = 400
    return json.dumps(data).encode()


def signed_elsewhere(bundle: bytes, other: bytes) -> bytes:
    """Another kiosk's bundle, relabelled as this kiosk's."""
    mine, theirs = json.loads(bundle), json.loads(other)
    theirs["kiosk_id"], theirs["building"] = mine["kiosk_id"], mine["building"]
    return json.dumps(theirs).encode()


@pytest.mark.parametrize("change", ["tampered", "signed elsewhere"])
def test_a_changed_bundle_is_refused(district: District, hub_cli: Kiosk, tmp_path: Path,
                                     change: str) -> None:
    kiosk, other, _ = district.kiosks
    kiosk.receive(TRAUMA, 4)
    mine, theirs = tmp_path / "mine.json", tmp_path / "theirs.json"
    kiosk.call(export_bundle, mine)
    other.call(export_bundle, theirs)
    bad = tmp_path / "bad.json"
    bad.write_bytes(tampered(mine.read_bytes()) if change == "tampered"
                    else signed_elsewhere(mine.read_bytes(), theirs.read_bytes()))

    with pytest.raises(HubInvalidInput, match="signature"):
        district.hub.call(import_bundle, bad.read_bytes(), "Dana District")
    result = hub_cli.app.test_cli_runner().invoke(args=["hub", "import", str(bad)])
    assert result.exit_code == 1
    assert "signature" in result.output
    assert district.hub.events() == []

    # the kiosk's own, untouched bundle goes in
    report = district.hub.call(import_bundle, mine.read_bytes(), "Dana District")
    assert report.accepted == len(kiosk.outbox())
    sync_until_done(kiosk)
