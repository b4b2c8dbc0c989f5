"""A small ESC/POS reader for tests: splits receipt bytes into commands and printed text.

It knows the commands a receipt may use (python-escpos's text styles, feeds, cuts, QR codes and
raster images) and refuses anything else, so a receipt that sends a printer something unknown
fails its test instead of slipping through.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ESC, GS, FS, LF = 0x1B, 0x1D, 0x1C, 0x0A

# Command byte after ESC -> number of argument bytes.
_ESC_ARGS = {
    ord("@"): 0,  # initialise (printer reset)
    ord("2"): 0,  # default line spacing
    ord("3"): 1,  # line spacing
    ord("!"): 1,  # print mode (bit 0x20: double width)
    ord("-"): 1,  # underline
    ord("E"): 1,  # bold
    ord("G"): 1,  # double strike
    ord("M"): 1,  # font
    ord("R"): 1,  # international character set
    ord("V"): 1,  # rotate
    ord("a"): 1,  # align
    ord("d"): 1,  # print and feed n lines
    ord("J"): 1,  # print and feed n dots
    ord("t"): 1,  # code page
    ord("{"): 1,  # upside down
    ord("p"): 3,  # cash drawer pulse
}
# Command byte after GS -> number of argument bytes (blocks with a length are handled below).
_GS_ARGS = {
    ord("!"): 1,  # character size (high nibble: width - 1)
    ord("B"): 1,  # reverse
    ord("b"): 1,  # smoothing
    ord("L"): 2,  # left margin
    ord("W"): 2,  # print area width
    ord("h"): 1,  # barcode height
    ord("w"): 1,  # barcode width
    ord("H"): 1,  # barcode text position
    ord("f"): 1,  # barcode font
}
_CUT_WITH_FEED = {65, 66, 97, 98, 103, 104}


@dataclass(frozen=True)
class Command:
    raw: bytes

    @property
    def name(self) -> str:
        prefix = {ESC: "ESC", GS: "GS", FS: "FS"}[self.raw[0]]
        return f"{prefix} {chr(self.raw[1])}"


@dataclass(frozen=True)
class Raster:
    """A GS v 0 raster image: its width in dots, height in rows, and the packed bits (1 = a
    printed dot, most significant bit first, each row padded to whole bytes)."""

    width_dots: int
    height: int
    bits: bytes = b""

    def to_image(self):  # type: ignore[no-untyped-def]
        """The image as the paper shows it: black dots on white (a PIL image)."""
        from PIL import Image, ImageOps

        printed = Image.frombytes("1", (self.width_dots, self.height), self.bits)
        return ImageOps.expand(ImageOps.invert(printed.convert("L")), border=24, fill=255)


@dataclass
class Line:
    text: str = ""
    width: int = 0  # printed width in Font A columns, counting double-width characters twice


@dataclass
class Parsed:
    commands: list[Command] = field(default_factory=list)
    rasters: list[Raster] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    text_bytes: bytes = b""
    reset_offsets: list[int] = field(default_factory=list)  # where each ESC @ starts

    def names(self) -> list[str]:
        return [c.name for c in self.commands]

    def count(self, name: str) -> int:
        return self.names().count(name)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def _u16(lo: int, hi: int) -> int:
    return lo + 256 * hi


def parse(data: bytes) -> Parsed:
    """Read receipt bytes. Raises ValueError for a command this reader does not know."""
    out = Parsed()
    current = Line()
    width_factor = 1
    text = bytearray()
    i, n = 0, len(data)

    def need(count: int) -> None:
        if i + count > n:
            raise ValueError(f"command at byte {i} is cut short")

    while i < n:
        byte = data[i]
        if byte == LF:
            out.lines.append(current)
            current = Line()
            text.append(byte)
            i += 1
            continue
        if byte == ESC:
            need(2)
            op = data[i + 1]
            if op not in _ESC_ARGS:
                raise ValueError(f"unknown command ESC {op:#04x} at byte {i}")
            length = 2 + _ESC_ARGS[op]
            need(length)
            raw = data[i:i + length]
            if op == ord("@"):
                width_factor = 1
                out.reset_offsets.append(i)
            elif op == ord("!"):
                width_factor = 2 if raw[2] & 0x20 else 1
            out.commands.append(Command(raw))
            i += length
            continue
        if byte == GS:
            need(2)
            op = data[i + 1]
            if op == ord("V"):  # cut: GS V m, or GS V m n for the feed-and-cut forms
                need(3)
                length = 4 if data[i + 2] in _CUT_WITH_FEED else 3
            elif op == ord("v"):  # GS v 0 m xL xH yL yH, then xL+xH*256 bytes per row
                need(8)
                if data[i + 2] != ord("0"):
                    raise ValueError(f"unknown command GS v {data[i + 2]:#04x} at byte {i}")
                width_bytes = _u16(data[i + 4], data[i + 5])
                rows = _u16(data[i + 6], data[i + 7])
                bits = bytes(data[i + 8 : i + 8 + width_bytes * rows])
                out.rasters.append(Raster(width_bytes * 8, rows, bits))
                length = 8 + width_bytes * rows
            elif op == ord("("):  # GS ( fn pL pH, then pL+pH*256 bytes (QR codes, graphics)
                need(5)
                length = 5 + _u16(data[i + 3], data[i + 4])
            elif op == ord("8"):  # GS 8 L p1 p2 p3 p4, then a 32-bit length of bytes
                need(7)
                length = 7 + int.from_bytes(data[i + 3:i + 7], "little")
            elif op in _GS_ARGS:
                length = 2 + _GS_ARGS[op]
            else:
                raise ValueError(f"unknown command GS {op:#04x} at byte {i}")
            if op == ord("!"):
                need(3)
                width_factor = ((data[i + 2] >> 4) & 0x0F) + 1
            need(length)
            out.commands.append(Command(data[i:i + length]))
            i += length
            continue
        if byte == FS:
            need(2)
            if data[i + 1] not in (ord("."), ord("&")):  # Kanji mode off / on
                raise ValueError(f"unknown command FS {data[i + 1]:#04x} at byte {i}")
            out.commands.append(Command(data[i:i + 2]))
            i += 2
            continue
        if byte < 0x20 or byte == 0x7F:
            raise ValueError(f"unexpected control byte {byte:#04x} at byte {i}")
        current.text += chr(byte) if byte < 0x80 else "\ufffd"
        current.width += width_factor
        text.append(byte)
        i += 1
    if current.text:
        out.lines.append(current)
    out.text_bytes = bytes(text)
    return out


def split_at_resets(data: bytes) -> list[bytes]:
    """A stream of several receipts, cut before each printer reset (ESC @)."""
    if not data:
        return []
    starts = parse(data).reset_offsets
    if not starts or starts[0] != 0:
        starts = [0, *starts]
    return [data[a:b] for a, b in zip(starts, [*starts[1:], len(data)], strict=True)]
