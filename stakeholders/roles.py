"""Giving the roles (Django groups) their permissions, from a migration, once.

A migration that adds a kind of record grants its permissions to the roles when it runs;
an administrator's later changes to a role are never overwritten (a later migration only
adds). Roles that do not exist (renamed by an administrator) are skipped.
"""

from django.contrib.auth.management import create_permissions


def granting(app_label, grants):
    """A `RunPython` function giving each role of `grants` ({role: {model: (action, ...)}})
    the permissions `<action>_<model>` of `app_label`'s models."""

    def grant(apps, schema_editor):
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
        app_config = apps.get_app_config(app_label)
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = True  # create_permissions skips apps without models
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = models_module
        for role, models in grants.items():
            group = Group.objects.filter(name=role).first()
            if group is None:
                continue
            for model, actions in models.items():
                group.permissions.add(
                    *Permission.objects.filter(
                        content_type__app_label=app_label,
                        codename__in=[f"{action}_{model}" for action in actions],
                    )
                )

    return grant
