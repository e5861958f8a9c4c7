"""What the site report draws many times a page, drawn by a filter rather than a template
included for each: `{{ cell|figure }}` prints a count of the report (a
`reports.suppression.Cell`), or says that it is withheld."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

register = template.Library()


@register.filter
def figure(cell):
    """The cell's value, or "withheld" in a `withheld` span (as printed and styled)."""
    if cell.withheld:
        return format_html('<span class="withheld">{}</span>', gettext("withheld"))
    return cell.value
