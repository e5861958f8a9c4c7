"""The roles' permissions on perception findings: those who log engagements record them.

Granted once, when this migration runs; an administrator's later changes to a role are
never overwritten.
"""

from django.db import migrations

from stakeholders.roles import granting

ALL = ("add", "change", "delete", "view")
EDIT = ("add", "change", "view")
VIEW = ("view",)

GRANTS = {
    "Administrator": {"finding": ALL},
    "Security manager": {"finding": EDIT},
    "Community liaison officer": {"finding": EDIT},
    "Reviewer": {"finding": VIEW},
}


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0005_findings"),
        ("engagement", "0002_roles"),
    ]

    operations = [migrations.RunPython(granting("engagement", GRANTS), migrations.RunPython.noop)]
