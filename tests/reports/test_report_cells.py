"""`{{ cell|figure }}`, which prints the report's counts: the value, or "withheld" marked as
the report's stylesheet and readers expect (as the template it replaced did)."""

from django.template import Context, Template

from reports.suppression import Cell


def render(cell):
    return Template("{% load report_cells %}{{ cell|figure }}").render(Context({"cell": cell}))


def test_a_count_is_printed_and_zero_too():
    assert render(Cell(42)) == "42"
    assert render(Cell(0)) == "0"


def test_a_withheld_count_says_so_and_gives_nothing_away():
    assert render(Cell(None, withheld=True)) == '<span class="withheld">withheld</span>'
