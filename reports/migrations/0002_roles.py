"""The roles' permissions on the site report's lessons learned: security managers and
administrators write them; everyone else reads the report.

Granted once, when this migration runs; an administrator's later changes to a role are
never overwritten.
"""

from django.db import migrations

from stakeholders.roles import granting

ALL = ("add", "change", "delete", "view")
EDIT = ("add", "change", "view")
VIEW = ("view",)

GRANTS = {
    "Administrator": {"lessonslearned": ALL},
    "Security manager": {"lessonslearned": EDIT},
    "Community liaison officer": {"lessonslearned": VIEW},
    "Reviewer": {"lessonslearned": VIEW},
}


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("engagement", "0002_roles"),
    ]

    operations = [migrations.RunPython(granting("reports", GRANTS), migrations.RunPython.noop)]
