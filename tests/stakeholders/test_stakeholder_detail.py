import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stakeholders import services as stakeholder_services
from stakeholders.models import Function, Stakeholder, StakeholderCategory, VulnerableGroup
from tests.factories import (
    CommitmentFactory,
    ConcernFactory,
    ContactFactory,
    EngagementFactory,
    FindingFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def council(site):
    council = StakeholderFactory(
        name="Mwanzo village council", location="4 km north of the pit", sites=[site]
    )
    ContactFactory(stakeholder=council, name="Halima Mwakyusa", role="Village chairperson")
    return council


def test_shows_the_entry_its_contacts_and_its_categorys_objectives(client, member, council):
    client.force_login(member)
    response = client.get(council.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert "Mwanzo village council" in content
    assert "Halima Mwakyusa" in content
    assert "Village chairperson" in content
    assert "4 km north of the pit" in content
    assert "Confidence in the public security / judicial system" in content
    assert "Table 4E.2" in content


def test_anonymous_is_sent_to_login(client, council):
    response = client.get(council.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_another_sites_stakeholder_is_not_found(client, outsider, council):
    client.force_login(outsider)
    response = client.get(council.get_absolute_url())
    assert response.status_code == 404
    assert "nothing you have access to" in response.content.decode()
    assert "Mwanzo" not in response.content.decode()


def test_an_unknown_id_is_not_found(client, member):
    client.force_login(member)
    assert client.get(reverse("stakeholders:detail", args=[999999])).status_code == 404


def test_an_uncleared_member_sees_no_identity_of_an_at_risk_stakeholder(client, member, defender):
    client.force_login(member)
    response = client.get(defender.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    for secret in ["Baraka", "Mwanzo village", "Meets off site", "700 100 291"]:
        assert secret not in content
    assert f"Protected stakeholder S-{defender.pk:04d}" in content
    assert "shown only to users cleared at their site" in content


def test_a_cleared_member_sees_the_at_risk_stakeholder_in_full(client, cleared_member, defender):
    client.force_login(cleared_member)
    content = client.get(defender.get_absolute_url()).content.decode()
    for detail in ["Baraka Mwaipopo", "Mwanzo village", "Meets off site", "+255 700 100 291"]:
        assert detail in content


def test_only_the_users_own_sites_are_listed(client, member, council, other_site):
    council.sites.add(other_site)
    client.force_login(member)
    content = client.get(council.get_absolute_url()).content.decode()
    assert "Kisima Ridge Gold Mine" in content
    assert "Far Valley Copper" not in content


# The page of a community with everything in it (contacts, groups, assessments, history,
# engagements over more than a page of its timeline, open commitments and concerns,
# perception findings): one query a section and a history table, whatever their number of
# rows. Above the 15 of issue 8 by its histories: each history table and each of its
# many-to-many tables is read on its own (`stakeholders.history.entries`).
FULL_PAGE_QUERIES = 21
# A community as loaded in bulk (`seed_scale`: no contacts, groups, assessments or history).
BULK_LOADED_QUERIES = 14


def community_with(site, actor, owner, *, count):
    """A local community registered and changed through the services, with `count`
    contacts, vulnerable groups and assessments, and 12 * `count` engagements (with
    commitments, concerns and findings) met at the site."""
    local = StakeholderCategory.objects.get(code="local-communities")
    community = stakeholder_services.stakeholder_create(
        actor=actor,
        sites=[site],
        data={
            "name": f"Village {count}",
            "kind": Stakeholder.Kind.ORGANISATION,
            "category": local,
            "lead_function": Function.objects.get(code="security"),
            "influence": 3,
            "interest": 3,
        },
        vulnerable_groups=VulnerableGroup.objects.exclude(code=VulnerableGroup.OTHER)[:count],
        contacts=[{"name": f"Contact {n}", "role": "Elder"} for n in range(count)],
    )
    stakeholder_services.stakeholder_update(
        actor=actor, stakeholder=community, data={"notes": "Meets on Tuesdays"}
    )
    for n in range(count):
        stakeholder_services.assessment_create(
            actor=actor, stakeholder=community, influence=1 + n % 5, interest=2
        )
        contact = community.contacts.order_by("pk")[n]
        stakeholder_services.contact_update(actor=actor, contact=contact, data={"role": "Chair"})
    for n in range(12 * count):
        engagement = EngagementFactory(
            site=site,
            created_by=actor,
            stakeholders=[community],
            date=site.today() - datetime.timedelta(days=n),
        )
        CommitmentFactory(engagement=engagement, owner=owner)
        ConcernFactory(engagement=engagement, stakeholder=community)
        FindingFactory(engagement=engagement, community=community)
    return community


@pytest.mark.parametrize("who", ["cleared_member", "member", "reviewer", "superuser"])
def test_the_query_count_does_not_grow_with_what_the_community_has(
    client, request, who, site, cleared_member, member
):
    few = community_with(site, cleared_member, member, count=1)
    many = community_with(site, cleared_member, member, count=3)
    client.force_login(request.getfixturevalue(who))
    counts = []
    for community in (few, many):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(community.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= FULL_PAGE_QUERIES


@pytest.mark.parametrize("who", ["cleared_member", "member", "reviewer", "superuser"])
def test_a_community_loaded_in_bulk_is_read_in_under_15_queries(
    client, request, who, site, cleared_member, member
):
    """As `seed_scale` loads a company's registry (no contacts, groups, assessments or
    history): the scale benchmark's page, the empty sections read in no query."""
    community = StakeholderFactory(name="Mwanzo village", sites=[site])
    for n in range(14):
        engagement = EngagementFactory(
            site=site,
            created_by=cleared_member,
            stakeholders=[community],
            date=site.today() - datetime.timedelta(days=n),
        )
        CommitmentFactory(engagement=engagement, owner=member)
        ConcernFactory(engagement=engagement, stakeholder=community)
        FindingFactory(engagement=engagement, community=community)
    Stakeholder.history.all().delete()
    client.force_login(request.getfixturevalue(who))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(community.get_absolute_url()).status_code == 200
    assert len(queries) <= BULK_LOADED_QUERIES
