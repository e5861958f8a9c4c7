"""Data for the registry's history, mapping and vulnerable-group markers.

- The vulnerable groups (created when missing, matched on `code`).
- Each existing stakeholder gets a first assessment with the ratings it had, dated the
  day it was recorded, so the registry's "latest assessment" is defined for everyone.
- Each existing registry row gets a first history entry, "Recorded before history was
  kept", dated when the row was made, so the first real change shows what it changed from.
- The roles get the permissions of the new models. Only permissions of models new in
  this migration are granted: nothing an administrator set on a role is overwritten.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.utils import timezone

VULNERABLE_GROUPS = [
    ("women", "Women"),
    ("youth", "Youth"),
    ("indigenous-peoples", "Indigenous Peoples"),
    ("people-with-disabilities", "People with disabilities"),
    ("other", "Other"),
]

BASELINE = "Recorded before history was kept"

HISTORY_MODELS = [
    ("stakeholders", "Function"),
    ("stakeholders", "StakeholderCategory"),
    ("stakeholders", "EngagementObjective"),
    ("stakeholders", "Site"),
    ("stakeholders", "SiteMembership"),
    ("stakeholders", "Stakeholder"),
    ("stakeholders", "Contact"),
    ("stakeholders", "VulnerableGroup"),
    ("auth", "User"),
]

# Historical many-to-many rows: (model, field, historical through model, target column).
HISTORY_M2M = [
    ("stakeholders", "Stakeholder", "sites", "HistoricalStakeholder_sites", "site"),
    ("auth", "User", "groups", "HistoricalUser_groups", "group"),
]

GRANTS = {
    "Administrator": {"vulnerablegroup": ("add", "change", "view"), "assessment": ("add", "view")},
    "Security manager": {"vulnerablegroup": ("view",), "assessment": ("add", "view")},
    "Community liaison officer": {"vulnerablegroup": ("view",), "assessment": ("add", "view")},
    "Reviewer": {"vulnerablegroup": ("view",), "assessment": ("view",)},
}


def load(apps, schema_editor):
    VulnerableGroup = apps.get_model("stakeholders", "VulnerableGroup")
    for order, (code, name) in enumerate(VULNERABLE_GROUPS, start=1):
        VulnerableGroup.objects.get_or_create(code=code, defaults={"name": name, "order": order})

    Stakeholder = apps.get_model("stakeholders", "Stakeholder")
    Assessment = apps.get_model("stakeholders", "Assessment")
    Assessment.objects.bulk_create(
        Assessment(
            stakeholder_id=pk,
            influence=influence,
            interest=interest,
            assessed_on=timezone.localdate(created_at),
            reason=BASELINE,
        )
        for pk, influence, interest, created_at in Stakeholder.objects.filter(
            assessments__isnull=True
        ).values_list("pk", "influence", "interest", "created_at")
    )

    now = timezone.now()
    for app_label, name in HISTORY_MODELS:
        model = apps.get_model(app_label, name)
        historical = apps.get_model("stakeholders", f"Historical{name}")
        tracked = [
            f.attname
            for f in historical._meta.concrete_fields
            if not f.name.startswith("history_") and f.attname != "history_user_id"
        ]
        recorded = set(historical.objects.values_list("id", flat=True).distinct())
        rows = []
        for obj in model.objects.exclude(pk__in=recorded).iterator():
            rows.append(
                historical(
                    # Dated when the row was made, where the row says so.
                    history_date=getattr(obj, "created_at", None)
                    or getattr(obj, "date_joined", None)
                    or now,
                    history_type="+",
                    history_change_reason=BASELINE,
                    **{attname: getattr(obj, attname) for attname in tracked},
                )
            )
        historical.objects.bulk_create(rows, batch_size=500)
    for app_label, name, field, m2m_name, column in HISTORY_M2M:
        model = apps.get_model(app_label, name)
        historical = apps.get_model("stakeholders", f"Historical{name}")
        m2m_history = apps.get_model("stakeholders", m2m_name)
        through = getattr(model, field).through
        owner = model._meta.model_name
        links = {}
        for link_id, owner_id, target_id in through.objects.values_list(
            "id", f"{owner}_id", f"{column}_id"
        ).iterator():
            links.setdefault(owner_id, []).append((link_id, target_id))
        rows = [
            m2m_history(
                history=record,
                id=link_id,
                **{f"{owner}_id": record.id, f"{column}_id": target_id},
            )
            for record in historical.objects.filter(history_change_reason=BASELINE).iterator()
            for link_id, target_id in links.get(record.id, [])
        ]
        m2m_history.objects.bulk_create(rows, batch_size=500)


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    app_config = apps.get_app_config("stakeholders")
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
                    content_type__app_label="stakeholders",
                    codename__in=[f"{action}_{model}" for action in actions],
                )
            )


class Migration(migrations.Migration):
    dependencies = [("stakeholders", "0004_history_vulnerable_groups_assessments")]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
