"""Command-line commands. Each is a thin wrapper around a service that tests call directly."""

from __future__ import annotations

import gc
import json
import logging
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .cli_errors import fail as _fail
from .errors import KioskError, Refused
from .services import lookups

DESK_SWITCH_SECONDS = 0.001  # the GIL's switch interval under `kiosk serve` (see _serve)
# Bytes of an answer waitress holds for a connection before the app waits for the client: a
# streamed answer (the log's CSV) keeps the server's memory flat. Waitress's own 16 MiB grew an
# in-memory buffer by the size of the export and kept it while the browser stayed connected.
OUTBUF_HIGH_WATERMARK = 1024 * 1024


def register_commands(app: Flask) -> None:
    from kiosk.sync.commands import enroll, sync
    from kiosk.sync.hub.commands import hub

    from .backup_commands import backup, restore
    from .printer_commands import printer
    from .report_commands import report
    from .slip_commands import keys, slips

    for command in (init, verify, hand_out_cmd, serve, demo, cache, stock, backup, restore, keys,
                    slips, printer, report, hub, enroll, sync):
        app.cli.add_command(command)


@click.command("init")
@click.option("--building", required=True, help="This building's name, as the district spells it.")
@click.option("--admin", required=True, help="Name of the first administrator.")
@click.option("--pin", required=True, help="The administrator's PIN (4 to 12 digits).")
@with_appcontext
def init(building: str, admin: str, pin: str) -> None:
    """Create (or upgrade) the database, the building and the first administrator."""
    from .services.setup import init_instance

    try:
        report = init_instance(building, admin, pin)
    except KioskError as exc:
        _fail(exc, 2)
    for line in report.messages:
        click.echo(line)
    click.echo(f"Instance folder: {current_app.instance_path}")


@click.group("cache")
def cache() -> None:
    """The cached badge data: roster, pin catalogue, issuers, keys and revocation lists."""


@cache.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--credential", metavar="NAME", default=None,
              help="Tie every badge class or achievement in FILES to this catalogue "
                   "credential (without it: the credential with the badge class's name).")
@click.option("--issuer", metavar="ISSUER_ID", default=None,
              help="The issuer whose public keys a JWKS file holds (its profile must be "
                   "in the cache or in FILES).")
@click.option("--url", metavar="URL", default=None,
              help="Where the revocation or status list in FILES was published (the URL "
                   "badges name it by), when that is not the list's own id.")
@with_appcontext
def cache_import(files: tuple[Path, ...], credential: str | None, issuer: str | None,
                 url: str | None) -> None:
    """Import roster and catalogue CSV files and Open Badges documents (idempotent; changed
    rows are applied).

    Each file is read by its content: a CSV roster or catalogue; Open Badges JSON, one
    document or a list (OB 2.0 issuer profile, CryptographicKey, BadgeClass, Assertion,
    RevocationList; OB 3.0 profile, achievement, OpenBadgeCredential, 1EdTechRevocationList,
    status list credential); a JWKS (with --issuer); or a baked PNG or SVG badge image.
    """
    from .services.cache_import import count_rows, import_files

    total = count_rows(files)
    try:
        with click.progressbar(length=total, label="Importing", file=sys.stderr,
                               show_pos=True) as bar:
            report = import_files(files, progress=bar.update, credential=credential,
                                  issuer=issuer, url=url)
    except KioskError as exc:
        _fail(exc, 2)
    for error in report.errors:
        click.secho(error, fg="yellow", err=True)
    for warning in report.warnings:
        click.secho(f"Warning: {warning}", fg="yellow", err=True)
    click.echo(report.summary)
    sys.exit(1 if report.errors else 0)


@click.group("stock")
def stock() -> None:
    """Pin stock."""


@stock.command("receive")
@click.option("--credential", required=True, help="The credential whose pin arrived.")
@click.option("--qty", required=True, type=int, help="How many pins arrived.")
@click.option("--note", default="", help="Packing slip number, who delivered.")
@with_appcontext
def stock_receive(credential: str, qty: int, note: str) -> None:
    """Record a shipment of pins."""
    from .services.stock import receive_stock

    try:
        level = receive_stock(credential, qty, None, note)
    except KioskError as exc:
        _fail(exc, 2)
    click.echo(f"Received {qty} x {level.pin}. On hand: {level.on_hand}.")


@click.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--file", "--image", "file", type=click.Path(exists=True, dir_okay=False,
                                                           path_type=Path),
              help="A proof as a file instead of a payload: a PDF, a photo (JPEG, PNG, WebP), "
                   "a JSON credential or a baked badge image (PNG, SVG). --image is the same.")
@click.argument("payload", required=False)
@with_appcontext
def verify(as_json: bool, file: Path | None, payload: str | None) -> None:
    """Check a proof of badge without handing anything out. Exit 0 when ok, 1 otherwise, 2
    when the file is too large to read.

    PAYLOAD is what a scanner would type: a badge link, a badge id, a signed badge (JWS or
    VC-JWT) or a district proof slip."""
    from .services.proof_files import check_file, check_pasted

    if (file is None) == (payload is None):
        raise click.UsageError("Give either a PAYLOAD or --file FILE.")
    try:
        result = (check_file(file.read_bytes()) if file
                  else check_pasted(payload or "", hint="give it as a file: --file FILE"))
    except KioskError as exc:
        _fail(exc, 2)
    data = result.as_json()
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(f"{result.reason.value}: {result.headline}")
        for key in ("person", "credential", "pin", "award_id"):
            if data.get(key) is not None:
                click.echo(f"  {key}: {data[key]}")
        for key, value in data["checked"].items():
            if value is not None:
                click.echo(f"  {key}: {value['words'] if key == 'revocation' else value}")
        if data["read"] is not None:
            click.echo(f"  read from: {data['read']['words']}")
        if result.detail:
            click.echo(f"  detail: {result.detail}")
    sys.exit(0 if result.ok else 1)


@click.command("hand-out")
@click.argument("payload")
@click.option("--staff", required=True, help="Name of the staff member who handed it out.")
@click.option("--at", "at", default=None, help="When, as ISO time (back-entry from paper).")
@click.option("--note", default="", help="A note kept with the record.")
@click.option("--no-receipt", is_flag=True, help="Record without printing a receipt.")
@with_appcontext
def hand_out_cmd(payload: str, staff: str, at: str | None, note: str, no_receipt: bool) -> None:
    """Record a hand-out exactly as the kiosk does; prints the receipt number."""
    from .services.hand_out import hand_out

    try:
        moment = _parse_time(at) if at else None
        user = lookups.staff_named(staff)
        done = hand_out(payload, str(uuid.uuid4()), user.id, at=moment, note=note,
                        source="cli", print_receipt=not no_receipt)
    except Refused as exc:
        click.secho(f"Refused: {exc.reason.value}: {exc.reason.headline}", fg="red", err=True)
        sys.exit(1)
    except KioskError as exc:
        _fail(exc, 2)
    click.echo(done.distribution.receipt)


def _parse_time(text: str) -> datetime:
    from .errors import InvalidInput

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--at {text!r} is not an ISO time like 2026-11-20T10:30") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=lookups.timezone())
    return moment.astimezone(UTC)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@with_appcontext
def serve(host: str, port: int, threads: int) -> None:
    """Serve the kiosk through waitress, with the print worker."""
    _serve(current_app._get_current_object(), host, port, threads)  # type: ignore[attr-defined]


def _serve(app: Flask, host: str, port: int, threads: int) -> None:
    import waitress

    from kiosk.printers.worker import install
    from kiosk.sync.worker import install as install_sync

    from .db import start_checkpointer
    from .request_caps import largest_body
    from .services.backup import start_backups
    from .services.district import sync_if_enrolled
    from .services.own_process import SETTING as PULL_SETTING
    from .services.setup import ready_to_serve

    try:
        start_backups(app)  # holds the instance (no restore under it), nightly backups
        ready_to_serve()  # upgrades the schema in place after a software update
    except KioskError as exc:
        _fail(exc, 2)
    # after the upgrade, whose Alembic environment reads its logging from alembic.ini; and
    # force: python-escpos calls basicConfig() when imported, which would make this a no-op
    # and leave the server's INFO lines (a pull handed to its own process, ...) unwritten
    logging.basicConfig(level=logging.INFO, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if app.config.get("PRINT_WORKER"):
        install(app).start()
    if app.config.get(PULL_SETTING) is None:
        app.config[PULL_SETTING] = True  # a long pull leaves the server's interpreter to the desk
    if app.config.get("SYNC_WORKER"):
        install_sync(app, sync_if_enrolled).start()
    with app.app_context():
        start_checkpointer(app, float(app.config["CHECKPOINT_SECONDS"]))
    # The desk's requests share the interpreter with the workers' long work (a pull prepares
    # the district's pages in Python): a request gives the GIL up at each database call and
    # then waits up to the switch interval to get it back, 5 ms by default, some twenty times
    # a hand-out. 1 ms keeps a hand-out during a pull within a few ms of one without.
    sys.setswitchinterval(DESK_SWITCH_SECONDS)
    # Python's full garbage collection stops every thread, the desk's too; what is loaded by
    # now (the modules, the app) lives as long as the server and need never be scanned again.
    gc.freeze()
    click.echo(f"Pin Kiosk on http://{host}:{port}/  (Ctrl+C stops it)")
    waitress.serve(app, host=host, port=port, threads=threads, ident="pin-kiosk",
                   max_request_body_size=largest_body(app.config),
                   outbuf_high_watermark=OUTBUF_HIGH_WATERMARK)


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Seed the demo data and stop.")
@with_appcontext
def demo(host: str, port: int, no_serve: bool) -> None:
    """Seed a demo district (once) and serve it."""
    from kiosk.printers.settings import PrinterSettings

    from .services.demo import seed_demo

    report = seed_demo()
    click.echo("Demo district " + ("seeded." if report.seeded else "already seeded."))
    click.echo(f"Instance folder: {current_app.instance_path}")
    click.echo(f"Receipts go to: {PrinterSettings.from_config(current_app.config).describe()}")
    click.echo("Log in with one of these (name / PIN / role):")
    for name, pin, role in report.logins:
        click.secho(f"    {name:<15} {pin:<6} {role}", bold=True)
    click.echo("Try scanning (paste into the scan field):")
    for reason, payload in report.samples.items():
        click.echo(f"    {reason:<22} {payload}")
    proofs = Path(current_app.instance_path) / "sample-proofs"
    if proofs.is_dir():
        click.echo(f"The signed samples are also in {proofs}, one file per verdict.")
    images = Path(current_app.instance_path) / "sample-badges"
    click.echo(f"Or drop a signed badge image from {images} on the scan page.")
    click.echo("Admins can print proof slips on the Proof slips page.")
    if not no_serve:
        _serve(current_app._get_current_object(), host, port, 8)  # type: ignore[attr-defined]
