"""Alembic's environment for these migrations: see kiosk/migrations/environment.py."""
from kiosk.migrations.environment import run

run()
