"""The admin's commitments and concerns changelists take the same few queries with 3 rows
or 25, show each row's site, and filter due dates by period rather than by a date
hierarchy read over every year of the register."""

import pytest
from django.urls import reverse

from tests.factories import CommitmentFactory, ConcernFactory, EngagementFactory

pytestmark = pytest.mark.django_db

CHANGELISTS = {
    "commitments": (reverse("admin:engagement_commitment_changelist"), CommitmentFactory),
    "concerns": (reverse("admin:engagement_concern_changelist"), ConcernFactory),
}


@pytest.mark.parametrize("register", list(CHANGELISTS))
def test_a_changelist_takes_a_fixed_number_of_queries(
    register, client, admin_member, site, django_assert_max_num_queries
):
    url, factory = CHANGELISTS[register]
    client.force_login(admin_member)
    for _ in range(3):
        factory(engagement=EngagementFactory(site=site))
    with django_assert_max_num_queries(12) as few:
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count(site.name) >= 3
    for _ in range(22):
        factory(engagement=EngagementFactory(site=site))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200


def test_commitments_are_filtered_by_due_period_without_a_date_hierarchy(
    client, admin_member, site
):
    CommitmentFactory(engagement=EngagementFactory(site=site))
    client.force_login(admin_member)
    response = client.get(CHANGELISTS["commitments"][0])
    content = response.content.decode()
    assert 'class="xfull"' not in content  # the date hierarchy's bar
    assert "due_on__gte=" in content  # the period filter's links


def test_an_engagement_s_change_page_asks_each_permission_once(
    client, admin_member, site, django_assert_max_num_queries
):
    """Its inlines ask whether the user may change the engagement, and whether they are
    cleared at its site, for every permission Django checks: answered once a request."""
    engagement = EngagementFactory(site=site, created_by=admin_member)
    url = reverse("admin:engagement_engagement_change", args=[engagement.pk])
    CommitmentFactory(engagement=engagement)
    ConcernFactory(engagement=engagement)
    client.force_login(admin_member)
    with django_assert_max_num_queries(24) as queries:
        assert client.get(url).status_code == 200
    asked = [query["sql"] for query in queries.captured_queries]
    cleared = 'SELECT 1 AS "a" FROM "stakeholders_sitemembership" WHERE ("stakeholders_sitem'
    membership = 'SELECT "stakeholders_sitemembership"."id"'
    role = 'SELECT 1 AS "a" FROM "auth_group"'
    for question in (cleared, membership, role):
        assert sum(sql.startswith(question) for sql in asked) <= 1, question
