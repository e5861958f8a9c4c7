"""How the dashboard reads its figures: the categories and their objectives in one query
(a category without objectives still a row of the engagements panel), the engagements by
category with their totals in one (an engagement that met no stakeholder counted in the
totals only), the clearance read with the sites, and the whole page in a bounded number
of queries for the cleared, the uncleared and a superuser."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard import selectors
from dashboard.selectors import Quarter
from engagement.models import Concern, Engagement, Finding
from plans.models import Plan
from stakeholders.models import EngagementObjective, StakeholderCategory
from tests.factories import (
    CategoryFactory,
    CommitmentFactory,
    ConcernFactory,
    EngagementFactory,
    FindingFactory,
    PlanFactory,
    PlannedEngagementFactory,
    StakeholderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HOME = reverse("home")
TODAY = datetime.date(2026, 5, 20)
# The queries of the whole page, for anyone (issue 8: under 15).
MAX_QUERIES = 14


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime.datetime(2026, 5, 20, 12, tzinfo=datetime.UTC), tick=False):
        yield


def test_every_category_with_its_objectives_in_order_in_one_query():
    bare = CategoryFactory(code="zz-no-objectives", order=99)
    with CaptureQueriesContext(connection) as queries:
        categories = selectors.category_list()
    assert len(queries) == 1
    assert categories == list(StakeholderCategory.objects.all())
    for category in categories:
        assert category.objective_list == list(
            EngagementObjective.objects.filter(category=category)
        )
    assert categories[-1] == bare and categories[-1].objective_list == []
    with CaptureQueriesContext(connection) as queries:
        assert all(o.category == c for c in categories for o in c.objective_list)
    assert not queries


def test_categories_without_objectives_and_engagements_without_stakeholders(site, cleared_member):
    """A category without objectives is a row of the engagements panel (not a group of the
    coverage panel); an engagement that met no stakeholder counts in the totals only."""
    bare = CategoryFactory(code="zz-no-objectives", order=99)
    communities = CategoryFactory(code="local-communities")
    quarter = Quarter.of(TODAY)
    EngagementFactory(
        site=site, date=TODAY, stakeholders=[StakeholderFactory(category=bare, sites=[site])]
    )
    EngagementFactory(
        site=site,
        date=quarter.shifted(-1).first_day,
        stakeholders=[
            StakeholderFactory(category=bare, sites=[site]),
            StakeholderFactory(category=communities, sites=[site]),
        ],
    )
    EngagementFactory(site=site, date=TODAY, stakeholders=[])
    EngagementFactory(
        site=site,
        date=TODAY,
        stakeholders=[StakeholderFactory(category=bare, sites=[site])],
        confidentiality=Engagement.Confidentiality.RESTRICTED,
    )

    def panel(user):
        return selectors.engagements_by_category(
            user=user, site=site, today=TODAY, categories=selectors.category_list()
        )

    counts = {
        row.category: (row.this_quarter, row.last_quarter) for row in panel(cleared_member).rows
    }
    assert counts[bare] == (2, 1)
    assert counts[communities] == (0, 1)
    shown = panel(cleared_member)
    assert (shown.total, shown.total_last) == (3, 1)

    uncleared = UserFactory()
    uncleared.site_memberships.create(site=site)
    hidden = panel(uncleared)
    assert {row.category: row.this_quarter for row in hidden.rows}[bare] == 1
    assert (hidden.total, hidden.total_last) == (2, 1)

    coverage = selectors.objective_coverage(
        user=cleared_member,
        site=site,
        period=selectors.Period.for_site(plan=None, today=TODAY),
        categories=selectors.category_list(),
    )
    assert bare not in [row.category for row in coverage.categories]


def test_the_clearance_is_read_with_the_sites(site, other_site, cleared_member, member, superuser):
    cleared_member.site_memberships.create(site=other_site, cleared=False)
    assert {s: s.cleared for s in selectors.dashboard_site_list(user=cleared_member)} == {
        site: True,
        other_site: False,
    }
    assert [s.cleared for s in selectors.dashboard_site_list(user=member)] == [False]
    assert all(s.cleared for s in selectors.dashboard_site_list(user=superuser))


def test_a_site_read_without_its_clearance_asks_for_it(site, cleared_member, member):
    """`dashboard_get` of a site not read through `dashboard_site_list` reads the
    clearance itself: no annotation is never taken for cleared."""
    site.refresh_from_db()
    assert not hasattr(site, "cleared")
    assert selectors.dashboard_get(user=cleared_member, site=site).cleared is True
    assert selectors.dashboard_get(user=member, site=site).cleared is False
    assert selectors.dashboard_get(user=member, site=site).allegations is None


@pytest.mark.parametrize("who", ["cleared_member", "member", "superuser"])
def test_the_page_reads_at_most_a_fixed_number_of_queries(client, request, site, who):
    user = request.getfixturevalue(who)
    communities = CategoryFactory(code="local-communities")
    plan = PlanFactory(
        site=site,
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
        status=Plan.Status.APPROVED,
        approved_by=UserFactory(),
        approved_at=timezone.now(),
        in_force_from=datetime.date(2026, 1, 1),
    )
    PlannedEngagementFactory(plan=plan, category=communities)
    council = StakeholderFactory(category=communities, sites=[site])
    # Findings on every indicator in this quarter and the last, as at a site in use (one
    # without them has the perception summary read its whole history: a query more).
    for days in range(0, 200, 20):
        engagement = EngagementFactory(
            site=site, date=TODAY - datetime.timedelta(days=days), stakeholders=[council]
        )
        CommitmentFactory(engagement=engagement, due_on=TODAY)
        ConcernFactory(engagement=engagement, type=Concern.Type.ALLEGATION_PUBLIC)
        for indicator in Finding.Indicator.values:
            FindingFactory(engagement=engagement, community=council, indicator=indicator)
    client.force_login(user)
    client.get(HOME, {"site": site.pk})  # warm up: content types, permissions
    with CaptureQueriesContext(connection) as queries:
        response = client.get(HOME, {"site": site.pk})
    assert response.status_code == 200
    assert response.context["dashboard"].plan_lines["plan"] == plan
    assert len(queries) <= MAX_QUERIES, "\n".join(query["sql"][:150] for query in queries)
