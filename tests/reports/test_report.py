"""The VPs site report on a known dataset: its figures, who sees what, the version shared
outside the company, the lessons learned and the PDF."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import urlencode

from engagement.models import Commitment, Concern, Engagement
from reports.models import LessonsLearned
from stakeholders.models import EngagementObjective, Function, StakeholderCategory
from tests.factories import (
    CommitmentFactory,
    ConcernFactory,
    EngagementFactory,
    FindingFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db

START = datetime.date(2025, 1, 1)
END = datetime.date(2025, 12, 31)


def report_url(site, **extra):
    query = {"site": site.pk, "date_from": START, "date_to": END, **extra}
    return f"{reverse('reports:report')}?{urlencode(query)}"


def category(code):
    return StakeholderCategory.objects.get(code=code)


def objective(code, index=0):
    return EngagementObjective.objects.filter(category__code=code).order_by("order", "pk")[index]


@pytest.fixture
def year(site, other_site, cleared_member, defender):
    security = Function.objects.get(code="security")
    relations = Function.objects.get(code="community-relations")
    council = StakeholderFactory(
        name="Ilembo village council", category=category("local-communities"), sites=[site]
    )
    hamlet = StakeholderFactory(
        name="Ntatu hamlet", category=category("local-communities"), sites=[site]
    )
    police = StakeholderFactory(
        name="Ilembo police post", category=category("public-security-providers"), sites=[site]
    )
    defender.category = category("ngos-human-rights-defenders")
    defender.save()

    def engagement(day, stakeholders, **fields):
        fields.setdefault("lead_function", security)
        return EngagementFactory(
            site=site, date=day, created_by=cleared_member, stakeholders=stakeholders, **fields
        )

    first = engagement(datetime.date(2025, 2, 10), [council, police])
    first.objectives.set([objective("local-communities"), objective("public-security-providers")])
    CommitmentFactory(
        engagement=first,
        status=Commitment.Status.DONE,
        closing_note="Done",
        closed_on=datetime.date(2025, 2, 20),
        due_on=datetime.date(2025, 2, 28),
    )
    CommitmentFactory(engagement=first, due_on=datetime.date(2025, 3, 1))
    second = engagement(
        datetime.date(2025, 5, 5),
        [council, hamlet],
        lead_function=relations,
        format=Engagement.Format.COMMUNITY_MEETING,
    )
    FindingFactory(engagement=second, community=council, value=2)
    FindingFactory(engagement=second, community=hamlet, value=4)
    restricted = engagement(
        datetime.date(2025, 8, 1),
        [defender, police],
        confidentiality=Engagement.Confidentiality.RESTRICTED,
        summary="MARKER-RESTRICTED",
    )
    ConcernFactory(
        engagement=restricted,
        stakeholder=defender,
        type=Concern.Type.ALLEGATION_PUBLIC,
        status=Concern.Status.REFERRED,
        referred_to="Regional police commander",
        description="MARKER-ALLEGATION",
    )
    ConcernFactory(engagement=first, stakeholder=council, type=Concern.Type.ENVIRONMENT)
    engagement(datetime.date(2024, 12, 31), [council])  # before the period
    EngagementFactory(site=other_site, date=datetime.date(2025, 3, 3))
    return {"council": council, "police": police}


def figures(rows):
    return {row.label: row.cell.value for row in rows}


def test_the_cleared_member_sees_every_figure(client, site, cleared_member, year, defender):
    client.force_login(cleared_member)
    response = client.get(report_url(site))
    assert response.status_code == 200
    report = response.context["report"]
    assert report.engagements_total.value == 3
    by_category = figures(report.by_category)
    assert by_category["Local communities"] == 2
    assert by_category[category("public-security-providers").name] == 2
    assert by_category[category("ngos-human-rights-defenders").name] == 1
    assert figures(report.by_function) == {
        "Security": 2,
        "Community relations / social performance": 1,
    }
    assert report.by_function_total.value == 3
    assert report.public_security_total.value == 2
    assert (
        figures(report.concerns_by_type)["Allegation of human rights abuse by public security"]
        == 1
    )
    assert report.concerns_total.value == 2
    assert [(concern.referred_to, source) for concern, source in report.allegations] == [
        ("Regional police commander", "Baraka Mwaipopo")
    ]
    assert figures(report.commitments) == {
        "done": 1,
        "dropped": 0,
        "open or in progress": 1,
    }
    assert (report.commitments_made.value, report.commitments_overdue.value) == (2, 1)
    satisfaction = dict(report.perceptions)["Satisfaction with the site"]
    assert [(cell.value, count) for cell, count in satisfaction if cell] == [(3.0, 2)]
    uncovered = dict(report.uncovered)
    assert objective("local-communities") not in uncovered.get(category("local-communities"), [])
    assert objective("local-communities", 1) in uncovered[category("local-communities")]
    content = response.content.decode()
    assert "<svg" in content and "You are not cleared" not in content


def test_the_uncleared_member_counts_without_restricted_records(client, site, member, year):
    client.force_login(member)
    response = client.get(report_url(site))
    report = response.context["report"]
    assert report.engagements_total.value == 2
    assert report.public_security_total.value == 1
    assert report.allegations == [] and report.allegations_by_status == []
    assert "Allegation of human rights abuse by public security" not in figures(
        report.concerns_by_type
    )
    content = response.content.decode()
    assert "You are not cleared at this site" in content
    for marker in ("MARKER", "Baraka", "Regional police commander"):
        assert marker not in content


def test_an_engagement_meeting_two_providers_counts_once(
    client, site, member, cleared_member, year
):
    """Counted from the stakeholders met, an engagement counts once per category, format
    and objective however many of the category it met; and a restricted one not at all
    for the uncleared."""
    army = StakeholderFactory(category=category("public-security-providers"), sites=[site])
    both = EngagementFactory(
        site=site,
        date=datetime.date(2025, 9, 1),
        stakeholders=[year["police"], army, year["council"]],
        format=Engagement.Format.WORKSHOP,
    )
    both.objectives.set([objective("public-security-providers")])
    client.force_login(cleared_member)
    report = client.get(report_url(site)).context["report"]
    public = category("public-security-providers").name
    assert figures(report.by_category)[public] == 3
    assert figures(report.by_category)["Local communities"] == 3
    assert report.public_security_total.value == 3
    assert figures(report.public_security_formats) == {"Meeting": 2, "Workshop": 1}
    addressed = figures(report.public_security_objectives)
    assert addressed[objective("public-security-providers").text] == 2
    client.force_login(member)
    report = client.get(report_url(site)).context["report"]
    assert report.public_security_total.value == 2
    addressed = figures(report.public_security_objectives)
    assert addressed[objective("public-security-providers").text] == 2


def test_the_external_version_withholds_small_counts_and_names(client, site, cleared_member, year):
    client.force_login(cleared_member)
    response = client.get(report_url(site, version="external"))
    report = response.context["report"]
    assert report.external
    assert report.engagements_total.withheld  # 3 is below 5
    assert all(row.cell.value in (0, None) for row in report.by_category)
    assert report.allegations == []  # counted by status, never listed
    assert report.public_security_rows == []
    content = response.content.decode()
    article = content[content.index("<article") : content.index("</article>")]
    for secret in ("Baraka", "Regional police commander", "MARKER"):
        assert secret not in content
    assert cleared_member.last_name not in article  # staff named nowhere in the report
    assert "withheld" in article


def test_a_threshold_of_two_shows_more(client, site, cleared_member, year):
    client.force_login(cleared_member)
    report = client.get(report_url(site, version="external", threshold=2)).context["report"]
    assert report.engagements_total.value == 3
    assert report.threshold == 2


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "2025-12-31", "date_to": "2025-01-01"},
        {"date_from": "banana", "date_to": "2025-01-01"},
        {"threshold": "1"},
        {"version": "everyone"},
    ],
)
def test_bad_input_is_named(client, site, cleared_member, year, query):
    client.force_login(cleared_member)
    response = client.get(report_url(site, **query))
    assert response.status_code == 400
    assert "report" not in response.context


def test_another_sites_report_is_refused_like_a_missing_site(client, other_site, member):
    client.force_login(member)
    foreign = client.get(report_url(other_site))
    missing = client.get(report_url(other_site).replace(f"site={other_site.pk}", "site=99999"))
    assert foreign.status_code == missing.status_code == 400
    assert other_site.name not in foreign.content.decode()


def test_no_site_no_report(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get(reverse("reports:report"))
    assert response.status_code == 200
    assert "not a member of any site" in response.content.decode()


def test_opening_the_page_picks_the_default_period(client, site, member):
    client.force_login(member)
    response = client.get(reverse("reports:report"))
    today = site.today()
    assert response.status_code == 302
    assert f"date_from={today.year}-01-01" in response["Location"]


def test_anonymous_is_sent_to_log_in(client, site):
    response = client.get(report_url(site))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_query_count_does_not_grow(client, site, cleared_member, year):
    def add(rows):
        for day in range(rows):
            engagement = EngagementFactory(
                site=site,
                date=START + datetime.timedelta(days=day),
                created_by=cleared_member,
                stakeholders=[year["council"], year["police"]],
            )
            engagement.objectives.set([objective("public-security-providers", 1)])
            FindingFactory(engagement=engagement, community=year["council"], value=3)
            CommitmentFactory(engagement=engagement)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(report_url(site)).status_code == 200
        return len(queries)

    client.force_login(cleared_member)
    add(5)
    few = count()
    add(45)
    assert count() == few


def test_lessons_learned_are_written_with_history(
    client, site, cleared_member, reviewer, outsider, year
):
    url = f"{reverse('reports:lessons')}?" + urlencode(
        {"site": site.pk, "date_from": START, "date_to": END}
    )
    client.force_login(reviewer)
    assert client.get(url).status_code == 403
    assert client.post(url, {"text": "Nope"}).status_code == 403

    client.force_login(cleared_member)
    response = client.post(url, {"text": "   "})
    assert response.status_code == 200 and not LessonsLearned.objects.exists()
    response = client.post(url, {"text": "Brief the new police commander in his first week."})
    assert response.status_code == 302
    response = client.post(url, {"text": "Brief the commander in his first week."})
    lessons = LessonsLearned.objects.get()
    assert lessons.text == "Brief the commander in his first week."
    assert [h.history_user for h in lessons.history.all()] == [cleared_member] * 2
    report = client.get(report_url(site)).content.decode()
    assert "Brief the commander in his first week." in report

    client.force_login(outsider)  # a cleared security manager, at another site
    assert client.get(url).status_code == 404
    assert client.post(url, {"text": "Overwritten"}).status_code == 404
    assert LessonsLearned.objects.get().text == "Brief the commander in his first week."


def test_the_report_downloads_as_pdf_and_is_logged(client, site, cleared_member, year):
    from stakeholders.models import ExportLog

    client.force_login(cleared_member)
    response = client.get(report_url(site, format="pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment;" in response["Content-Disposition"]
    entry = ExportLog.objects.get()
    assert (entry.kind, entry.format, entry.names_included) == ("report", "pdf", True)
    assert list(entry.sites.all()) == [site]
    client.get(report_url(site, format="pdf", version="external"))
    assert not ExportLog.objects.latest("pk").names_included


def test_external_allegations_cannot_be_worked_out_from_the_two_tables(
    client, site, cleared_member, year
):
    """Types [land 5, environment 20, public 1, private 8] and open 9 would give the one
    public-security allegation back; the external version has one allegations row, and its
    status table goes with it."""
    internal = year["council"].engagements.first()
    Concern.objects.all().delete()
    for concern_type, count in (
        (Concern.Type.LAND_ACCESS, 5),
        (Concern.Type.ENVIRONMENT, 20),
        (Concern.Type.ALLEGATION_PUBLIC, 1),
        (Concern.Type.ALLEGATION_PRIVATE, 8),
    ):
        for _ in range(count):
            ConcernFactory(engagement=internal, type=concern_type)
    client.force_login(cleared_member)
    report = client.get(report_url(site, version="external")).context["report"]
    by_type = figures(report.concerns_by_type)
    assert "Allegation of human rights abuse by public security" not in by_type
    assert by_type["Allegations of human rights abuse by security providers"] == 9
    assert report.concerns_total.value == 34
    assert figures(report.allegations_by_status)["Open"] == 9
    assert 1 not in by_type.values()  # nothing left to subtract the lone allegation from


def test_the_plan_section_names_no_at_risk_stakeholder_outside(
    client, site, cleared_member, year, defender
):
    from django.utils import timezone

    from plans.models import Plan
    from tests.factories import PlanFactory, PlannedEngagementFactory

    plan = PlanFactory(
        site=site,
        starts_on=START,
        ends_on=END,
        title="SEP 2025",
        status=Plan.Status.APPROVED,
        approved_by=cleared_member,
        approved_at=timezone.now(),
        in_force_from=START,
        created_by=cleared_member,
    )
    PlannedEngagementFactory(
        plan=plan,
        category=None,
        stakeholder=defender,
        lead_function=Function.objects.get(code="security"),
    )
    client.force_login(cleared_member)
    internal = client.get(report_url(site)).content.decode()
    assert "SEP 2025" in internal and "Baraka Mwaipopo" in internal
    external = client.get(report_url(site, version="external")).content.decode()
    assert "SEP 2025" in external
    # Outside the company not even a placeholder says a protected party is planned for.
    assert "Baraka" not in external and "Protected stakeholder" not in external


def test_perceptions_all_withheld_are_said_to_be_withheld(client, site, cleared_member, year):
    client.force_login(cleared_member)
    response = client.get(report_url(site, version="external"))
    report = response.context["report"]
    assert report.perceptions_recorded and not report.perception_chart
    content = response.content.decode()
    assert "No perception finding was recorded" not in content
