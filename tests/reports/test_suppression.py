from reports.suppression import Cell, cell, suppress


def values(cells):
    return [c.value for c in cells]


def test_small_counts_are_withheld_and_zero_is_not():
    cells, total = suppress([0, 3, 7, 12], threshold=5)
    assert values(cells) == [0, None, 7, 12]
    assert total is None


def test_a_withheld_count_beside_a_total_takes_the_smallest_large_one_with_it():
    cells, total = suppress([3, 7, 12], total=22, threshold=5)
    assert values(cells) == [None, None, 12]
    assert total == Cell(22)


def test_small_counts_withheld_together_are_not_pinned_down_by_the_total():
    # [1, 1, 100] of 102 would say both are 1; a large count goes with them.
    cells, total = suppress([1, 1, 100, 40], total=142, threshold=5)
    assert values(cells) == [None, None, 100, None]
    assert total.value == 142
    cells, total = suppress([4, 4, 100], total=108, threshold=5)
    assert values(cells) == [None, None, None]
    assert total.value == 108


def test_without_a_large_count_to_hide_among_the_total_is_withheld():
    cells, total = suppress([3, 2, 0], total=5, threshold=5)
    assert values(cells) == [None, None, 0]
    assert total.withheld


def test_a_small_total_withholds_the_group():
    cells, total = suppress([1, 0, 2], total=3, threshold=5)
    assert values(cells) == [None, 0, None]
    assert total.withheld and total.value is None


def test_nothing_small_nothing_withheld():
    cells, total = suppress([5, 9], total=14, threshold=5)
    assert values(cells) == [5, 9] and total.value == 14


def test_threshold_is_configurable_and_a_lone_count_stands_alone():
    assert cell(3, threshold=3).value == 3
    assert cell(2, threshold=3).withheld
    assert cell(0, threshold=3).value == 0
