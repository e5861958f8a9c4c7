"""The stakeholder map (a site's influence x interest grid) and the registry filters its
cells link to."""

import html
import re

import pytest
from django.urls import reverse

from stakeholders.models import Stakeholder, VulnerableGroup
from tests.conftest import member_of
from tests.factories import (
    CategoryFactory,
    ContactFactory,
    FunctionFactory,
    StakeholderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("stakeholders:map")
LIST = reverse("stakeholders:list")

# In the at-risk stakeholder's name, location, notes and contact: never on an uncleared page.
MARKER = "Zq-Marker-7731"


def cell(response, influence, interest):
    for row in response.context["grid"].rows:
        for one in row:
            if (one.influence, one.interest) == (influence, interest):
                return one
    raise AssertionError((influence, interest))


def counts(response):
    """{(influence, interest): count} of the cells that have any."""
    return {
        (one.influence, one.interest): one.count
        for one in response.context["grid"].cells
        if one.count
    }


def cell_links(content):
    """(registry URL, count) of each cell's link in the map's table."""
    found = re.findall(r'<a href="([^"]+)" class="fw-semibold">(\d+) stakeholders?</a>', content)
    return [(html.unescape(url), int(count)) for url, count in found]


@pytest.fixture
def dataset(site, other_site):
    """A known map of the site:

    - influence 5, interest 1: eight active organisations, "Org 01" to "Org 08";
    - influence 3, interest 3: an at-risk person (the marker) and a police post, in
      public security providers, led by security;
    - influence 1, interest 5: one active group, one inactive (left off the map);
    - influence 4, interest 4: one shared with the other site (counted once);
    - the other site's own stakeholder at influence 5, interest 1 (never on this map).
    """
    legal = FunctionFactory(code="legal")
    security = FunctionFactory(code="security")
    police = CategoryFactory(code="public-security-providers")
    for number in range(8, 0, -1):
        StakeholderFactory(
            name=f"Org {number:02d}", influence=5, interest=1, lead_function=legal, sites=[site]
        )
    hidden = StakeholderFactory(
        name=f"{MARKER} Person",
        kind=Stakeholder.Kind.PERSON,
        location=f"{MARKER} village",
        notes=f"{MARKER} notes",
        category=police,
        lead_function=security,
        at_risk=True,
        influence=3,
        interest=3,
        sites=[site],
    )
    ContactFactory(stakeholder=hidden, name=f"{MARKER} contact")
    StakeholderFactory(
        name="Ilembo police post",
        category=police,
        lead_function=security,
        influence=3,
        interest=3,
        sites=[site],
    )
    StakeholderFactory(name="Youth group", influence=1, interest=5, sites=[site])
    StakeholderFactory(name="Old committee", influence=1, interest=5, active=False, sites=[site])
    StakeholderFactory(name="Shared police", influence=4, interest=4, sites=[site, other_site])
    StakeholderFactory(name="Far valley chiefs", influence=5, interest=1, sites=[other_site])
    return hidden


EXPECTED = {(5, 1): 8, (3, 3): 2, (1, 5): 1, (4, 4): 1}


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_post_is_not_allowed(client, member):
    client.force_login(member)
    assert client.post(URL).status_code == 405


def test_a_reviewer_reads_the_map(client, reviewer, dataset):
    client.force_login(reviewer)
    response = client.get(URL)
    assert response.status_code == 200
    assert counts(response) == EXPECTED


def test_a_user_of_no_site_is_told_there_is_nothing_to_map(client, db):
    client.force_login(UserFactory(roles=["Reviewer"]))
    response = client.get(URL)
    assert response.status_code == 200
    assert "nothing to map" in response.content.decode()


class TestCells:
    def test_counts_each_active_stakeholder_of_the_site_once(
        self, client, cleared_member, dataset
    ):
        client.force_login(cleared_member)
        response = client.get(URL)
        assert response.status_code == 200
        assert counts(response) == EXPECTED
        assert response.context["grid"].total == 12
        content = response.content.decode()
        assert "12 active stakeholders" in content
        assert "Old committee" not in content
        assert "Far valley chiefs" not in content

    def test_a_cell_names_at_most_six_and_says_how_many_more(
        self, client, cleared_member, dataset
    ):
        client.force_login(cleared_member)
        response = client.get(URL)
        crowded = cell(response, 5, 1)
        assert [point.name for point in crowded.points] == [f"Org {n:02d}" for n in range(1, 7)]
        assert crowded.more == 2
        content = response.content.decode()
        assert "+ 2 more" in content  # the drawing
        assert "and 2 more" in content  # the table
        assert "Org 07" not in content
        assert "Org 08" not in content
        assert "8 stakeholders" in content
        assert cell(response, 3, 3).more == 0
        assert content.count("more</") == 2  # no "+ 0 more" anywhere

    def test_every_point_links_to_its_stakeholder(self, client, cleared_member, dataset):
        client.force_login(cleared_member)
        content = client.get(URL).content.decode()
        assert dataset.get_absolute_url() in content
        assert f"{MARKER} Person" in content


class TestAtRisk:
    def test_an_uncleared_member_sees_the_placeholder_and_never_the_identity(
        self, client, member, dataset
    ):
        client.force_login(member)
        response = client.get(URL)
        content = response.content.decode()
        assert MARKER not in content
        assert f"Protected stakeholder S-{dataset.pk:04d}" in content
        assert cell(response, 3, 3).count == 2
        # Hidden stakeholders come after the shown ones, so a place gives nothing away.
        assert [point.pk for point in cell(response, 3, 3).points][-1] == dataset.pk

    def test_nor_through_a_filter_or_a_bad_choice(self, client, member, dataset):
        client.force_login(member)
        police = CategoryFactory(code="public-security-providers")
        for query in [
            {"category": police.pk},
            {"function": FunctionFactory(code="security").pk},
            {"site": "junk", "category": police.pk},
        ]:
            content = client.get(URL, query).content.decode()
            assert MARKER not in content, query
            assert f"Protected stakeholder S-{dataset.pk:04d}" in content, query

    def test_a_cleared_member_sees_the_name(self, client, cleared_member, dataset):
        client.force_login(cleared_member)
        content = client.get(URL).content.decode()
        assert f"{MARKER} Person" in content
        assert "Protected stakeholder" not in content


class TestFilters:
    def test_by_category(self, client, cleared_member, dataset):
        client.force_login(cleared_member)
        police = CategoryFactory(code="public-security-providers")
        response = client.get(URL, {"category": police.pk})
        assert counts(response) == {(3, 3): 2}
        for url, _ in cell_links(response.content.decode()):
            assert f"category={police.pk}" in url

    def test_by_lead_function(self, client, cleared_member, dataset):
        client.force_login(cleared_member)
        legal = FunctionFactory(code="legal")
        response = client.get(URL, {"function": legal.pk})
        assert counts(response) == {(5, 1): 8}
        for url, _ in cell_links(response.content.decode()):
            assert f"function={legal.pk}" in url

    def test_by_another_of_the_users_sites(self, client, site, other_site, dataset):
        user = member_of(site, cleared=True)
        user.site_memberships.create(site=other_site, cleared=True)
        client.force_login(user)

        here = client.get(URL, {"site": site.pk})
        there = client.get(URL, {"site": other_site.pk})

        assert counts(here) == EXPECTED
        assert "Far valley chiefs" not in here.content.decode()
        assert counts(there) == {(5, 1): 1, (4, 4): 1}
        assert there.context["site"] == other_site
        content = there.content.decode()
        assert "Far valley chiefs" in content
        assert "Org 01" not in content
        assert MARKER not in content

    def test_another_sites_stakeholders_never_appear(self, client, outsider, dataset):
        client.force_login(outsider)
        response = client.get(URL)
        assert counts(response) == {(5, 1): 1, (4, 4): 1}
        content = response.content.decode()
        for name in ["Org 01", "Ilembo police post", "Youth group", MARKER, "Protected"]:
            assert name not in content, name
        assert "Kisima Ridge Gold Mine" not in content

    @pytest.mark.parametrize("bad", ["other-site", "junk", "999999", "-1"])
    def test_a_bad_site_is_not_applied_and_is_named_in_a_warning(
        self, client, member, site, other_site, dataset, bad
    ):
        client.force_login(member)
        value = other_site.pk if bad == "other-site" else bad
        response = client.get(URL, {"site": value})
        assert response.status_code == 200
        assert response.context["site"] == site
        assert counts(response) == EXPECTED
        content = response.content.decode()
        warning = content[content.index('class="alert alert-warning"') :]
        warning = warning[: warning.index("</div>")]
        assert "could not be applied" in warning
        assert "<strong>Site</strong>" in warning
        assert "Select a valid choice" in warning
        assert "Far Valley Copper" not in content
        assert "Far valley chiefs" not in content

    def test_a_bad_category_is_left_out_and_the_site_still_applies(self, client, member, dataset):
        client.force_login(member)
        response = client.get(URL, {"category": "junk"})
        assert counts(response) == EXPECTED
        assert "<strong>Category</strong>" in response.content.decode()


class TestCellLinks:
    """A cell's number links to the registry filtered to that cell: the same count."""

    @pytest.mark.parametrize("choice", ["none", "category", "function"])
    def test_each_cell_link_lists_as_many_as_the_cell_counts(
        self, client, member, dataset, choice
    ):
        query = {
            "none": {},
            "category": {"category": CategoryFactory(code="public-security-providers").pk},
            "function": {"function": FunctionFactory(code="legal").pk},
        }[choice]
        client.force_login(member)
        response = client.get(URL, query)
        links = cell_links(response.content.decode())
        assert sorted(count for _, count in links) == sorted(counts(response).values())
        for url, count in links:
            assert url.startswith(LIST + "?")
            assert "active=yes" in url
            listed = client.get(url)
            assert listed.status_code == 200
            assert not listed.context["form"].errors, url
            assert listed.context["page_obj"].paginator.count == count, url

    def test_the_list_keeps_the_cell_when_other_filters_change(self, client, member, dataset):
        client.force_login(member)
        url, _ = cell_links(client.get(URL).content.decode())[0]
        content = client.get(url).content.decode()
        assert '<input type="hidden" name="influence" value="5">' in content
        assert '<input type="hidden" name="interest" value="1">' in content


class TestVulnerableGroupFilter:
    def test_lists_the_stakeholders_marked_with_the_group(self, client, member, site, defender):
        women = VulnerableGroup.objects.get(code="women")
        youth = VulnerableGroup.objects.get(code="youth")
        StakeholderFactory(name="Women's cooperative", sites=[site]).vulnerable_groups.add(women)
        StakeholderFactory(name="Mixed forum", sites=[site]).vulnerable_groups.add(women, youth)
        StakeholderFactory(name="Youth club", sites=[site]).vulnerable_groups.add(youth)
        StakeholderFactory(name="Police post", sites=[site])
        defender.vulnerable_groups.add(women)
        client.force_login(member)

        response = client.get(LIST, {"vulnerable_group": women.pk})

        assert response.status_code == 200
        names = [stakeholder.name for stakeholder in response.context["page_obj"]]
        assert names == ["Mixed forum", "Women's cooperative", "Baraka Mwaipopo"]
        content = response.content.decode()
        assert "Youth club" not in content
        assert "Baraka" not in content  # listed, as its placeholder
        assert f"Protected stakeholder S-{defender.pk:04d}" in content
        assert "3 stakeholders" in content

    def test_the_filter_is_offered_on_the_registry(self, client, member):
        client.force_login(member)
        content = client.get(LIST).content.decode()
        assert 'name="vulnerable_group"' in content
        assert "People with disabilities" in content

    def test_other_sites_stakeholders_are_not_listed(self, client, member, site, other_site):
        women = VulnerableGroup.objects.get(code="women")
        StakeholderFactory(name="Far women", sites=[other_site]).vulnerable_groups.add(women)
        client.force_login(member)
        response = client.get(LIST, {"vulnerable_group": women.pk})
        assert response.context["page_obj"].paginator.count == 0
        assert "Far women" not in response.content.decode()

    def test_an_unknown_group_is_left_out_with_a_warning(self, client, member, site):
        StakeholderFactory(name="Police post", sites=[site])
        client.force_login(member)
        response = client.get(LIST, {"vulnerable_group": 999999})
        assert [s.name for s in response.context["page_obj"]] == ["Police post"]
        assert "These filters could not be applied" in response.content.decode()


class TestQueryCount:
    def test_does_not_grow_with_the_stakeholders(
        self, client, member, site, other_site, django_assert_max_num_queries
    ):
        client.force_login(member)
        StakeholderFactory.create_batch(5, sites=[site])
        with django_assert_max_num_queries(12) as few:
            client.get(URL)
        bulk_stakeholders(site, other_site, 300)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(URL)
        assert response.context["grid"].total == 305
        assert sum(len(one.points) for one in response.context["grid"].cells) <= 25 * 6

    def test_nor_with_filters_and_hidden_stakeholders(
        self, client, member, site, other_site, django_assert_max_num_queries
    ):
        client.force_login(member)
        security = FunctionFactory(code="security")
        query = {"site": site.pk, "function": security.pk}
        StakeholderFactory.create_batch(5, sites=[site], at_risk=True)
        with django_assert_max_num_queries(12) as few:
            client.get(URL, query)
        bulk_stakeholders(site, other_site, 300, at_risk=True)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(URL, query)
        assert response.context["grid"].total == 305


def bulk_stakeholders(site, other_site, number, **fields):
    """`number` stakeholders spread over the grid, at the site (every third shared with the
    other site), each with a contact and a vulnerable group: what a template might reach."""
    category = CategoryFactory()
    function = FunctionFactory(code="security")
    rows = Stakeholder.objects.bulk_create(
        Stakeholder(
            name=f"Bulk {index:04d}",
            kind=Stakeholder.Kind.ORGANISATION,
            category=category,
            lead_function=function,
            influence=index % 5 + 1,
            interest=index // 5 % 5 + 1,
            **fields,
        )
        for index in range(number)
    )
    through = Stakeholder.sites.through
    through.objects.bulk_create(
        [through(stakeholder=row, site=site) for row in rows]
        + [through(stakeholder=row, site=other_site) for row in rows[::3]]
    )
    women = VulnerableGroup.objects.get(code="women")
    groups = Stakeholder.vulnerable_groups.through
    groups.objects.bulk_create(groups(stakeholder=row, vulnerablegroup=women) for row in rows)
    return rows
