"""Fixtures: ``app`` (a seeded district on SQLite in a temp folder), ``client`` (logs in and
carries CSRF like a browser), ``runner`` (the ``kiosk`` CLI) and ``printer_spy``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from kiosk import create_app
from kiosk.extensions import db
from tests import factories

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_app(folder: Path, **config):  # type: ignore[no-untyped-def]
    settings = {
        "TESTING": True,
        "INSTANCE_PATH": str(folder / "instance"),
        "SECRET_KEY": "test-secret",
        "PRINT_WORKER": False,
        "PRINTER_PATH": str(folder / "receipts"),
        "PIN_HASH_METHOD": "pbkdf2:sha256:1000",  # scrypt is slow on purpose; tests need speed
    }
    settings.update(config)
    return create_app(settings)


@pytest.fixture
def app(tmp_path):  # type: ignore[no-untyped-def]
    app = make_app(tmp_path)
    with app.app_context():
        db.create_all()
        factories.seed_district(tmp_path)
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def ctx(app):  # type: ignore[no-untyped-def]
    """An app context for calling services directly."""
    with app.app_context():
        yield app
        db.session.remove()


class KioskClient(FlaskClient):
    """A test client that behaves like the browser: it sends the page's CSRF token with every
    POST (pass ``csrf=False`` to leave it out)."""

    token: str | None = None

    def csrf_token(self) -> str:
        if self.token is None:
            page = self.get("/login").get_data(as_text=True)
            match = _CSRF.search(page)
            assert match, "no CSRF token on the login page"
            self.token = match.group(1)
        return self.token

    def post(self, *args, csrf: bool = True, **kwargs):  # type: ignore[no-untyped-def,override]
        if csrf:
            data = dict(kwargs.pop("data", None) or {})
            data.setdefault("csrf_token", self.csrf_token())
            kwargs["data"] = data
        return super().post(*args, **kwargs)

    def login(self, role: str = "designee"):  # type: ignore[no-untyped-def]
        name, pin = factories.LOGINS[role]
        response = self.post("/login", data={"name": name, "pin": pin})
        assert response.status_code == 302, response.get_data(as_text=True)
        self.token = None  # a new session has a new token
        return response

    def hx_post(self, url: str, **kwargs):  # type: ignore[no-untyped-def]
        headers = dict(kwargs.pop("headers", None) or {})
        headers.setdefault("HX-Request", "true")
        return self.post(url, headers=headers, **kwargs)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    app.test_client_class = KioskClient
    return app.test_client()


@pytest.fixture
def corpus(app):  # type: ignore[no-untyped-def]
    """The signed-proof corpus (tests/corpus.py), its issuers, keys, badge classes, lists and
    district key loaded into the kiosk's cache."""
    from tests import corpus as c
    from tests.trust import load_trust

    corpus = c.make_corpus()
    with app.app_context():
        load_trust(corpus)
        db.session.remove()
    return corpus


@pytest.fixture
def runner(app):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


class PrinterSpy:
    """Prints pending jobs through the real worker into a folder and reads them back."""

    def __init__(self, app, folder: Path):  # type: ignore[no-untyped-def]
        self.app, self.folder = app, folder

    def print_all(self) -> list[bytes]:
        from kiosk.printers.worker import print_pending

        print_pending(self.app)
        return self.receipts()

    def receipts(self) -> list[bytes]:
        if not self.folder.exists():
            return []
        return [p.read_bytes() for p in sorted(self.folder.glob("*.bin"))]


@pytest.fixture
def printer_spy(app):  # type: ignore[no-untyped-def]
    return PrinterSpy(app, Path(app.config["PRINTER_PATH"]))


@pytest.fixture
def loopback_printer(app):  # type: ignore[no-untyped-def]
    """A network receipt printer on 127.0.0.1 (tests/loopback_printer.py), and the app set to
    print to it."""
    from tests.loopback_printer import LoopbackPrinter

    printer = LoopbackPrinter().start()
    app.config.update(printer.config)
    yield printer
    printer.stop()
