"""`kiosk hub ...`: set up and run the district hub from the command line. Each command makes
the hub's own app (``create_hub_app``): its database is ``KIOSK_HUB_DATABASE_URL``, SQLite in
``KIOSK_HUB_INSTANCE_PATH`` (./hub-instance) by default."""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import sys
import threading
from pathlib import Path

import click
from flask import Flask

from .errors import HubError


def _app() -> Flask:
    """The hub's app for one command; its database connections are closed when the command
    ends (a command run inside another program, or a test, leaves none open behind it)."""
    from . import create_hub_app
    from .extensions import hub_db

    app = create_hub_app()
    command = click.get_current_context(silent=True)
    if command is not None:

        def close() -> None:
            with app.app_context():
                hub_db.session.remove()
                hub_db.engine.dispose()

        command.call_on_close(close)
    return app


def _fail(exc: HubError, code: int = 1) -> None:
    click.secho(f"Error: {exc.message}", fg="red", err=True)
    sys.exit(code)


@click.group("hub")
def hub() -> None:
    """The district hub: kiosks sync with it; district staff reconcile on it."""


@hub.command("init")
@click.option("--admin", default=None, help="Name of the first district admin.")
@click.option("--pin", default=None, help="Their PIN (4 to 12 digits).")
def hub_init(admin: str | None, pin: str | None) -> None:
    """Create (or upgrade) the hub's database, and the first district admin."""
    from .services.setup import init_hub

    app = _app()
    with app.app_context():
        try:
            for line in init_hub(admin, pin):
                click.echo(line)
        except HubError as exc:
            _fail(exc, 2)


@hub.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5100, show_default=True, type=int)
@click.option("--threads", default=16, show_default=True, type=int,
              help="Threads in each process.")
@click.option("--processes", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes sharing the port (Linux): one Python process uses one "
                   "core at a time; a district with many buildings gives the hub one per core.")
def hub_serve(host: str, port: int, threads: int, processes: int) -> None:
    """Serve the hub through waitress (the sync API and the district's pages)."""
    from .services.setup import ready_to_serve

    # force: python-escpos calls basicConfig() when imported, which would make this a no-op
    # and leave the server's INFO lines (a pull handed to its own process, ...) unwritten
    logging.basicConfig(level=logging.INFO, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = _app()
    with app.app_context():
        try:
            ready_to_serve()
        except HubError as exc:
            _fail(exc, 2)
    if processes > 1 and not hasattr(socket, "SO_REUSEPORT"):
        _fail(HubError("Several processes need SO_REUSEPORT (Linux); serve with one."), 2)
    click.echo(f"Pin Kiosk hub on http://{host}:{port}/ in {processes} process"
               f"{'es' if processes > 1 else ''}  (Ctrl+C stops it)")
    if processes == 1:
        serve_process(host, port, threads, sweep=True, shared=False)
        return
    spawn = multiprocessing.get_context("spawn")
    # every process runs the sweeper: they sweep once per period between them, and the
    # sweep goes on when one of them dies (services/setup.py: start_sweeper)
    workers = [spawn.Process(target=serve_process, args=(host, port, threads, True, True),
                             name=f"hub-{n}") for n in range(processes)]
    for worker in workers:
        worker.start()

    def stop(*_: object) -> None:
        for worker in workers:
            worker.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        for worker in workers:
            worker.join()
    except KeyboardInterrupt:
        stop()


def serve_process(host: str, port: int, threads: int, sweep: bool, shared: bool) -> None:
    """One server process: its own app and database pool; with ``shared`` its own listening
    socket on the shared port (the kernel hands each new connection to one process)."""
    import waitress

    from kiosk.request_caps import largest_body

    from .services.setup import start_sweeper

    # force: python-escpos calls basicConfig() when imported, which would make this a no-op
    # and leave the server's INFO lines (a pull handed to its own process, ...) unwritten
    logging.basicConfig(level=logging.INFO, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = _app()
    stop = threading.Event()
    if sweep:
        start_sweeper(app, stop)
    try:
        if not shared:
            waitress.serve(app, host=host, port=port, threads=threads, ident="pin-kiosk-hub",
                           max_request_body_size=largest_body(app.config))
            return
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        listener.bind((host, port))
        waitress.serve(app, sockets=[listener], threads=threads, ident="pin-kiosk-hub",
                       max_request_body_size=largest_body(app.config))
    finally:
        stop.set()


@hub.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", default="the command line", help="Who is importing (kept with it).")
def hub_import(files: tuple[Path, ...], by: str) -> None:
    """Import sync bundles that buildings brought on a USB stick (`kiosk sync export`)."""
    from .services.bundles import import_bundle

    app = _app()
    failed = False
    with app.app_context():
        for path in files:
            try:
                report = import_bundle(path.read_bytes(), by)
            except HubError as exc:
                click.secho(f"{path.name}: {exc.message}", fg="red", err=True)
                failed = True
                continue
            click.echo(f"{path.name}: {report.summary}")
    sys.exit(1 if failed else 0)


@hub.command("district-bundle")
@click.option("--kiosk", "kiosk_id", default=None, metavar="ID", help="The kiosk's id.")
@click.option("--building", default=None, metavar="NAME",
              help="Or its building: for the building's newest enrolled kiosk.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the file (for example on a USB stick).")
def hub_district_bundle(kiosk_id: str | None, building: str | None, out: Path) -> None:
    """Write a district bundle for a kiosk with no network: everything it would pull, signed
    by the hub; the kiosk applies it with `kiosk sync import FILE`."""
    from .services.district_bundles import kiosk_for, write_file

    app = _app()
    with app.app_context():
        try:
            made = write_file(kiosk_for(kiosk_id, building), out)
        except HubError as exc:
            return _fail(exc, 2)
        click.echo(f"Wrote {made.summary} to {out}. On that kiosk: `kiosk sync import FILE`, "
                   "or its Sync page.")


@hub.command("cache-import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--credential", default=None, metavar="NAME")
@click.option("--issuer", default=None, metavar="ISSUER_ID")
@click.option("--url", default=None, metavar="URL",
              help="Where the revocation or status list in FILES was published (the URL "
                   "badges name it by), when that is not the list's own id.")
def hub_cache_import(files: tuple[Path, ...], credential: str | None,
                     issuer: str | None, url: str | None) -> None:
    """Import the district's badge data (roster and catalogue CSV, Open Badges documents);
    kiosks get it on their next sync."""
    from kiosk.services.cache_import import count_rows

    from .services.badge_data import import_files

    app = _app()
    with app.app_context():
        try:
            with click.progressbar(length=count_rows(files), label="Importing",
                                   file=sys.stderr, show_pos=True) as bar:
                report = import_files(files, credential=credential, issuer=issuer,
                                      progress=bar.update, url=url)
        except HubError as exc:
            _fail(exc, 2)
    for error in report.errors:
        click.secho(error, fg="yellow", err=True)
    click.echo(report.summary)


@hub.command("building")
@click.argument("name")
def hub_building(name: str) -> None:
    """Add a building."""
    from .services.enrollment import add_building

    app = _app()
    with app.app_context():
        try:
            building = add_building(name)
        except HubError as exc:
            _fail(exc, 2)
    click.echo(f"Added {building.name}.")


@hub.command("code")
@click.argument("building")
def hub_code(building: str) -> None:
    """Make a one-time enrollment code for a building's kiosk (valid 7 days)."""
    from .services.enrollment import building_named, new_code

    app = _app()
    with app.app_context():
        try:
            made = new_code(building_named(building).id, None)
        except HubError as exc:
            _fail(exc, 2)
    click.echo(made.code)


@hub.command("user")
@click.argument("name")
@click.option("--pin", required=True)
@click.option("--role", type=click.Choice(["district_admin", "district_viewer"]),
              default="district_viewer", show_default=True)
def hub_user(name: str, pin: str, role: str) -> None:
    """Add a district login."""
    from .services.accounts import create_user

    app = _app()
    with app.app_context():
        try:
            user = create_user(name, pin, role)
        except HubError as exc:
            _fail(exc, 2)
    click.echo(f"{user.name} can now log in to the hub ({role}).")


@hub.command("reconcile")
def hub_reconcile() -> None:
    """Look for stock below zero and silent kiosks now; print the open exceptions."""
    from .services import reconcile

    app = _app()
    with app.app_context():
        reconcile.sweep()
        for exc in reconcile.exceptions("open"):
            click.echo(f"{exc.id}\t{exc.kind}\t{exc.summary}")


@hub.command("owed")
@click.option("--building", default=None, help="One building (by name); else the district.")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the report as CSV here.")
@click.option("--recount", is_flag=True,
              help="First work out again who is owed from every award and hand-out (the hub "
                   "keeps it as they change; this is for a database edited by hand).")
def hub_owed(building: str | None, csv_file: Path | None, recount: bool) -> None:
    """What is still owed: people owed each pin, per building, and how many pins to order."""
    from .db import hub_transaction
    from .services import owed, owed_count

    app = _app()
    with app.app_context():
        if recount:
            with hub_transaction() as session:
                kept = owed_count.recount(session)
            click.echo(f"Recounted who is owed from every award and hand-out: {kept} pins "
                       "owed.")
        report = owed.owed(building)
        if building and not report.rows:
            _fail(HubError(f"There is no building named {building!r} on the hub."), 2)
        for total in report.totals:
            click.echo(f"{total.pin}: {total.owed} owed, {total.on_hand} on hand. {total.words}.")
        for row in report.rows:
            if row.owed or row.short:
                click.echo(f"    {row.building}\t{row.pin}\t{row.owed} owed\t"
                           f"{row.on_hand} on hand" + (f"\tshort by {row.short}" if row.short
                                                       else ""))
        if csv_file is not None:
            csv_file.write_text(owed.owed_csv(report), encoding="utf-8", newline="")
            click.echo(f"Wrote {csv_file}.")
