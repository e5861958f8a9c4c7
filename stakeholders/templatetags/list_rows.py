"""What the rows of the list pages draw many times a page, drawn without repeated work.

- `{{ record|choice_label:"format" }}`: what `record.get_format_display` gives (the label of
  the field's value, or the value itself), from a table of the field's labels made once.
  Django's method rebuilds that table on every call, translating every label of the field
  to hash it: the lists called it a few times a row.
- `{% met_stakeholders engagement %}`: the stakeholders met, at most three, as this viewer
  may see them (`stakeholders.redaction`), then "and N more".
"""

from django import template
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.html import format_html, format_html_join
from django.utils.translation import ngettext

from stakeholders import redaction

register = template.Library()

# How many of an engagement's stakeholders a row names; the others are counted.
MET_SHOWN = 3

_labels = {}


def _choice_labels(field):
    """{value: label} of a model field's choices, the labels left lazy (translated when
    shown, in the language of the request)."""
    labels = _labels.get(field)
    if labels is None:
        labels = _labels[field] = {
            make_hashable(value): label for value, label in field.flatchoices
        }
    return labels


@register.filter
def choice_label(record, name):
    field = record._meta.get_field(name)
    value = getattr(record, field.attname)
    return force_str(_choice_labels(field).get(make_hashable(value), value), strings_only=True)


@register.simple_tag
def met_stakeholders(engagement):
    """`_list_met.html`: `<span>name</span>, ...` (a hidden identity's placeholder marked
    `identity-protected`), then "and N more" past the first three."""
    met = list(engagement.stakeholders.all())
    names = format_html_join(
        ", ",
        "{}",
        (
            (
                format_html(
                    "<span>{}</span>"
                    if redaction.identity_visible(stakeholder)
                    else '<span class="identity-protected">{}</span>',
                    redaction.display_name(stakeholder),
                ),
            )
            for stakeholder in met[:MET_SHOWN]
        ),
    )
    if len(met) <= MET_SHOWN:
        return names
    more = len(met) - MET_SHOWN
    return format_html(
        "{} {}",
        names,
        ngettext("and %(counter)s more", "and %(counter)s more", more) % {"counter": more},
    )
