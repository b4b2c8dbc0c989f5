"""The test helper that reads ESC/POS bytes must itself catch what it is used to catch."""

import pytest

from tests.unit.escpos_tokens import parse


def test_commands_are_stripped_and_text_split_on_line_feeds():
    parsed = parse(b"\x1b@\x1bE\x01Bold\x1bE\x00 text\nnext\n")
    assert [line.text for line in parsed.lines] == ["Bold text", "next"]
    assert parsed.names() == ["ESC @", "ESC E", "ESC E"]


def test_raster_image_bytes_are_not_read_as_text():
    image = b"\x1dv0\x00\x02\x00\x03\x00" + b"\n\nAB\n\n"  # 2 bytes wide, 3 rows
    parsed = parse(b"before\n" + image + b"after\n")
    assert [line.text for line in parsed.lines] == ["before", "after"]
    assert parsed.rasters[0].width_dots == 16
    assert parsed.rasters[0].height == 3


def test_double_width_text_counts_twice():
    parsed = parse(b"\x1b!\x30AB\x1b!\x00C\n")
    assert parsed.lines[0].width == 5
    parsed = parse(b"\x1d!\x11AB\x1d!\x00\n")
    assert parsed.lines[0].width == 4


def test_cuts_are_counted():
    assert parse(b"x\n\x1bd\x06\x1dV\x00").count("GS V") == 1
    assert parse(b"x\n\x1dVB\x00").count("GS V") == 1


@pytest.mark.parametrize("data", [b"\x1b\xff", b"\x1d\xfe", b"ab\x07cd", b"\x1dv0\x00\x05\x00"])
def test_unknown_or_damaged_commands_are_refused(data):
    with pytest.raises(ValueError):
        parse(data)
