"""A site's findings by date with every column its figures by quarter read as keys of the
index: SQLite has no INCLUDE, and read each of a period's ten thousand findings from the
table (PostgreSQL read the index alone already)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0010_commitment_register_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="finding",
            name="finding_site_date_idx",
        ),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(
                fields=["site", "date", "engagement", "community", "indicator", "value"],
                name="finding_site_date_idx",
            ),
        ),
    ]
