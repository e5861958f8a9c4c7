"""The roles' permissions on perception findings: those who log engagements record them.

Granted once, when this migration runs; an administrator's later changes to a role are
never overwritten.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("add", "change", "delete", "view")
EDIT = ("add", "change", "view")
VIEW = ("view",)

GRANTS = {
    "Administrator": {"finding": ALL},
    "Security manager": {"finding": EDIT},
    "Community liaison officer": {"finding": EDIT},
    "Reviewer": {"finding": VIEW},
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
        ("engagement", "0005_findings"),
        ("engagement", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
