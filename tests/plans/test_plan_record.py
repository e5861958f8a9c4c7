"""The plan against the record (plans.selectors.plan_record and line_status_counts): the
matching rule clause by clause, restricted engagements counted only for the cleared, the
version in force through `copied_from`, uncovered objectives, and a fixed query count."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagement.models import Engagement
from plans import selectors, services
from plans.models import PlannedEngagement
from stakeholders.models import StakeholderCategory
from tests.factories import EngagementFactory, StakeholderFactory
from tests.plans.conftest import objectives_of

PERIOD = {"title": "SEP 2025", "starts_on": date(2025, 1, 1), "ends_on": date(2025, 12, 31)}
TODAY = date(2025, 7, 1)


@pytest.fixture(autouse=True)
def mid_2025():
    with time_machine.travel(datetime(2025, 7, 1, 12, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def council(site, communities):
    return StakeholderFactory(name="Mwanzo village council", category=communities, sites=[site])


@pytest.fixture
def post(site, police):
    return StakeholderFactory(name="Ilembo police post", category=police, sites=[site])


def make_plan(site, actor, lines, *, approve=True):
    plan = services.plan_create(actor=actor, site=site, data=PERIOD, lines=lines)
    return services.plan_approve(actor=actor, plan=plan) if approve else plan


def quarterly(category, function, **extra):
    return {
        "category": category,
        "lead_function": function,
        "frequency": PlannedEngagement.Frequency.QUARTERLY,
        "objectives": objectives_of(category)[:2],
        **extra,
    }


def engage(site, stakeholders, function, day, **extra):
    return EngagementFactory(
        site=site, stakeholders=stakeholders, lead_function=function, date=day, **extra
    )


def logged(record):
    return [line.schedule.logged for line in record.lines]


def test_the_matching_rule_clause_by_clause(
    site, other_site, member, council, post, communities, security, community_relations
):
    plan = make_plan(
        site,
        member,
        [
            quarterly(communities, security),
            quarterly(communities, security, format=Engagement.Format.COMMUNITY_MEETING),
            {**quarterly(communities, security), "category": None, "stakeholder": council},
        ],
    )
    match = engage(site, [council], security, date(2025, 2, 1))
    assert logged(selectors.plan_record(user=member, plan=plan)) == [1, 0, 1]
    # Not counted: another function, another category, another site, before the period.
    engage(site, [council], community_relations, date(2025, 2, 2))
    engage(site, [post], security, date(2025, 2, 3))
    engage(other_site, [council], security, date(2025, 2, 4))
    engage(site, [council], security, date(2024, 12, 31))
    assert logged(selectors.plan_record(user=member, plan=plan)) == [1, 0, 1]
    # The method counts when the line names one.
    engage(site, [council, post], security, date(2025, 3, 1), format="community_meeting")
    assert logged(selectors.plan_record(user=member, plan=plan)) == [2, 1, 2]
    # Another stakeholder of the category counts for the category, not for the council.
    other = StakeholderFactory(category=communities, sites=[site])
    engage(site, [other], security, date(2025, 4, 1))
    record = selectors.plan_record(user=member, plan=plan)
    assert logged(record) == [3, 1, 2]
    assert match.pk  # used


def test_a_restricted_engagement_counts_only_for_the_cleared(
    site, member, cleared_member, council, communities, security
):
    plan = make_plan(site, cleared_member, [quarterly(communities, security)])
    engage(site, [council], security, date(2025, 2, 1), confidentiality="restricted")
    cleared = selectors.plan_record(user=cleared_member, plan=plan)
    uncleared = selectors.plan_record(user=member, plan=plan)
    assert logged(cleared) == [1] and logged(uncleared) == [0]
    assert cleared.cleared and not uncleared.cleared
    assert cleared.lines[0].schedule.next_due == date(2025, 6, 30)
    assert uncleared.lines[0].schedule.next_due == date(2025, 3, 31)


def test_objectives_covered_by_a_line(site, member, council, communities, security):
    first, second = objectives_of(communities)[:2]
    plan = make_plan(site, member, [quarterly(communities, security)])
    engagement = engage(site, [council], security, date(2025, 2, 1))
    engagement.objectives.set([first])
    (line,) = selectors.plan_record(user=member, plan=plan).lines
    assert [(c.objective, c.covered) for c in line.objectives] == [(first, True), (second, False)]


def test_uncovered_objectives_per_category_for_the_period(
    site, member, cleared_member, council, communities, security
):
    plan = make_plan(site, member, [quarterly(communities, security)])
    objectives = objectives_of(communities)
    engage(site, [council], security, date(2025, 2, 1)).objectives.set(objectives[:1])
    restricted = engage(site, [council], security, date(2025, 3, 1), confidentiality="restricted")
    restricted.objectives.set(objectives[1:2])
    # Before the period: does not cover.
    engage(site, [council], security, date(2024, 6, 1)).objectives.set(objectives[2:3])

    def uncovered(user):
        return dict(selectors.plan_record(user=user, plan=plan).uncovered)

    for_member = uncovered(member)
    assert set(for_member) == set(StakeholderCategory.objects.all())
    assert for_member[communities] == objectives[1:]
    assert uncovered(cleared_member)[communities] == objectives[2:]


def test_the_version_in_force_on_the_engagement_date(
    site, member, council, post, communities, police, security
):
    """v1 from the period's start; v2 approved on 1 April copies v1's line and adds one;
    an engagement before 1 April counts for the copied line only."""
    with time_machine.travel(datetime(2025, 1, 10, 12, tzinfo=UTC), tick=False):
        v1 = make_plan(site, member, [quarterly(communities, security)])
    with time_machine.travel(datetime(2025, 4, 1, 12, tzinfo=UTC), tick=False):
        v2 = services.plan_revise(actor=member, plan=v1)
        services.plan_update(
            actor=member,
            plan=v2,
            data={},
            lines=[{"line": v2.lines.get()}, quarterly(police, security)],
        )
        v2 = services.plan_approve(actor=member, plan=v2)
    assert v2.in_force_from == date(2025, 4, 1)
    engage(site, [council, post], security, date(2025, 2, 1))  # in v1's time
    engage(site, [council, post], security, date(2025, 5, 1))  # in v2's time
    record = selectors.plan_record(user=member, plan=v2)
    carried, added = record.lines
    assert carried.schedule.logged == 2
    assert added.schedule.logged == 1
    # The added line is asked only the quarters from 1 April: Q2 was due, and covered.
    assert added.effective_from == date(2025, 4, 1)
    assert added.schedule.due == 1 and added.schedule.next_due == date(2025, 9, 30)
    # v1, superseded, as it stood on 1 April.
    v1.refresh_from_db()
    old = selectors.plan_record(user=member, plan=v1)
    assert old.mode == "superseded" and old.as_of == date(2025, 4, 1)
    assert logged(old) == [1]
    # A v3 draft is reckoned as if approved today: carried lines keep their counts.
    v3 = services.plan_revise(actor=member, plan=v2)
    draft = selectors.plan_record(user=member, plan=v3)
    assert draft.mode == "draft" and logged(draft) == [2, 1]


def test_a_carried_line_counts_each_version_by_its_own_terms(
    site, member, council, post, communities, police, security
):
    """v1 plans for the communities; v2 (from 1 April) carries the line over but names the
    police post instead. Each engagement counts by the terms of the version in force on its
    date, once however many of the stakeholders it met match; and so do the objectives."""
    first, second = objectives_of(police)[:2]
    with time_machine.travel(datetime(2025, 1, 10, 12, tzinfo=UTC), tick=False):
        v1 = make_plan(site, member, [quarterly(communities, security)])
    with time_machine.travel(datetime(2025, 4, 1, 12, tzinfo=UTC), tick=False):
        v2 = services.plan_revise(actor=member, plan=v1)
        line = v2.lines.get()
        services.plan_update(
            actor=member,
            plan=v2,
            data={},
            lines=[
                {
                    "line": line,
                    "category": None,
                    "stakeholder": post,
                    "objectives": [first, second],
                }
            ],
        )
        v2 = services.plan_approve(actor=member, plan=v2)
    neighbour = StakeholderFactory(category=communities, sites=[site])
    # In v1's time: the communities count (once for two of them), the post does not.
    engage(site, [council, neighbour], security, date(2025, 2, 1)).objectives.set([first])
    engage(site, [post], security, date(2025, 3, 1)).objectives.set([second])
    # In v2's time: the post counts, the communities do not.
    engage(site, [council], security, date(2025, 5, 1)).objectives.set([second])
    engage(site, [post, council], security, date(2025, 6, 1))
    (carried,) = selectors.plan_record(user=member, plan=v2).lines
    assert carried.schedule.logged == 2
    assert [(c.objective, c.covered) for c in carried.objectives] == [
        (first, True),
        (second, False),
    ]


def test_a_first_draft_counts_from_the_period_start(site, member, council, communities, security):
    draft = make_plan(site, member, [quarterly(communities, security)], approve=False)
    engage(site, [council], security, date(2025, 2, 1))
    assert logged(selectors.plan_record(user=member, plan=draft)) == [1]


def test_line_status_counts_match_the_filtered_page(
    client, site, member, council, communities, police, security
):
    plan = make_plan(
        site,
        member,
        [
            quarterly(communities, security),  # nothing logged: overdue since 31 March
            {**quarterly(police, security), "frequency": "yearly"},  # due 31 December
            {**quarterly(police, security), "frequency": "monthly"},  # overdue too
            {**quarterly(communities, security), "frequency": "once"},  # covered
        ],
    )
    engage(site, [council], security, date(2025, 2, 1))
    engage(site, [council], security, date(2025, 5, 1))
    counts = selectors.line_status_counts(user=member, site=site)
    assert counts["plan"] == plan
    assert (counts["overdue"], counts["due_soon"]) == (1, 0)  # the quarterly is covered: Q1, Q2
    client.force_login(member)
    for status in ("overdue", "due_soon"):
        response = client.get(counts[f"{status}_url"])
        assert response.status_code == 200
        assert len(response.context["lines"]) == counts[status]
        assert response.content.decode().count("data-line-status=") == counts[status]
    # Due soon: the quarterly's next due date (30 September) is not within 30 days on
    # 1 July, but is on 5 September.
    soon = selectors.line_status_counts(user=member, site=site, today=date(2025, 9, 5))
    assert soon["due_soon"] >= 1


def test_line_status_counts_without_a_plan_or_for_an_outsider(site, member, outsider):
    empty = {"plan": None, "overdue": 0, "due_soon": 0, "overdue_url": "", "due_soon_url": ""}
    assert selectors.line_status_counts(user=member, site=site) == empty
    assert selectors.plan_in_force(user=outsider, site=site) is None


def test_plan_in_force(site, member, communities, security):
    plan = make_plan(site, member, [quarterly(communities, security)])
    assert selectors.plan_in_force(user=member, site=site) == plan
    assert selectors.plan_in_force(user=member, site=site, on=date(2026, 1, 1)) is None


def _record_queries(user, plan):
    with CaptureQueriesContext(connection) as queries:
        record = selectors.plan_record(user=user, plan=plan)
        for line in record.lines:
            line.label, [c.covered for c in line.objectives]
    return len(queries), record


@pytest.mark.parametrize("rows", [5, 50])
def test_the_query_count_does_not_grow(rows, site, member, communities, police, security):
    stakeholders = [
        StakeholderFactory(category=communities if n % 2 else police, sites=[site])
        for n in range(5)
    ]
    lines = [
        {
            **quarterly(communities if n % 2 else police, security),
            "category": None,
            "stakeholder": stakeholders[n % 5],
            "objectives": objectives_of(stakeholders[n % 5].category)[:1],
        }
        if n % 3 == 0
        else quarterly(communities if n % 2 else police, security)
        for n in range(rows)
    ]
    plan = make_plan(site, member, lines)
    for n in range(rows):
        engage(site, [stakeholders[n % 5]], security, date(2025, 1 + n % 6, 1 + n % 27))
    count, record = _record_queries(member, plan)
    assert len(record.lines) == rows
    assert sum(logged(record)) > 0
    assert count <= 9, count
