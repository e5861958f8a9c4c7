"""The roles' permissions on the site's Stakeholder Engagement Plan: security managers and
administrators draft and approve it; everyone else reads it.

Granted once, when this migration runs; an administrator's later changes to a role are
never overwritten. A draft is deleted only in the administration; the history keeps it.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("add", "change", "delete", "view")
EDIT = ("add", "change", "view")
VIEW = ("view",)

GRANTS = {
    "Administrator": {"plan": ALL + ("approve",), "plannedengagement": ALL},
    "Security manager": {"plan": EDIT + ("approve",), "plannedengagement": EDIT},
    "Community liaison officer": {"plan": VIEW, "plannedengagement": VIEW},
    "Reviewer": {"plan": VIEW, "plannedengagement": VIEW},
}


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    app_config = apps.get_app_config("plans")
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
                    content_type__app_label="plans",
                    codename__in=[f"{action}_{model}" for action in actions],
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0001_initial"),
        ("engagement", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
