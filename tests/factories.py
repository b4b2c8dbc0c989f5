"""Test data built through the real services: a small district with a catalogue, a roster,
stock and three logins."""

from __future__ import annotations

import csv
from pathlib import Path

from kiosk.domain.receipts import building_code
from kiosk.extensions import db
from kiosk.models import Building
from kiosk.services.accounts import create_user
from kiosk.services.cache_import import import_files
from kiosk.services.lookups import staff_named
from kiosk.services.stock import receive_stock

BUILDING = "Page Jackson Elementary"
CATALOGUE = [
    ("Understanding Trauma and the Brain", "2022-09-27", "true", "Trauma pin"),
    ("Finding Balance", "2022-09-27", "true", "Balance pin"),
    ("Responding to Cultural Differences in Schools", "2022-11-18", "true", ""),
    ("Understanding Students Facing Challenges", "2022-11-18", "true", ""),
    ("Building Communication Skills", "2023-11-03", "false", ""),
]
TRAUMA, BALANCE, CULTURE, CHALLENGES, COMMUNICATION = (c[0] for c in CATALOGUE)
LOGINS = {"admin": ("Ada Admin", "1111"), "office": ("Olive Office", "2222"),
          "designee": ("Dee Designee", "3333")}
ROSTER_HEADER = ["employee_id", "name", "email", "building", "credential", "issued_on",
                 "award_id", "award_urls", "revoked", "revocation_reason"]

# Awards in the test roster: id -> (employee, name, email, credential, issued, urls, revoked)
ALICE_TRAUMA = "urn:uuid:11111111-1111-4111-8111-111111111111"
ALICE_BALANCE = "urn:uuid:22222222-2222-4222-8222-222222222222"
BOB_TRAUMA = "urn:uuid:33333333-3333-4333-8333-333333333333"
BOB_REVOKED = "urn:uuid:44444444-4444-4444-8444-444444444444"
CARA_COMMUNICATION = "urn:uuid:55555555-5555-4555-8555-555555555555"
CARA_CHALLENGES = "urn:uuid:66666666-6666-4666-8666-666666666666"
BADGR_URL = "https://api.badgr.io/public/assertions/AbCdEf123456"
CREDLY_UUID = "77777777-7777-4777-8777-777777777777"
ROSTER = [
    ["E1", "Alice Able", "alice@example.org", BUILDING, TRAUMA, "2023-01-10", ALICE_TRAUMA,
     BADGR_URL, "false", ""],
    ["E1", "Alice Able", "alice@example.org", BUILDING, BALANCE, "2023-02-10", ALICE_BALANCE,
     f"https://www.credly.com/badges/{CREDLY_UUID}/public_url", "false", ""],
    ["E2", "Bob Baker", "bob@example.org", "Shepherdstown Middle School", TRAUMA, "2023-03-01",
     BOB_TRAUMA, "", "false", ""],
    ["E2", "Bob Baker", "bob@example.org", "Shepherdstown Middle School", CULTURE, "2023-03-02",
     BOB_REVOKED, "", "true", "Issued in error"],
    ["E3", "Cara Cole", "cara@example.org", BUILDING, COMMUNICATION, "2024-01-01",
     CARA_COMMUNICATION, "", "false", ""],
    ["E3", "Cara Cole", "cara@example.org", BUILDING, CHALLENGES, "2024-01-02",
     CARA_CHALLENGES, "", "false", ""],
]
STOCK = {TRAUMA: 10, BALANCE: 5, CULTURE: 3, CHALLENGES: 0}


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def seed_district(folder: Path) -> None:
    """Inside an app context with an empty schema: the building, logins, data and stock."""
    db.session.add(Building(name=BUILDING, code=building_code(BUILDING), is_here=True))
    db.session.commit()
    for role, (name, pin) in LOGINS.items():
        create_user(name, pin, role)
    catalogue = write_csv(folder / "catalogue.csv",
                          ["credential", "released_on", "has_pin", "pin_name"],
                          [list(c) for c in CATALOGUE])
    roster = write_csv(folder / "roster.csv", ROSTER_HEADER, ROSTER)
    report = import_files([catalogue, roster])
    assert not report.errors, report.errors
    admin = staff_named(LOGINS["admin"][0])
    for credential, qty in STOCK.items():
        if qty:
            receive_stock(credential, qty, admin.id, note="first shipment")


def staff_id(role: str) -> int:
    return staff_named(LOGINS[role][0]).id
