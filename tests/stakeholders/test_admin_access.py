"""What staff who are not superusers can and cannot do in the admin beyond their sites and
clearance: memberships, clearance, users, deletions."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.urls import reverse

from stakeholders.models import Function, SiteMembership, Stakeholder, StakeholderCategory
from tests.conftest import member_of
from tests.factories import FunctionFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def far_member(other_site):
    return member_of(other_site, cleared=True, username="farmember")


def membership_form(user, site, *, cleared):
    data = {"user": user.pk, "site": site.pk, "function": ""}
    if cleared:
        data["cleared"] = "on"
    return data


class TestDeletePages:
    def test_a_reference_rows_delete_page_names_no_related_stakeholder(
        self, client, uncleared_admin, defender, other_site, far_member
    ):
        """Reference rows are shared by every site, so only a superuser deletes them: the
        pages answer 403 to an administrator and nothing is counted, named or deleted."""
        StakeholderFactory(
            name="Far valley chiefs", category=defender.category, sites=[other_site]
        )
        far_member.site_memberships.update(function=defender.lead_function)
        client.force_login(uncleared_admin)
        category_delete = reverse(
            "admin:stakeholders_stakeholdercategory_delete", args=[defender.category_id]
        )
        function_delete = reverse(
            "admin:stakeholders_function_delete", args=[defender.lead_function_id]
        )
        pages = [
            client.get(category_delete),
            client.post(category_delete, {"post": "yes"}),
            client.post(
                reverse("admin:stakeholders_stakeholdercategory_changelist"),
                {"action": "delete_selected", "_selected_action": [defender.category_id]},
            ),
            client.get(function_delete),
            client.post(function_delete, {"post": "yes"}),
        ]
        assert [page.status_code for page in pages] == [403, 403, 200, 403, 403]
        for response in pages:
            content = response.content.decode()
            for secret in ["Baraka", "Far valley chiefs", "Far Valley Copper", "farmember"]:
                assert secret not in content
            assert "Stakeholders:" not in content
        assert StakeholderCategory.objects.filter(pk=defender.category_id).exists()
        assert Function.objects.filter(pk=defender.lead_function_id).exists()

    def test_a_superuser_still_opens_a_reference_rows_delete_page(
        self, client, superuser, defender
    ):
        client.force_login(superuser)
        response = client.get(
            reverse("admin:stakeholders_stakeholdercategory_delete", args=[defender.category_id])
        )
        assert response.status_code == 200
        # The category is in use (stakeholders protect it), so the page says why it stays.
        assert "Cannot delete stakeholder category" in response.content.decode()
        unused = FunctionFactory(code="unused-function")
        url = reverse("admin:stakeholders_function_delete", args=[unused.pk])
        assert "Are you sure" in client.get(url).content.decode()
        assert client.post(url, {"post": "yes"}).status_code == 302
        assert not Function.objects.filter(pk=unused.pk).exists()

    def test_a_site_admin_deletes_no_stakeholder(self, client, admin_member, site, other_site):
        """Stakeholders are made inactive: a delete page would count, or be refused by,
        records the administrator may not see (another site's, a restricted engagement)."""
        own = StakeholderFactory(name="Old committee", sites=[site])
        shared = StakeholderFactory(name="Shared council", sites=[site, other_site])
        client.force_login(admin_member)
        for stakeholder in (own, shared):
            url = reverse("admin:stakeholders_stakeholder_delete", args=[stakeholder.pk])
            assert client.get(url).status_code == 403
            assert client.post(url, {"post": "yes"}).status_code == 403
        assert Stakeholder.objects.filter(pk__in=[own.pk, shared.pk]).count() == 2

    def test_a_superuser_deletes_a_stakeholder_nothing_refers_to(self, client, superuser, site):
        own = StakeholderFactory(name="Duplicate entry", sites=[site])
        client.force_login(superuser)
        url = reverse("admin:stakeholders_stakeholder_delete", args=[own.pk])
        assert client.post(url, {"post": "yes"}).status_code == 302
        assert not Stakeholder.objects.filter(pk=own.pk).exists()


class TestMemberships:
    ADD = reverse("admin:stakeholders_sitemembership_add")

    def test_no_membership_at_another_site(self, client, admin_member, other_site, site):
        newcomer = User.objects.create_user("newcomer")
        client.force_login(admin_member)
        response = client.post(self.ADD, membership_form(newcomer, other_site, cleared=False))
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
        assert not SiteMembership.objects.filter(user=newcomer).exists()

    def test_no_membership_for_a_user_of_another_site(
        self, client, admin_member, site, far_member
    ):
        client.force_login(admin_member)
        response = client.post(self.ADD, membership_form(far_member, site, cleared=False))
        assert "Select a valid choice" in response.content.decode()
        assert far_member.site_memberships.count() == 1

    def test_a_cleared_admin_brings_a_newcomer_in_and_clears_them(
        self, client, admin_member, site
    ):
        newcomer = User.objects.create_user("newcomer")
        client.force_login(admin_member)
        response = client.post(self.ADD, membership_form(newcomer, site, cleared=True))
        assert response.status_code == 302
        assert SiteMembership.objects.get(user=newcomer, site=site).cleared

    def test_an_uncleared_admin_cannot_grant_clearance(
        self, client, uncleared_admin, member, site
    ):
        membership = member.site_memberships.get()
        client.force_login(uncleared_admin)
        url = reverse("admin:stakeholders_sitemembership_change", args=[membership.pk])
        response = client.post(url, membership_form(member, site, cleared=True))
        assert response.status_code == 200
        assert "Only a user cleared at" in response.content.decode()
        membership.refresh_from_db()
        assert not membership.cleared

    def test_nobody_but_a_superuser_changes_their_own_membership(
        self, client, uncleared_admin, site
    ):
        own = uncleared_admin.site_memberships.get()
        client.force_login(uncleared_admin)
        url = reverse("admin:stakeholders_sitemembership_change", args=[own.pk])
        response = client.post(url, membership_form(uncleared_admin, site, cleared=True))
        assert response.status_code == 403
        user_url = reverse("admin:auth_user_change", args=[uncleared_admin.pk])
        response = client.post(
            user_url,
            {
                "username": uncleared_admin.username,
                "site_memberships-TOTAL_FORMS": 1,
                "site_memberships-INITIAL_FORMS": 1,
                "site_memberships-0-id": own.pk,
                "site_memberships-0-user": uncleared_admin.pk,
                "site_memberships-0-site": site.pk,
                "site_memberships-0-cleared": "on",
            },
        )
        assert response.status_code == 403
        own.refresh_from_db()
        assert not own.cleared


class TestUsers:
    def test_a_user_who_also_works_elsewhere_cannot_be_taken_over(
        self, client, admin_member, site, far_member
    ):
        far_member.site_memberships.create(site=site)
        client.force_login(admin_member)
        password_url = reverse("admin:auth_user_password_change", args=[far_member.pk])
        response = client.post(
            password_url, {"password1": "Taken-over-123", "password2": "Taken-over-123"}
        )
        assert response.status_code == 403
        far_member.refresh_from_db()
        assert not far_member.check_password("Taken-over-123")

    def test_a_member_of_the_admins_site_only_can_be_managed(self, client, admin_member, member):
        client.force_login(admin_member)
        password_url = reverse("admin:auth_user_password_change", args=[member.pk])
        response = client.post(
            password_url,
            {"password1": "A-new-password-123", "password2": "A-new-password-123"},
        )
        assert response.status_code == 302
        member.refresh_from_db()
        assert member.check_password("A-new-password-123")

    def test_superuser_status_cannot_be_granted(self, client, admin_member, member, site):
        client.force_login(admin_member)
        url = reverse("admin:auth_user_change", args=[member.pk])
        client.post(
            url,
            {
                "username": member.username,
                "is_superuser": "on",
                "is_staff": "on",
                "is_active": "on",
                "site_memberships-TOTAL_FORMS": 0,
                "site_memberships-INITIAL_FORMS": 0,
            },
        )
        member.refresh_from_db()
        assert not member.is_superuser

    def test_other_sites_users_are_not_listed(self, client, admin_member, member, far_member):
        client.force_login(admin_member)
        content = client.get(reverse("admin:auth_user_changelist")).content.decode()
        assert "farmember" not in content
        assert member.username in content


def test_recent_actions_are_shown_to_superusers_only(client, admin_member, superuser, site):
    later = StakeholderFactory(name="Later Defender", sites=[site])
    LogEntry.objects.log_actions(
        user_id=admin_member.pk, queryset=[later], action_flag=2, change_message="Changed"
    )
    later.at_risk = True
    later.save()
    client.force_login(admin_member)
    assert "Later Defender" not in client.get(reverse("admin:index")).content.decode()
    LogEntry.objects.log_actions(
        user_id=superuser.pk, queryset=[later], action_flag=2, change_message="Changed"
    )
    client.force_login(superuser)
    recent = client.get(reverse("admin:index")).content.decode()
    # Logged after it was marked at risk: even a superuser's log keeps only the placeholder.
    assert f"Protected stakeholder S-{later.pk:04d}" in recent
    assert "Later Defender" not in recent


def test_the_admin_site_filter_ignores_another_sites_id(client, admin_member, site, other_site):
    StakeholderFactory(name="Shared council", sites=[site, other_site])
    client.force_login(admin_member)
    response = client.get(
        reverse("admin:stakeholders_stakeholder_changelist"), {"site": other_site.pk}
    )
    assert "Shared council" not in response.content.decode()
