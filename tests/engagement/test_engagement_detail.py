"""The engagement page: everything about one engagement, as this user may see it."""

import re

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engagement import services
from engagement.demo import pdf_page
from engagement.models import Attachment, Commitment, Concern, Engagement, Finding
from stakeholders.models import EngagementObjective, StakeholderCategory
from tests.factories import (
    CommitmentFactory,
    ConcernFactory,
    EngagementFactory,
    FindingFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db

MISSING = 987654


def page(client, engagement_or_pk):
    pk = getattr(engagement_or_pk, "pk", engagement_or_pk)
    return client.get(reverse("engagement:detail", args=[pk]))


def body(response):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


@pytest.fixture
def council(site):
    return StakeholderFactory(name="Mwanzo village council", sites=[site])


@pytest.fixture
def internal(site, cleared_member, council):
    engagement = EngagementFactory(
        site=site,
        created_by=cleared_member,
        stakeholders=[council],
        purpose="Quarterly meeting",
        summary="INTERNAL-MARKER summary",
    )
    CommitmentFactory(engagement=engagement, description="Fix the road", owner=cleared_member)
    ConcernFactory(
        engagement=engagement,
        type=Concern.Type.ALLEGATION_PRIVATE,
        description="ALLEGATION-MARKER beaten at the gate",
        referred_to="ALLEGATION-MARKER commission",
    )
    ConcernFactory(engagement=engagement, description="Dust on the road", stakeholder=council)
    return engagement


@pytest.fixture
def restricted(site, cleared_member, defender):
    return EngagementFactory(
        site=site,
        created_by=cleared_member,
        stakeholders=[defender],
        confidentiality=Engagement.Confidentiality.RESTRICTED,
        summary="RESTRICTED-MARKER summary",
    )


def test_a_member_reads_an_internal_engagement_without_its_allegation(client, reviewer, internal):
    client.force_login(reviewer)
    response = page(client, internal)
    assert response.status_code == 200
    content = response.content.decode()
    assert "INTERNAL-MARKER" in content
    assert "Fix the road" in content
    assert "Dust on the road" in content
    assert "ALLEGATION-MARKER" not in content
    assert response["Cache-Control"] == "private, no-store"


def test_a_cleared_member_reads_the_allegation_too(client, cleared_member, internal):
    client.force_login(cleared_member)
    content = page(client, internal).content.decode()
    assert "ALLEGATION-MARKER beaten at the gate" in content
    assert "not named" in content


@pytest.mark.parametrize("who", ["member", "reviewer", "outsider"])
def test_a_restricted_or_foreign_engagement_answers_as_a_missing_one(
    client, request, who, restricted, internal
):
    client.force_login(request.getfixturevalue(who))
    missing = page(client, MISSING)
    assert missing.status_code == 404
    hidden = [restricted] if who != "outsider" else [restricted, internal]
    for engagement in hidden:
        response = page(client, engagement)
        assert (response.status_code, body(response)) == (404, body(missing))
        assert "MARKER" not in body(response)


def test_the_cleared_read_a_restricted_engagement_and_its_at_risk_stakeholder(
    client, cleared_member, restricted, defender
):
    client.force_login(cleared_member)
    content = page(client, restricted).content.decode()
    assert "RESTRICTED-MARKER" in content
    assert "Baraka Mwaipopo" in content


def test_an_at_risk_stakeholder_met_in_an_internal_engagement_is_a_placeholder(
    client, member, cleared_member, site, defender
):
    engagement = EngagementFactory(site=site, created_by=cleared_member, stakeholders=[defender])
    client.force_login(member)
    content = page(client, engagement).content.decode()
    assert "Baraka" not in content
    assert f"Protected stakeholder S-{defender.pk:04d}" in content


def test_anonymous_is_sent_to_login_and_the_page_is_read_only(client, member, internal):
    response = page(client, internal)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    client.force_login(member)
    assert client.post(reverse("engagement:detail", args=[internal.pk])).status_code == 405


def test_a_restricted_past_stays_sealed_once_opened(client, member, cleared_member, site, council):
    engagement = services.engagement_create(
        actor=cleared_member,
        site=site,
        data={
            "date": site.today(),
            "format": Engagement.Format.MEETING,
            "lead_function": council.lead_function,
            "purpose": "PAST-MARKER purpose",
            "summary": "PAST-MARKER summary",
            "confidentiality": Engagement.Confidentiality.RESTRICTED,
        },
        stakeholders=[council],
    )
    services.engagement_update(
        actor=cleared_member,
        engagement=engagement,
        data={
            "confidentiality": Engagement.Confidentiality.INTERNAL,
            "purpose": "Open purpose",
            "summary": "Open summary",
        },
    )
    client.force_login(member)
    content = page(client, engagement).content.decode()
    assert "Open summary" in content
    assert "PAST-MARKER" not in content
    assert "Restricted at the time" in content


# The engagement page with everything in it, each section and history filled: one query a
# section and a history table (the histories' linked rows, read once for all of them by
# `history_names_read_once`, are the rest), whatever their number of rows. It is above the
# 15 of issue 8 because each history table, and each of the engagement's own many-to-many
# history tables, is read on its own (`stakeholders.history.entries`).
FULL_PAGE_QUERIES = 24
# An engagement as loaded in bulk (`seed_scale`: no history rows), the scale benchmark's.
BULK_LOADED_QUERIES = 14


def logged(site, actor, *, count, owners, stakeholders, objectives):
    """An engagement logged and changed through the services, with `count` commitments,
    concerns (and an allegation), findings on each community met, attachments and
    participants, and the uncleared `owners[1]`'s own allegation: every section of its
    page and every history has rows."""
    communities = [s for s in stakeholders if s.category.code == "local-communities"]
    engagement = services.engagement_create(
        actor=actor,
        site=site,
        data={
            "date": site.today(),
            "format": Engagement.Format.MEETING,
            "lead_function": stakeholders[0].lead_function,
            "purpose": "Quarterly meeting",
            "summary": "Roads and dust",
            "confidentiality": Engagement.Confidentiality.INTERNAL,
        },
        stakeholders=stakeholders,
        objectives=objectives,
        participants=owners,
        commitments=[
            {"description": f"Grade road {n}", "owner": owners[n % 2], "due_on": site.today()}
            for n in range(count)
        ],
        concerns=[
            {"type": Concern.Type.ENVIRONMENT, "description": f"Dust {n}", "stakeholder": source}
            for n in range(count)
            for source in stakeholders[:2]
        ]
        + [{"type": Concern.Type.ALLEGATION_PUBLIC, "description": "Beaten at the gate"}],
        findings=[
            {"community": community, "indicator": indicator, "value": 3, "evidence": "Said so"}
            for community in communities
            for indicator in Finding.Indicator.values[:count]
        ],
    )
    for n in range(count):
        services.attachment_create(
            actor=actor,
            engagement=engagement,
            upload=ContentFile(pdf_page([f"Minutes {n}"]), name=f"minutes-{n}.pdf"),
            kind=Attachment.Kind.MINUTES,
        )
    services.concern_create(
        actor=owners[1],
        engagement=engagement,
        data={"type": Concern.Type.ALLEGATION_PRIVATE, "description": "Filed by the uncleared"},
    )
    services.engagement_update(
        actor=actor, engagement=engagement, data={"summary": "Roads, dust and water"}
    )
    for commitment in engagement.commitments.all():
        services.commitment_update(
            actor=actor, commitment=commitment, data={"status": Commitment.Status.IN_PROGRESS}
        )
    return engagement


@pytest.mark.parametrize("who", ["cleared_member", "member", "reviewer", "superuser"])
def test_the_query_count_does_not_grow_with_what_the_engagement_holds(
    client, request, who, site, cleared_member, member, council, defender
):
    local = StakeholderCategory.objects.get(code="local-communities")
    villages = [
        StakeholderFactory(name=f"Village {n}", category=local, sites=[site]) for n in range(2)
    ]
    met = [council, *villages, defender]
    objectives = list(EngagementObjective.objects.filter(category=local).order_by("pk"))
    few = logged(
        site,
        cleared_member,
        count=1,
        owners=[cleared_member, member],
        stakeholders=met[:2],
        objectives=objectives[:1],
    )
    many = logged(
        site,
        cleared_member,
        count=4,
        owners=[cleared_member, member],
        stakeholders=met,
        objectives=objectives,
    )
    client.force_login(request.getfixturevalue(who))
    counts = []
    for engagement in (few, many):
        with CaptureQueriesContext(connection) as queries:
            assert page(client, engagement).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= FULL_PAGE_QUERIES


@pytest.mark.parametrize("who", ["cleared_member", "member", "reviewer", "superuser"])
def test_an_engagement_loaded_in_bulk_is_read_in_under_15_queries(
    client, request, who, site, cleared_member, council
):
    """As `seed_scale` loads a company's engagements (no history): the scale benchmark's
    page, each section read in one query (the empty ones in none)."""
    engagement = EngagementFactory(site=site, created_by=cleared_member, stakeholders=[council])
    for _n in range(12):
        CommitmentFactory(engagement=engagement, owner=cleared_member)
        ConcernFactory(engagement=engagement, stakeholder=council)
    for indicator in Finding.Indicator.values:
        FindingFactory(engagement=engagement, community=council, indicator=indicator)
    for model in (Engagement, Commitment, Concern, Finding):
        model.history.all().delete()
    client.force_login(request.getfixturevalue(who))
    with CaptureQueriesContext(connection) as queries:
        assert page(client, engagement).status_code == 200
    assert len(queries) <= BULK_LOADED_QUERIES
