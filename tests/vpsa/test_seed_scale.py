from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from engagement.models import Commitment, Concern, Engagement, Finding
from plans.models import Plan, PlannedEngagement
from stakeholders.models import Site, Stakeholder
from tests.factories import EngagementFactory

pytestmark = pytest.mark.django_db


def seed_scale(**options):
    out = StringIO()
    call_command("seed_scale", stdout=out, **options)
    return out.getvalue()


def test_refuses_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        seed_scale(sites=1, stakeholders=10, engagements=10)
    assert not Site.objects.exists()


def test_builds_a_consistent_dataset_without_history(settings):
    settings.DEBUG = True
    output = seed_scale(sites=2, stakeholders=60, engagements=400, years=2)
    assert "400 engagements" in output
    assert Site.objects.filter(name__startswith="Scale site").count() == 2
    assert Stakeholder.objects.count() == 60
    engagements = Engagement.objects.prefetch_related("stakeholders__sites", "findings")
    assert len(engagements) == 400
    for engagement in engagements:
        met = list(engagement.stakeholders.all())
        assert met, "every engagement met someone"
        assert all(engagement.site in s.sites.all() for s in met), "of its own site"
        assert {f.community for f in engagement.findings.all()} <= set(met)
    assert Finding.objects.exists() and Commitment.objects.exists() and Concern.objects.exists()
    assert Plan.objects.count() == 4 and PlannedEngagement.objects.exists()
    assert not Engagement.history.exists() and not Stakeholder.history.exists()
    # Rows were written with explicit ids; the next one the application adds gets a new id.
    assert EngagementFactory(site=Site.objects.first()).pk > 400


def test_refuses_a_database_that_has_its_data_already(settings):
    settings.DEBUG = True
    seed_scale(sites=1, stakeholders=5, engagements=5)
    with pytest.raises(CommandError, match="already holds"):
        seed_scale(sites=1, stakeholders=5, engagements=5)
    assert Engagement.objects.count() == 5
