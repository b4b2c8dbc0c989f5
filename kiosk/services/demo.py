"""Seed a demo district through the real services: catalogue, roster, stock, staff logins."""

from __future__ import annotations

import csv
import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..domain.reasons import Reason
from ..extensions import db
from ..models import Award, AwardKey, Credential, Person
from .accounts import create_user
from .cache_import import import_files
from .demo_proofs import seed_demo_proofs, signed_samples, slip_sample
from .hand_out import hand_out
from .lookups import get_setting, set_setting, staff_named
from .setup import init_instance, upgrade_schema
from .stock import receive_stock, stock_levels

CATALOGUE = [  # DESIGN.md section 1: the seed district, oldest first; the first four have pins
    ("Understanding Trauma and the Brain", "2022-09-27", "Trauma-Informed pin"),
    ("Finding Balance", "2022-09-27", "Finding Balance pin"),
    ("Responding to Cultural Differences in Schools", "2022-11-18", "Cultural Differences pin"),
    ("Understanding Students Facing Challenges", "2022-11-18", "Students Facing Challenges pin"),
    ("Understanding Students Facing Challenges in the Digital World", "2023-03-01", ""),
    ("Introduction to Restorative Practice in School", "2023-03-01", ""),
    ("Serving Students with Exceptionalities", "2023-09-25", ""),
    ("Building Communication Skills", "2023-11-03", ""),
    ("Creating a Culture of Customer Service in School", "2024-02-01", ""),
]
BUILDINGS = ["Page Jackson Elementary", "Shepherdstown Middle School"]
STOCK = [40, 35, 3, 0]  # on hand for each pin: plenty, plenty, low, and none (out of stock)
PLENTY = 10  # the demo's earlier hand-outs and sample badges come from pins with this many
# The verdicts a plain award id from the roster shows, given the demo's stock and hand-outs.
FROM_ROSTER = {Reason.OK, Reason.ALREADY_ISSUED, Reason.REVOKED, Reason.NO_PIN_FOR_CREDENTIAL,
               Reason.OUT_OF_STOCK}
LOGINS = [("Demo Admin", "1234", "admin"), ("Demo Office", "1357", "office"),
          ("Demo Designee", "2468", "designee")]
FIRST = ["Avery", "Jordan", "Taylor", "Morgan", "Riley", "Casey", "Jamie", "Quinn", "Reese",
         "Rowan", "Sage", "Emerson", "Harper", "Logan", "Parker", "Skyler", "Dakota", "Elliot",
         "Finley", "Hayden", "José", "Zoë", "Siobhán", "Nguyễn"]
LAST = ["Anderson", "Brooks", "Carter", "Dawson", "Ellis", "Foster", "Grant", "Hughes",
        "Iverson", "Jenkins", "Keller", "Lawson", "Mercer", "Nolan", "O'Brien", "Porter",
        "Quincy", "Ramsey", "Sutton", "Turner", "Underwood", "Vaughn", "Whitaker", "Young"]


@dataclass
class DemoReport:
    seeded: bool
    logins: list[tuple[str, str, str]]
    samples: dict[str, str]


def seed_demo(people: int = 300, rng_seed: int = 2022) -> DemoReport:
    upgrade_schema()
    if get_setting("demo_seeded"):
        return DemoReport(False, LOGINS, _samples())
    init_instance(BUILDINGS[0], LOGINS[0][0], LOGINS[0][1])
    for name, pin, role in LOGINS[1:]:
        create_user(name, pin, role)
    folder = Path(current_app.instance_path)
    catalogue, roster = folder / "demo-catalogue.csv", folder / "demo-roster.csv"
    _write_catalogue(catalogue)
    _write_roster(roster, people, random.Random(rng_seed))
    report = import_files([catalogue, roster])
    assert not report.errors, report.errors
    admin = staff_named(LOGINS[0][0])
    for (credential, _, _), qty in zip(CATALOGUE[:4], STOCK, strict=True):
        if qty:
            receive_stock(credential, qty, admin.id, note="Demo shipment")
    designee = staff_named(LOGINS[2][0])
    stocked = _awards_with_pins(min_on_hand=PLENTY)
    for award_id in stocked[:5]:
        hand_out(award_id, str(uuid.uuid4()), designee.id, note="Demo hand-out")
    seed_demo_proofs(folder, images=stocked[5:7], signed=stocked[7:10])
    set_setting("demo_seeded", "1")
    db.session.commit()
    return DemoReport(True, LOGINS, _samples())


def _write_catalogue(path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["credential", "released_on", "has_pin", "pin_name"])
        for i, (name, released, pin) in enumerate(CATALOGUE):
            w.writerow([name, released, "true" if i < 4 else "false", pin])


def _write_roster(path: Path, people: int, rng: random.Random) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["employee_id", "name", "email", "building", "credential", "issued_on",
                    "award_id", "award_urls", "revoked", "revocation_reason"])
        for n in range(people):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email = f"{first[0]}{last}{n}@example.k12.wv.us".lower().replace("'", "")
            building = BUILDINGS[n % 2]
            earned = rng.sample(CATALOGUE, rng.randint(1, 6))
            for name, released, _ in earned:
                award_id = f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}"
                issued = date.fromisoformat(released) + timedelta(days=rng.randint(10, 400))
                uid = award_id.removeprefix("urn:uuid:")
                urls = (f"https://api.badgr.io/public/assertions/{uid.replace('-', '')[:22]}"
                        if rng.random() < 0.5 else f"https://www.credly.com/badges/{uid}")
                revoked = rng.random() < 0.02
                w.writerow([f"E{10000 + n}", f"{first} {last}", email, building, name,
                            issued.isoformat(), award_id, urls, "true" if revoked else "false",
                            "Issued in error" if revoked else ""])


def _awards_with_pins(min_on_hand: int) -> list[str]:
    """Awards not revoked whose pin has at least ``min_on_hand`` in stock, by employee id."""
    stocked = {level.credential_id for level in stock_levels() if level.on_hand >= min_on_hand}
    rows = db.session.scalars(select(Award).join(Award.person)
                              .where(Award.revoked.is_(False))
                              .order_by(Person.employee_id, Award.id))
    return [a.id for a in rows if a.credential_id in stocked]


def _samples() -> dict[str, str]:
    """Payloads to try on the scan page: one for every reason code, and an "ok" as a badge link
    and as a district slip. Recomputed on each start; the signed ones were written at seeding."""
    from .scan import check_proof

    found: dict[str, str] = {}
    oks: list[str] = []
    for award in db.session.scalars(select(Award).order_by(Award.id)):
        reason = check_proof(award.id).reason
        if reason is Reason.OK:
            oks.append(award.id)  # the second one is shown as a badge link and a slip
        found.setdefault(reason.value, award.id)
        if FROM_ROSTER <= found.keys() and len(oks) >= 2:
            break
    found.setdefault("unknown_badge", "urn:uuid:00000000-0000-4000-8000-000000000000")
    found["malformed"] = "not a badge at all"
    link = _someone_elses_link([*oks[:2], *found.values()])
    if link:
        found["recipient_mismatch"] = link
    found.update(signed_samples(Path(current_app.instance_path)))
    samples = {"ok": found["ok"]} if "ok" in found else {}
    samples.update(_second_ok(oks[1]) if len(oks) > 1 else {})
    samples.update((r.value, found[r.value]) for r in Reason if r is not Reason.OK
                   and r.value in found)
    return samples


def _second_ok(award_id: str) -> dict[str, str]:
    """Another "ok" award (trying one must not spend the other), as a badge link and a slip."""
    samples: dict[str, str] = {}
    alias = db.session.scalar(select(AwardKey.key).where(AwardKey.award_id == award_id,
                                                         AwardKey.key.like("url:%")))
    if alias:
        samples["ok (badge link)"] = "https://" + alias.removeprefix("url:")
    slip = slip_sample(award_id)
    if slip:
        samples["ok (district slip)"] = slip
    return samples


def _someone_elses_link(skip: list[str]) -> str | None:
    """A Canvas Credentials (Badgr) link to an award of a pin, with another person's email."""
    alias = db.session.scalar(
        select(AwardKey.key).join(AwardKey.award).join(Award.credential)
        .where(AwardKey.key.like("url:api.badgr.io/%"), Award.revoked.is_(False),
               Credential.has_pin.is_(True), AwardKey.award_id.not_in(skip))
        .order_by(AwardKey.key).limit(1))
    if alias is None:
        return None
    return f"https://{alias.removeprefix('url:')}?identity__email=someone.else@example.org"
