"""The district's name, set as the README says (an environment variable or hub.cfg), is on the
login page (and in the header of every page after it, tests/hub/test_hostile_text.py); without
it the login page names no district."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.sync.hub import create_hub_app
from kiosk.sync.hub.extensions import hub_db

NAME = "Jefferson County Schools"


def login_page(folder: Path) -> str:
    app = create_hub_app({"TESTING": True, "INSTANCE_PATH": str(folder), "SECRET_KEY": "t"})
    with app.app_context():
        hub_db.create_all()
    try:
        return app.test_client().get("/login").get_data(as_text=True)
    finally:
        with app.app_context():
            hub_db.engine.dispose()


def test_the_environment_variable_names_the_district(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_HUB_DISTRICT_NAME", NAME)
    assert f'<p class="district-name">{NAME}</p>' in login_page(tmp_path)


def test_hub_cfg_names_the_district(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KIOSK_HUB_DISTRICT_NAME", raising=False)
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "hub.cfg").write_text(f'DISTRICT_NAME = "{NAME}"\n', encoding="utf-8")
    assert f'<p class="district-name">{NAME}</p>' in login_page(tmp_path)


def test_without_a_name_the_login_page_names_no_district(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KIOSK_HUB_DISTRICT_NAME", raising=False)
    assert 'class="district-name"' not in login_page(tmp_path)
