"""The district's side of bench/desk_during_import.py: its hub, built with bench/hub.py's
builders, and its fourth phase, the desk while an admin imports the kiosk's district bundle on
the Sync page."""

from __future__ import annotations

import http.client
import os
import random
import re
import sqlite3
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hub as hub_bench
from scan import Browser

KIOSK = hub_bench.KIOSK


def build_hub(out: Path, database_url: str, awards: int,
              rng: random.Random) -> tuple[dict[str, str], float]:
    """A hub of ``awards`` awards in a schema of its own; its environment and import seconds."""
    hub_bench.OUT, hub_bench.SCHEMA = out / "hub", "bench_desk"
    hub_bench.OUT.mkdir(parents=True)
    env = hub_bench.hub_env(hub_bench.database_url(database_url))
    hub_bench.fresh_schema(database_url)
    subprocess.run([*KIOSK, "hub", "init"], env=env, check=True, stdout=subprocess.DEVNULL)
    district = hub_bench.write_district(out / "district", awards, rng)
    started = time.perf_counter()
    subprocess.run([*KIOSK, "hub", "cache-import", str(district / "catalogue.csv"),
                    str(district / "roster.csv")], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return env, time.perf_counter() - started


def enrollment_code(env: dict[str, str], building_name: str) -> str:
    os.environ.update({k: v for k, v in env.items() if k.startswith("KIOSK_HUB_")})
    from kiosk.sync.hub import create_hub_app
    from kiosk.sync.hub.extensions import hub_db
    from kiosk.sync.hub.services import enrollment

    app = create_hub_app()
    with app.app_context():
        building = enrollment.add_building(building_name)
        code = enrollment.new_code(building.id, None).code
        hub_db.session.remove()
        hub_db.engine.dispose()
    return code


# --- the district bundle ------------------------------------------------------------------------


def bundle_phase(run_desk: Callable[[Callable[[int], bool]], dict[str, Any]], port: int,
                 admin: Browser, hub: subprocess.Popen[bytes], env: dict[str, str],
                 db_path: Path, bundle: Path, building: str) -> dict[str, Any]:
    """The desk (``run_desk``) while ``admin`` uploads the kiosk's district bundle, as a
    building with no network does: the hub stopped (no pull meanwhile), the kiosk's pull cursor
    set back to 0 so that every change of the file is applied again."""
    subprocess.run([*KIOSK, "hub", "district-bundle", "--building", building, "--out",
                    str(bundle)], env=env, check=True, stdout=subprocess.DEVNULL)
    hub.terminate()
    hub.wait(timeout=30)
    with sqlite3.connect(db_path, timeout=30) as conn:
        conn.execute("UPDATE setting SET value = '0' WHERE key = 'sync:cursor'")
    answer: dict[str, Any] = {}

    def send() -> None:
        answer["status"], answer["message"] = upload_bundle(port, admin, bundle)

    started = time.perf_counter()
    uploader = threading.Thread(target=send, daemon=True)
    uploader.start()
    phase = run_desk(lambda n: not uploader.is_alive())
    phase["bundle"] = {"seconds": round(time.perf_counter() - started, 2),
                       "file_mb": round(bundle.stat().st_size / 2**20, 1),
                       "status": answer.get("status"), "message": answer.get("message", "")}
    return phase


def upload_bundle(port: int, admin: Browser, path: Path) -> tuple[int, str]:
    """The Sync page's import form, as the admin's browser posts it (no timeout: the answer
    comes when the file is applied); the status and the page's message."""
    boundary = uuid.uuid4().hex
    body = b"".join([
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        f"{admin.csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"bundle\"; "
        f'filename="{path.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode(),
        path.read_bytes(), f"\r\n--{boundary}--\r\n".encode()])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=None)
    try:
        conn.request("POST", "/sync/import", body=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", "HX-Request": "true",
            "Cookie": "; ".join(f"{k}={v}" for k, v in admin.cookies.items())})
        response = conn.getresponse()
        page = response.read().decode("utf-8", "replace")
    finally:
        conn.close()
    found = re.search(r"(Nothing new[^<]*|\d+ changes? applied[^<]*)", page)
    return response.status, found.group(1).strip() if found else page[:300]
