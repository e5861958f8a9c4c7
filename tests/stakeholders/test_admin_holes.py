"""Admin paths that answered differently for another site's record than for a missing one,
or answered 500 to their own links and to ids beyond the database's range. Run on SQLite
and on PostgreSQL (`DATABASE_URL=postgres://...`): they fail differently on each."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.urls import resolve, reverse

from stakeholders.models import Site, SiteMembership, Stakeholder
from tests.conftest import member_of
from tests.factories import StakeholderFactory

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"  # beyond a 64-bit integer
MISSING = "987654321"
STAKEHOLDERS = reverse("admin:stakeholders_stakeholder_changelist")
MEMBERSHIPS = reverse("admin:stakeholders_sitemembership_changelist")


def normalised(response):
    """Status and body, without the CSRF token that is masked afresh on every page."""
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
    return response.status_code, body


@pytest.fixture
def council(site):
    return StakeholderFactory(name="Mwanzo village council", sites=[site])


@pytest.fixture
def far_chiefs(other_site):
    return StakeholderFactory(name="Far valley chiefs", sites=[other_site])


class TestViewOnSite:
    def view_on_site(self, model, object_id):
        content_type = ContentType.objects.get_for_model(model)
        return reverse(
            "admin:view_on_site",
            kwargs={"content_type_id": content_type.pk, "object_id": object_id},
        )

    def test_the_admins_link_reaches_the_scoped_view(self, council):
        url = self.view_on_site(Stakeholder, council.pk)
        assert resolve(url).url_name == "admin_view_on_site"

    def test_own_stakeholder_leads_to_its_page(self, client, admin_member, council):
        client.force_login(admin_member)
        change = client.get(reverse("admin:stakeholders_stakeholder_change", args=[council.pk]))
        link = self.view_on_site(Stakeholder, council.pk)
        assert f'href="{link}"' in change.content.decode()
        response = client.get(link)
        assert response.status_code == 302
        assert response["Location"] == council.get_absolute_url()

    def test_another_sites_stakeholder_is_answered_like_a_missing_one(
        self, client, admin_member, far_chiefs
    ):
        client.force_login(admin_member)
        foreign = client.get(self.view_on_site(Stakeholder, far_chiefs.pk))
        missing = client.get(self.view_on_site(Stakeholder, MISSING))
        assert foreign.status_code == 404
        assert normalised(foreign) == normalised(missing)
        assert "Far valley chiefs" not in foreign.content.decode()

    def test_a_hidden_at_risk_stakeholder_is_answered_like_a_missing_one(
        self, client, uncleared_admin, defender
    ):
        client.force_login(uncleared_admin)
        hidden = client.get(self.view_on_site(Stakeholder, defender.pk))
        missing = client.get(self.view_on_site(Stakeholder, MISSING))
        assert hidden.status_code == 404
        assert normalised(hidden) == normalised(missing)

    def test_another_site_is_answered_like_a_missing_one(
        self, client, admin_member, site, other_site
    ):
        client.force_login(admin_member)
        own = client.get(self.view_on_site(Site, site.pk))
        assert own.status_code == 302
        assert own["Location"] == site.get_absolute_url()
        foreign = client.get(self.view_on_site(Site, other_site.pk))
        assert normalised(foreign) == normalised(client.get(self.view_on_site(Site, MISSING)))

    @pytest.mark.parametrize(
        "path",
        [
            "/admin/r/{ct}/" + HUGE + "/",
            "/admin/r/{ct}/abc/",
            "/admin/r/{ct}/-1/",
            "/admin/r/{ct}/1/2/",
            "/admin/r/" + HUGE + "/1/",
            "/admin/r/abc/1/",
            "/admin/r/{user_ct}/{me}/",  # a model without a page of its own
        ],
    )
    def test_malformed_and_out_of_range_ids_are_answered_like_a_missing_one(
        self, client, admin_member, path
    ):
        client.force_login(admin_member)
        ct = ContentType.objects.get_for_model(Stakeholder).pk
        user_ct = ContentType.objects.get_for_model(get_user_model()).pk
        response = client.get(path.format(ct=ct, user_ct=user_ct, me=admin_member.pk))
        missing = client.get(self.view_on_site(Stakeholder, MISSING))
        assert normalised(response) == normalised(missing)
        assert missing.status_code == 404

    def test_a_superuser_reaches_any_sites_stakeholder(self, client, superuser, far_chiefs):
        client.force_login(superuser)
        response = client.get(self.view_on_site(Stakeholder, far_chiefs.pk))
        assert response.status_code == 302
        assert response["Location"] == far_chiefs.get_absolute_url()

    def test_staff_only(self, client, member, council):
        client.force_login(member)
        response = client.get(self.view_on_site(Stakeholder, council.pk))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


@pytest.fixture
def people(site, other_site, council, far_chiefs):
    """Two stakeholders and a membership at the site, one of each at the other."""
    StakeholderFactory(name="Kisima water users", sites=[site])
    member_of(site, username="sitemember")
    member_of(other_site, username="farmember")


class TestShowCounts:
    """The change lists' own "Show counts" link (`_facets`) answered 500."""

    @pytest.mark.parametrize("who", ["superuser", "admin_member"])
    @pytest.mark.parametrize("changelist", [STAKEHOLDERS, MEMBERSHIPS])
    @pytest.mark.parametrize("selected", [False, True])
    def test_site_counts(self, client, request, people, site, who, changelist, selected):
        user = request.getfixturevalue(who)
        client.force_login(user)
        query = {"_facets": "True", **({"site": site.pk} if selected else {})}
        response = client.get(changelist, query)
        assert response.status_code == 200
        content = response.content.decode()
        # Two stakeholders at the site; memberships: sitemember's and admin_member's own.
        at_site = 1 if changelist == MEMBERSHIPS and who == "superuser" else 2
        assert f"Kisima Ridge Gold Mine ({at_site})" in content
        if who == "superuser":
            assert "Far Valley Copper (1)" in content
        else:
            assert "Far Valley Copper" not in content
        expected = at_site if selected else response.context["cl"].full_result_count
        assert response.context["cl"].result_count == expected

    def test_counts_follow_the_other_filters_and_the_search(self, client, superuser, people):
        client.force_login(superuser)
        response = client.get(STAKEHOLDERS, {"_facets": "True", "q": "Kisima"})
        content = response.content.decode()
        assert "Kisima Ridge Gold Mine (1)" in content
        assert "Far Valley Copper (0)" in content


class TestOutOfRangeIds:
    """An id beyond the 64-bit range filters nothing and opens nothing, like a missing one
    (SQLite raised OverflowError on it; PostgreSQL compares it as a number)."""

    @pytest.mark.parametrize("value", [HUGE, MISSING, "abc", "-1", "1.5", "１", ""])
    @pytest.mark.parametrize("changelist", [STAKEHOLDERS, MEMBERSHIPS])
    @pytest.mark.parametrize("who", ["superuser", "admin_member"])
    def test_the_site_filter_matches_nothing(
        self, client, request, people, changelist, who, value
    ):
        client.force_login(request.getfixturevalue(who))
        response = client.get(changelist, {"site": value})
        assert response.status_code == 200
        assert response.context["cl"].result_count == 0

    @pytest.mark.parametrize(
        "name",
        [
            "admin:stakeholders_site_change",
            "admin:stakeholders_stakeholder_change",
            "admin:stakeholders_stakeholder_history",
            "admin:stakeholders_stakeholder_delete",
            "admin:stakeholders_sitemembership_change",
            "admin:stakeholders_function_change",
            "admin:auth_user_change",
        ],
    )
    @pytest.mark.parametrize("who", ["superuser", "admin_member"])
    def test_admin_pages_answer_as_for_a_missing_record(self, client, request, name, who):
        client.force_login(request.getfixturevalue(who))
        huge = client.get(reverse(name, args=[HUGE]))
        missing = client.get(reverse(name, args=[MISSING]))
        # 403 where the user may not delete such records at all (stakeholders, but for a
        # superuser), whatever the id.
        assert huge.status_code in (302, 403, 404)
        assert (huge.status_code, huge.get("Location")) == (
            missing.status_code,
            missing.get("Location"),
        )

    def test_the_registry_page_treats_it_as_a_missing_site(self, client, cleared_member, people):
        client.force_login(cleared_member)
        huge = client.get(reverse("stakeholders:list"), {"site": HUGE})
        missing = client.get(reverse("stakeholders:list"), {"site": MISSING})
        assert huge.status_code == 200
        assert list(huge.context["page_obj"]) == list(missing.context["page_obj"])
        assert huge.context["form"].errors == missing.context["form"].errors
        assert "site" in huge.context["form"].errors

    def test_the_registry_detail_is_not_found(self, client, cleared_member):
        client.force_login(cleared_member)
        assert client.get(f"/stakeholders/{HUGE}/").status_code == 404

    def test_no_membership_is_lost_on_the_way(self, client, superuser, people):
        """The filter's choices still select: ids in range keep working."""
        client.force_login(superuser)
        site = Site.objects.get(name="Far Valley Copper")
        response = client.get(MEMBERSHIPS, {"site": site.pk})
        assert response.context["cl"].result_count == 1
        assert SiteMembership.objects.filter(site=site).count() == 1
