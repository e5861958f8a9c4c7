"""The admin writes through the services (so its changes keep their history and rules) and
its history pages show only what the user may see."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from stakeholders import services
from stakeholders.forms import SiteMembershipAdminForm
from stakeholders.models import Contact, SiteMembership, Stakeholder, VulnerableGroup
from tests.conftest import member_of
from tests.factories import StakeholderFactory, UserFactory

pytestmark = pytest.mark.django_db


def history_url(model, pk):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_history", args=[pk])


def stakeholder_form(stakeholder, site, **changes):
    data = {
        "name": stakeholder.name,
        "kind": stakeholder.kind,
        "category": stakeholder.category_id,
        "sites": [site.pk],
        "lead_function": stakeholder.lead_function_id,
        "location": stakeholder.location,
        "influence": stakeholder.influence,
        "interest": stakeholder.interest,
        "active": "on",
        "notes": "",
        "vulnerable_group_note": "",
        "contacts-TOTAL_FORMS": 0,
        "contacts-INITIAL_FORMS": 0,
        "assessments-TOTAL_FORMS": 0,
        "assessments-INITIAL_FORMS": 0,
    }
    data.update(changes)
    return data


class TestAdminWritesThroughServices:
    def test_a_change_with_a_new_contact_keeps_who_and_what(self, client, admin_member, site):
        council = StakeholderFactory(name="Council", sites=[site], influence=2)
        client.force_login(admin_member)
        url = reverse("admin:stakeholders_stakeholder_change", args=[council.pk])
        response = client.post(
            url,
            stakeholder_form(
                council,
                site,
                name="Village council",
                influence=4,
                **{
                    "contacts-TOTAL_FORMS": 1,
                    "contacts-0-name": "Halima Mwakyusa",
                    "contacts-0-role": "Chair",
                },
            ),
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        record = council.history.latest()
        assert (record.name, record.history_user) == ("Village council", admin_member)
        contact = Contact.objects.get(stakeholder=council)
        assert contact.history.get().history_user == admin_member
        assert council.assessments.get().influence == 4

    def test_other_vulnerable_group_without_a_note_is_refused_on_the_form(
        self, client, admin_member, site
    ):
        council = StakeholderFactory(name="Council", sites=[site])
        client.force_login(admin_member)
        url = reverse("admin:stakeholders_stakeholder_change", args=[council.pk])
        other = VulnerableGroup.objects.get(code="other")
        response = client.post(url, stakeholder_form(council, site, vulnerable_groups=[other.pk]))
        assert response.status_code == 200
        assert "Say which group" in response.content.decode()
        assert not council.vulnerable_groups.exists()

    def test_deleting_from_the_admin_is_recorded(self, client, superuser, site):
        council = StakeholderFactory(sites=[site])
        client.force_login(superuser)
        url = reverse("admin:stakeholders_stakeholder_delete", args=[council.pk])
        assert client.post(url, {"post": "yes"}).status_code == 302
        deleted = Stakeholder.history.get(id=council.pk, history_type="-")
        assert deleted.history_user == superuser


class TestMembershipHoles:
    def test_handing_a_cleared_membership_to_another_user_needs_clearance(
        self, client, uncleared_admin, cleared_member, site
    ):
        newcomer = UserFactory(username="newcomer")
        membership = cleared_member.site_memberships.get()
        client.force_login(uncleared_admin)
        url = reverse("admin:stakeholders_sitemembership_change", args=[membership.pk])
        response = client.post(
            url, {"user": newcomer.pk, "site": site.pk, "function": "", "cleared": "on"}
        )
        # The cleared colleague is not theirs to manage: no change form at all.
        assert response.status_code == 403
        membership.refresh_from_db()
        assert membership.user == cleared_member
        assert not SiteMembership.objects.filter(user=newcomer).exists()

    def test_a_cleared_membership_is_not_handed_on_even_between_manageable_users(
        self, client, uncleared_admin, member, site
    ):
        """Given clearance by someone else, a membership the uncleared administrator may
        otherwise manage cannot be moved to a new account."""
        membership = member.site_memberships.get()
        SiteMembership.objects.filter(pk=membership.pk).update(cleared=True)
        newcomer = UserFactory(username="newcomer")
        with pytest.raises(ValidationError, match="Only a user cleared at"):
            services.membership_update(
                actor=uncleared_admin, membership=membership, data={"user": newcomer}
            )
        membership.refresh_from_db()
        assert membership.user == member


class TestUserTakeover:
    def test_a_cleared_colleague_cannot_be_taken_over_by_an_uncleared_admin(
        self, client, uncleared_admin, cleared_member
    ):
        client.force_login(uncleared_admin)
        password_url = reverse("admin:auth_user_password_change", args=[cleared_member.pk])
        response = client.post(
            password_url, {"password1": "Taken-over-123", "password2": "Taken-over-123"}
        )
        assert response.status_code == 403
        change_url = reverse("admin:auth_user_change", args=[cleared_member.pk])
        response = client.post(
            change_url,
            {
                "username": "renamed",
                "email": "attacker@example.org",
                "is_active": "",
                "site_memberships-TOTAL_FORMS": 0,
                "site_memberships-INITIAL_FORMS": 0,
            },
        )
        assert response.status_code == 403
        cleared_member.refresh_from_db()
        assert not cleared_member.check_password("Taken-over-123")
        assert (cleared_member.username, cleared_member.is_active) == ("cleared", True)

    def test_a_user_holding_a_right_the_admin_lacks_is_left_to_a_superuser(
        self, client, admin_member, site
    ):
        powerful = member_of(site, username="powerful", roles=[])
        special = Group.objects.create(name="Auditors")
        special.permissions.add(Permission.objects.get(codename="delete_site"))
        powerful.groups.add(special)
        client.force_login(admin_member)
        password_url = reverse("admin:auth_user_password_change", args=[powerful.pk])
        response = client.post(
            password_url, {"password1": "Taken-over-123", "password2": "Taken-over-123"}
        )
        assert response.status_code == 403
        powerful.refresh_from_db()
        assert not powerful.check_password("Taken-over-123")

    def test_only_roles_granting_nothing_more_are_offered(self, client, admin_member, member):
        Group.objects.create(name="Auditors").permissions.add(
            Permission.objects.get(codename="delete_site")
        )
        client.force_login(admin_member)
        page = client.get(reverse("admin:auth_user_change", args=[member.pk])).content.decode()
        assert "Security manager" in page
        assert "Auditors" not in page

    def test_a_cleared_admin_manages_a_cleared_colleague(
        self, client, admin_member, cleared_member
    ):
        client.force_login(admin_member)
        password_url = reverse("admin:auth_user_password_change", args=[cleared_member.pk])
        response = client.post(
            password_url, {"password1": "A-new-password-123", "password2": "A-new-password-123"}
        )
        assert response.status_code == 302


class TestHistoryPages:
    def test_a_users_history_names_no_membership_at_another_site(
        self, client, admin_member, member, superuser, site, other_site
    ):
        client.force_login(superuser)
        url = reverse("admin:auth_user_change", args=[member.pk])
        own = member.site_memberships.get()
        response = client.post(
            url,
            {
                "username": member.username,
                "is_active": "on",
                "date_joined_0": "2026-01-05",
                "date_joined_1": "08:00:00",
                "groups": [Group.objects.get(name="Security manager").pk],
                "site_memberships-TOTAL_FORMS": 2,
                "site_memberships-INITIAL_FORMS": 1,
                "site_memberships-0-id": own.pk,
                "site_memberships-0-user": member.pk,
                "site_memberships-0-site": site.pk,
                "site_memberships-1-site": other_site.pk,
                "site_memberships-1-cleared": "on",
            },
        )
        assert response.status_code == 302
        assert member.site_memberships.filter(site=other_site, cleared=True).exists()
        client.force_login(admin_member)
        page = client.get(history_url(type(member), member.pk))
        assert page.status_code == 200
        assert "Far Valley Copper" not in page.content.decode()

    def test_an_uncleared_admin_cannot_open_a_hidden_stakeholders_history(
        self, client, uncleared_admin, defender
    ):
        client.force_login(uncleared_admin)
        hidden = client.get(history_url(Stakeholder, defender.pk))
        missing = client.get(history_url(Stakeholder, 999999))
        assert hidden.status_code == missing.status_code == 404
        assert "Baraka" not in hidden.content.decode()

    def test_a_cleared_admin_reads_who_changed_what(
        self, client, admin_member, cleared_member, site
    ):
        council = StakeholderFactory(name="Old-Name-Marker", sites=[site])
        services.stakeholder_update(
            actor=cleared_member, stakeholder=council, data={"name": "New-Name-Marker"}
        )
        client.force_login(admin_member)
        content = client.get(history_url(Stakeholder, council.pk)).content.decode()
        assert "Old-Name-Marker" in content
        assert "New-Name-Marker" in content
        assert cleared_member.get_full_name() in content

    def test_another_sites_name_is_not_shown_in_a_shared_stakeholders_history(
        self, client, admin_member, cleared_member, site, other_site
    ):
        shared = StakeholderFactory(sites=[site])
        services.stakeholder_update(
            actor=cleared_member, stakeholder=shared, data={}, sites=[site]
        )
        shared.sites.add(other_site)
        services.stakeholder_update(
            actor=cleared_member, stakeholder=shared, data={"location": "X"}
        )
        client.force_login(admin_member)
        content = client.get(history_url(Stakeholder, shared.pk)).content.decode()
        assert "Far Valley Copper" not in content
        assert "(not shown)" not in content


def test_the_membership_form_without_an_editor_refuses(member, site):
    """The admin sets the editor for each request; a form built any other way fails closed."""
    membership = member.site_memberships.get()
    form = SiteMembershipAdminForm(
        {"user": member.pk, "site": site.pk, "cleared": "on"}, instance=membership
    )
    with pytest.raises(PermissionDenied):
        form.is_valid()
    membership.refresh_from_db()
    assert not membership.cleared


def test_a_password_change_is_in_the_users_history(client, admin_member, member):
    client.force_login(admin_member)
    url = reverse("admin:auth_user_password_change", args=[member.pk])
    client.post(url, {"password1": "A-new-password-123", "password2": "A-new-password-123"})
    page = client.get(history_url(type(member), member.pk)).content.decode()
    assert "Password changed" in page
    assert "A-new-password-123" not in page


def test_marking_at_risk_and_editing_contacts_in_one_admin_save(client, uncleared_admin, site):
    council = StakeholderFactory(name="Council", sites=[site])
    contact = Contact.objects.create(stakeholder=council, name="Halima")
    client.force_login(uncleared_admin)
    url = reverse("admin:stakeholders_stakeholder_change", args=[council.pk])
    data = stakeholder_form(
        council,
        site,
        at_risk="on",
        **{
            "contacts-TOTAL_FORMS": 1,
            "contacts-INITIAL_FORMS": 1,
            "contacts-0-id": contact.pk,
            "contacts-0-stakeholder": council.pk,
            "contacts-0-name": "Halima M.",
        },
    )
    assert client.post(url, data).status_code == 302
    council.refresh_from_db()
    contact.refresh_from_db()
    assert council.at_risk
    assert contact.name == "Halima M."
