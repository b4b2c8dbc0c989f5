"""Helpers for the hub's page tests: read pages like a person, count what the hub holds."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from kiosk.sync.hub.extensions import hub_db
from tests.web.dom import Element, parse


def html(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def page(response: TestResponse) -> Element:
    return parse(html(response))


def alert(response: TestResponse) -> str:
    """The text of the one error shown."""
    return page(response).one(role="alert").text


def row_counts(app: Flask) -> dict[str, int]:
    """How many rows each of the hub's tables holds: nothing changed when none of these did."""
    with app.app_context():
        counts = {table.name: int(hub_db.session.scalar(
            select(func.count()).select_from(table)) or 0)
            for table in hub_db.metadata.sorted_tables}
        hub_db.session.remove()
    return counts


def csv_rows(response: TestResponse) -> list[dict[str, str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), "a CSV for spreadsheets starts with a BOM"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def pdf_text(data: bytes, folder: Path, layout: bool = False) -> str:
    """The PDF's text as pdftotext (poppler) reads it."""
    path = folder / "report.pdf"
    path.write_bytes(data)
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pdf_pages(data: bytes, folder: Path) -> list[Path]:
    """Each page of the PDF as a PNG (pdftoppm, 60 dpi)."""
    path = folder / "pages.pdf"
    path.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(folder / "page")],
                   check=True, capture_output=True)
    return sorted(folder.glob("page*.png"))
