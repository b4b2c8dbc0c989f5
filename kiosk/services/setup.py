"""Set up an instance: schema through migrations, the building and the first administrator."""

from __future__ import annotations

from dataclasses import dataclass

import flask_migrate
from sqlalchemy import inspect, select

from ..db import write_transaction
from ..domain.receipts import building_code
from ..domain.text import typed_name_problem
from ..errors import InvalidInput, NotFound
from ..extensions import db
from ..models import Building, StaffUser
from .accounts import create_user
from .lookups import name_key


@dataclass
class InitReport:
    building: str
    created_building: bool
    created_admin: bool
    messages: list[str]


def upgrade_schema() -> None:
    """Bring the database to the newest migration (creates it on a new instance)."""
    flask_migrate.upgrade()


def init_instance(building: str, admin: str, pin: str) -> InitReport:
    problem = typed_name_problem(building or "", "The building's name")
    if problem:
        raise InvalidInput(problem)
    building = " ".join((building or "").split())
    if not 2 <= len(building) <= 200:
        raise InvalidInput("Give the building's name (2 to 200 characters).")
    upgrade_schema()
    messages = []
    with write_transaction() as session:
        here = session.scalar(select(Building).where(Building.is_here.is_(True)))
        created_building = here is None
        if here is None:
            here = session.scalar(select(Building).where(Building.name == building))
            if here is None:
                here = Building(name=building, code=building_code(building))
                session.add(here)
            here.is_here = True
            messages.append(f"This kiosk is now in {building}.")
        elif here.name != building:
            messages.append(f"This kiosk is already set up for {here.name}; left unchanged.")
        else:
            messages.append(f"This kiosk is already set up for {here.name}.")
        name = here.name
        admin_exists = session.scalar(
            select(StaffUser.id).where(StaffUser.name_key == name_key(admin))
        )
    created_admin = False
    if admin_exists:
        messages.append(f"{admin} already has a login; the PIN was left unchanged.")
    else:
        create_user(admin, pin, "admin")
        created_admin = True
        messages.append(f"{admin} can now log in as an administrator.")
    return InitReport(name, created_building, created_admin, messages)


def ready_to_serve() -> str:
    """Check that this instance was set up, and bring its schema up to date. Returns the
    building's name."""
    if not inspect(db.engine).has_table("alembic_version"):
        raise NotFound(
            "This kiosk has no database yet. Run: kiosk init --building NAME --admin NAME "
            "--pin PIN"
        )
    upgrade_schema()
    with write_transaction() as session:
        here = session.scalar(select(Building.name).where(Building.is_here.is_(True)))
    if here is None:
        raise NotFound("This kiosk has no building yet. Run kiosk init first.")
    return here
