"""When a planned engagement is due: pure date arithmetic, no database.

The period (its first and last day, both included) is cut into consecutive intervals of the
line's frequency, anchored on the period's first day: interval k starts k × n months after
it (n = 1 monthly, 3 quarterly, 6 twice a year, 12 yearly), each computed from the anchor
(so a period starting on 31 January has intervals starting on 28 or 29 February, 31 March,
30 April, ..., never drifting to the 28th for good). The last interval is cut at the
period's end; "once" is the whole period. The engagement of an interval is due by the
interval's last day.

Engagements logged count in order: the first covers the first interval due, the second the
next, and so on. So the next due date is the last day of interval number (logged + 1), or
none when every interval is covered; a line is overdue when that date is before today, and
due soon when it falls from today to `DUE_SOON_DAYS` days after today.
"""

import calendar
import datetime
from dataclasses import dataclass

DUE_SOON_DAYS = 30

ONE_DAY = datetime.timedelta(days=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved by whole months, the day of the month clamped to the month's length
    (31 January + 1 month = 28 or 29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, _month_length(year, month)))


def _month_length(year, month):
    return calendar.monthrange(year, month)[1]


def intervals(starts_on: datetime.date, ends_on: datetime.date, months: int | None):
    """The period's intervals as (first day, last day) pairs, in order. `months` None: one
    interval, the whole period."""
    if ends_on < starts_on:
        raise ValueError("The period ends before it starts.")
    if months is None:
        return [(starts_on, ends_on)]
    if months < 1:
        raise ValueError("An interval is at least one month.")
    found = []
    k = 0
    while True:
        first = add_months(starts_on, k * months)
        if first > ends_on:
            return found
        last = min(add_months(starts_on, (k + 1) * months) - ONE_DAY, ends_on)
        found.append((first, last))
        k += 1


@dataclass(frozen=True)
class LineSchedule:
    """A planned line against the record on a day."""

    intervals: tuple  # the intervals that apply to the line, (first day, last day)
    due: int  # intervals whose last day is before today: engagements due so far
    logged: int  # matching engagements logged
    next_due: datetime.date | None  # last day of interval (logged + 1); None: all covered
    overdue: bool
    due_soon: bool

    @property
    def status(self):
        """ "overdue", "due_soon", "done" (every interval covered) or "on_track"."""
        if self.overdue:
            return "overdue"
        if self.due_soon:
            return "due_soon"
        if self.next_due is None:
            return "done"
        return "on_track"


def schedule(
    *,
    starts_on: datetime.date,
    ends_on: datetime.date,
    months: int | None,
    logged: int,
    today: datetime.date,
    effective_from: datetime.date | None = None,
) -> LineSchedule:
    """The line's schedule on `today`, with `logged` matching engagements.

    `effective_from`: the day the line came into the plan (a line added by a revision);
    intervals that ended before it were never asked of the line and are left out. The
    interval it falls in is kept whole."""
    applicable = [
        (first, last)
        for first, last in intervals(starts_on, ends_on, months)
        if effective_from is None or last >= effective_from
    ]
    due = sum(1 for _first, last in applicable if last < today)
    next_due = applicable[logged][1] if logged < len(applicable) else None
    overdue = next_due is not None and next_due < today
    due_soon = (
        next_due is not None
        and not overdue
        and next_due <= today + datetime.timedelta(days=DUE_SOON_DAYS)
    )
    return LineSchedule(
        intervals=tuple(applicable),
        due=due,
        logged=logged,
        next_due=next_due,
        overdue=overdue,
        due_soon=due_soon,
    )
