"""Commands for district proof slips: the district's key, trusting it, and printing slips."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click
from flask.cli import with_appcontext

from .cli_errors import fail as _fail
from .errors import InvalidInput, KioskError


@click.group("keys")
def keys() -> None:
    """The district's slip signing key and the district keys this kiosk trusts."""


@keys.command("district")
@click.option("--create", is_flag=True,
              help="Make the district's signing key on this computer if it has none yet.")
@with_appcontext
def keys_district(create: bool) -> None:
    """Print the district's public key, for every kiosk to trust (`kiosk keys trust KEY`).

    The key alone goes to standard output (its key id and file to standard error), so that
    `kiosk keys trust "$(kiosk keys district)"` works on one computer."""
    from .domain.slips import district_kid, public_key_text
    from .services.district_keys import NO_KEY, district_key, key_path

    try:
        key = district_key(create=create)
    except KioskError as exc:
        return _fail(exc, 2)
    if key is None:
        return _fail(InvalidInput(NO_KEY), 2)
    public = key.public_key()
    click.echo(public_key_text(public))
    click.echo(f"Key id: {district_kid(public)}", err=True)
    click.echo(f"Signing key: {key_path()} (keep it secret, and back it up)", err=True)


@keys.command("trust")
@click.argument("key")
@with_appcontext
def keys_trust(key: str) -> None:
    """Trust a district public key (ed25519:...) when reading proof slips."""
    from .services.district_keys import trust_district_key

    try:
        kid = trust_district_key(key)
    except KioskError as exc:
        _fail(exc, 2)
    click.echo(f"Trusted district key {kid}.")


@click.command("slips")
@click.option("--building", required=True, help="The building whose staff get slips.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the PDF.")
@with_appcontext
def slips(building: str, out: Path) -> None:
    """Make a PDF of signed proof slips for staff whose proof has no QR code."""
    from .services.slips import slips_report, today

    try:
        report = slips_report(building, today())
        _write_atomically(out, report.pdf)
    except KioskError as exc:
        _fail(exc, 2)
    count = len(report.slips)
    click.echo(f"{count} slip{'' if count == 1 else 's'} for {report.building} written to {out}")


def _write_atomically(path: Path, data: bytes) -> None:
    folder = path.resolve().parent
    if not folder.is_dir():
        raise InvalidInput(f"The folder {folder} does not exist.")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise InvalidInput(f"Cannot write in {folder}: {exc.strerror}.") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InvalidInput(f"Cannot write {path}: {exc.strerror}.") from None

