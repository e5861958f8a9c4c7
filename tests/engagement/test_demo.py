"""The demo's year of engagements, logged through the services."""

from io import StringIO

import pytest
from django.core.management import call_command

from engagement import selectors
from engagement.models import Commitment, Concern, Engagement
from stakeholders.models import StakeholderCategory

pytestmark = pytest.mark.django_db


def test_the_demo_year_covers_every_category_with_restricted_records(settings):
    settings.DEBUG = True
    output = StringIO()
    call_command("seed_demo", stdout=output)
    assert "Engagement: 12 record(s) added." in output.getvalue()

    engagements = Engagement.objects.all()
    covered = set(engagements.values_list("stakeholders__category", flat=True))
    assert covered == set(StakeholderCategory.objects.values_list("pk", flat=True))
    assert len(set(engagements.values_list("lead_function", flat=True))) >= 3
    restricted = engagements.get(confidentiality=Engagement.Confidentiality.RESTRICTED)
    assert restricted.stakeholders.get().at_risk
    assert restricted.history.get().history_user == restricted.created_by

    today = restricted.site.today()
    overdue = Commitment.objects.exclude(status__in=Commitment.CLOSED).filter(due_on__lt=today)
    assert overdue.exists()
    assert Commitment.objects.filter(status=Commitment.Status.DONE).exclude(closing_note="")
    allegation = Concern.objects.get(type__in=Concern.ALLEGATIONS)
    assert allegation.status == Concern.Status.UNDER_INVESTIGATION
    assert allegation.stakeholder is None and allegation.referred_to

    reviewer = restricted.site.memberships.get(user__username="reviewer").user
    assert restricted not in selectors.engagement_list(user=reviewer)
    assert allegation not in selectors.concern_list(user=reviewer)
    assert selectors.engagement_list(user=reviewer).count() == 11

    call_command("seed_demo", stdout=StringIO())
    assert Engagement.objects.count() == 12
