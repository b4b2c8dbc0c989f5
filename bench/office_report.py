"""The period report's PDF for bench/office.py (issue 13): the period that holds about the
newest ``--report-hand-outs`` hand-outs of the instance (10,000 by default; at most 366 days),
``GET /reports/period.pdf`` for it a few times as office staff, each beside ``GET /healthz``
on the same server (the trivial request), and what came back (a PDF, its size, its pages)."""

from __future__ import annotations

import sqlite3
import subprocess
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from scan import Browser

TARGET_PDF_S = 3.0
MAX_DAYS = 366


def report_period(db_path: Path, hand_outs: int) -> dict[str, Any]:
    """From the day of the ``hand_outs``-th newest hand-out to the newest's (UTC days: the
    count is about, the building's days start a few hours later)."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        newest = conn.execute("SELECT max(handed_out_at) FROM distribution").fetchone()[0]
        nth = conn.execute("SELECT handed_out_at FROM distribution ORDER BY handed_out_at DESC "
                           "LIMIT 1 OFFSET ?", (max(hand_outs - 1, 0),)).fetchone()
        oldest = conn.execute("SELECT min(handed_out_at) FROM distribution").fetchone()[0]
        last = date.fromisoformat(newest[:10])
        first = max(date.fromisoformat((nth[0] if nth else oldest)[:10]),
                    last - timedelta(days=MAX_DAYS - 1))
        about = conn.execute("SELECT count(*) FROM distribution WHERE handed_out_at >= ? AND "
                             "handed_out_at < ?", (first.isoformat(),
                                                   (last + timedelta(days=1)).isoformat())
                             ).fetchone()[0]
    return {"from": first.isoformat(), "to": last.isoformat(), "days": (last - first).days + 1,
            "hand_outs_about": about}


def get_bytes(client: Browser, path: str) -> tuple[int, bytes, float, str]:
    """Browser.request for a binary answer: status, body, seconds, content type."""
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items())}
    started = time.perf_counter()
    client.conn.request("GET", path, headers=headers)
    response = client.conn.getresponse()
    data = response.read()
    return response.status, data, time.perf_counter() - started, \
        response.headers.get("Content-Type", "")


def pdf_pages(data: bytes) -> int | None:
    """The PDF's page count as pdfinfo reads it (None without poppler)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        try:
            out = subprocess.run(["pdfinfo", f.name], capture_output=True, text=True,
                                 check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            return None
    return next((int(line.split()[-1]) for line in out.splitlines()
                 if line.startswith("Pages:")), None)


def measure_reports(office: Browser, anonymous: Browser, period: dict[str, Any],
                    runs: int) -> dict[str, Any]:
    """``runs`` period PDFs, each followed by five ``GET /healthz``; the first PDF is a warm-up
    (not counted)."""
    path = "/reports/period.pdf?" + urlencode({"from": period["from"], "to": period["to"]})
    pdf_s: list[float] = []
    healthz_s: list[float] = []
    made: list[dict[str, Any]] = []
    for n in range(runs + 1):
        status, data, elapsed, kind = get_bytes(office, path)
        for _ in range(5):
            healthz_s.append(anonymous.request("GET", "/healthz", cookies=False)[2])
        if n == 0:
            continue
        pdf_s.append(elapsed)
        made.append({"s": round(elapsed, 3), "status": status, "kib": round(len(data) / 1024),
                     "pdf": kind == "application/pdf" and data.startswith(b"%PDF-")})
    pages = pdf_pages(data) if runs else None
    return {"period": period, "path": path, "runs": made, "pages": pages,
            "pdf_s": pdf_s, "healthz_s": healthz_s,
            "ok": all(r["status"] == 200 and r["pdf"] for r in made)}
