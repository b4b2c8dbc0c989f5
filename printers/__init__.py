"""Receipts: rendering (bytes) kept apart from transport (devices). Installed as kiosk.printers."""
