"""`kiosk report daily` and `kiosk report period`: the reports a principal signs, as PDF files
(and the period's hand-outs as CSV), from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from .cli_errors import fail as _fail
from .errors import KioskError
from .slip_commands import _write_atomically

_OUT = click.Path(dir_okay=False, path_type=Path)


@click.group("report")
def report() -> None:
    """Reports to print and sign: the daily sheet and the period report."""


@report.command("daily")
@click.option("--date", "day", default="", metavar="YYYY-MM-DD",
              help="The day (default: today on the building's clock).")
@click.option("--out", required=True, type=_OUT, help="Where to write the PDF.")
@with_appcontext
def report_daily(day: str, out: Path) -> None:
    """The daily sheet of one day as a PDF."""
    from .services.reports import day_from, report_pdf

    try:
        made = report_pdf(day_from({"date": day}))
        _write_atomically(out, made.pdf)
    except KioskError as exc:
        return _fail(exc, 2)
    click.echo(f"Daily sheet for {made.report.period_words} written to {out}")


@report.command("period")
@click.option("--from", "first", required=True, metavar="YYYY-MM-DD", help="The first day.")
@click.option("--to", "last", required=True, metavar="YYYY-MM-DD",
              help="The last day (included; at most 366 days after --from).")
@click.option("--out", required=True, type=_OUT, help="Where to write the PDF.")
@click.option("--csv", "csv_out", type=_OUT, default=None,
              help="Also write the period's hand-outs here, as the log's CSV export does.")
@with_appcontext
def report_period(first: str, last: str, out: Path, csv_out: Path | None) -> None:
    """The period report from --from to --to as a PDF (and its hand-outs as CSV)."""
    from .services.reports import parse_period, period_csv, report_pdf

    try:
        period = parse_period(first, last)
        made = report_pdf(period)
        _write_atomically(out, made.pdf)
        if csv_out is not None:
            _write_atomically(csv_out, "".join(period_csv(period)).encode("utf-8"))
    except KioskError as exc:
        return _fail(exc, 2)
    click.echo(f"Period report for {made.report.period_words} written to {out}")
    if csv_out is not None:
        count = made.report.handed_out
        click.echo(f"{count:,} hand-out{'' if count == 1 else 's'} written to {csv_out}")
