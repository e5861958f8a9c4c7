"""The engagement page: everything about one engagement, as this user may see it."""

import re

import pytest
from django.urls import reverse

from engagement import services
from engagement.models import Concern, Engagement
from tests.conftest import member_of
from tests.factories import (
    CommitmentFactory,
    ConcernFactory,
    EngagementFactory,
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


def test_the_query_count_does_not_grow_with_commitments_and_concerns(
    client, cleared_member, site, council, django_assert_max_num_queries
):
    engagement = EngagementFactory(site=site, created_by=cleared_member, stakeholders=[council])
    other = member_of(site, username="owner2")
    CommitmentFactory(engagement=engagement, owner=cleared_member)
    ConcernFactory(engagement=engagement, stakeholder=council)
    client.force_login(cleared_member)
    with django_assert_max_num_queries(40) as few:
        assert page(client, engagement).status_code == 200
    for _ in range(20):
        CommitmentFactory(engagement=engagement, owner=other)
        ConcernFactory(engagement=engagement, stakeholder=council)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert page(client, engagement).status_code == 200
