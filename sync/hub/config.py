"""The hub's configuration: these defaults, then ``hub.cfg`` in the hub's instance folder, then
``KIOSK_HUB_*`` environment variables (``KIOSK_HUB_DATABASE_URL``), then the mapping given to
``create_hub_app`` (tests)."""

from __future__ import annotations

import os

DEFAULTS = {
    "DISTRICT_NAME": "",
    "TIMEZONE": "America/New_York",
    "IDLE_MINUTES": 15,
    "LOCKOUT_ATTEMPTS": 5,
    "LOCKOUT_MINUTES": 5,
    "PIN_HASH_METHOD": "scrypt",
    "SILENT_KIOSK_HOURS": 48,  # a kiosk not heard from for this long is an exception
    "SWEEP_SECONDS": 300,  # how often `kiosk hub serve` looks for silent kiosks, stock below 0
    "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,  # sync bundles from big buildings
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Strict",
    "SESSION_COOKIE_NAME": "hub_session",
    "WTF_CSRF_TIME_LIMIT": None,
}


def hub_instance_from_env() -> str:
    return os.path.abspath(os.environ.get("KIOSK_HUB_INSTANCE_PATH") or "hub-instance")
