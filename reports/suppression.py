"""Small counts in the version of the site report shared outside the company.

A count from 1 to `threshold - 1` could point at a person (the one allegation of the year,
the two women at a meeting), so it is not printed. A total beside such counts would give
them back by subtraction, so a group printed with its total always withholds one count
large enough to hide among (or else the total); a total itself below the threshold
withholds the whole group. Zero is printed: "none" names nobody.
"""

from dataclasses import dataclass

DEFAULT_THRESHOLD = 5


@dataclass(frozen=True)
class Cell:
    value: int | None
    withheld: bool = False

    def __str__(self):
        return "" if self.value is None else str(self.value)


def _small(value, threshold):
    return value is not None and 0 < value < threshold


def suppress(values, *, total=None, threshold=DEFAULT_THRESHOLD):
    """The cells of a group of counts (and of its total, when given), with small ones and
    those that would give a small one away withheld. Returns (cells, total cell).

    Beside a printed total, the withheld counts add up to a known sum; if every one of them
    is small, that sum pins them down ([1, 1, 100] of 102: both are 1). So the smallest
    printed count of at least `threshold` is withheld with them, and when there is none,
    the total is withheld."""
    values = list(values)
    withheld = [_small(value, threshold) for value in values]
    total_withheld = _small(total, threshold)
    if total_withheld:
        withheld = [value is not None and value > 0 for value in values]
    elif total is not None and any(withheld):
        large = [
            (value, index)
            for index, value in enumerate(values)
            if not withheld[index] and value is not None and value >= threshold
        ]
        if large:
            withheld[min(large)[1]] = True
        else:
            total_withheld = True
    cells = [
        Cell(None if hidden else value, hidden)
        for value, hidden in zip(values, withheld, strict=True)
    ]
    total_cell = None
    if total is not None:
        total_cell = Cell(None if total_withheld else total, total_withheld)
    return cells, total_cell


def cell(value, *, threshold=DEFAULT_THRESHOLD):
    """A count standing alone, with no total to give it away."""
    return suppress([value], threshold=threshold)[0][0]
