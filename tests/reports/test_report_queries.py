"""The site report at scale (issue 8): a fixed number of queries, fewer than 15, whoever
reads it and whichever version, however many records the period holds; and the lists it
reads in one query each still show what they showed."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from engagement.models import Commitment, Concern, Engagement
from plans.models import Plan
from reports.models import LessonsLearned
from stakeholders.models import EngagementObjective, Function
from tests.factories import (
    CommitmentFactory,
    ConcernFactory,
    EngagementFactory,
    FindingFactory,
    PlanFactory,
    PlannedEngagementFactory,
    StakeholderFactory,
)
from tests.reports.test_report import END, START, category, report_url

pytestmark = pytest.mark.django_db


def objectives(code):
    return list(EngagementObjective.objects.filter(category__code=code).order_by("order", "pk"))


@pytest.fixture
def add_records(site, cleared_member, defender):
    """Every section with something to show: an approved plan whose lines name a category
    and an at-risk stakeholder, the lessons learned, and `add_records(n)` adding n
    engagements (half of them restricted) meeting public security and a community, each
    with objectives, commitments, a concern, an allegation naming its source and findings."""
    security = Function.objects.get(code="security")
    plan = PlanFactory(
        site=site,
        starts_on=START,
        ends_on=END,
        status=Plan.Status.APPROVED,
        approved_by=cleared_member,
        approved_at=timezone.now(),
        in_force_from=START,
        created_by=cleared_member,
    )
    PlannedEngagementFactory(
        plan=plan, category=category("public-security-providers"), lead_function=security
    )
    PlannedEngagementFactory(
        plan=plan, category=None, stakeholder=defender, lead_function=security
    )
    LessonsLearned.objects.create(
        site=site,
        starts_on=START,
        ends_on=END,
        text="Brief the new commander.",
        created_by=cleared_member,
        updated_by=cleared_member,
    )
    police = StakeholderFactory(category=category("public-security-providers"), sites=[site])
    village = StakeholderFactory(category=category("local-communities"), sites=[site])
    addressed = objectives("public-security-providers")[:2] + objectives("local-communities")[:1]
    added = []

    def add(count):
        for _ in range(count):
            day = START + datetime.timedelta(days=len(added))
            engagement = EngagementFactory(
                site=site,
                date=day,
                created_by=cleared_member,
                stakeholders=[police, village, defender],
                confidentiality=Engagement.Confidentiality.RESTRICTED
                if len(added) % 2
                else Engagement.Confidentiality.INTERNAL,
            )
            engagement.objectives.set(addressed)
            CommitmentFactory(engagement=engagement, due_on=day)
            CommitmentFactory(
                engagement=engagement,
                status=Commitment.Status.DONE,
                closing_note="Done",
                closed_on=day,
                due_on=day,
            )
            ConcernFactory(engagement=engagement, stakeholder=village)
            ConcernFactory(
                engagement=engagement, stakeholder=defender, type=Concern.Type.ALLEGATION_PUBLIC
            )
            FindingFactory(engagement=engagement, community=village, value=3)
            added.append(engagement)

    return add


@pytest.mark.parametrize("version", ["internal", "external"])
@pytest.mark.parametrize("reader", ["cleared_member", "member", "superuser"])
def test_the_report_reads_fewer_than_15_queries_however_many_records(
    client, request, site, add_records, reader, version
):
    client.force_login(request.getfixturevalue(reader))

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(report_url(site, version=version, threshold=2))
        assert response.status_code == 200
        return len(queries), response.context["report"]

    add_records(5)
    few, report = count()
    assert report.engagements_total.value == (5 if reader != "member" else 3)
    add_records(45)
    many, report = count()
    assert report.engagements_total.value == (50 if reader != "member" else 25)
    if version == "internal":
        assert len(report.public_security_rows) == report.engagements_total.value
        if reader != "member":
            assert len(report.allegations) == 50
    assert few == many
    assert many < 15


def test_the_public_security_list_shows_each_engagement_with_what_it_met_and_covered(
    client, site, member, cleared_member, defender
):
    police = StakeholderFactory(
        name="Ilembo police post", category=category("public-security-providers"), sites=[site]
    )
    council = StakeholderFactory(
        name="Ilembo village council", category=category("local-communities"), sites=[site]
    )
    hamlet = StakeholderFactory(
        name="Ntatu hamlet", category=category("local-communities"), sites=[site]
    )
    first, second = objectives("public-security-providers")[:2]
    older = EngagementFactory(
        site=site,
        date=datetime.date(2025, 3, 1),
        created_by=cleared_member,
        stakeholders=[police, council, hamlet, defender],
        format=Engagement.Format.WORKSHOP,
    )
    older.objectives.set([second, first, objectives("local-communities")[0]])
    newer = EngagementFactory(
        site=site, date=datetime.date(2025, 6, 1), created_by=cleared_member, stakeholders=[police]
    )
    EngagementFactory(  # met no public security provider
        site=site,
        date=datetime.date(2025, 7, 1),
        created_by=cleared_member,
        stakeholders=[council],
    )

    client.force_login(member)
    response = client.get(report_url(site))
    report = response.context["report"]
    assert [row.engagement.pk for row in report.public_security_rows] == [newer.pk, older.pk]
    assert report.public_security_more == 0
    row = report.public_security_rows[1]
    assert row.engagement.date == datetime.date(2025, 3, 1)
    assert row.engagement.get_format_display() == "Workshop"
    # As the engagement list names them: the shown ones by name, then the protected one.
    names = ["Ilembo police post", "Ilembo village council", "Ntatu hamlet"]
    assert [s.name for s in row.stakeholders.all()][:3] == names
    assert row.objectives == [objectives("local-communities")[0], first, second]
    content = response.content.decode()
    assert older.get_absolute_url() in content and "and 1 more" in content
    assert "Baraka" not in content

    client.force_login(cleared_member)
    row = client.get(report_url(site)).context["report"].public_security_rows[1]
    assert [s.name for s in row.stakeholders.all()][0] == "Baraka Mwaipopo"
