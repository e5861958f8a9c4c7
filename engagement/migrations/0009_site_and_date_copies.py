"""Commitments, concerns and findings carry a copy of their engagement's site (findings
its date too), so that a site's registers, counts and figures by quarter are read from
their own indexes (see `Commitment.site`, `Finding.site`); on
PostgreSQL those indexes and the engagements' by site and date carry the ids they are
joined by."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_sites(apps, schema_editor):
    Engagement = apps.get_model("engagement", "Engagement")

    def of_engagement(field):
        return Subquery(Engagement.objects.filter(pk=OuterRef("engagement")).values(field)[:1])

    for name in ("Commitment", "Concern"):
        apps.get_model("engagement", name).objects.update(site=of_engagement("site"))
    apps.get_model("engagement", "Finding").objects.update(
        site=of_engagement("site"), date=of_engagement("date")
    )
    if schema_editor.connection.vendor == "postgresql":
        # Check the new foreign keys now: PostgreSQL refuses to alter a table with checks
        # still pending in the transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0008_engagement_search_indexes"),
        ("stakeholders", "0007_export_log"),
    ]

    operations = [
        migrations.AddField(
            model_name="commitment",
            name="site",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="stakeholders.site",
                verbose_name="site",
            ),
        ),
        migrations.AddField(
            model_name="concern",
            name="site",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="stakeholders.site",
                verbose_name="site",
            ),
        ),
        migrations.AddField(
            model_name="finding",
            name="site",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="stakeholders.site",
                verbose_name="site",
            ),
        ),
        migrations.AddField(
            model_name="finding",
            name="date",
            field=models.DateField(editable=False, null=True, verbose_name="date"),
        ),
        migrations.RunPython(copy_sites, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="finding",
            name="site",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="stakeholders.site",
                verbose_name="site",
            ),
        ),
        migrations.AlterField(
            model_name="finding",
            name="date",
            field=models.DateField(editable=False, verbose_name="date"),
        ),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(
                fields=["site", "date"],
                include=["engagement", "community", "indicator", "value"],
                name="finding_site_date_idx",
            ),
        ),
        migrations.AlterField(
            model_name="commitment",
            name="site",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="stakeholders.site",
                verbose_name="site",
            ),
        ),
        migrations.AlterField(
            model_name="concern",
            name="site",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="stakeholders.site",
                verbose_name="site",
            ),
        ),
        migrations.AddIndex(
            model_name="commitment",
            index=models.Index(
                fields=["site", "status", "due_on"],
                include=["engagement"],
                name="commitment_site_status_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="concern",
            index=models.Index(
                fields=["site", "type", "status"],
                include=["engagement"],
                name="concern_site_type_idx",
            ),
        ),
        # The site's engagements by date, with their ids on PostgreSQL (see the model).
        migrations.RemoveIndex(model_name="engagement", name="engagement_site_date_idx"),
        migrations.AddIndex(
            model_name="engagement",
            index=models.Index(
                fields=["site", "-date", "confidentiality"],
                include=["id"],
                name="engagement_site_date_idx",
            ),
        ),
    ]
