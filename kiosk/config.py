"""Configuration defaults. Layers: these defaults, then ``kiosk.cfg`` in the instance folder, then
``KIOSK_*`` environment variables, then the mapping given to ``create_app`` (tests)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

DEFAULTS = {
    # minutes of no activity before a logged-in session is logged out
    "IDLE_MINUTES": 15,
    "LOCKOUT_ATTEMPTS": 5,
    "LOCKOUT_MINUTES": 5,
    "PIN_HASH_METHOD": "scrypt",  # werkzeug.security method for staff PINs
    "TIMEZONE": "America/New_York",
    "DISTRICT_NAME": "",  # printed on proof slips ("District" when empty)
    # The receipt printer (docs/printers.md). PRINTER_BACKEND: network, win32raw, usb, serial,
    # file (a device such as /dev/usb/lp0, or a folder: the demo) or none (record only).
    "PRINTER_BACKEND": "file",
    "PRINTER_HOST": "",  # network
    "PRINTER_PORT": 9100,
    "PRINTER_TIMEOUT": 5.0,  # seconds to connect and to send one receipt
    "PRINTER_STATUS_TIMEOUT": 1.0,  # seconds to wait for a status reply
    "PRINTER_WINDOWS_NAME": "",  # win32raw: the name Windows shows
    "PRINTER_USB_VENDOR": "",  # usb: hex ids, as `lsusb` shows them (04b8)
    "PRINTER_USB_PRODUCT": "",
    "PRINTER_USB_IN_EP": "0x82",  # usb: the printer's endpoints (`lsusb -v` shows them)
    "PRINTER_USB_OUT_EP": "0x01",
    "PRINTER_SERIAL_DEVICE": "",  # serial: /dev/ttyUSB0 or COM3
    "PRINTER_SERIAL_BAUD": 9600,
    "PRINTER_PATH": "",  # file: a device or a folder (default: INSTANCE/receipts)
    "PRINTER_PROFILE": "TM-T88III",  # a python-escpos capability profile
    "PAPER_MM": 80,
    "PRINTER_COLUMNS": 0,  # characters a line; 0: 32 on 58 mm paper, 48 on 80 mm
    "PRINTER_QR": "image",  # or "native", where the profile says the printer has QR codes
    "PRINTER_CUT": True,
    "RECEIPT_NAMES": "full",  # or "initials"
    "SOUNDS": "on",  # a short sound for each verdict at the desk ("off" for silence)
    # the least role that may hand out a pin found by manual lookup (no proof scanned):
    # designee, office or admin
    "MANUAL_HAND_OUT_ROLE": "designee",
    # a signed badge names its issuer's revocation or status list and the list is not in the
    # badge data here: "warn" hands the pin out, the verdict saying revocation was not
    # checked; "refuse" refuses the badge until the list is imported (docs/proofs.md)
    "UNCHECKED_REVOCATION": "warn",
    "PRINT_WORKER": True,  # run the print worker thread under `kiosk serve`
    "SYNC_WORKER": True,  # run the sync worker thread under `kiosk serve` (once enrolled)
    "CHECKPOINT_SECONDS": 1.0,  # how often `kiosk serve` copies the WAL into the database
    # the nightly backup of `kiosk serve` (kiosk/services/backup.py): at this local time ("off":
    # none), into this folder ("": INSTANCE/backups), keeping the newest BACKUP_KEEP
    "BACKUP_AT": "02:30",
    "BACKUP_KEEP": 14,
    "BACKUP_FOLDER": "",
    # how often every page asks for the status bar's badges (stock, printer, sync); while a
    # receipt is waiting to print it asks every second, so the badge follows the printer
    "STATUS_POLL_SECONDS": 10,
    # district sync: how often `kiosk serve` syncs, how long to wait for the hub, and after
    # how many days without a sync the kiosk warns at login
    "SYNC_SECONDS": 30.0,
    # a pull of more than one page, and a district bundle of more than one page uploaded on the
    # Sync page, in a process of its own (kiosk/services/own_process.py): None is on under
    # `kiosk serve` and off elsewhere; false keeps every pull and import in the server
    "PULL_IN_OWN_PROCESS": None,
    "PULL_PAGE_CHANGES": 5000,  # changes asked for a page (the hub gives at most 5,000)
    "SYNC_TIMEOUT_SECONDS": 15.0,
    "SYNC_WARN_DAYS": 3,
    # The most bytes a request body may have (kiosk/request_caps.py): forms take
    # MAX_CONTENT_LENGTH; the routes in BODY_CAPS, by endpoint, their own (checked from
    # Content-Length before a byte is read; a chunked body is cut off at the cap).
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "BODY_CAPS": {
        "auth.login_post": 4 * 1024,
        # a scan is at most 4 KB of text (kiosk.domain.payload); up to this, a longer one
        # still gets the "malformed" verdict at the desk (the scanner was stuck, say)
        "scan.scan": 256 * 1024,
        # a proof file of any kind: a photo is at most 20 MB, a PDF or a badge image 10 MB, a
        # JSON credential 1 MB (kiosk/services/proof_files.py); the form around it adds a little
        "scan.scan_image": 20 * 1024 * 1024 + 64 * 1024,
        # a camera frame: a JPEG of at most 1280 pixels a side is 30-300 KB (static/camera.js)
        "scan.camera_frame": 1024 * 1024,
        # these repeat the text found in a badge image (256 KB) or a JSON credential file
        # (1 MB, kiosk.domain.proofs), which a form's URL encoding may make three times longer
        "scan.hand_out_pin": 3 * 1024 * 1024 + 64 * 1024,
        "scan.waitlist": 3 * 1024 * 1024 + 64 * 1024,
        # a district bundle (kiosk/sync/district_file.py: MAX_FILE_BYTES) and the form around it
        "district.import_bundle": 256 * 1024 * 1024 + 64 * 1024,
    },
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Strict",
    # Secure session cookie: true, false, or "auto" (when the request came over HTTPS). The
    # kiosk is served on 127.0.0.1 over plain HTTP, so false (docs/operations.md).
    "SESSION_COOKIE_SECURE": False,
    # reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are believed
    # (0: none)
    "TRUSTED_PROXIES": 0,
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session; idle logout ends it
    "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 15}},
}


def instance_path_from_env() -> str:
    return os.path.abspath(os.environ.get("KIOSK_INSTANCE_PATH") or "instance")


def secret_key(instance: Path) -> str:
    """The session signing key, made once per instance and kept in the instance folder."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key
