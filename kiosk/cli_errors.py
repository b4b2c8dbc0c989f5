"""How every `kiosk` command ends on a refusal: the message in red on stderr, and an exit
status (1, or 2 for a usage error or a file past a cap)."""

from __future__ import annotations

import sys

import click

from .errors import KioskError


def fail(exc: KioskError, code: int = 1) -> None:
    click.secho(f"Error: {exc.message}", fg="red", err=True)
    sys.exit(code)
