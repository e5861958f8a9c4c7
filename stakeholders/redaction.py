"""The one place that decides how a stakeholder's identity is shown.

A stakeholder read through `stakeholders.selectors` carries the `identity_visible`
annotation. One read any other way lacks it and is treated as hidden if at risk: a
missing annotation fails closed, never open.
"""

from django.utils.translation import gettext as _


def identity_visible(stakeholder):
    return not stakeholder.at_risk or getattr(stakeholder, "identity_visible", False)


def placeholder(stakeholder):
    return _("Protected stakeholder S-%(number)04d") % {"number": stakeholder.pk}


def display_name(stakeholder):
    return stakeholder.name if identity_visible(stakeholder) else placeholder(stakeholder)
