"""The registry's one write path: each rule of `stakeholders.services`, and its history."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from stakeholders import services
from stakeholders.models import Assessment, Contact, SiteMembership, Stakeholder, VulnerableGroup
from tests.conftest import member_of
from tests.factories import (
    CategoryFactory,
    ContactFactory,
    EngagementFactory,
    StakeholderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def council_data(**overrides):
    return {
        "name": "Mwanzo village council",
        "kind": Stakeholder.Kind.GROUP,
        "category": CategoryFactory(),
        **overrides,
    }


class TestActingUser:
    @pytest.mark.parametrize("actor", [None, AnonymousUser()])
    def test_every_service_refuses_without_an_acting_user(self, actor, site, defender):
        contact = defender.contacts.get()
        membership = SiteMembership(site=site, user=UserFactory())
        calls = [
            lambda: services.site_create(actor=actor, data={"name": "New", "country": "TZ"}),
            lambda: services.site_update(actor=actor, site=site, data={"region": "X"}),
            lambda: services.membership_create(
                actor=actor, data={"user": membership.user, "site": site}
            ),
            lambda: services.stakeholder_create(actor=actor, sites=[site], data=council_data()),
            lambda: services.stakeholder_update(
                actor=actor, stakeholder=defender, data={"name": "X"}
            ),
            lambda: services.stakeholder_delete(actor=actor, stakeholder=defender),
            lambda: services.contact_create(actor=actor, stakeholder=defender, data={"name": "X"}),
            lambda: services.contact_update(actor=actor, contact=contact, data={"name": "X"}),
            lambda: services.contact_delete(actor=actor, contact=contact),
            lambda: services.assessment_create(
                actor=actor, stakeholder=defender, influence=1, interest=1
            ),
        ]
        for call in calls:
            with pytest.raises(PermissionDenied, match="No acting user"):
                call()
        defender.refresh_from_db()
        assert defender.name == "Baraka Mwaipopo"
        assert Contact.objects.filter(pk=contact.pk).exists()
        assert not Stakeholder.objects.exclude(pk=defender.pk).exists()

    def test_an_inactive_user_is_no_actor(self, member, site):
        member.is_active = False
        with pytest.raises(PermissionDenied):
            services.stakeholder_create(actor=member, sites=[site], data=council_data())

    def test_a_reviewer_role_cannot_write(self, reviewer, site):
        with pytest.raises(PermissionDenied, match="role"):
            services.stakeholder_create(actor=reviewer, sites=[site], data=council_data())


class TestStakeholders:
    def test_create_with_sites_contacts_groups_first_assessment_and_history(self, member, site):
        women = VulnerableGroup.objects.get(code="women")
        category = CategoryFactory(code="public-security-providers")
        police = services.stakeholder_create(
            actor=member,
            sites=[site],
            data={"name": "Ilembo police post", "kind": "organisation", "category": category},
            vulnerable_groups=[women],
            contacts=[{"name": "Hassan Kombo", "role": "Officer in charge"}],
        )
        assert list(police.sites.all()) == [site]
        assert list(police.vulnerable_groups.all()) == [women]
        assert police.lead_function == category.default_lead_function
        assert police.contacts.get().role == "Officer in charge"
        assessment = police.assessments.get()
        assert (assessment.influence, assessment.interest, assessment.author) == (3, 3, member)
        record = police.history.get()
        assert record.history_type == "+"
        assert record.history_user == member
        assert list(record.sites.values_list("site_id", flat=True)) == [site.pk]

    def test_refuses_no_site_another_site_and_bad_ratings_writing_nothing(
        self, member, site, other_site
    ):
        with pytest.raises(ValidationError, match="at least one site"):
            services.stakeholder_create(actor=member, sites=[], data=council_data())
        with pytest.raises(ValidationError, match="only sites you are a member of"):
            services.stakeholder_create(actor=member, sites=[other_site], data=council_data())
        with pytest.raises(ValidationError, match="influence"):
            services.stakeholder_create(actor=member, sites=[site], data=council_data(influence=9))
        assert not Stakeholder.objects.exists()

    def test_a_bad_contact_rolls_the_whole_stakeholder_back(self, member, site):
        with pytest.raises(ValidationError, match="email"):
            services.stakeholder_create(
                actor=member,
                sites=[site],
                data=council_data(),
                contacts=[{"name": "Halima", "email": "not-an-address"}],
            )
        assert not Stakeholder.objects.exists()

    def test_a_placeholder_is_not_a_name(self, member, site):
        with pytest.raises(ValidationError, match="how a protected stakeholder is shown"):
            services.stakeholder_create(
                actor=member, sites=[site], data=council_data(name="Protected stakeholder S-0042")
            )

    def test_other_needs_a_note_and_a_note_needs_other(self, member, site):
        other = VulnerableGroup.objects.get(code="other")
        with pytest.raises(ValidationError, match="Say which group"):
            services.stakeholder_create(
                actor=member, sites=[site], data=council_data(), vulnerable_groups=[other]
            )
        with pytest.raises(ValidationError, match="Mark “Other”"):
            services.stakeholder_create(
                actor=member, sites=[site], data=council_data(vulnerable_group_note="Migrants")
            )
        assert not Stakeholder.objects.exists()

    def test_update_keeps_the_sites_the_editor_is_not_a_member_of(self, member, site, other_site):
        shared = StakeholderFactory(sites=[site, other_site])
        services.stakeholder_update(
            actor=member, stakeholder=shared, data={"location": "Ward office"}, sites=[site]
        )
        assert set(shared.sites.all()) == {site, other_site}
        services.stakeholder_update(actor=member, stakeholder=shared, data={}, sites=[])
        assert set(shared.sites.all()) == {other_site}

    def test_update_records_one_history_entry_with_who_and_why(self, member, site):
        council = StakeholderFactory(name="Council", sites=[site])
        services.stakeholder_update(
            actor=member, stakeholder=council, data={"name": "Village council"}, reason="Renamed"
        )
        latest = council.history.latest()
        assert (latest.name, latest.history_user, latest.history_change_reason) == (
            "Village council",
            member,
            "Renamed",
        )
        assert latest.prev_record.name == "Council"

    def test_a_changed_rating_is_a_new_assessment(self, member, site):
        council = StakeholderFactory(sites=[site], influence=2)
        services.stakeholder_update(actor=member, stakeholder=council, data={"influence": 4})
        assessment = Assessment.objects.get(stakeholder=council)
        assert (assessment.influence, assessment.author) == (4, member)

    def test_only_the_cleared_edit_an_at_risk_stakeholder_or_lift_its_flag(
        self, member, cleared_member, defender
    ):
        for data in ({"notes": "x"}, {"at_risk": False}):
            with pytest.raises(PermissionDenied, match="cleared"):
                services.stakeholder_update(actor=member, stakeholder=defender, data=data)
        defender.refresh_from_db()
        assert defender.at_risk
        services.stakeholder_update(
            actor=cleared_member, stakeholder=defender, data={"at_risk": False}
        )
        defender.refresh_from_db()
        assert not defender.at_risk

    def test_anyone_who_may_edit_may_set_the_flag(self, member, site):
        critic = StakeholderFactory(sites=[site])
        services.stakeholder_update(actor=member, stakeholder=critic, data={"at_risk": True})
        critic.refresh_from_db()
        assert critic.at_risk
        with pytest.raises(PermissionDenied):
            services.stakeholder_update(actor=member, stakeholder=critic, data={"at_risk": False})

    def test_another_sites_stakeholder_cannot_be_changed(self, member, other_site):
        far = StakeholderFactory(name="Far council", sites=[other_site])
        with pytest.raises(PermissionDenied):
            services.stakeholder_update(actor=member, stakeholder=far, data={"name": "Mine"})
        far.refresh_from_db()
        assert far.name == "Far council"

    def test_only_a_superuser_deletes_and_only_what_nothing_refers_to(
        self, admin_member, superuser, site, other_site
    ):
        shared = StakeholderFactory(sites=[site, other_site])
        met = StakeholderFactory(sites=[site])
        EngagementFactory(site=site, created_by=superuser, stakeholders=[met])
        with pytest.raises(PermissionDenied, match="made inactive"):
            services.stakeholder_delete(actor=admin_member, stakeholder=shared)
        with pytest.raises(PermissionDenied, match="refer to this stakeholder"):
            services.stakeholder_delete(actor=superuser, stakeholder=met)
        services.stakeholder_delete(actor=superuser, stakeholder=shared)
        assert not Stakeholder.objects.filter(pk=shared.pk).exists()
        assert Stakeholder.objects.filter(pk=met.pk).exists()
        deleted = Stakeholder.history.filter(id=shared.pk, history_type="-").get()
        assert deleted.history_user == superuser


class TestAssessments:
    @time_machine.travel(datetime.date(2026, 6, 1))
    def test_the_latest_by_date_sets_the_ratings(self, member, site):
        council = StakeholderFactory(sites=[site], influence=3, interest=3)
        services.assessment_create(
            actor=member,
            stakeholder=council,
            influence=5,
            interest=4,
            assessed_on=datetime.date(2026, 5, 1),
            reason="Elections",
        )
        services.assessment_create(
            actor=member,
            stakeholder=council,
            influence=1,
            interest=1,
            assessed_on=datetime.date(2026, 1, 1),
        )
        council.refresh_from_db()
        assert (council.influence, council.interest) == (5, 4)
        assert council.assessments.count() == 2
        assert council.history.latest().history_change_reason == "Elections"

    def test_no_assessment_in_the_future(self, member, site):
        council = StakeholderFactory(sites=[site])
        with pytest.raises(ValidationError, match="future"):
            services.assessment_create(
                actor=member,
                stakeholder=council,
                influence=5,
                interest=5,
                assessed_on=datetime.date.today() + datetime.timedelta(days=2),
            )
        assert not council.assessments.exists()


class TestContacts:
    def test_contacts_of_a_hidden_stakeholder_are_not_touched_by_the_uncleared(
        self, member, cleared_member, defender
    ):
        contact = defender.contacts.get()
        with pytest.raises(PermissionDenied):
            services.contact_update(actor=member, contact=contact, data={"name": "Renamed"})
        with pytest.raises(PermissionDenied):
            services.contact_create(actor=member, stakeholder=defender, data={"name": "New"})
        services.contact_update(actor=cleared_member, contact=contact, data={"role": "Monitor"})
        contact.refresh_from_db()
        assert contact.role == "Monitor"
        assert contact.history.latest().history_user == cleared_member

    def test_a_duplicate_name_is_refused(self, member, site):
        council = StakeholderFactory(sites=[site])
        ContactFactory(stakeholder=council, name="Halima")
        with pytest.raises(ValidationError, match="already has a contact"):
            services.contact_create(actor=member, stakeholder=council, data={"name": "Halima"})


class TestMemberships:
    def test_nobody_changes_their_own(self, admin_member, site):
        own = admin_member.site_memberships.get()
        with pytest.raises(PermissionDenied, match="own"):
            services.membership_update(actor=admin_member, membership=own, data={"cleared": False})

    def test_handing_a_cleared_membership_to_another_user_needs_clearance(
        self, uncleared_admin, cleared_member, site
    ):
        newcomer = UserFactory(username="newcomer")
        membership = cleared_member.site_memberships.get()
        with pytest.raises(ValidationError, match="Only a user cleared at"):
            services.membership_update(
                actor=uncleared_admin, membership=membership, data={"user": newcomer}
            )
        membership.refresh_from_db()
        assert membership.user == cleared_member

    def test_withdrawing_or_deleting_clearance_needs_clearance(
        self, uncleared_admin, cleared_member
    ):
        membership = cleared_member.site_memberships.get()
        with pytest.raises(ValidationError, match="Only a user cleared at"):
            services.membership_update(
                actor=uncleared_admin, membership=membership, data={"cleared": False}
            )
        with pytest.raises(ValidationError, match="Only a user cleared at"):
            services.membership_delete(actor=uncleared_admin, membership=membership)
        membership.refresh_from_db()
        assert membership.cleared

    def test_a_cleared_admin_grants_clearance_with_history(self, admin_member, member, site):
        membership = member.site_memberships.get()
        services.membership_update(
            actor=admin_member, membership=membership, data={"cleared": True}
        )
        membership.refresh_from_db()
        assert membership.cleared
        assert membership.history.latest().history_user == admin_member

    def test_no_membership_at_another_site(self, admin_member, other_site):
        newcomer = UserFactory(username="newcomer")
        with pytest.raises(ValidationError, match="not a member of this site"):
            services.membership_create(
                actor=admin_member, data={"user": newcomer, "site": other_site}
            )
        assert not newcomer.site_memberships.exists()

    def test_no_membership_for_a_user_cleared_where_the_admin_is_not(
        self, uncleared_admin, site, other_site
    ):
        far_cleared = member_of(other_site, cleared=True, username="farcleared")
        with pytest.raises(ValidationError, match="may not manage"):
            services.membership_create(
                actor=uncleared_admin, data={"user": far_cleared, "site": site}
            )


class TestSites:
    def test_only_a_superuser_opens_a_site(self, admin_member, superuser):
        with pytest.raises(PermissionDenied):
            services.site_create(actor=admin_member, data={"name": "New", "country": "TZ"})
        site = services.site_create(actor=superuser, data={"name": "New", "country": "TZ"})
        assert site.history.get().history_user == superuser

    def test_an_admin_updates_only_their_own_site(self, admin_member, site, other_site):
        services.site_update(actor=admin_member, site=site, data={"region": "Songwe"})
        with pytest.raises(PermissionDenied):
            services.site_update(actor=admin_member, site=other_site, data={"region": "Mine"})
        other_site.refresh_from_db()
        assert other_site.region != "Mine"


class TestStoredRowsDecide:
    def test_a_contact_is_judged_by_its_stored_stakeholder_not_the_one_claimed(
        self, member, site, defender
    ):
        own = StakeholderFactory(sites=[site])
        hidden_contact = defender.contacts.get()
        forged = Contact(pk=hidden_contact.pk, stakeholder=own, name="Forged")
        with pytest.raises(PermissionDenied):
            services.contact_update(actor=member, contact=forged, data={"phone": "0"})
        with pytest.raises(PermissionDenied):
            services.contact_delete(actor=member, contact=forged)
        hidden_contact.refresh_from_db()
        assert hidden_contact.phone == "+255 700 100 291"

    def test_only_a_superuser_renames_a_site(self, admin_member, site):
        with pytest.raises(PermissionDenied, match="renamed by a superuser"):
            services.site_update(actor=admin_member, site=site, data={"name": "Other"})
        site.refresh_from_db()
        assert site.name == "Kisima Ridge Gold Mine"
