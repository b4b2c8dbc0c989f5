"""What the district brings to the hub by hand: sync bundles from buildings without a network
(a USB stick), and its badge data (roster and catalogue CSV, Open Badges files)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Blueprint, g, request
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from kiosk.views.htmx import render

from ..auth import requires
from ..errors import InvalidInput
from ..services import badge_data, bundles
from .common import refused

bp = Blueprint("data", __name__)

BUNDLES = ("hub/bundles.html", "hub/partials/_bundles.html")
BADGE_DATA = ("hub/badge_data.html", "hub/partials/_badge_data.html")


@bp.get("/bundles")
@requires("read")
def bundles_page():  # type: ignore[no-untyped-def]
    return render(*BUNDLES, uploads=bundles.uploads())


@bp.post("/bundles")
@requires("import")
def upload_bundle():  # type: ignore[no-untyped-def]
    upload = request.files.get("bundle")
    try:
        if upload is None or not upload.filename:
            raise InvalidInput("Choose the sync bundle file the building exported.")
        report = bundles.import_bundle(upload.read(), g.user.name)
    except InvalidInput as exc:
        return refused(*BUNDLES, "#bundles-panel", exc, form="bundle",
                       uploads=bundles.uploads())
    return render(*BUNDLES, report=report, name=upload.filename, uploads=bundles.uploads())


@bp.get("/badge-data")
@requires("read")
def badge_data_page():  # type: ignore[no-untyped-def]
    return render(*BADGE_DATA, catalogue=badge_data.catalogue())


@bp.post("/badge-data")
@requires("import")
def import_badge_data():  # type: ignore[no-untyped-def]
    f = request.form
    try:
        with _saved(request.files.getlist("files")) as paths:
            report = badge_data.import_files(paths, credential=f.get("credential") or None,
                                             issuer=f.get("issuer") or None,
                                             url=f.get("url") or None)
    except InvalidInput as exc:
        return refused(*BADGE_DATA, "#badge-data-panel", exc, form="badge-data",
                       catalogue=badge_data.catalogue())
    return render(*BADGE_DATA, report=report, catalogue=badge_data.catalogue())


@contextmanager
def _saved(files: list[FileStorage]) -> Iterator[list[Path]]:
    """The uploaded files in a folder of their own, by their own (safe) names, for the
    importer, which reads files as `kiosk hub cache-import` gives them."""
    chosen = [f for f in files if f.filename]
    if not chosen:
        raise InvalidInput("Choose one or more files: a roster or catalogue CSV, or Open Badges "
                           "files.")
    with tempfile.TemporaryDirectory(prefix="hub-upload-") as folder:
        paths = []
        for i, upload in enumerate(chosen):
            name = secure_filename(upload.filename or "") or "upload"
            path = Path(folder) / f"{i:03d}" / name
            path.parent.mkdir()
            upload.save(path)
            paths.append(path)
        yield paths
