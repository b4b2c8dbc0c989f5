"""Receipt numbers: short, readable from across a desk, unique per building."""

from __future__ import annotations

import re


def building_code(name: str) -> str:
    """Initials of the building name, at most four letters: "Page Jackson Elementary" -> "PJE"."""
    words = re.findall(r"[A-Za-z0-9]+", name)
    code = "".join(w[0] for w in words).upper()[:4]
    return code or "BLDG"


def receipt_label(code: str, number: int) -> str:
    return f"{code}-{number:05d}"
