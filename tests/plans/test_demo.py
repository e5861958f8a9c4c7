"""The demo's SEP: three versions written through the services, with lines on track, one
overdue and one due soon, and objectives left uncovered."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from plans import selectors
from plans.models import Plan
from stakeholders.models import Site

pytestmark = pytest.mark.django_db


def test_the_demo_plan(settings):
    settings.DEBUG = True
    output = StringIO()
    call_command("seed_demo", stdout=output)
    assert "Stakeholder engagement plans: 3 record(s) added." in output.getvalue()
    site = Site.objects.get()
    v1, v2, v3 = Plan.objects.order_by("version")
    assert (v1.status, v2.status, v3.status) == ("superseded", "approved", "draft")
    assert v1.approved_by.username == "security" and v1.in_force_from == v1.starts_on
    assert v2.approved_by.username == "admin" and v1.superseded_on == v2.in_force_from
    assert v2.lines.count() == v1.lines.count() + 1
    manager = get_user_model().objects.get(username="security")
    counts = selectors.line_status_counts(user=manager, site=site)
    assert counts["plan"] == v2
    assert (counts["overdue"], counts["due_soon"]) == (1, 1)
    record = selectors.plan_record(user=manager, plan=v2)
    assert {line.status for line in record.lines} == {"overdue", "due_soon", "on_track", "done"}
    assert record.uncovered
    # The uncleared reviewer does not count the restricted meeting with the defender.
    reviewer = get_user_model().objects.get(username="reviewer")
    assert selectors.line_status_counts(user=reviewer, site=site)["overdue"] == 2
    # Dry run: nothing written.
    call_command("seed_demo", "--dry-run", stdout=StringIO())
    assert Plan.objects.count() == 3
