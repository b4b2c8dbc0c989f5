"""The daily sheet and the period report as a PDF (issue 13): US Letter, for a principal and the
office to check and sign.

In order: each pin's stock reconciliation (the identity of kiosk/domain/ledger.py) with a line
saying whether it holds; a chart of hand-outs per day (kiosk/reports/office_chart.py); the
manual hand-outs with their reasons; the voids with their reasons; the waitlist at the end of
the period; signature lines. Every page carries the building, the period, when the report was
made and "Page N of M" (kiosk/reports/pdf_pages.py). Long lists are tables that run on over as
many pages as they need, their header repeated on each; nothing is cut short. Text from the
data is escaped for reportlab's markup (``pdf_pages.safe``)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .office_chart import hand_outs_chart
from .office_data import OfficeReport, long_date
from .pdf_kit import clean_line, pick_fonts
from .pdf_pages import (
    ALERT,
    GREY,
    INCH,
    INK,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    PAGE_H,
    PAGE_W,
    RULE,
    SHADE,
    STRIPE,
    WIDTH,
    Frame,
    FramedCanvas,
    Styles,
    safe,
    styles,
)

IDENTITY = ("opening + received + transfers in − transfers out − handed out + voided "
            "± adjustments ± count corrections = closing")
# (heading, the sign it enters the identity with, the Reconciliation field)
FIGURES = (("Opening", "", "opening"), ("Received", "+", "received"),
           ("Transfers in", "+", "transfers_in"), ("Transfers out", "−", "transfers_out"),
           ("Handed out", "−", "handed_out"), ("Voided", "+", "voided"),
           ("Adjust­ments", "±", "adjustments"), ("Count correc­tions", "±", "count_corrections"),
           ("Closing", "=", "closing"))


def render_office_pdf(report: OfficeReport) -> bytes:
    s = styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=(PAGE_W, PAGE_H),
        leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM, title=f"{report.title}: {clean_line(report.building)}",
        author="Pin Kiosk", creator="Pin Kiosk", invariant=1)
    frame = Frame(report.building, report.title, report.period_words,
                  f"{report.made_at:%Y-%m-%d %H:%M}")
    story: list[Any] = [
        s.markup(f"{report.title}: {safe(report.building)}", "title"),
        s.markup(safe(report.period_words), "body"),
        *_stock(report, s), *_chart(report, s), *_manual(report, s), *_voids(report, s),
        *_waitlist(report, s), _signatures(report, s),
    ]
    doc.build(story, canvasmaker=partial(FramedCanvas, frame=frame))
    return out.getvalue()


def _table(rows: list[list[Any]], widths: Sequence[float], numbers_from: int | None = None,
           extra: Sequence[tuple[Any, ...]] = ()) -> Table:
    """A table whose first row is its header, repeated on every page it runs on to."""
    regular, bold = pick_fonts()
    table = Table(rows, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), regular, 8, 9.6),
        ("FONT", (0, 0), (-1, 0), bold, 7.5, 9),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [None, STRIPE]),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if numbers_from is not None:
        style.append(("ALIGN", (numbers_from, 0), (-1, -1), "RIGHT"))
    table.setStyle(TableStyle([*style, *extra]))
    return table


def _heading(s: Styles, words: str, count: int | None = None) -> Any:
    """A section's heading, on the next page when too little of this one is left for it and
    a few lines under it (a long table under it then starts here and runs on)."""
    return [CondPageBreak(1.4 * INCH),
            s.markup(words + (f" ({count:,})" if count is not None else ""), "heading")]


# --- the stock ---------------------------------------------------------------------------------

def _number(value: int, sign: str) -> str:
    if sign == "±" and value:
        return f"{value:+,}".replace("-", "−")
    return f"{value:,}".replace("-", "−")


def _stock(report: OfficeReport, s: Styles) -> list[Any]:
    head = [s.markup("Pin", "head"),
            *(s.markup(f"{sign}<br/>{name}", "number_head") for name, sign, _ in FIGURES),
            s.markup("Holds", "number_head")]
    rows: list[list[Any]] = [head]
    totals = dict.fromkeys((field for _, _, field in FIGURES), 0)
    broken = []
    for pin in report.pins:
        figures = pin.figures
        for _, _, field in FIGURES:
            totals[field] += getattr(figures, field)
        rows.append([s.para(pin.pin), *(_number(getattr(figures, f), sign)
                                        for _, sign, f in FIGURES),
                     "yes" if figures.holds else "NO"])
        if not figures.holds:
            broken.append(pin)
    extra: list[tuple[Any, ...]] = []
    if len(report.pins) > 1:
        _, bold = pick_fonts()
        rows.append([s.markup("All pins", "head"),
                     *(_number(totals[f], sign) for _, sign, f in FIGURES),
                     "yes" if not broken else "NO"])
        extra = [("FONT", (0, -1), (-1, -1), bold, 8, 9.6), ("LINEABOVE", (0, -1), (-1, -1),
                                                             0.8, GREY)]
    for n, pin in enumerate(report.pins, 1):
        if not pin.figures.holds:
            extra.append(("TEXTCOLOR", (-1, n), (-1, n), ALERT))
    pin_w = WIDTH - 9 * 42 - 34
    flow: list[Any] = [*_heading(s, "Stock: each pin's reconciliation")]
    if not report.pins:
        flow.append(s.markup("The pin catalogue has no pins.", "body"))
        return flow
    extra += [("LEFTPADDING", (1, 0), (-1, 0), 1.5), ("RIGHTPADDING", (1, 0), (-1, 0), 2)]
    flow.append(_table(rows, [pin_w, *[42] * 9, 34], numbers_from=1, extra=extra))
    if broken:
        words = "; ".join(f"{safe(p.pin)}: the figures give {p.figures.expected_closing:,}, "
                          f"the closing stock is {p.figures.closing:,}" for p in broken)
        flow.append(Spacer(1, 4))
        flow.append(s.markup(f"<font color='#b31a1a'>The identity does NOT hold</font> for "
                             f"{words}. Count the pins and tell the district.", "body"))
    else:
        flow.append(Spacer(1, 4))
        flow.append(s.markup(f"The identity holds for every pin: {IDENTITY}.", "body"))
    flow.append(s.markup("Opening is the stock at the start of the first day, closing at the "
                         "end of the last. Handed out and transfers out are pins that left "
                         "the shelf; voided hand-outs put their pin back.", "note"))
    return flow


# --- the chart -----------------------------------------------------------------------------

def _chart(report: OfficeReport, s: Styles) -> list[Any]:
    total = report.handed_out
    days = len(report.per_day)
    if total:
        busiest_day, busiest = max(report.per_day, key=lambda p: (p[1], -p[0].toordinal()))
        words = (f"{total:,} hand-out{'s' if total != 1 else ''}" +
                 ("" if report.daily else
                  f" over {days:,} days; the busiest was {long_date(busiest_day)} "
                  f"({busiest:,})") + ". Voided hand-outs are counted on the day they were "
                 "made.")
    else:
        words = "No pins were handed out " + ("that day." if report.daily else
                                              "in this period.")
    return [KeepTogether([*_heading(s, "Hand-outs per day"), hand_outs_chart(report.per_day,
                                                                             WIDTH),
                          s.markup(words, "note")])]


# --- the lists -----------------------------------------------------------------------------

def _when(moment: datetime, report: OfficeReport) -> str:
    """A time in a list: the time alone on a daily sheet (for that day), else the date above
    the time."""
    if report.daily and moment.date() == report.first:
        return f"{moment:%H:%M}"
    return f"{moment:%Y-%m-%d}\n{moment:%H:%M}"


def _none(s: Styles, words: str) -> Any:
    return s.markup(words, "body")


def _manual(report: OfficeReport, s: Styles) -> list[Any]:
    flow = _heading(s, "Manual hand-outs (no proof scanned)", len(report.manual))
    if not report.manual:
        return [*flow, _none(s, "None: every pin was handed out against a scanned proof.")]
    rows: list[list[Any]] = [["Receipt", "When", "Person", "Pin", "Handed out by", "Reason"]]
    rows += [[clean_line(m.receipt), _when(m.at, report), s.para(f"{m.person} ({m.employee_id})"),
              s.para(m.pin), s.para(m.staff), s.para(m.reason)] for m in report.manual]
    return [*flow, _table(rows, [54, 54, 124, 104, 76, WIDTH - 412])]


def _voids(report: OfficeReport, s: Styles) -> list[Any]:
    flow = _heading(s, "Voided hand-outs", len(report.voids))
    if not report.voids:
        return [*flow, _none(s, "None.")]
    rows: list[list[Any]] = [["Receipt", "Voided", "Handed out", "Person", "Pin", "Voided by",
                              "Reason"]]
    rows += [[clean_line(v.receipt), _when(v.voided_at, report), _when(v.handed_out_at, report),
              s.para(v.person), s.para(v.pin), s.para(v.staff), s.para(v.reason)]
             for v in report.voids]
    return [*flow, _table(rows, [54, 54, 54, 100, 90, 72, WIDTH - 424])]


def _waitlist(report: OfficeReport, s: Styles) -> list[Any]:
    end = long_date(report.last)
    flow = _heading(s, f"Waitlist at the end of {end}", len(report.waiting))
    if not report.waiting:
        flow.append(_none(s, "No one was waiting for a pin."))
    else:
        rows: list[list[Any]] = [["Added", "Person", "Pin", "Since then"]]
        rows += [[_when(w.added_at, report), s.para(f"{w.person} ({w.employee_id})"),
                  s.para(w.pin), s.para(w.closed or "still waiting")] for w in report.waiting]
        flow.append(_table(rows, [54, 150, 205, WIDTH - 409]))
    if report.closed_unknown:
        flow.append(s.markup(
            f"Not listed: {report.closed_unknown:,} waitlist "
            f"entr{'ies' if report.closed_unknown != 1 else 'y'} closed before the kiosk "
            "recorded when; they may have been waiting then.", "note"))
    return flow


# --- signatures ----------------------------------------------------------------------------

def _signatures(report: OfficeReport, s: Styles) -> Any:
    """For the principal and the office: a line each for the name, the signature and the date,
    with a gap between the lines and what goes on each written under it."""
    regular, bold = pick_fonts()
    rows = []
    for who in ("Principal", "Office"):
        rows += [[who, "", "", "", "", ""], ["", "Name", "", "Signature", "", "Date"]]
    gap = 14
    room = WIDTH - 70 - 2 * gap
    widths = [70, room * 0.38, gap, room * 0.4, gap, room * 0.22]
    lines = [("LINEBELOW", (col, row), (col, row), 0.8, INK) for row in (0, 2)
             for col in (1, 3, 5)]
    table = Table(rows, colWidths=widths, rowHeights=[32, 14, 32, 14], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (0, -1), bold, 10),
        ("FONT", (1, 1), (-1, -1), regular, 7.5),
        ("TEXTCOLOR", (1, 1), (-1, 1), GREY), ("TEXTCOLOR", (1, 3), (-1, 3), GREY),
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        *lines,
    ]))
    what = "day" if report.daily else "period"
    return KeepTogether([
        *_heading(s, "Signatures"),
        s.markup(f"We have checked this report: the pins handed out, voided and on hand in "
                 f"{safe(report.building)} for this {what} are as it says.", "body"),
        Spacer(1, 2), table])
