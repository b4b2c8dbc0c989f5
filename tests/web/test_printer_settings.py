"""Administrators set up the receipt printer on the Settings page: it applies at once, what
cannot work is refused with the reasons, and it survives a restart."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import Setting
from tests.conftest import KioskClient, make_app
from tests.unit.escpos_tokens import parse
from tests.web.dom import Element
from tests.web.helpers import is_full_page, page

# What an administrator types for a network printer (the rest of the form stays as shown).
NETWORK = {"PRINTER_BACKEND": "network", "PRINTER_HOST": "127.0.0.1", "PRINTER_PORT": "9100",
           "PRINTER_TIMEOUT": "5"}
PRINTER_KEYS = ("PRINTER_BACKEND", "PRINTER_HOST", "PRINTER_PORT", "PRINTER_TIMEOUT",
                "PRINTER_USB_VENDOR", "PRINTER_USB_PRODUCT", "PRINTER_PROFILE", "PRINTER_QR",
                "PAPER_MM", "PRINTER_COLUMNS", "PRINTER_CUT", "PRINTER_PATH")


def _printer_form(response) -> Element:  # type: ignore[no-untyped-def]
    return page(response).one("form", id="printer-settings")


def _shown(form: Element) -> dict[str, str]:
    """The form's fields as the browser would send them."""
    values = {el.get("name") or "": el.get("value") or "" for el in form.find_all("input")}
    for select_ in form.find_all("select"):
        chosen = select_.find_all("option", selected=True)
        values[select_.get("name") or ""] = chosen[0].get("value") or "" if chosen else ""
    values.pop("csrf_token", None)
    return values


def _form_with(client: KioskClient, **changes: str) -> dict[str, str]:
    """The Receipt printer form as the Settings page shows it, with ``changes`` typed in."""
    values = _shown(_printer_form(client.get("/settings")))
    values.update(changes)
    return values


def _config(app: Flask) -> dict[str, object]:
    return {key: app.config.get(key) for key in PRINTER_KEYS}


def _saved(app: Flask) -> dict[str, str]:
    with app.app_context():
        rows = {row.key: row.value for row in db.session.scalars(select(Setting))
                if row.key.startswith("config:PRINTER") or row.key == "config:PAPER_MM"}
        db.session.remove()
    return rows



def test_the_settings_page_shows_the_receipt_printer_as_configured(app, admin):
    response = admin.get("/settings")
    assert is_full_page(response)
    form = _printer_form(response)
    assert form.get("method") == "post"
    assert form.get("action") == "/settings/printer"
    assert form.get("hx-post") == "/settings/printer"
    assert form.one("h2").text == "Receipt printer"
    assert form.one("input", name="csrf_token").get("value")
    shown = _shown(form)
    assert shown["PRINTER_BACKEND"] == "file"
    assert shown["PRINTER_PATH"] == app.config["PRINTER_PATH"]
    assert shown["PRINTER_PORT"] == "9100"
    assert shown["PRINTER_HOST"] == ""
    assert shown["PAPER_MM"] == "80"
    assert shown["PRINTER_PROFILE"] == "TM-T88III"
    assert shown["PRINTER_QR"] == "image"
    assert shown["PRINTER_CUT"] == "yes"
    backends = form.one("select", name="PRINTER_BACKEND").find_all("option")
    assert [o.get("value") for o in backends] == ["network", "win32raw", "usb", "serial",
                                                  "file", "none"]
    assert backends[0].text == "Network (Ethernet or Wi-Fi, raw port 9100)"
    for name in shown:
        assert form.one(id=f"set-{name}").get("aria-describedby") == f"help-{name}"


def test_saving_the_printer_form_unchanged_is_accepted(app, admin):
    """The form must accept every value it shows itself (the timeout shows as "5.0")."""
    before = _config(app)
    response = admin.hx_post("/settings/printer", data=_form_with(admin))
    assert response.status_code == 200, page(response).text
    assert page(response).one("p", class_="flash").text.startswith("Printer settings saved.")
    assert _config(app) == before


@pytest.mark.parametrize("hx", [True, False], ids=["htmx", "plain"])
def test_a_network_printer_applies_at_once(app, admin, office, hx):
    post = admin.hx_post if hx else admin.post
    response = post("/settings/printer", data=_form_with(admin, **{**NETWORK,
                                                                   "PRINTER_PORT": "9101"}))
    assert response.status_code == 200, page(response).text
    assert is_full_page(response) is not hx
    assert page(response).one("p", class_="flash").text == (
        "Printer settings saved. Print a test page to check them.")
    assert app.config["PRINTER_BACKEND"] == "network"
    assert app.config["PRINTER_HOST"] == "127.0.0.1"
    assert app.config["PRINTER_PORT"] == 9101
    shown = _shown(_printer_form(admin.get("/settings")))
    assert (shown["PRINTER_BACKEND"], shown["PRINTER_HOST"], shown["PRINTER_PORT"]) == (
        "network", "127.0.0.1", "9101")
    printer_page = page(office.get("/printer"))
    assert "network printer 127.0.0.1:9101" in printer_page.one(
        "section", class_="printer-state").text
    assert printer_page.one(id="printer-badge").get("title") == "network printer 127.0.0.1:9101"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"PRINTER_HOST": ""}, "Give the network printer's address"),
        ({"PRINTER_HOST": "print er"}, "Give the network printer's address"),
        ({"PRINTER_PORT": "0"}, "Network port: between 1 and 65535."),
        ({"PRINTER_PORT": "70000"}, "Network port: between 1 and 65535."),
        ({"PRINTER_PORT": "nine"}, "Network port: enter a whole number."),
        ({"PRINTER_BACKEND": "usb", "PRINTER_USB_VENDOR": "xyz", "PRINTER_USB_PRODUCT": "xyz"},
         "Give the USB vendor id in hex"),
        ({"PRINTER_BACKEND": "usb", "PRINTER_USB_VENDOR": "04b8", "PRINTER_USB_PRODUCT": ""},
         "Give the USB product id in hex"),
        ({"PRINTER_QR": "native", "PRINTER_PROFILE": "POS-5890", "PAPER_MM": "58"},
         "The POS-5890 profile has no QR code command: print the QR code as an image."),
        ({"PAPER_MM": "58", "PRINTER_COLUMNS": "48"},
         "58 mm paper holds 32 characters a line."),
        ({"PAPER_MM": "80", "PRINTER_COLUMNS": "32"},
         "80 mm paper holds 48 or 42 characters a line."),
        ({"PRINTER_BACKEND": "bluetooth"},
         "How the printer is connected: choose network, win32raw, usb, serial, file, none."),
        ({"PRINTER_HOST": "10.0.0.5\x07"},
         "Network printer address: at most 200 plain characters."),
        ({"PRINTER_HOST": "10.0.0.5\nPRINTER_BACKEND=none"},
         "Network printer address: at most 200 plain characters."),
        ({"PRINTER_HOST": "a" * 201}, "Network printer address: at most 200 plain characters."),
        ({"PRINTER_PROFILE": "TM-T99"}, "Printer model (python-escpos profile): choose"),
        ({"PRINTER_QR": "svg"}, "QR code on receipts: choose image, native."),
        ({"PRINTER_TIMEOUT": "0"}, "Seconds to wait for the printer: between 1 and 60."),
    ],
    ids=["no-host", "host-with-space", "port-0", "port-70000", "port-words", "usb-xyz",
         "usb-no-product", "native-qr-without-qr", "58mm-48-columns", "80mm-32-columns",
         "unknown-backend", "control-character", "newline", "too-long", "unknown-profile",
         "unknown-qr", "timeout-0"],
)
def test_a_printer_that_cannot_work_is_refused_with_the_reason(app, admin, changes, reason):
    before_config, before_form = _config(app), _form_with(admin)
    response = admin.hx_post("/settings/printer", data=_form_with(admin, **{**NETWORK,
                                                                            **changes}))
    assert response.status_code == 400
    alert = page(response).one(role="alert")
    assert reason in alert.text
    assert alert.get("data-status") == "400"
    assert response.headers["HX-Retarget"] == "#messages", "the form keeps what was typed"
    assert _config(app) == before_config
    assert _saved(app) == {}
    assert _form_with(admin) == before_form


def test_several_reasons_are_given_at_once(app, admin):
    response = admin.hx_post("/settings/printer", data=_form_with(
        admin, **{**NETWORK, "PRINTER_HOST": "", "PAPER_MM": "58", "PRINTER_COLUMNS": "48"}))
    assert response.status_code == 400
    text = page(response).one(role="alert").text
    assert "Give the network printer's address" in text
    assert "58 mm paper holds 32 characters a line." in text
    assert app.config["PRINTER_BACKEND"] == "file"


def test_a_usb_printer_with_hex_ids_is_saved(app, admin):
    response = admin.hx_post("/settings/printer", data=_form_with(
        admin, **{**NETWORK, "PRINTER_BACKEND": "usb", "PRINTER_USB_VENDOR": "0x04b8",
                  "PRINTER_USB_PRODUCT": "0e15"}))
    assert response.status_code == 200, page(response).text
    section = page(response).find_all("section", class_="card")[-1]
    assert "USB printer 04b8:0e15" in section.text


def test_58_mm_paper_with_native_qr_on_a_printer_that_has_it_is_saved(app, admin):
    response = admin.hx_post("/settings/printer", data=_form_with(
        admin, **{**NETWORK, "PAPER_MM": "58", "PRINTER_COLUMNS": "32",
                  "PRINTER_PROFILE": "TM-T20II", "PRINTER_QR": "native", "PRINTER_CUT": "no"}))
    assert response.status_code == 200, page(response).text
    assert app.config["PAPER_MM"] == 58
    assert app.config["PRINTER_COLUMNS"] == 32
    assert app.config["PRINTER_QR"] == "native"
    assert app.config["PRINTER_CUT"] is False


@pytest.mark.parametrize("role", ["designee", "office"])
@pytest.mark.parametrize("url", ["/settings/printer", "/settings/printer/test"])
def test_only_administrators_change_or_test_the_printer(app, login_as, role, url):
    client = login_as(role)
    before = _config(app)
    response = client.post(url, data={**NETWORK, "PRINTER_HOST": "10.6.6.6"})
    assert response.status_code == 403
    assert "Your login does not allow this" in page(response).one(role="alert").text
    assert _config(app) == before
    assert _saved(app) == {}


def test_saved_printer_settings_survive_a_restart(app, admin, tmp_path: Path):
    response = admin.post("/settings/printer", data=_form_with(
        admin, **{**NETWORK, "PRINTER_HOST": "10.0.0.5", "PRINTER_PORT": "9101",
                  "PAPER_MM": "58", "PRINTER_COLUMNS": "32", "PRINTER_CUT": "no"}))
    assert response.status_code == 200, page(response).text
    restarted = make_app(tmp_path)
    try:
        assert restarted.config["PRINTER_BACKEND"] == "network"
        assert restarted.config["PRINTER_HOST"] == "10.0.0.5"
        assert restarted.config["PRINTER_PORT"] == 9101
        assert restarted.config["PAPER_MM"] == 58
        assert restarted.config["PRINTER_COLUMNS"] == 32
        assert restarted.config["PRINTER_CUT"] is False
        restarted.test_client_class = KioskClient
        client = restarted.test_client()
        assert isinstance(client, KioskClient)
        client.login("admin")
        shown = _shown(_printer_form(client.get("/settings")))
        assert (shown["PRINTER_HOST"], shown["PRINTER_PORT"], shown["PRINTER_CUT"]) == (
            "10.0.0.5", "9101", "no")
        assert "network printer 10.0.0.5:9101" in page(client.get("/printer")).text
    finally:
        with restarted.app_context():
            db.engine.dispose()


def test_a_refused_printer_is_not_there_after_a_restart(app, admin, tmp_path: Path):
    admin.hx_post("/settings/printer", data=_form_with(admin, **{**NETWORK,
                                                                 "PRINTER_HOST": ""}))
    restarted = make_app(tmp_path)
    try:
        assert restarted.config["PRINTER_BACKEND"] == "file"
    finally:
        with restarted.app_context():
            db.engine.dispose()


# --- the test page button -------------------------------------------------------------------


def _test_form(response) -> Element:  # type: ignore[no-untyped-def]
    [form] = [f for f in page(response).find_all("form")
              if f.get("action") == "/settings/printer/test"]
    return form


def test_the_settings_page_has_a_test_page_button(admin):
    form = _test_form(admin.get("/settings"))
    assert form.get("method") == "post"
    assert form.get("hx-post") == "/settings/printer/test"
    assert form.one("input", name="csrf_token").get("value")
    assert form.one("button").text == "Print test page"


def test_save_a_printer_then_print_a_test_page_on_it(app, admin, loopback_printer):
    app.config.update(PRINTER_BACKEND="file", PRINTER_HOST="")  # as the kiosk was installed
    saved = admin.hx_post("/settings/printer", data=_form_with(
        admin, **{**NETWORK, "PRINTER_PORT": str(loopback_printer.port)}))
    assert saved.status_code == 200, page(saved).text
    response = admin.hx_post("/settings/printer/test")
    assert response.status_code == 200
    result = page(response).one(id="test-page-result")
    assert result.get("data-printed") == "yes"
    assert result.text.startswith(f"Test page sent to the network printer "
                                  f"127.0.0.1:{loopback_printer.port}.")
    [received] = loopback_printer.wait_for(1)
    text = parse(received).text
    assert "Pin Kiosk test page" in text
    assert f"network printer 127.0.0.1:{loopback_printer.port}" in " ".join(text.split())
    assert _printer_form(response), "the settings stay on the page under the result"


def test_the_settings_test_page_says_why_it_did_not_print(app, admin, loopback_printer):
    loopback_printer.stop()
    response = admin.post("/settings/printer/test")
    assert response.status_code == 200
    assert is_full_page(response)
    result = page(response).one(id="test-page-result")
    assert result.get("data-printed") == "no"
    assert result.get("role") == "alert"
    assert "Not printed." in result.text
    assert "did not answer" in result.text


def test_a_test_page_with_settings_that_cannot_work_says_what_to_fix(app, admin):
    app.config.update({"PRINTER_BACKEND": "network", "PRINTER_HOST": ""})
    response = admin.hx_post("/settings/printer/test")
    assert response.status_code == 400
    assert "Give the network printer's address" in page(response).one(role="alert").text


def test_a_printer_address_with_markup_is_refused(app, admin):
    host = "<script>alert(1)</script>"
    response = admin.hx_post("/settings/printer", data=_form_with(
        admin, **{**NETWORK, "PRINTER_HOST": host}))
    assert response.status_code == 400
    assert "Give the network printer's address" in page(response).one(role="alert").text
    assert app.config["PRINTER_HOST"] != host


def test_a_printer_address_with_markup_in_the_config_file_shows_as_plain_text(app, office):
    host = "<script>alert(1)</script>"
    app.config.update({"PRINTER_BACKEND": "network", "PRINTER_HOST": host})
    for url in ("/printer", "/scan"):
        body = office.get(url).get_data(as_text=True)
        assert host not in body
        assert "&lt;script&gt;" in body
