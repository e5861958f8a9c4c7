"""The world the attacks on the perceptions, SEP, dashboard, export and report pages work
in: site A with its secrets planted as marker strings, site B with its administrator, and
the attackers (uncleared members of A, B's administrator)."""

import datetime

import pytest

from engagement.models import Concern, Engagement, Finding
from plans.models import Plan
from stakeholders.models import EngagementObjective, Function, StakeholderCategory
from tests.conftest import member_of
from tests.factories import (
    CommitmentFactory,
    ConcernFactory,
    EngagementFactory,
    FindingFactory,
    PlanFactory,
    PlannedEngagementFactory,
    SiteFactory,
    StakeholderFactory,
)

MARKERS = (
    "MARKER-HIDDEN-COMMUNITY",
    "MARKER-HIDDEN-LOCATION",
    "MARKER-HIDDEN-NOTES",
    "MARKER-RESTRICTED-EVIDENCE",
    "MARKER-RESTRICTED-SUMMARY",
    "MARKER-RESTRICTED-COMMITMENT",
    "MARKER-HIDDEN-EVIDENCE",
    "MARKER-ALLEGATION",
    "MARKER-ALLEGATION-SOURCE",
)

# Markers a cleared user at A may see but the site-B admin must not.
SITE_A_ONLY = ("MARKER-SITE-A-PUBLIC",)


class World:
    pass


@pytest.fixture
def world(db):
    w = World()
    w.a = SiteFactory(name="Alpha Mine MARKER-SITE-A-PUBLIC")
    w.b = SiteFactory(name="Bravo Copper")
    security = Function.objects.get(code="security")
    communities = StakeholderCategory.objects.get(code="local-communities")
    police = StakeholderCategory.objects.get(code="public-security-providers")
    security = Function.objects.get(code="security")
    w.communities, w.police, w.security = communities, police, security

    # People.
    w.cleared = member_of(
        w.a, cleared=True, username="secmgr", first_name="MARKER-SECRET-OWNER", last_name="X"
    )
    from stakeholders.models import SiteMembership

    SiteMembership.objects.filter(user=w.cleared).update(function=security)
    w.clo = member_of(w.a, roles=["Community liaison officer"], username="clo")
    w.reviewer = member_of(w.a, roles=["Reviewer"], username="rev")
    w.uadmin = member_of(w.a, roles=["Administrator"], username="uadmin", is_staff=True)
    w.badmin = member_of(
        w.b, cleared=True, roles=["Administrator"], username="badmin", is_staff=True
    )

    # Stakeholders.
    w.village = StakeholderFactory(name="Open village council", category=communities, sites=[w.a])
    w.hidden = StakeholderFactory(
        name="MARKER-HIDDEN-COMMUNITY",
        category=communities,
        location="MARKER-HIDDEN-LOCATION",
        notes="MARKER-HIDDEN-NOTES",
        at_risk=True,
        sites=[w.a],
    )
    w.police_post = StakeholderFactory(name="District police", category=police, sites=[w.a])
    w.b_village = StakeholderFactory(name="Bravo village", category=communities, sites=[w.b])

    today = w.a.today()
    w.day = today - datetime.timedelta(days=3)
    # An internal engagement with the open village: value 4 on satisfaction.
    w.internal = EngagementFactory(
        site=w.a,
        date=w.day,
        created_by=w.cleared,
        lead_function=security,
        stakeholders=[w.village, w.police_post],
    )
    w.internal.objectives.set(EngagementObjective.objects.filter(category=communities)[:1])
    FindingFactory(
        engagement=w.internal,
        community=w.village,
        indicator=Finding.Indicator.SATISFACTION,
        value=4,
        evidence="Open evidence",
    )
    # An internal engagement with the hidden community: its findings' evidence is secret.
    w.hidden_meeting = EngagementFactory(
        site=w.a,
        date=w.day,
        created_by=w.cleared,
        lead_function=security,
        stakeholders=[w.hidden],
    )
    FindingFactory(
        engagement=w.hidden_meeting,
        community=w.hidden,
        indicator=Finding.Indicator.SATISFACTION,
        value=2,
        evidence="MARKER-HIDDEN-EVIDENCE",
    )
    # A restricted engagement with the open village, value 1: it moves the mean.
    w.restricted = EngagementFactory(
        site=w.a,
        date=w.day,
        created_by=w.cleared,
        lead_function=security,
        confidentiality=Engagement.Confidentiality.RESTRICTED,
        summary="MARKER-RESTRICTED-SUMMARY",
        purpose="MARKER-RESTRICTED-SUMMARY",
        stakeholders=[w.village, w.police_post],
    )
    FindingFactory(
        engagement=w.restricted,
        community=w.village,
        indicator=Finding.Indicator.SATISFACTION,
        value=1,
        evidence="MARKER-RESTRICTED-EVIDENCE",
    )
    CommitmentFactory(engagement=w.restricted, description="MARKER-RESTRICTED-COMMITMENT")
    # An allegation on the internal engagement, raised by the hidden community.
    w.allegation = ConcernFactory(
        engagement=w.internal,
        type=Concern.Type.ALLEGATION_PUBLIC,
        description="MARKER-ALLEGATION",
        stakeholder=w.hidden,
    )
    # An open concern raised by the hidden community (allowed for the uncleared, redacted).
    ConcernFactory(
        engagement=w.internal,
        type=Concern.Type.OTHER,
        description="Dust on the road",
        stakeholder=w.hidden,
    )
    CommitmentFactory(engagement=w.internal, description="Water the road", owner=w.cleared)

    # The SEP at A, approved, with a line naming the hidden community.
    w.plan = PlanFactory(
        site=w.a,
        created_by=w.cleared,
        status=Plan.Status.APPROVED,
        approved_by=w.cleared,
        approved_at=datetime.datetime.now(datetime.UTC),
        in_force_from=today.replace(month=1, day=1),
    )
    w.line = PlannedEngagementFactory(
        plan=w.plan, category=None, stakeholder=w.hidden, lead_function=security
    )
    PlannedEngagementFactory(plan=w.plan, category=police, lead_function=security)
    w.draft = PlanFactory(
        site=w.a,
        created_by=w.cleared,
        starts_on=today.replace(year=today.year + 1, month=1, day=1),
    )

    # Site B's own record.
    w.b_meeting = EngagementFactory(
        site=w.b, date=w.b.today(), created_by=w.badmin, stakeholders=[w.b_village]
    )
    return w
