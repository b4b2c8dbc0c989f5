"""Sync with the district hub. Installed as kiosk.sync."""
