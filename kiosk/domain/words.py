"""Numbers in words people read: "1 minute", "2 minutes"."""

from __future__ import annotations


def count(n: int | float, word: str, plural: str | None = None) -> str:
    """``n`` and ``word``, in the plural unless ``n`` is one."""
    shown = int(n) if isinstance(n, float) and n.is_integer() else n
    return f"{shown} {word if shown == 1 else plural or word + 's'}"
