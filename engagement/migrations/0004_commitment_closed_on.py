"""A commitment has a closing date only while it is done or dropped.

Commitments reopened before this rule (open or in progress, still carrying the date they
were first closed) lose that date first, so the constraint holds; their history keeps it.
"""

from django.conf import settings
from django.db import migrations, models


def clear_closing_dates_of_open_commitments(apps, schema_editor):
    Commitment = apps.get_model("engagement", "Commitment")
    Commitment.objects.exclude(status__in=["done", "dropped"]).exclude(
        closed_on=None
    ).update(closed_on=None)


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0003_attachments"),
        ("stakeholders", "0006_site_time_zone"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(clear_closing_dates_of_open_commitments, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="commitment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("closed_on__isnull", True), ("status__in", ["done", "dropped"]), _connector="OR"
                ),
                name="commitment_closed_on_only_when_closed",
                violation_error_message="Only a commitment done or dropped has a closing date.",
            ),
        ),
    ]
