"""The roles' permissions on the site's Stakeholder Engagement Plan: security managers and
administrators draft and approve it; everyone else reads it.

Granted once, when this migration runs; an administrator's later changes to a role are
never overwritten. Drafts are deleted on the plan's page by those who may edit them;
the history keeps them.
"""

from django.db import migrations

from stakeholders.roles import granting

ALL = ("add", "change", "delete", "view")
EDIT = ("add", "change", "view")
VIEW = ("view",)

GRANTS = {
    "Administrator": {"plan": ALL + ("approve",), "plannedengagement": ALL},
    "Security manager": {"plan": EDIT + ("approve",), "plannedengagement": EDIT},
    "Community liaison officer": {"plan": VIEW, "plannedengagement": VIEW},
    "Reviewer": {"plan": VIEW, "plannedengagement": VIEW},
}


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0001_initial"),
        ("engagement", "0002_roles"),
    ]

    operations = [migrations.RunPython(granting("plans", GRANTS), migrations.RunPython.noop)]
