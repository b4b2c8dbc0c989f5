"""A longer hand-out log than the seeded district's, built through the real services: a roster
of people with long names (accents, hyphens, apostrophes), each given a pin on a day of the
last weeks, some by manual lookup, by the designee and by the office; the newest today."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask

from kiosk.extensions import db
from kiosk.services.cache_import import import_files
from kiosk.services.hand_out import hand_out
from kiosk.services.stock import receive_stock
from tests import factories

NAMES = ["Mary-Kate Øvergård-Sørensen", "Siobhán Ó'Súilleabháin", "Zoë Keller", "José Núñez",
         "Nguyễn Thị Minh Khai", "Anne O'Brien", "Dawson Whitaker-Underwood", "Riley Porter"]
LONG_PIN = factories.CHALLENGES  # no pin name: "Understanding Students Facing Challenges pin"


@dataclass(frozen=True)
class Given:
    """A pin handed out for the log: to whom, by whom, when, and its receipt."""

    person: str
    employee_id: str
    credential: str
    staff: str  # the role of the login that handed it out
    at: datetime
    manual: bool
    receipt: str


def fill_log(app: Flask, folder: Path, count: int = 60, now: datetime | None = None,
             start: int = 0) -> list[Given]:
    """``count`` hand-outs, oldest first, one every seven hours back from ``now``; every
    seventh the long-named pin, every tenth by manual lookup, every other by the office.
    ``start``: the number of the first person (for a second batch)."""
    now = now or datetime.now(UTC)
    plan = []
    for n in range(start, start + count):
        employee = f"L{1000 + n}"
        name = f"{NAMES[n % len(NAMES)]} {n}" if n >= len(NAMES) else NAMES[n]
        credential = LONG_PIN if n % 7 == 3 else factories.TRAUMA
        award = f"urn:uuid:{uuid.UUID(int=(7 << 100) + n, version=4)}"
        plan.append((employee, name, credential, award))
    roster = factories.write_csv(folder / f"log-roster-{start}.csv", factories.ROSTER_HEADER, [
        [employee, name, f"{employee.lower()}@example.org", factories.BUILDING, credential,
         "2023-01-10", award, "", "false", ""] for employee, name, credential, award in plan])
    given = []
    with app.app_context():
        report = import_files([roster])
        assert not report.errors, report.errors
        admin = factories.staff_id("admin")
        for credential in (factories.TRAUMA, LONG_PIN):
            receive_stock(credential, count, admin, note="for the log")
        for n, (employee, name, credential, award) in enumerate(plan, start):
            at = now - timedelta(hours=7 * (start + count - 1 - n))
            staff = "office" if n % 2 else "designee"
            manual = n % 10 == 5
            done = hand_out(award, str(uuid.uuid4()), factories.staff_id(staff), at=at,
                            print_receipt=False,
                            manual=("qr_torn", "") if manual else None)
            given.append(Given(name, employee, credential, staff, at, manual,
                               done.distribution.receipt))
        db.session.remove()
    return given
