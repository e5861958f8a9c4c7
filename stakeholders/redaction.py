"""The one place that decides how a stakeholder's identity is shown.

A stakeholder read through `stakeholders.selectors` carries the `identity_visible`
annotation. One read any other way lacks it and is treated as hidden if at risk: a
missing annotation fails closed, never open. Templates, forms, the admin and exports reach
a stakeholder's name, location, notes and contacts through `identity()`, never directly.
"""

import re
import unicodedata

from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PLACEHOLDER_PATTERN = re.compile(r"^\s*protected\s+stakeholder\s+s-?\s*\d+\s*$", re.IGNORECASE)


def identity_visible(stakeholder):
    return not stakeholder.at_risk or getattr(stakeholder, "identity_visible", False)


def placeholder(stakeholder):
    return _("Protected stakeholder S-%(number)04d") % {"number": stakeholder.pk or 0}


def looks_like_placeholder(name):
    """Whether a name reads as a placeholder, look-alike characters included (compatibility
    forms, any dash, invisible characters), so no visible stakeholder passes for a
    protected one."""
    text = unicodedata.normalize("NFKC", str(name or ""))
    text = "".join(
        "-" if unicodedata.category(char) == "Pd" else char
        for char in text
        if unicodedata.category(char) not in ("Cf", "Mn")
    )
    return bool(PLACEHOLDER_PATTERN.match(text))


def display_name(stakeholder):
    return stakeholder.name if identity_visible(stakeholder) else placeholder(stakeholder)


class Protected:
    """What a hidden identity field shows: "Protected", marked as such in HTML."""

    text = gettext_lazy("Protected")

    def __str__(self):
        return str(self.text)

    def __html__(self):
        return format_html('<span class="identity-protected">{}</span>', self.text)


PROTECTED = Protected()


class Identity:
    """A stakeholder's identity as one viewer may see it: the real name, location, notes,
    vulnerable-group note and contacts, or the placeholder, "Protected" and no contacts."""

    def __init__(self, stakeholder):
        self.stakeholder = stakeholder
        self.visible = identity_visible(stakeholder)
        self.hidden = not self.visible

    @property
    def name(self):
        return display_name(self.stakeholder)

    @property
    def location(self):
        return self.stakeholder.location if self.visible else PROTECTED

    @property
    def notes(self):
        return self.stakeholder.notes if self.visible else PROTECTED

    @property
    def vulnerable_group_note(self):
        """Free text ("which other group") that may describe the person."""
        return self.stakeholder.vulnerable_group_note if self.visible else PROTECTED

    @property
    def contacts(self):
        if self.hidden:
            return self.stakeholder.contacts.none()
        return self.stakeholder.contacts.all()

    def __str__(self):
        return self.name


def identity(stakeholder):
    return Identity(stakeholder)
