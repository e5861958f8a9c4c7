"""`parse_id`: the one reading of an id given in a query string. Anything but a plain run
of at most 18 ASCII digits names no row, so a bad value is left out, never an error."""

import pytest

from stakeholders.selectors import parse_id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0),
        ("7", 7),
        ("0042", 42),
        ("9" * 18, 999_999_999_999_999_999),
    ],
)
def test_digits_are_an_id(value, expected):
    assert parse_id(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        7,
        7.0,
        b"7",
        ["7"],
        "",
        " ",
        " 7",
        "7 ",
        "+7",
        "-7",
        "7.0",
        "1e3",
        "0x1f",
        "1_000",
        "²",
        "7²",
        "٣",  # ARABIC-INDIC DIGIT THREE
        "７",  # FULLWIDTH DIGIT SEVEN
        "1" * 19,
        "1" * 40,
        "banana",
    ],
)
def test_anything_else_is_no_id(value):
    assert parse_id(value) is None
