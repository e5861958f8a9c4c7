"""The roles, as Django groups with their model permissions.

A group is created with its permissions only when it does not exist yet: an administrator's
later changes to a role are never overwritten, and running this again duplicates nothing.
Later apps grant their own permissions to these groups in their own migrations.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("add", "change", "delete", "view")
EDIT = ("add", "change", "view")
VIEW = ("view",)

REFERENCE = ("function", "stakeholdercategory", "engagementobjective")

ROLES = {
    "Administrator": {
        ("stakeholders", "site"): ("change", "view"),
        ("stakeholders", "sitemembership"): ALL,
        **{("stakeholders", model): ALL for model in REFERENCE},
        ("stakeholders", "stakeholder"): ALL,
        ("stakeholders", "contact"): ALL,
        ("auth", "user"): EDIT,
        ("auth", "group"): VIEW,
    },
    "Security manager": {
        ("stakeholders", "site"): VIEW,
        **{("stakeholders", model): VIEW for model in REFERENCE},
        ("stakeholders", "stakeholder"): EDIT,
        ("stakeholders", "contact"): ALL,
    },
    "Community liaison officer": {
        ("stakeholders", "site"): VIEW,
        **{("stakeholders", model): VIEW for model in REFERENCE},
        ("stakeholders", "stakeholder"): EDIT,
        ("stakeholders", "contact"): ALL,
    },
    "Reviewer": {
        ("stakeholders", "site"): VIEW,
        **{("stakeholders", model): VIEW for model in REFERENCE},
        ("stakeholders", "stakeholder"): VIEW,
        ("stakeholders", "contact"): VIEW,
    },
}


def ensure_permissions(apps):
    """Permissions are normally made after all migrations ran; this one needs them now."""
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = True  # create_permissions skips apps without models
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = models_module


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ensure_permissions(apps)
    for name, grants in ROLES.items():
        group, created = Group.objects.get_or_create(name=name)
        if not created:
            continue
        for (app_label, model), actions in grants.items():
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label,
                    content_type__model=model,
                    codename__in=[f"{action}_{model}" for action in actions],
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("stakeholders", "0002_reference_data"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
