"""The hub's sync API against its published description (docs/hub-openapi.yaml): schemathesis
generates requests from it, valid and not, and checks every answer: no server error, a
documented status code and content type, a body that matches the schema, RFC 9110 manners
for methods the API does not have, and a 401 without the kiosk's token.

The hub is made when this module is imported (schemathesis builds its tests from the schema
at collection time); its folder is removed when the module's tests are done."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from cryptography.hazmat.primitives.asymmetric import ed25519
from hypothesis import HealthCheck, settings

from kiosk.sync.hub import create_hub_app
from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.services import enrollment
from kiosk.sync.protocol import public_key_text

SPEC = Path(__file__).resolve().parents[2] / "docs" / "hub-openapi.yaml"
FOLDER = tempfile.mkdtemp(prefix="hub-openapi-")


def _enrolled_hub():  # type: ignore[no-untyped-def]
    app = create_hub_app({"TESTING": True, "INSTANCE_PATH": FOLDER, "SECRET_KEY": "test",
                          "PIN_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        hub_db.create_all()
        building = enrollment.add_building("Page Jackson Elementary")
        code = enrollment.new_code(building.id, None).code
        key = public_key_text(ed25519.Ed25519PrivateKey.generate().public_key())
        token = enrollment.enroll(code, building.name, "front office", key).token
        hub_db.session.remove()
    return app, token


APP, TOKEN = _enrolled_hub()
schema = schemathesis.openapi.from_path(str(SPEC))
schema.app = APP


@pytest.fixture(scope="module", autouse=True)
def _remove_the_hub_afterwards():  # type: ignore[no-untyped-def]
    yield
    with APP.app_context():
        hub_db.engine.dispose()
    shutil.rmtree(FOLDER, ignore_errors=True)


def test_the_description_is_the_api_the_hub_serves():
    served = {(rule.rule, method) for rule in APP.url_map.iter_rules()
              if rule.rule.startswith("/api/") for method in rule.methods or ()
              if method not in ("HEAD", "OPTIONS")}
    described = {(op.path, op.method.upper()) for op in
                 (result.ok() for result in schema.get_all_operations())}
    assert served == described


@schema.parametrize()
@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_the_hub_api_does_what_its_description_says(case):  # type: ignore[no-untyped-def]
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"})
