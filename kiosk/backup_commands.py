"""`kiosk backup --out FILE` and `kiosk restore FILE`: the kiosk's database, copied and put
back (kiosk/services/backup.py, restore.py; docs/operations.md, "Backups")."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from .cli_errors import fail as _fail
from .errors import KioskError


@click.command("backup")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the copy (for example on a USB stick).")
@with_appcontext
def backup(out: Path) -> None:
    """Copy the kiosk's database safely while the kiosk keeps running."""
    from .services.backup import backup_database

    try:
        size = backup_database(out)
    except KioskError as exc:
        return _fail(exc, 2)
    click.echo(f"Backed up {size // 1024} KB to {out}")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore(file: Path) -> None:
    """Put a backup in place of the kiosk's database (stop `kiosk serve` first).

    The backup is checked first; the database before is kept aside in the instance folder;
    events for the district recorded after the backup are carried over. Exit 2, with nothing
    changed, for a file that is not a kiosk database this version can restore."""
    from .services.restore import restore_database

    try:
        report = restore_database(file)
    except KioskError as exc:
        return _fail(exc, 2)
    for line in report.messages:
        click.secho(line, fg="yellow" if line.startswith("Warning") else None)
