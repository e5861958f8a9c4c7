from django import template

from stakeholders import redaction

register = template.Library()


@register.filter
def display_name(stakeholder):
    """`{{ stakeholder|display_name }}`: the name, or a neutral placeholder if hidden."""
    return redaction.display_name(stakeholder)


@register.filter
def identity_visible(stakeholder):
    return redaction.identity_visible(stakeholder)


@register.filter
def identity(stakeholder):
    """`{% with who=stakeholder|identity %}{{ who.name }} {{ who.location }}{% endwith %}`:
    the identity fields as this page's viewer may see them."""
    return redaction.identity(stakeholder)
