"""The admin's registers and engagement page at scale: a register's page is read by its keys
in the list's order and counted once, narrowed to the user's sites by each row's copy of its
site while who sees a row is still decided through its engagement; an engagement's page takes
the same queries however many rows its inlines list, and reads no inline that has none."""

import datetime

import pytest
from django.urls import reverse

from engagement.models import Commitment, Concern, Engagement
from stakeholders.models import EngagementObjective, Function, SiteMembership
from tests.conftest import member_of
from tests.factories import (
    CommitmentFactory,
    ConcernFactory,
    EngagementFactory,
    FindingFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db

COMMITMENTS = reverse("admin:engagement_commitment_changelist")
CONCERNS = reverse("admin:engagement_concern_changelist")


def change_page(engagement):
    return reverse("admin:engagement_engagement_change", args=[engagement.pk])


def listed(response):
    return [row.pk for row in response.context["cl"].result_list]


def counts(queries):
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]


def test_a_register_is_paged_in_its_order(client, admin_member, site):
    engagement = EngagementFactory(site=site, created_by=admin_member)
    start = datetime.date(2030, 1, 1)
    commitments = [
        CommitmentFactory(engagement=engagement, due_on=start + datetime.timedelta(days=n % 13))
        for n in range(30)
    ]
    in_order = [c.pk for c in sorted(commitments, key=lambda c: (c.due_on, c.pk))]
    client.force_login(admin_member)
    first, second = client.get(COMMITMENTS), client.get(COMMITMENTS, {"p": "2"})
    assert listed(first) == in_order[:25]
    assert listed(second) == in_order[25:]
    assert first.context["cl"].result_count == 30


def test_allegations_come_first_on_every_page(client, admin_member, site):
    engagement = EngagementFactory(site=site, created_by=admin_member)
    others = [ConcernFactory(engagement=engagement) for _ in range(24)]
    allegations = [
        ConcernFactory(engagement=engagement, type=Concern.ALLEGATIONS[0], description=f"a{n}")
        for n in range(3)
    ]
    Concern.objects.filter(pk__in=[a.pk for a in allegations]).update(
        created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )
    client.force_login(admin_member)
    first, second = client.get(CONCERNS), client.get(CONCERNS, {"p": "2"})
    newest_first = sorted(others, key=lambda c: (c.created_at, c.pk), reverse=True)
    assert listed(first)[:3] == sorted((a.pk for a in allegations), reverse=True)
    assert listed(first)[3:] + listed(second) == [c.pk for c in newest_first]


def test_an_unnarrowed_register_is_counted_once(
    client, admin_member, site, django_assert_max_num_queries
):
    engagement = EngagementFactory(site=site, created_by=admin_member)
    CommitmentFactory.create_batch(3, engagement=engagement)
    CommitmentFactory(engagement=engagement, description="Marker water tank 1c3")
    client.force_login(admin_member)
    with django_assert_max_num_queries(12) as queries:
        response = client.get(COMMITMENTS)
    assert len(counts(queries)) == 1
    cl = response.context["cl"]
    assert (cl.result_count, cl.full_result_count, cl.show_admin_actions) == (4, 4, True)

    with django_assert_max_num_queries(12) as queries:
        response = client.get(COMMITMENTS, {"q": "water tank"})
    assert len(counts(queries)) == 2  # the search's, and the whole register's
    assert (response.context["cl"].result_count, response.context["cl"].full_result_count) == (
        1,
        4,
    )
    assert '1 result (<a href="?">4 total</a>)' in response.content.decode()


def test_the_site_copy_narrows_but_the_engagement_decides(
    client, uncleared_admin, site, other_site
):
    """An uncleared administrator: a restricted engagement's commitment is not listed at
    their site, nor one whose copy names their site while its engagement is elsewhere, nor
    one whose copy names another site (the narrowing fails closed)."""
    internal = EngagementFactory(site=site)
    restricted = EngagementFactory(site=site, confidentiality="restricted")
    far = EngagementFactory(site=other_site)
    shown = CommitmentFactory(engagement=internal)
    CommitmentFactory(engagement=restricted, description="Marker restricted 6b1")
    forged_here = CommitmentFactory(engagement=far, description="Marker far 2e8")
    moved_away = CommitmentFactory(engagement=internal, description="Marker moved 3d4")
    Commitment.objects.filter(pk=forged_here.pk).update(site=site)
    Commitment.objects.filter(pk=moved_away.pk).update(site=other_site)
    client.force_login(uncleared_admin)
    response = client.get(COMMITMENTS)
    assert listed(response) == [shown.pk]
    assert response.context["cl"].result_count == 1
    content = response.content.decode()
    for marker in ("Marker restricted 6b1", "Marker far 2e8", "Marker moved 3d4"):
        assert marker not in content
    forged = reverse("admin:engagement_commitment_change", args=[forged_here.pk])
    assert "Marker far 2e8" not in client.get(forged, follow=True).content.decode()


def test_the_site_filter_lists_one_site_once(client, site, other_site):
    admin = member_of(
        site, cleared=True, roles=["Administrator"], username="two_sites", is_staff=True
    )
    SiteMembership.objects.create(user=admin, site=other_site, cleared=True)
    here = CommitmentFactory.create_batch(2, engagement=EngagementFactory(site=site))
    there = CommitmentFactory(engagement=EngagementFactory(site=other_site))
    elsewhere = EngagementFactory()
    CommitmentFactory(engagement=elsewhere)
    client.force_login(admin)
    assert sorted(listed(client.get(COMMITMENTS))) == sorted([*(c.pk for c in here), there.pk])
    response = client.get(COMMITMENTS, {"site": str(site.pk)})
    assert sorted(listed(response)) == sorted(c.pk for c in here)
    assert response.context["cl"].result_count == 2
    assert listed(client.get(COMMITMENTS, {"site": str(elsewhere.site_id)})) == []


def engagement_with_rows(site, author, rows):
    """An engagement whose inlines each list `rows` rows: commitments, concerns raised by
    its stakeholders, findings on them."""
    engagement = EngagementFactory(site=site, created_by=author)
    for _ in range(rows):
        source = StakeholderFactory(sites=[site])
        engagement.stakeholders.add(source)
        CommitmentFactory(engagement=engagement, owner=author)
        ConcernFactory(engagement=engagement, stakeholder=source)
        FindingFactory(engagement=engagement, community=source)
    return engagement


def test_an_engagement_page_takes_the_same_queries_with_more_rows(
    client, admin_member, site, django_assert_max_num_queries
):
    client.force_login(admin_member)
    one = engagement_with_rows(site, admin_member, 1)
    with django_assert_max_num_queries(20) as few:
        assert client.get(change_page(one)).status_code == 200
    four = engagement_with_rows(site, admin_member, 4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(change_page(four))
    content = response.content.decode()
    # Each commitment's owner select offers the site's members, read once for them all.
    assert content.count(f">{admin_member.username}</option>") >= 4


def test_an_inline_without_rows_is_not_read(
    client, admin_member, site, django_assert_max_num_queries
):
    engagement = EngagementFactory(site=site, created_by=admin_member)
    client.force_login(admin_member)
    with django_assert_max_num_queries(14) as queries:
        response = client.get(change_page(engagement))
    assert response.status_code == 200
    for table in ("commitment", "concern", "finding", "attachment"):
        read = f'SELECT "engagement_{table}"."id"'
        assert not any(q["sql"].startswith(read) for q in queries.captured_queries), table
    assert "Add another Commitment" in response.content.decode()


def test_the_lead_function_and_objectives_are_drawn_from_the_engagement(
    client, admin_member, site, django_assert_max_num_queries
):
    engagement = EngagementFactory(
        site=site, created_by=admin_member, lead_function=Function.objects.get(code="security")
    )
    objectives = list(EngagementObjective.objects.all()[:2])
    engagement.objectives.set(objectives)
    client.force_login(admin_member)
    with django_assert_max_num_queries(14) as queries:
        response = client.get(change_page(engagement))
    content = response.content.decode()
    function = engagement.lead_function
    assert f'<option value="{function.pk}" selected>{function}</option>' in content
    for objective in objectives:
        assert f'<option value="{objective.pk}" selected>{objective}</option>' in content
    objective_reads = [
        q for q in queries.captured_queries if q["sql"].startswith('SELECT "stakeholders_eng')
    ]
    assert objective_reads == []  # read once, with the engagement (its prefetch)
    assert Engagement.objects.get(pk=engagement.pk).objectives.count() == 2
