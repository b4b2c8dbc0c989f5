"""Settings an administrator changes on the Settings page. They are kept in the database and
laid over the file and environment configuration when the app starts and whenever they change."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import inspect

from ..db import write_transaction
from ..errors import InvalidInput
from ..extensions import db
from . import lookups

PREFIX = "config:"


@dataclass(frozen=True)
class Editable:
    key: str
    label: str
    help: str
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None

    def parse(self, raw: str) -> int | str:
        raw = (raw or "").strip()
        if self.choices:
            if raw not in self.choices:
                raise InvalidInput(f"{self.label}: choose one of {', '.join(self.choices)}.")
            return raw
        try:
            value = int(raw)
        except ValueError:
            raise InvalidInput(f"{self.label}: enter a whole number.") from None
        if not (self.minimum or 0) <= value <= (self.maximum or value):
            raise InvalidInput(f"{self.label}: between {self.minimum} and {self.maximum}.")
        return value


EDITABLE = (
    Editable("IDLE_MINUTES", "Log out after this many idle minutes",
             "A kiosk left logged in is logged out after this long without use.",
             minimum=1, maximum=240),
    Editable("RECEIPT_NAMES", "Names on receipts",
             "Print the staff member's full name, or only their initials.",
             choices=("full", "initials")),
)


def load_settings(app: Flask) -> None:
    """Lay the saved settings over the app's configuration (no-op before `kiosk init`)."""
    with app.app_context():
        if not inspect(db.engine).has_table("setting"):
            return
        for item in EDITABLE:
            saved = lookups.get_setting(PREFIX + item.key)
            if saved is not None:
                app.config[item.key] = item.parse(saved)
        db.session.remove()


def current() -> list[tuple[Editable, int | str]]:
    return [(item, current_app.config[item.key]) for item in EDITABLE]


def save_settings(form: dict[str, str]) -> None:
    values = {item.key: item.parse(form.get(item.key, "")) for item in EDITABLE}
    with write_transaction():
        for key, value in values.items():
            lookups.set_setting(PREFIX + key, str(value))
    current_app.config.update(values)
