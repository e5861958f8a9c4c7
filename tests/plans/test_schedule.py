"""The due arithmetic of a planned line (plans.schedule): pure dates, no database."""

from datetime import date

import pytest

from plans.schedule import add_months, intervals, schedule


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 1, 31), 2, date(2024, 3, 31)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2025, 7, 15), 6, date(2026, 1, 15)),
    ],
)
def test_add_months_clamps_the_day(day, months, expected):
    assert add_months(day, months) == expected


def test_monthly_from_the_31st_in_a_leap_year_does_not_drift():
    found = intervals(date(2024, 1, 31), date(2024, 12, 30), 1)
    assert found[:4] == [
        (date(2024, 1, 31), date(2024, 2, 28)),
        (date(2024, 2, 29), date(2024, 3, 30)),
        (date(2024, 3, 31), date(2024, 4, 29)),
        (date(2024, 4, 30), date(2024, 5, 30)),
    ]
    # Each start is computed from the anchor: back on the 31st whenever the month has one.
    assert [first.day for first, _last in found] == [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30]
    assert found[-1] == (date(2024, 11, 30), date(2024, 12, 30))
    # Consecutive: no day left out, none counted twice.
    for (_f, last), (first, _l) in zip(found, found[1:], strict=False):
        assert (first - last).days == 1


def test_a_period_starting_on_a_leap_day():
    yearly = intervals(date(2024, 2, 29), date(2026, 2, 27), 12)
    assert yearly == [
        (date(2024, 2, 29), date(2025, 2, 27)),
        (date(2025, 2, 28), date(2026, 2, 27)),
    ]
    quarterly = intervals(date(2024, 2, 29), date(2025, 2, 27), 3)
    assert quarterly == [
        (date(2024, 2, 29), date(2024, 5, 28)),
        (date(2024, 5, 29), date(2024, 8, 28)),
        (date(2024, 8, 29), date(2024, 11, 28)),
        (date(2024, 11, 29), date(2025, 2, 27)),
    ]


def test_a_period_starting_mid_month_across_the_year_end():
    quarterly = intervals(date(2025, 7, 15), date(2026, 7, 14), 3)
    assert quarterly == [
        (date(2025, 7, 15), date(2025, 10, 14)),
        (date(2025, 10, 15), date(2026, 1, 14)),
        (date(2026, 1, 15), date(2026, 4, 14)),
        (date(2026, 4, 15), date(2026, 7, 14)),
    ]
    twice = intervals(date(2025, 7, 15), date(2026, 7, 14), 6)
    assert twice == [
        (date(2025, 7, 15), date(2026, 1, 14)),
        (date(2026, 1, 15), date(2026, 7, 14)),
    ]
    assert intervals(date(2025, 7, 15), date(2026, 7, 14), 12) == [
        (date(2025, 7, 15), date(2026, 7, 14))
    ]
    assert len(intervals(date(2025, 7, 15), date(2026, 7, 14), 1)) == 12


def test_the_last_interval_is_cut_at_the_period_end():
    assert intervals(date(2025, 1, 1), date(2025, 8, 10), 3) == [
        (date(2025, 1, 1), date(2025, 3, 31)),
        (date(2025, 4, 1), date(2025, 6, 30)),
        (date(2025, 7, 1), date(2025, 8, 10)),
    ]
    assert intervals(date(2025, 1, 1), date(2025, 12, 31), 12) == [
        (date(2025, 1, 1), date(2025, 12, 31))
    ]


def test_once_is_the_whole_period():
    assert intervals(date(2025, 3, 1), date(2026, 2, 28), None) == [
        (date(2025, 3, 1), date(2026, 2, 28))
    ]


def test_intervals_refuse_a_period_backwards():
    with pytest.raises(ValueError):
        intervals(date(2025, 2, 1), date(2025, 1, 1), 1)


YEAR = {"starts_on": date(2025, 1, 1), "ends_on": date(2025, 12, 31)}


def test_monthly_due_so_far_counts_intervals_ended_before_today():
    # 1 April: January, February and March have ended.
    line = schedule(**YEAR, months=1, logged=3, today=date(2025, 4, 1))
    assert (line.due, line.next_due, line.overdue, line.due_soon) == (
        3,
        date(2025, 4, 30),
        False,
        True,
    )
    # The last day of an interval is not yet past on that day.
    assert schedule(**YEAR, months=1, logged=0, today=date(2025, 1, 31)).due == 0
    assert schedule(**YEAR, months=1, logged=0, today=date(2025, 2, 1)).due == 1


def test_overdue_when_the_next_due_date_has_passed():
    line = schedule(**YEAR, months=1, logged=1, today=date(2025, 4, 1))
    assert line.next_due == date(2025, 2, 28)
    assert line.overdue and not line.due_soon
    assert line.status == "overdue"
    # On the due date itself: not overdue yet, due soon.
    line = schedule(**YEAR, months=1, logged=1, today=date(2025, 2, 28))
    assert not line.overdue and line.due_soon


def test_quarterly_across_the_year_end():
    period = {"starts_on": date(2025, 7, 15), "ends_on": date(2026, 7, 14)}
    line = schedule(**period, months=3, logged=1, today=date(2026, 1, 20))
    assert line.due == 2
    assert line.next_due == date(2026, 1, 14)
    assert line.overdue
    line = schedule(**period, months=3, logged=2, today=date(2026, 1, 20))
    assert line.next_due == date(2026, 4, 14) and not line.overdue and not line.due_soon
    assert line.status == "on_track"
    line = schedule(**period, months=3, logged=2, today=date(2026, 3, 20))
    assert line.due_soon


def test_twice_a_year_and_yearly():
    line = schedule(**YEAR, months=6, logged=0, today=date(2025, 7, 1))
    assert (line.due, line.next_due, line.overdue) == (1, date(2025, 6, 30), True)
    line = schedule(**YEAR, months=12, logged=0, today=date(2025, 7, 1))
    assert (line.due, line.next_due, line.overdue, line.due_soon) == (
        0,
        date(2025, 12, 31),
        False,
        False,
    )
    line = schedule(**YEAR, months=12, logged=0, today=date(2025, 12, 1))
    assert line.due_soon


def test_once_in_the_period():
    line = schedule(**YEAR, months=None, logged=0, today=date(2025, 12, 31))
    assert (line.due, line.next_due, line.overdue, line.due_soon) == (
        0,
        date(2025, 12, 31),
        False,
        True,
    )
    done = schedule(**YEAR, months=None, logged=1, today=date(2025, 3, 1))
    assert done.next_due is None and done.status == "done"


def test_all_covered_and_more_logged_than_due():
    line = schedule(**YEAR, months=3, logged=6, today=date(2025, 5, 1))
    assert line.next_due is None and not line.overdue and not line.due_soon
    assert line.status == "done"


def test_before_the_period_nothing_is_due():
    line = schedule(**YEAR, months=1, logged=0, today=date(2024, 11, 1))
    assert line.due == 0 and line.next_due == date(2025, 1, 31)
    assert not line.overdue and not line.due_soon


def test_after_the_period_every_interval_was_due():
    line = schedule(**YEAR, months=3, logged=3, today=date(2026, 2, 1))
    assert line.due == 4
    assert line.next_due == date(2025, 12, 31) and line.overdue


def test_a_leap_day_due_date():
    period = {"starts_on": date(2024, 1, 31), "ends_on": date(2025, 1, 30)}
    line = schedule(**period, months=1, logged=0, today=date(2024, 2, 28))
    assert line.next_due == date(2024, 2, 28) and not line.overdue
    line = schedule(**period, months=1, logged=1, today=date(2024, 3, 1))
    assert line.due == 1 and line.next_due == date(2024, 3, 30)
    period = {"starts_on": date(2024, 2, 29), "ends_on": date(2025, 2, 27)}
    line = schedule(**period, months=12, logged=0, today=date(2025, 2, 28))
    assert line.due == 1 and line.overdue and line.next_due == date(2025, 2, 27)


def test_a_line_added_mid_period_is_asked_only_the_intervals_from_then():
    line = schedule(
        **YEAR, months=3, logged=0, today=date(2025, 8, 1), effective_from=date(2025, 5, 10)
    )
    # The second quarter (where it came in) is kept whole; the first is not asked of it.
    assert line.intervals[0] == (date(2025, 4, 1), date(2025, 6, 30))
    assert (line.due, line.next_due, line.overdue) == (1, date(2025, 6, 30), True)
    line = schedule(
        **YEAR, months=3, logged=1, today=date(2025, 8, 1), effective_from=date(2025, 5, 10)
    )
    assert line.next_due == date(2025, 9, 30) and not line.overdue
