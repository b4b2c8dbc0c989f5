"""The hub's configuration: these defaults, then ``hub.cfg`` in the hub's instance folder, then
``KIOSK_HUB_*`` environment variables (``KIOSK_HUB_DATABASE_URL``), then the mapping given to
``create_hub_app`` (tests)."""

from __future__ import annotations

import os

from kiosk.sync.protocol import MAX_BODY_BYTES

DEFAULTS = {
    "DISTRICT_NAME": "",
    "TIMEZONE": "America/New_York",
    "IDLE_MINUTES": 15,
    "LOCKOUT_ATTEMPTS": 5,
    "LOCKOUT_MINUTES": 5,
    "PIN_HASH_METHOD": "scrypt",
    "SILENT_KIOSK_HOURS": 48,  # a kiosk not heard from for this long is an exception
    "SWEEP_SECONDS": 300,  # how often `kiosk hub serve` looks for silent kiosks, stock below 0
    # The most bytes a request body may have (kiosk/request_caps.py): the pages' forms take
    # MAX_CONTENT_LENGTH; the routes in BODY_CAPS, by endpoint, their own (checked from
    # Content-Length before a byte is read; a chunked body is cut off at the cap).
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "BODY_CAPS": {
        "hub.login_post": 4 * 1024,
        "api.enroll": 8 * 1024,  # a code, a building, a name and a key: under 3 KB
        "api.push": MAX_BODY_BYTES,  # 500 events of at most 16 KB each
        # a sync bundle from a big building (services/bundles.py) and the form around it
        "data.upload_bundle": 64 * 1024 * 1024 + 64 * 1024,
        "data.import_badge_data": 64 * 1024 * 1024,  # roster, catalogue, Open Badges files
    },
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Strict",
    "SESSION_COOKIE_NAME": "hub_session",
    # Secure session cookie: "auto" marks it Secure when the request came over HTTPS (behind a
    # proxy that ends TLS, set TRUSTED_PROXIES); true always, false never (docs/operations.md)
    "SESSION_COOKIE_SECURE": "auto",
    # reverse proxies in front of the hub whose X-Forwarded-For/-Proto/-Host are believed
    # (0: none)
    "TRUSTED_PROXIES": 0,
    "WTF_CSRF_TIME_LIMIT": None,
}


def hub_instance_from_env() -> str:
    return os.path.abspath(os.environ.get("KIOSK_HUB_INSTANCE_PATH") or "hub-instance")
