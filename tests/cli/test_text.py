"""Text that fits 120 columns: tables with a wrapping last column, wrapped lines."""

from __future__ import annotations

from vigil.cli.text import table, wrap


def test_short_rows_are_aligned() -> None:
    assert table([["A", "BB", "C"], ["aaa", "b", "long message"]]) == [
        "A    BB  C",
        "aaa  b   long message",
    ]


def test_last_column_wraps_under_itself() -> None:
    message = " ".join(["word"] * 60)
    lines = table([["POD", "MESSAGE"], ["default/web", message]])
    assert all(len(line) <= 120 for line in lines)
    column = lines[1].index("word")
    assert all(line.startswith(" " * column) for line in lines[2:])
    assert " ".join(" ".join(lines[1:]).split()[1:]) == message


def test_last_column_goes_below_when_the_others_are_wide() -> None:
    lines = table([["A", "B"], ["x" * 110, "the reason"]])
    assert lines[1] == "x" * 110
    assert lines[2] == "    the reason"


def test_wrap_keeps_indentation() -> None:
    line = "    " + " ".join(["abc"] * 50)
    out = wrap(line, 40)
    assert all(len(x) <= 40 for x in out)
    assert out[0].startswith("    abc")
    assert all(x.startswith("      ") for x in out[1:])
    assert wrap("short") == ["short"]
