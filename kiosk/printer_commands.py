"""`kiosk printer status` and `kiosk printer test`: the receipt printer from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from .cli_errors import fail as _fail
from .errors import KioskError


@click.group("printer")
def printer() -> None:
    """The receipt printer: its status, a test page."""


@printer.command("status")
@with_appcontext
def printer_status() -> None:
    """Ask the printer how it is, and show the receipts waiting. Exit 1 when it cannot print."""
    from flask import current_app

    from kiosk.printers import queue
    from kiosk.printers.settings import PrinterSettings

    from .extensions import db
    from .services.printing import check_printer

    try:
        found, why = check_printer()
    except KioskError as exc:
        return _fail(exc, 2)
    counts = queue.counts(db.session)
    where = PrinterSettings.from_config(current_app.config).describe()
    click.echo(f"Printer ({where}): {found.words}" + (f". {why}" if why else ""))
    click.echo(f"Receipts waiting: {counts.waiting}"
               + (f" ({counts.uncertain} need a decision on the Printer page)"
                  if counts.uncertain else ""))
    sys.exit(1 if found.holds_queue else 0)


@printer.command("test")
@with_appcontext
def printer_test() -> None:
    """Print a test page now and say whether it worked (exit 1 when it did not)."""
    from .services.printing import print_test_page

    try:
        result = print_test_page(None)
    except KioskError as exc:
        return _fail(exc, 2)
    click.secho(result.message, fg=None if result.printed else "red",
                err=not result.printed)
    sys.exit(0 if result.printed else 1)
