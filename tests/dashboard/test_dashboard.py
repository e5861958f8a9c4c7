"""The dashboard: the home page after login. Each figure links to the filtered list behind
it and equals that list's count, for the cleared, the uncleared and a superuser; the site
shown is one of the user's, the choice remembered; the number of queries does not grow
with the data."""

import datetime
import re
from html import unescape
from urllib.parse import urlsplit

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard.models import DashboardChoice
from dashboard.selectors import Quarter
from engagement.models import Commitment, Concern, Engagement, Finding
from plans.models import Plan, PlannedEngagement
from stakeholders.models import EngagementObjective, Stakeholder
from tests.conftest import member_of
from tests.factories import (
    CategoryFactory,
    CommitmentFactory,
    ConcernFactory,
    EngagementFactory,
    FindingFactory,
    MembershipFactory,
    PlanFactory,
    PlannedEngagementFactory,
    StakeholderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HOME = reverse("home")
CHOOSE = reverse("dashboard:choose")
# A day in the middle of a quarter (2026 Q2), noon at the sites (UTC).
TODAY = datetime.date(2026, 5, 20)
DAY = datetime.timedelta(days=1)

# A figure on the dashboard: a link whose text starts with the count.
FIGURE = re.compile(
    r'<a href="(?P<href>[^"]+)" class="dashboard-count">(?P<count>\d+)'
    r'<span class="visually-hidden">(?P<what>[^<]*)</span></a>'
)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime.datetime(2026, 5, 20, 12, tzinfo=datetime.UTC), tick=False):
        yield


def figures(response):
    """[(what, count, href)] of every figure on the page."""
    assert response.status_code == 200
    return [
        (" ".join(match["what"].split()), int(match["count"]), unescape(match["href"]))
        for match in FIGURE.finditer(response.content.decode())
    ]


def figure(response, what):
    found = [(count, href) for label, count, href in figures(response) if label == what]
    assert len(found) == 1, (what, figures(response))
    return found[0]


def list_count(client, href):
    """The count of the list page a figure links to, as its paginator has it."""
    response = client.get(href)
    assert response.status_code == 200, href
    return response.context["page_obj"].paginator.count


def log_in(client, username):
    """Through the login page, as a person does (the dashboard's choice is read at login)."""
    response = client.post(reverse("login"), {"username": username, "password": "password"})
    assert response.status_code == 302


def h1(response):
    return re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.S)[1].strip()


@pytest.fixture
def world(site, other_site):
    """Engagements of several categories this quarter and last, a restricted one, another
    site's; commitments overdue, due soon, later and closed; allegations of each status,
    a closed one, a restricted one and another site's; a plain concern."""
    communities = CategoryFactory(code="local-communities")
    police_category = CategoryFactory(code="public-security-providers")
    peers = CategoryFactory(code="industry-peers")
    council = StakeholderFactory(name="Mwanzo council", category=communities, sites=[site])
    police = StakeholderFactory(name="Ilembo police", category=police_category, sites=[site])
    peer = StakeholderFactory(name="Nyota Mining", category=peers, sites=[site])
    far = StakeholderFactory(name="Far council", category=communities, sites=[other_site])
    quarter = Quarter.of(TODAY)
    last = quarter.shifted(-1)
    objectives = list(EngagementObjective.objects.filter(category=communities))
    police_objective = EngagementObjective.objects.filter(category=police_category).first()

    def engagement(date, stakeholders, *, at=site, restricted=False, objectives=()):
        made = EngagementFactory(
            site=at,
            date=date,
            stakeholders=stakeholders,
            confidentiality=Engagement.Confidentiality.RESTRICTED
            if restricted
            else Engagement.Confidentiality.INTERNAL,
        )
        made.objectives.set(objectives)
        return made

    both = engagement(quarter.first_day, [council, police], objectives=[objectives[0]])
    talk = engagement(TODAY - 3 * DAY, [council], objectives=objectives[:2])
    secret = engagement(
        TODAY - DAY, [police, council], restricted=True, objectives=[police_objective]
    )
    engagement(last.first_day + 10 * DAY, [peer])
    engagement(last.last_day, [council, council], objectives=[objectives[0]])
    # Early in the year (the previous quarter), before the plan of the coverage test.
    engagement(datetime.date(2026, 1, 5), [peer], objectives=[objectives[2]])
    foreign = engagement(TODAY, [far], at=other_site, objectives=objectives)

    def commitment(on, due, status=Commitment.Status.OPEN):
        closed = status in Commitment.CLOSED
        return CommitmentFactory(
            engagement=on,
            due_on=due,
            status=status,
            closing_note="Closed." if closed else "",
            closed_on=TODAY - DAY if closed else None,
        )

    commitment(both, TODAY - 5 * DAY)  # overdue
    commitment(talk, TODAY - DAY, Commitment.Status.IN_PROGRESS)  # overdue
    commitment(talk, TODAY - 9 * DAY, Commitment.Status.DONE)  # closed
    commitment(both, TODAY - 9 * DAY, Commitment.Status.DROPPED)  # closed
    commitment(talk, TODAY)  # due soon, today
    commitment(both, TODAY + 14 * DAY)  # due soon, the last day
    commitment(both, TODAY + 15 * DAY)  # later
    commitment(talk, TODAY + 3 * DAY, Commitment.Status.DONE)  # closed
    commitment(secret, TODAY - 2 * DAY)  # overdue, restricted
    commitment(secret, TODAY + 2 * DAY)  # due soon, restricted
    commitment(foreign, TODAY - 2 * DAY)  # another site's

    def concern(on, status, kind=Concern.Type.ALLEGATION_PUBLIC):
        closed = status == Concern.Status.CLOSED
        return ConcernFactory(
            engagement=on, type=kind, status=status, outcome="Found so." if closed else ""
        )

    concern(both, Concern.Status.OPEN)
    concern(talk, Concern.Status.OPEN, Concern.Type.ALLEGATION_PRIVATE)
    concern(talk, Concern.Status.REFERRED, Concern.Type.ALLEGATION_PRIVATE)
    concern(both, Concern.Status.UNDER_INVESTIGATION)
    concern(both, Concern.Status.CLOSED)
    concern(secret, Concern.Status.REFERRED)
    concern(both, Concern.Status.OPEN, Concern.Type.LAND_ACCESS)
    concern(foreign, Concern.Status.OPEN)
    return {
        "communities": communities,
        "police": police_category,
        "peers": peers,
        "objectives": objectives,
        "police_objective": police_objective,
        "quarter": quarter,
        "last": last,
    }


def engagements_in(category, quarter):
    return f"engagements with {category.name} in {quarter.label}"


def every_figure_equals_its_list(client, response):
    checked = figures(response)
    assert len(checked) > 20
    for what, count, href in checked:
        assert list_count(client, href) == count, (what, href)
    return {what: count for what, count, _ in checked}


class TestFiguresEqualTheirLists:
    def test_for_a_cleared_member(self, client, cleared_member, world):
        client.force_login(cleared_member)
        response = client.get(HOME)
        shown = every_figure_equals_its_list(client, response)

        quarter, last = world["quarter"], world["last"]
        assert shown[engagements_in(world["communities"], quarter)] == 3
        assert shown[engagements_in(world["police"], quarter)] == 2
        assert shown[engagements_in(world["peers"], quarter)] == 0
        assert shown[engagements_in(world["communities"], last)] == 1
        assert shown[engagements_in(world["peers"], last)] == 2
        assert shown[f"engagements in {quarter.label}"] == 3
        assert shown[f"engagements in {last.label}"] == 3
        assert shown["commitments overdue"] == 3
        assert shown["commitments due in the next 14 days"] == 3
        assert shown["allegations open"] == 2
        assert shown["allegations referred"] == 2
        assert shown["allegations under investigation"] == 1
        content = response.content.decode()
        assert "not cleared at this site" not in content
        assert "down 2" in content  # industry peers: 0 against 2
        assert "up 2" in content  # local communities: 3 against 1

    def test_for_an_uncleared_member(self, client, member, world):
        """The restricted engagement, its commitments and its allegation count nowhere;
        no allegation figure at all, and a note saying why."""
        client.force_login(member)
        response = client.get(HOME)
        shown = every_figure_equals_its_list(client, response)

        quarter = world["quarter"]
        assert shown[engagements_in(world["communities"], quarter)] == 2
        assert shown[engagements_in(world["police"], quarter)] == 1
        assert shown[f"engagements in {quarter.label}"] == 2
        assert shown["commitments overdue"] == 2
        assert shown["commitments due in the next 14 days"] == 2
        assert not [what for what in shown if what.startswith("allegations")]
        content = response.content.decode()
        assert "shown only to those cleared at this site" in content
        assert "restricted engagements, with their commitments and concerns, are not counted" in (
            content
        )

    def test_for_a_superuser(self, client, superuser, site, world):
        client.force_login(superuser)
        response = client.get(HOME, {"site": site.pk})
        assert h1(response) == site.name
        shown = every_figure_equals_its_list(client, response)
        assert shown[f"engagements in {world['quarter'].label}"] == 3
        assert shown["allegations referred"] == 2

    def test_objective_coverage_in_the_year_to_date(self, client, member, world):
        """No plan in force: the calendar year to date. Each objective's figure is the
        number of engagements that addressed it, and the uncovered ones are named."""
        client.force_login(member)
        response = client.get(HOME)
        content = unescape(response.content.decode())
        assert "In the calendar year to date (1 Jan 2026 to 20 May 2026)" in content
        what = "engagements addressing this objective in the period"
        counts = [count for label, count, _ in figures(response) if label == what]
        objectives = list(EngagementObjective.objects.all())
        assert len(counts) == len(objectives)
        by_objective = dict(zip(objectives, counts, strict=True))
        first, second, third = world["objectives"][:3]
        assert by_objective[first] == 3  # `both` and `talk`, and last quarter's one
        assert by_objective[second] == 1
        assert by_objective[third] == 1  # January's
        # Addressed only by the restricted engagement: not covered for the uncleared.
        assert by_objective[world["police_objective"]] == 0
        covered = sum(1 for count in counts if count)
        assert f"{covered} of {len(objectives)} objectives covered." in content
        assert "Not covered (" in content
        assert world["police_objective"].text in content

    def test_objective_coverage_over_the_plan_in_force(self, client, cleared_member, site, world):
        """With an approved plan in force, its period so far, named."""
        plan = PlanFactory(
            site=site,
            title="SEP 2026",
            starts_on=datetime.date(2026, 2, 1),
            ends_on=datetime.date(2026, 12, 31),
            status=Plan.Status.APPROVED,
            approved_by=UserFactory(),
            approved_at=timezone.now(),
            in_force_from=datetime.date(2026, 2, 1),
        )
        PlannedEngagementFactory(plan=plan, category=world["communities"])
        client.force_login(cleared_member)
        response = client.get(HOME)
        content = response.content.decode()
        assert "plan in force, SEP 2026 (1 Feb 2026 to 20 May 2026)" in content
        what = "engagements addressing this objective in the period"
        counts = [(count, href) for label, count, href in figures(response) if label == what]
        first, _second, third = world["objectives"][:3]
        objectives = list(EngagementObjective.objects.all())
        by_objective = dict(zip(objectives, counts, strict=True))
        assert by_objective[third][0] == 0  # January's engagement is before the plan
        assert by_objective[first][0] == 3
        assert by_objective[world["police_objective"]][0] == 1
        for count, href in counts:
            assert list_count(client, href) == count
        assert "No approved plan in force" not in content


class TestPlanAndPerceptionPanels:
    def test_no_plan_in_force_says_so_with_a_link_to_the_plans(self, client, member, site, world):
        client.force_login(member)
        content = client.get(HOME).content.decode()
        assert "No approved plan in force." in content
        link = re.search(r'No approved plan in force\. <a href="([^"]+)"', content)[1]
        assert client.get(unescape(link)).status_code == 200

    def test_plan_lines_overdue_and_due_soon_link_to_the_plan(
        self, client, cleared_member, site, world
    ):
        plan = PlanFactory(
            site=site,
            starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2026, 12, 31),
            status=Plan.Status.APPROVED,
            approved_by=UserFactory(),
            approved_at=timezone.now(),
            in_force_from=datetime.date(2026, 1, 1),
        )
        monthly = PlannedEngagement.Frequency.MONTHLY
        # Two engagements with the police: January and February covered, March overdue.
        PlannedEngagementFactory(plan=plan, category=world["police"], frequency=monthly)
        # Four with the communities: January to April; May's is due within 30 days.
        PlannedEngagementFactory(plan=plan, category=world["communities"], frequency=monthly)
        # Two with the peers: the year's first half and the second; none due.
        PlannedEngagementFactory(
            plan=plan, category=world["peers"], frequency=PlannedEngagement.Frequency.TWICE_A_YEAR
        )
        client.force_login(cleared_member)
        response = client.get(HOME)
        overdue, overdue_href = figure(response, "plan lines overdue")
        soon, soon_href = figure(response, "plan lines due in the next 30 days")
        assert (overdue, soon) == (1, 1)
        for count, href in ((overdue, overdue_href), (soon, soon_href)):
            assert urlsplit(href).path == plan.get_absolute_url()
            response = client.get(href)
            assert response.status_code == 200
            assert len(response.context["lines"]) == count, href

    def test_the_latest_perception_per_indicator_with_its_trend_in_words(
        self, client, member, site, world
    ):
        council = Stakeholder.objects.get(name="Mwanzo council")
        last, quarter = world["last"], world["quarter"]
        for value, date in (
            (2, last.first_day + DAY),
            (3, last.first_day + DAY),
            (4, quarter.first_day),
        ):
            FindingFactory(
                engagement=EngagementFactory(site=site, date=date, stakeholders=[council]),
                community=council,
                indicator=Finding.Indicator.SATISFACTION,
                value=value,
            )
        client.force_login(member)
        content = client.get(HOME).content.decode()
        assert "Positive, 4.0/5" in content
        assert "Up from 2.5 in 2026 Q1" in content
        assert 'aria-hidden="true">↑</span>' in content
        assert content.count("No finding yet") == 3
        assert f"{reverse('engagement:perceptions')}?site={site.pk}" in content


class TestWhichSite:
    def test_a_user_of_one_site_sees_it_without_a_choice(self, client, member, site, world):
        client.force_login(member)
        response = client.get(HOME)
        assert h1(response) == site.name
        assert 'name="site"' not in response.content.decode()

    def test_the_choice_is_remembered_across_logins(self, client, site, other_site, world):
        traveller = member_of(site, username="traveller")
        MembershipFactory(user=traveller, site=other_site)
        log_in(client, "traveller")
        assert h1(client.get(HOME)) == other_site.name  # first by name: Far Valley

        response = client.post(CHOOSE, {"site": site.pk})
        assert response.status_code == 302
        assert response["Location"] == HOME
        client.logout()
        log_in(client, "traveller")
        response = client.get(HOME)
        assert h1(response) == site.name
        assert f'<option value="{site.pk}" selected>' in response.content.decode()

    def test_looking_at_another_of_ones_sites_does_not_remember_it(self, client, site, other_site):
        traveller = member_of(site, username="traveller")
        MembershipFactory(user=traveller, site=other_site)
        client.force_login(traveller)
        assert h1(client.get(HOME, {"site": site.pk})) == site.name
        assert not DashboardChoice.objects.exists()
        assert h1(client.get(HOME)) == other_site.name

    def test_a_choice_left_from_an_ended_membership_is_ignored(
        self, client, site, other_site, world
    ):
        """Checked on every read, failing closed: back to the user's first site."""
        traveller = member_of(site, username="traveller")
        DashboardChoice.objects.create(user=traveller, site=other_site)
        client.force_login(traveller)
        response = client.get(HOME)
        assert h1(response) == site.name
        assert "Far council" not in response.content.decode()

    def test_another_sites_dashboard_is_not_found(self, client, member, other_site):
        client.force_login(member)
        assert client.get(HOME, {"site": other_site.pk}).status_code == 404
        assert client.get(HOME, {"site": 999999}).status_code == 404
        assert client.get(HOME, {"site": "x"}).status_code == 404
        assert client.get(HOME, {"site": "9" * 40}).status_code == 404
        assert client.get(HOME, {"site": "²"}).status_code == 404

    def test_another_site_cannot_be_chosen_and_nothing_is_remembered(
        self, client, member, other_site
    ):
        client.force_login(member)
        assert client.post(CHOOSE, {"site": other_site.pk}).status_code == 404
        assert client.post(CHOOSE, {"site": "nope"}).status_code == 404
        assert client.post(CHOOSE).status_code == 404
        assert not DashboardChoice.objects.exists()

    def test_choosing_is_post_only(self, client, member, site):
        client.force_login(member)
        assert client.get(CHOOSE, {"site": site.pk}).status_code == 405
        assert not DashboardChoice.objects.exists()

    def test_a_superuser_may_choose_any_site(self, client, superuser, site, other_site):
        client.force_login(superuser)
        response = client.get(HOME)
        assert h1(response) == other_site.name
        content = response.content.decode()
        assert f'<option value="{site.pk}">' in content
        client.post(CHOOSE, {"site": site.pk})
        assert h1(client.get(HOME)) == site.name

    def test_a_user_with_no_site_is_told_so_with_no_figure(self, client, world):
        client.force_login(UserFactory(username="newcomer", roles=["Reviewer"]))
        response = client.get(HOME)
        content = response.content.decode()
        assert "You are not a member of any site yet" in content
        assert figures(response) == []
        assert client.post(CHOOSE, {"site": 1}).status_code == 404

    def test_anonymous_is_sent_to_log_in(self, client):
        response = client.get(HOME)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_the_nav_marks_the_dashboard(self, client, member, site):
        client.force_login(member)
        content = client.get(HOME).content.decode()
        assert re.search(r'nav-link active"\s+aria-current="page"\s+href="/">Dashboard', content)


def make_records(site, user, n):
    """n of each kind at the site: engagements (one restricted in five) with stakeholders
    of two categories and objectives, commitments overdue and due soon, allegations and
    findings."""
    communities = CategoryFactory(code="local-communities")
    police = CategoryFactory(code="public-security-providers")
    objective = EngagementObjective.objects.filter(category=communities).first()
    council = StakeholderFactory(category=communities, sites=[site])
    post = StakeholderFactory(category=police, sites=[site])
    for i in range(n):
        engagement = EngagementFactory(
            site=site,
            date=TODAY - (i % 120) * DAY,
            stakeholders=[council, post],
            confidentiality=Engagement.Confidentiality.RESTRICTED
            if i % 5 == 0
            else Engagement.Confidentiality.INTERNAL,
        )
        engagement.objectives.set([objective])
        CommitmentFactory(engagement=engagement, due_on=TODAY + (i % 20 - 10) * DAY)
        ConcernFactory(
            engagement=engagement,
            type=Concern.Type.ALLEGATION_PUBLIC,
            status=[Concern.Status.OPEN, Concern.Status.REFERRED][i % 2],
        )
        FindingFactory(
            engagement=engagement,
            community=council,
            indicator=Finding.Indicator.choices[i % 4][0],
            value=i % 5 + 1,
        )
    return n


@pytest.mark.parametrize("who", ["cleared_member", "member", "superuser"])
def test_the_number_of_queries_does_not_grow_with_the_records(
    client, request, site, other_site, who
):
    user = request.getfixturevalue(who)
    plan = PlanFactory(
        site=site,
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
        status=Plan.Status.APPROVED,
        approved_by=UserFactory(),
        approved_at=timezone.now(),
        in_force_from=datetime.date(2026, 1, 1),
    )
    PlannedEngagementFactory(plan=plan, category=CategoryFactory(code="local-communities"))
    client.force_login(user)
    query = {"site": site.pk}

    make_records(site, user, 5)
    client.get(HOME, query)  # warm up: content types, permissions
    with CaptureQueriesContext(connection) as few:
        before = client.get(HOME, query)
    make_records(site, user, 45)
    with CaptureQueriesContext(connection) as many:
        after = client.get(HOME, query)
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    this_quarter = f"engagements in {Quarter.of(TODAY).label}"
    assert figure(after, this_quarter)[0] > figure(before, this_quarter)[0]
    assert figure(after, "commitments overdue")[0] > figure(before, "commitments overdue")[0]
