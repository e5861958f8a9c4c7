"""The roles' permissions on engagements, commitments and concerns.

Granted once, when this migration runs; an administrator's later changes to a role are
never overwritten. Nobody deletes an engagement from the pages: only administrators may,
in the administration, and the history keeps it.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("add", "change", "delete", "view")
EDIT = ("add", "change", "view")
VIEW = ("view",)

GRANTS = {
    "Administrator": {"engagement": ALL, "commitment": ALL, "concern": ALL},
    "Security manager": {"engagement": EDIT, "commitment": EDIT, "concern": EDIT},
    "Community liaison officer": {"engagement": EDIT, "commitment": EDIT, "concern": EDIT},
    "Reviewer": {"engagement": VIEW, "commitment": VIEW, "concern": VIEW},
}


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    app_config = apps.get_app_config("engagement")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = True  # create_permissions skips apps without models
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        app_config.models_module = models_module
    for role, grants in GRANTS.items():
        group = Group.objects.filter(name=role).first()
        if group is None:
            continue
        for model, actions in grants.items():
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label="engagement",
                    codename__in=[f"{action}_{model}" for action in actions],
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0001_initial"),
        ("stakeholders", "0003_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
