"""What is still owed (issue 14): per building and per pin, the people whose award earns a pin
and who have not been handed it, beside the stock there; and for the district, how many pins
to order.

*Owed* counts people, not awards: one pin per person per credential, so a person with two
awards of one credential (one re-issued) is owed one pin. An award earns a pin when its
credential has one in the catalogue and it is not revoked. A pin is *handed out* when any
building reported it and did not void it. A person is owed at the building the roster names
for them; a roster building the hub has no building for is shown under its own name, marked
"not enrolled", so nobody owed is left out.

*On hand* is what the district expects each building to hold (allocated + moved + received -
handed out + voided + count corrections: the dashboard's figure, reconcile.dashboard), never
below zero here; *allocated* is what the district sent. The district's shortfall for a pin is
what is owed everywhere less what is on hand everywhere: "order N more ... pins".

Who is owed is kept as awards are imported and hand-outs arrive (services/owed_count.py): the
report is a grouped count of those rows and the dashboard's figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..extensions import hub_db
from ..models import HubBuilding, HubCredential, utcnow
from . import exports, owed_count, reconcile
from .accounts import name_key

NOT_ENROLLED = "not enrolled"


@dataclass(frozen=True)
class OwedRow:
    building: str
    enrolled: bool  # the hub has this building (else: the roster's name for it)
    pin: str
    credential: str
    owed: int  # people
    on_hand: int
    allocated: int

    @property
    def short(self) -> int:
        """Pins this building lacks for the people owed here."""
        return max(self.owed - self.on_hand, 0)


@dataclass(frozen=True)
class PinTotal:
    pin: str
    credential: str
    owed: int
    on_hand: int
    allocated: int

    @property
    def to_order(self) -> int:
        return max(self.owed - self.on_hand, 0)

    @property
    def words(self) -> str:
        if self.to_order:
            return f"Order {self.to_order} more {self.pin}{'' if self.to_order == 1 else 's'}"
        if self.owed:
            return f"Enough on hand: {self.on_hand - self.owed} to spare"
        return "Nobody is owed this pin"


@dataclass(frozen=True)
class Owed:
    rows: list[OwedRow]
    totals: list[PinTotal]
    as_of: datetime
    building: str | None  # the building asked for, or None for the whole district


def owed_people(building: str | None = None,
                ) -> tuple[dict[tuple[str, str], int], dict[str, str]]:
    """(roster building key, credential name) -> people owed a pin; and each roster
    building's key -> its name as the roster spells it. With ``building``, only the people
    owed at that building, however the roster spells it (case, spaces): its spellings are
    found first among the roster's buildings. Read from what is kept (services/owed_count.py),
    a count of rows whatever the size of the district."""
    session = hub_db.session
    found: dict[tuple[str, str], int] = {}
    spelled: dict[str, str] = {}
    spellings = None
    if building is not None:
        spellings = [b for b in owed_count.roster_buildings(session)
                     if name_key(b or "") == name_key(building)]
        if not spellings:
            return found, spelled
    for roster_building, credential, people in owed_count.counts(session, spellings):
        spelled.setdefault(name_key(roster_building or ""),
                           " ".join((roster_building or "").split()))
        key = (name_key(roster_building or ""), credential)
        found[key] = found.get(key, 0) + people  # "A School" and "a  school" are one
    return found, spelled


def owed(building: str | None = None) -> Owed:
    """The report, for one building (by name) or the whole district."""
    session = hub_db.session
    pins = list(session.scalars(select(HubCredential).where(HubCredential.has_pin.is_(True))
                                .order_by(HubCredential.released_on, HubCredential.id)))
    label = {p.name: p.pin_label for p in pins}
    buildings = {b.name_key: b.name for b in session.scalars(select(HubBuilding))}
    stock = {(name_key(r.building), r.credential): r for r in reconcile.dashboard()}
    people, spelled = owed_people(building)
    rows: list[OwedRow] = []
    for key in sorted(set(buildings) | set(spelled)):
        for pin in pins:
            held = stock.get((key, pin.name))
            count = people.get((key, pin.name), 0)
            if key not in buildings and not count:
                continue
            rows.append(OwedRow(buildings.get(key) or _roster_name(spelled[key]), key in buildings,
                                label[pin.name], pin.name, count,
                                max(held.expected, 0) if held else 0,
                                held.allocated if held else 0))
    if building is not None:
        rows = [r for r in rows if name_key(r.building) == name_key(building)]
    totals = [PinTotal(label[p.name], p.name, sum(r.owed for r in rows if r.credential == p.name),
                       sum(r.on_hand for r in rows if r.credential == p.name),
                       sum(r.allocated for r in rows if r.credential == p.name)) for p in pins]
    return Owed(rows, totals, utcnow(), building)


def _roster_name(spelled: str) -> str:
    return f"{spelled or 'No building in the roster'} ({NOT_ENROLLED})"


def building_names() -> list[str]:
    return list(hub_db.session.scalars(select(HubBuilding.name).order_by(HubBuilding.name_key)))


# --- as CSV and PDF (the district's other reports' look: services/exports.py) -----------------

ROW_COLUMNS = (exports.Column("Building", 220), exports.Column("Pin", 170),
               exports.Column("Owed (people)", 70, True), exports.Column("On hand", 60, True),
               exports.Column("Allocated", 60, True), exports.Column("Short by", 60, True))
TOTAL_COLUMNS = (exports.Column("Pin", 170), exports.Column("Owed (people)", 70, True),
                 exports.Column("On hand", 60, True), exports.Column("Allocated", 60, True),
                 exports.Column("What to do", 260))


def sections(report: Owed) -> list[exports.Section]:
    scope = report.building or "the district"
    totals = exports.Section(f"Pins to order for {scope}", TOTAL_COLUMNS,
                             empty="No pin in the catalogue.",
                             note="Owed: people whose award earns the pin (not revoked) and who "
                                  "have not been handed it anywhere. On hand: what the district "
                                  "expects the buildings to hold.")
    for i, t in enumerate(report.totals):
        totals.rows.append([t.pin, t.owed, t.on_hand, t.allocated, t.words])
        if t.to_order:
            totals.marked.add(i)
    by_building = exports.Section("Owed by building", ROW_COLUMNS, empty="No buildings yet.",
                                  note="Shaded: the building has fewer pins than people owed.")
    for i, r in enumerate(report.rows):
        by_building.rows.append([r.building, r.pin, r.owed, r.on_hand, r.allocated, r.short])
        if r.short:
            by_building.marked.add(i)
    return [totals, by_building]


def owed_csv(report: Owed) -> str:
    header = ["building", "enrolled", "pin", "credential", "owed_people", "on_hand",
              "allocated", "short_by"]
    return exports.csv_text(header, ([r.building, "yes" if r.enrolled else "no", r.pin,
                                      r.credential, r.owed, r.on_hand, r.allocated, r.short]
                                     for r in report.rows))


def owed_pdf(report: Owed) -> bytes:
    title = "What is still owed" + (f": {report.building}" if report.building else "")
    return exports.pdf_of(title, sections(report), None)
