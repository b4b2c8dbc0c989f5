"""Inflate zlib or gzip data with a hard cap on the output: the one guard against
decompression bombs, shared by baked badge images and status lists."""

from __future__ import annotations

import zlib


class InflateError(ValueError):
    """Why the data could not be inflated: ``damaged``, ``too_large`` or ``truncated``."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


def inflate_capped(data: bytes, limit: int, *, gzip: bool = False) -> bytes:
    """The inflated bytes, at most ``limit`` of them; never allocates more than that."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
        if len(out) > limit or inflater.unconsumed_tail:
            raise InflateError("too_large")
        out += inflater.flush()
    except zlib.error:
        raise InflateError("damaged") from None
    if len(out) > limit:
        raise InflateError("too_large")
    if not inflater.eof:
        raise InflateError("truncated")
    return out
