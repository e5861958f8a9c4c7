"""The commitments register in the admin, in its order (due date, then id): at the user's
sites from an index that also holds each row's engagement (so the page is read in order
and the count without the rows), and across every site for a superuser, rather than
sorting a site's (or every) commitment to show 25."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0009_site_and_date_copies"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="commitment",
            index=models.Index(
                fields=["site", "due_on", "id", "engagement"], name="commitment_site_due_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="commitment",
            index=models.Index(fields=["due_on", "id"], name="commitment_due_idx"),
        ),
    ]
