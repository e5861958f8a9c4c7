"""The roles' permissions on engagements, commitments and concerns.

Granted once, when this migration runs; an administrator's later changes to a role are
never overwritten. Nobody deletes an engagement from the pages: only administrators may,
in the administration, and the history keeps it.
"""

from django.db import migrations

from stakeholders.roles import granting

ALL = ("add", "change", "delete", "view")
EDIT = ("add", "change", "view")
VIEW = ("view",)

GRANTS = {
    "Administrator": {"engagement": ALL, "commitment": ALL, "concern": ALL},
    "Security manager": {"engagement": EDIT, "commitment": EDIT, "concern": EDIT},
    "Community liaison officer": {"engagement": EDIT, "commitment": EDIT, "concern": EDIT},
    "Reviewer": {"engagement": VIEW, "commitment": VIEW, "concern": VIEW},
}


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0001_initial"),
        ("stakeholders", "0003_roles"),
    ]

    operations = [migrations.RunPython(granting("engagement", GRANTS), migrations.RunPython.noop)]
