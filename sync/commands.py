"""`kiosk enroll` and `kiosk sync`: this kiosk and the district hub, from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from kiosk.cli_errors import fail as _fail
from kiosk.errors import KioskError


@click.command("enroll")
@click.option("--hub", "hub_url", required=True, help="The district hub's address.")
@click.option("--code", required=True, help="The one-time code the district gave.")
@click.option("--name", default="", help="A name for this kiosk (default: the building's).")
@with_appcontext
def enroll(hub_url: str, code: str, name: str) -> None:
    """Enroll this kiosk with the district hub (once)."""
    from kiosk.services.district import enroll as enroll_kiosk

    try:
        done = enroll_kiosk(hub_url, code, name)
    except KioskError as exc:
        return _fail(exc, 2)
    click.echo(f"Enrolled with {done.hub} as a kiosk of {done.building} ({done.kiosk_id}).")


@click.group("sync", invoke_without_command=True)
@click.pass_context
def sync(ctx: click.Context) -> None:
    """Sync with the district hub now: push the events waiting, pull what is new."""
    if ctx.invoked_subcommand is not None:
        return
    ctx.invoke(sync_now)


@sync.command("now", hidden=True)
@with_appcontext
def sync_now() -> None:
    from kiosk.services.district import sync_once

    try:
        report = sync_once()
    except KioskError as exc:
        return _fail(exc, 2)
    click.echo(report.summary[0].upper() + report.summary[1:] + ".")
    sys.exit(0 if report.ok else 1)


@sync.command("pull", hidden=True)
@click.option("--child", is_flag=True, help="Started by `kiosk serve`: stop when it stops.")
@click.option("--timeout", default=15.0, type=float)
@with_appcontext
def sync_pull(child: bool, timeout: float) -> None:
    """Pull the district's changes only, answering one line of JSON (kiosk serve hands a long
    pull to this command: kiosk/services/pull_process.py)."""
    from kiosk.services.district import pull_alone
    from kiosk.services.own_process import become_child

    if child:
        become_child()
    answer = pull_alone(timeout)
    click.echo(answer.to_line())
    sys.exit(0 if not answer.error else 1)


@sync.command("export")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the bundle (for example on a USB stick).")
@with_appcontext
def sync_export(out: Path) -> None:
    """Write a signed bundle of the events the hub has not acknowledged, for a building with
    no network: the district uploads it on the hub."""
    from kiosk.services.district_bundle import export_bundle

    try:
        count = export_bundle(out)
    except KioskError as exc:
        return _fail(exc, 2)
    click.echo(f"Wrote {count} events to {out}. Upload it on the hub (Bundles page, or "
               "`kiosk hub import FILE`).")


@sync.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--child", is_flag=True, help="Started by `kiosk serve`: stop when it stops, and "
              "answer one line of JSON.")
@with_appcontext
def sync_import(file: Path, child: bool) -> None:
    """Apply a district bundle the hub made for this kiosk (a building with no network): the
    district's badge data, revocations, stock and other buildings' hand-outs."""
    from kiosk.services.district_import import import_path

    if child:  # a big file uploaded on the Sync page (kiosk/services/bundle_process.py)
        from kiosk.services.bundle_process import child_answer
        from kiosk.services.own_process import become_child

        become_child()
        answer = child_answer(file)
        click.echo(json.dumps(answer))
        sys.exit(0 if "report" in answer else 1)
    try:
        report = import_path(file)
    except KioskError as exc:
        return _fail(exc, 2)
    click.echo(report.summary + ".")
