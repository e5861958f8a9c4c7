"""The engagement records' one write path: each rule of `engagement.services`, and its
history."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError

from engagement import selectors, services
from engagement.models import Commitment, Concern, Engagement
from stakeholders.models import EngagementObjective, Function, SiteMembership
from tests.conftest import member_of
from tests.factories import (
    CategoryFactory,
    CommitmentFactory,
    ConcernFactory,
    EngagementFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db


def function(code):
    return Function.objects.get(code=code)


def objective(category_code):
    return EngagementObjective.objects.filter(category__code=category_code).first()


def staff(site, *, function_code=None, roles=("Community liaison officer",), **fields):
    """A member of the site with a role and, if given, a function there."""
    user = member_of(site, roles=roles, **fields)
    if function_code:
        SiteMembership.objects.filter(user=user, site=site).update(
            function=function(function_code)
        )
    return user


def engagement_data(site, **overrides):
    return {
        "date": site.today() - datetime.timedelta(days=1),
        "format": Engagement.Format.MEETING,
        "purpose": "Introduce the new security arrangements",
        "summary": "The council asked about night patrols near the village.",
        "lead_function": function("security"),
        **overrides,
    }


def commitment_data(owner, **overrides):
    return {
        "description": "Share the patrol schedule with the council",
        "owner": owner,
        "due_on": datetime.date(2030, 1, 31),
        **overrides,
    }


def nothing_written():
    return (
        not Engagement.objects.exists()
        and not Commitment.objects.exists()
        and not Concern.objects.exists()
        and not Engagement.history.exists()
        and not Commitment.history.exists()
        and not Concern.history.exists()
    )


@pytest.fixture
def council(site):
    return StakeholderFactory(name="Mwanzo village council", sites=[site])


@pytest.fixture
def police(site):
    return StakeholderFactory(
        name="Ilembo police post",
        category=CategoryFactory(code="public-security-providers"),
        sites=[site],
    )


@pytest.fixture
def logged(site, council, cleared_member):
    """An internal engagement with the council, led by security, with a commitment and a
    concern."""
    engagement = EngagementFactory(
        site=site,
        lead_function=function("security"),
        created_by=cleared_member,
        stakeholders=[council],
    )
    CommitmentFactory(engagement=engagement, owner=cleared_member)
    ConcernFactory(engagement=engagement, stakeholder=council)
    return engagement


class TestActingUser:
    def calls(self, actor, site, council, engagement):
        commitment = engagement.commitments.get()
        concern = engagement.concerns.get()
        return [
            lambda: services.engagement_create(
                actor=actor, site=site, data=engagement_data(site), stakeholders=[council]
            ),
            lambda: services.engagement_update(
                actor=actor, engagement=engagement, data={"summary": "Changed"}
            ),
            lambda: services.commitment_create(
                actor=actor, engagement=engagement, data=commitment_data(actor)
            ),
            lambda: services.commitment_update(
                actor=actor, commitment=commitment, data={"status": "in_progress"}
            ),
            lambda: services.concern_create(
                actor=actor,
                engagement=engagement,
                data={"type": Concern.Type.OTHER, "description": "Noise"},
            ),
            lambda: services.concern_update(
                actor=actor, concern=concern, data={"response": "Changed"}
            ),
        ]

    def assert_unchanged(self, engagement):
        engagement.refresh_from_db()
        assert Engagement.objects.count() == 1
        assert engagement.summary != "Changed"
        assert engagement.commitments.get().status == Commitment.Status.OPEN
        assert engagement.concerns.get().response == ""
        assert Commitment.objects.count() == Concern.objects.count() == 1
        assert Engagement.history.count() == 1  # the factory's
        assert not Commitment.history.filter(history_type="~").exists()
        assert not Concern.history.filter(history_type="~").exists()

    @pytest.mark.parametrize("actor", [None, AnonymousUser()])
    def test_every_service_refuses_without_an_acting_user(self, actor, site, council, logged):
        for call in self.calls(actor, site, council, logged):
            with pytest.raises(PermissionDenied, match="No acting user"):
                call()
        self.assert_unchanged(logged)

    def test_an_inactive_user_is_no_actor(self, cleared_member, site, council, logged):
        cleared_member.is_active = False
        for call in self.calls(cleared_member, site, council, logged):
            with pytest.raises(PermissionDenied, match="No acting user"):
                call()
        self.assert_unchanged(logged)

    def test_a_reviewer_role_cannot_write(self, reviewer, site, council, logged):
        for call in self.calls(reviewer, site, council, logged):
            with pytest.raises(PermissionDenied, match="role"):
                call()
        self.assert_unchanged(logged)

    def test_a_member_of_another_site_cannot_write_here(self, outsider, site, council, logged):
        with pytest.raises(PermissionDenied, match="not a member of this site"):
            self.calls(outsider, site, council, logged)[0]()
        for call in self.calls(outsider, site, council, logged)[1:]:
            with pytest.raises(PermissionDenied, match="cannot change"):
                call()
        self.assert_unchanged(logged)


class TestCreate:
    def test_logs_an_engagement_with_everything_and_one_history_entry(
        self, site, member, council, police
    ):
        clo = staff(site, function_code="community-relations", username="clo")
        local, security = objective("local-communities"), objective("public-security-providers")
        data = engagement_data(site, attendance_total=12, attendance_women=5)
        del data["lead_function"]
        engagement = services.engagement_create(
            actor=clo,
            site=site,
            data=data,
            stakeholders=[council, police],
            objectives=[local, security],
            participants=[clo, member],
            commitments=[commitment_data(member)],
            concerns=[
                {
                    "stakeholder": council,
                    "type": Concern.Type.ENVIRONMENT,
                    "description": "Dust from the haul road",
                }
            ],
        )
        engagement.refresh_from_db()
        assert engagement.site == site
        assert (engagement.created_by, engagement.updated_by) == (clo, clo)
        assert engagement.lead_function == function("community-relations")
        assert engagement.confidentiality == Engagement.Confidentiality.INTERNAL
        assert (engagement.attendance_total, engagement.attendance_women) == (12, 5)
        assert set(engagement.stakeholders.all()) == {council, police}
        assert set(engagement.objectives.all()) == {local, security}
        assert set(engagement.participants.all()) == {clo, member}

        commitment = engagement.commitments.get()
        assert commitment.owner == member
        assert commitment.lead_function == engagement.lead_function
        assert commitment.status == Commitment.Status.OPEN
        assert commitment.history.get().history_user == clo
        concern = engagement.concerns.get()
        assert (concern.stakeholder, concern.type, concern.created_by) == (
            council,
            Concern.Type.ENVIRONMENT,
            clo,
        )
        assert concern.history.get().history_user == clo

        record = engagement.history.get()
        assert record.history_type == "+"
        assert record.history_user == clo
        assert set(record.stakeholders.values_list("stakeholder_id", flat=True)) == {
            council.pk,
            police.pk,
        }
        assert set(record.objectives.values_list("engagementobjective_id", flat=True)) == {
            local.pk,
            security.pk,
        }
        assert set(record.participants.values_list("user_id", flat=True)) == {clo.pk, member.pk}

    def test_a_lead_function_given_is_kept(self, site, council):
        clo = staff(site, function_code="community-relations")
        engagement = services.engagement_create(
            actor=clo,
            site=site,
            data=engagement_data(site, lead_function=function("legal")),
            stakeholders=[council],
        )
        assert engagement.lead_function == function("legal")

    def test_without_a_function_at_the_site_a_lead_function_is_needed(self, site, council):
        clo = staff(site)
        data = engagement_data(site)
        del data["lead_function"]
        with pytest.raises(ValidationError) as error:
            services.engagement_create(actor=clo, site=site, data=data, stakeholders=[council])
        assert "lead_function" in error.value.message_dict
        assert nothing_written()

    def test_an_at_risk_stakeholder_makes_it_restricted_by_default(
        self, site, cleared_member, defender, council
    ):
        engagement = services.engagement_create(
            actor=cleared_member,
            site=site,
            data=engagement_data(site),
            stakeholders=[council, defender],
        )
        assert engagement.confidentiality == Engagement.Confidentiality.RESTRICTED
        assert engagement.history.get().confidentiality == Engagement.Confidentiality.RESTRICTED

    def test_a_cleared_user_may_say_internal_with_an_at_risk_stakeholder(
        self, site, cleared_member, defender
    ):
        engagement = services.engagement_create(
            actor=cleared_member,
            site=site,
            data=engagement_data(site, confidentiality=Engagement.Confidentiality.INTERNAL),
            stakeholders=[defender],
        )
        assert engagement.confidentiality == Engagement.Confidentiality.INTERNAL

    def test_the_uncleared_cannot_pick_an_at_risk_stakeholder(self, site, member, defender):
        for data in (
            engagement_data(site),
            engagement_data(site, confidentiality=Engagement.Confidentiality.INTERNAL),
        ):
            with pytest.raises(ValidationError) as error:
                services.engagement_create(
                    actor=member, site=site, data=data, stakeholders=[defender]
                )
            assert error.value.message_dict == {
                "stakeholders": ["Choose stakeholders of this site's registry."]
            }
        assert nothing_written()

    def test_the_uncleared_cannot_mark_it_restricted(self, site, member, council):
        with pytest.raises(ValidationError) as error:
            services.engagement_create(
                actor=member,
                site=site,
                data=engagement_data(site, confidentiality=Engagement.Confidentiality.RESTRICTED),
                stakeholders=[council],
            )
        assert error.value.message_dict == {
            "confidentiality": ["Only users cleared at the site can restrict or open it."]
        }
        assert nothing_written()

    def test_cleared_elsewhere_logs_with_the_restricted_default_but_cannot_lift_it(
        self, site, other_site
    ):
        """Cleared at another site of an at-risk stakeholder, a user sees its identity and
        may log with it here, where they are not cleared: restricted by default (they know
        what they typed), never opened by them, and from then on out of their sight."""
        shared = StakeholderFactory(at_risk=True, sites=[site, other_site])
        user = member_of(site, username="traveller")
        SiteMembership.objects.create(user=user, site=other_site, cleared=True)
        with pytest.raises(ValidationError, match="Only users cleared at the site"):
            services.engagement_create(
                actor=user,
                site=site,
                data=engagement_data(site, confidentiality=Engagement.Confidentiality.INTERNAL),
                stakeholders=[shared],
            )
        assert nothing_written()
        engagement = services.engagement_create(
            actor=user, site=site, data=engagement_data(site), stakeholders=[shared]
        )
        assert engagement.confidentiality == Engagement.Confidentiality.RESTRICTED
        assert not selectors.engagement_list(user=user).exists()


class TestBadInput:
    """Each refused with a message naming what is wrong; nothing is written."""

    def refused(self, actor, site, *, field, message, **kwargs):
        kwargs.setdefault("data", engagement_data(site))
        with pytest.raises(ValidationError) as error:
            services.engagement_create(actor=actor, site=site, **kwargs)
        assert message in error.value.message_dict[field][0]
        assert nothing_written()

    @pytest.mark.parametrize(
        ("zone", "utc_now", "refused", "accepted"),
        [
            # 11:00 UTC on 1 June is already 01:00 on 2 June at UTC+14.
            (
                "Pacific/Kiritimati",
                datetime.datetime(2026, 6, 1, 11, tzinfo=datetime.UTC),
                datetime.date(2026, 6, 3),
                datetime.date(2026, 6, 2),
            ),
            # 08:00 UTC on 1 June is still 21:00 on 31 May at UTC-11.
            (
                "Pacific/Pago_Pago",
                datetime.datetime(2026, 6, 1, 8, tzinfo=datetime.UTC),
                datetime.date(2026, 6, 1),
                datetime.date(2026, 5, 31),
            ),
        ],
    )
    def test_no_date_in_the_future_of_the_sites_own_time_zone(
        self, site, member, council, zone, utc_now, refused, accepted
    ):
        site.time_zone = zone
        site.save()
        with time_machine.travel(utc_now, tick=False):
            assert site.today() == accepted
            self.refused(
                member,
                site,
                field="date",
                message="cannot be dated in the future",
                data=engagement_data(site, date=refused),
                stakeholders=[council],
            )
            engagement = services.engagement_create(
                actor=member,
                site=site,
                data=engagement_data(site, date=accepted),
                stakeholders=[council],
            )
        assert engagement.date == accepted

    def test_no_more_women_than_the_total(self, site, member, council):
        self.refused(
            member,
            site,
            field=NON_FIELD_ERRORS,
            message="Women cannot be more than the total attendance.",
            data=engagement_data(site, attendance_total=10, attendance_women=11),
            stakeholders=[council],
        )

    def test_no_objective_of_another_category(self, site, member, council):
        self.refused(
            member,
            site,
            field="objectives",
            message="only objectives of the categories of the stakeholders met",
            stakeholders=[council],
            objectives=[objective("public-security-providers")],
        )

    def test_at_least_one_stakeholder(self, site, member):
        self.refused(member, site, field="stakeholders", message="at least one", stakeholders=[])

    def test_no_stakeholder_of_another_site(self, site, other_site, member, council):
        elsewhere = StakeholderFactory(sites=[other_site])
        self.refused(
            member,
            site,
            field="stakeholders",
            message="stakeholders of this site's registry",
            stakeholders=[council, elsewhere],
        )

    def test_no_participant_of_another_site(self, site, member, outsider, council):
        self.refused(
            member,
            site,
            field="participants",
            message="members of this site",
            stakeholders=[council],
            participants=[member, outsider],
        )

    def test_no_tampered_confidentiality(self, site, cleared_member, council):
        self.refused(
            cleared_member,
            site,
            field="confidentiality",
            message="is not a valid choice",
            data=engagement_data(site, confidentiality="public"),
            stakeholders=[council],
        )

    def test_no_commitment_closed_without_a_note(self, site, member, council):
        self.refused(
            member,
            site,
            field=NON_FIELD_ERRORS,
            message="needs a closing note",
            stakeholders=[council],
            commitments=[commitment_data(member, status=Commitment.Status.DONE)],
        )

    def test_no_allegation_closed_without_an_outcome(self, site, cleared_member, council):
        self.refused(
            cleared_member,
            site,
            field=NON_FIELD_ERRORS,
            message="An allegation cannot be closed without its outcome.",
            stakeholders=[council],
            concerns=[
                {
                    "type": Concern.Type.ALLEGATION_PUBLIC,
                    "description": "Beaten at a roadblock",
                    "status": Concern.Status.CLOSED,
                }
            ],
        )

    def test_no_concern_from_a_stakeholder_not_met(self, site, member, council, police):
        self.refused(
            member,
            site,
            field="stakeholder",
            message="one of the stakeholders met",
            stakeholders=[council],
            concerns=[{"stakeholder": police, "type": "other", "description": "Noise"}],
        )

    def test_the_commitment_owner_is_a_member_of_the_site(self, site, member, outsider, council):
        self.refused(
            member,
            site,
            field="owner",
            message="The owner must be a member of the site.",
            stakeholders=[council],
            commitments=[commitment_data(outsider)],
        )

    def test_on_a_restricted_engagement_the_owner_is_cleared(
        self, site, cleared_member, member, defender
    ):
        self.refused(
            cleared_member,
            site,
            field="owner",
            message="The owner must be a member cleared at the site.",
            stakeholders=[defender],
            commitments=[commitment_data(member)],
        )
        engagement = services.engagement_create(
            actor=cleared_member,
            site=site,
            data=engagement_data(site),
            stakeholders=[defender],
            commitments=[commitment_data(cleared_member)],
        )
        assert engagement.restricted
        assert engagement.commitments.get().owner == cleared_member


class TestUpdate:
    @pytest.fixture
    def people(self, site, member, cleared_member, admin_member, uncleared_admin, superuser):
        creator = staff(site, function_code="community-relations", username="creator")
        return {
            "creator": creator,
            "lead function": staff(site, function_code="security", username="clo_security"),
            "security manager": member,
            "cleared security manager": cleared_member,
            "administrator": admin_member,
            "uncleared administrator": uncleared_admin,
            "superuser": superuser,
        }

    @pytest.fixture
    def engagement(self, site, council, people):
        return EngagementFactory(
            site=site,
            lead_function=function("security"),
            created_by=people["creator"],
            stakeholders=[council],
        )

    @pytest.mark.parametrize(
        "who",
        [
            "creator",
            "lead function",
            "security manager",
            "cleared security manager",
            "administrator",
            "uncleared administrator",
            "superuser",
        ],
    )
    def test_who_may_change_it(self, who, people, engagement):
        actor = people[who]
        assert selectors.can_change_engagement(user=actor, engagement=engagement)
        services.engagement_update(
            actor=actor, engagement=engagement, data={"outcomes": f"Agreed, by {who}"}
        )
        engagement.refresh_from_db()
        assert engagement.outcomes == f"Agreed, by {who}"
        assert engagement.updated_by == actor
        record = engagement.history.get(history_type="~")
        assert (record.history_type, record.history_user) == ("~", actor)

    def test_another_clo_of_another_function_may_not(self, site, engagement):
        legal = staff(site, function_code="legal", username="clo_legal")
        assert not selectors.can_change_engagement(user=legal, engagement=engagement)
        with pytest.raises(PermissionDenied, match="cannot change this engagement"):
            services.engagement_update(actor=legal, engagement=engagement, data={"outcomes": "X"})
        engagement.refresh_from_db()
        assert engagement.outcomes == ""
        assert not engagement.history.filter(history_type="~").exists()

    def test_nor_a_reviewer_nor_a_member_of_another_site(self, reviewer, outsider, engagement):
        with pytest.raises(PermissionDenied, match="role"):
            services.engagement_update(
                actor=reviewer, engagement=engagement, data={"outcomes": "X"}
            )
        with pytest.raises(PermissionDenied, match="cannot change this engagement"):
            services.engagement_update(
                actor=outsider, engagement=engagement, data={"outcomes": "X"}
            )
        engagement.refresh_from_db()
        assert engagement.outcomes == ""

    def test_the_uncleared_cannot_restrict_it_nor_lift_it(
        self, site, member, cleared_member, engagement
    ):
        with pytest.raises(ValidationError, match="Only users cleared at the site"):
            services.engagement_update(
                actor=member,
                engagement=engagement,
                data={"confidentiality": Engagement.Confidentiality.RESTRICTED},
            )
        engagement.refresh_from_db()
        assert engagement.confidentiality == Engagement.Confidentiality.INTERNAL
        assert not engagement.history.filter(history_type="~").exists()

        services.engagement_update(
            actor=cleared_member,
            engagement=engagement,
            data={"confidentiality": Engagement.Confidentiality.RESTRICTED},
        )
        # Restricted, it is out of the uncleared member's reach altogether.
        with pytest.raises(PermissionDenied, match="cannot change this engagement"):
            services.engagement_update(
                actor=member,
                engagement=engagement,
                data={"confidentiality": Engagement.Confidentiality.INTERNAL},
            )
        engagement.refresh_from_db()
        assert engagement.confidentiality == Engagement.Confidentiality.RESTRICTED

        services.engagement_update(
            actor=cleared_member,
            engagement=engagement,
            data={"confidentiality": Engagement.Confidentiality.INTERNAL},
        )
        engagement.refresh_from_db()
        assert engagement.confidentiality == Engagement.Confidentiality.INTERNAL

    def test_bad_input_changes_nothing(self, site, member, engagement):
        tomorrow = site.today() + datetime.timedelta(days=1)
        with pytest.raises(ValidationError, match="future"):
            services.engagement_update(
                actor=member, engagement=engagement, data={"date": tomorrow}
            )
        with pytest.raises(ValidationError, match="Women cannot be more"):
            services.engagement_update(
                actor=member,
                engagement=engagement,
                data={"attendance_total": 3, "attendance_women": 4},
            )
        engagement.refresh_from_db()
        assert engagement.date < tomorrow
        assert engagement.attendance_total is None
        assert not engagement.history.filter(history_type="~").exists()

    def test_the_uncleared_keep_the_at_risk_stakeholder_they_cannot_see(
        self, site, member, cleared_member, defender, council, police
    ):
        engagement = services.engagement_create(
            actor=cleared_member,
            site=site,
            data=engagement_data(site, confidentiality=Engagement.Confidentiality.INTERNAL),
            stakeholders=[defender, council],
            objectives=[objective("local-communities")],
        )
        services.engagement_update(actor=member, engagement=engagement, data={"summary": "New"})
        assert set(engagement.stakeholders.all()) == {defender, council}

        # The council's objectives stay allowed: the hidden defender is a local community.
        services.engagement_update(
            actor=member,
            engagement=engagement,
            data={},
            stakeholders=[police],
            objectives=[objective("local-communities"), objective("public-security-providers")],
        )
        assert set(engagement.stakeholders.all()) == {defender, police}
        # Without the police, the objective of public security providers goes too.
        with pytest.raises(ValidationError, match="only objectives of the categories"):
            services.engagement_update(
                actor=member, engagement=engagement, data={}, stakeholders=[]
            )
        services.engagement_update(
            actor=member,
            engagement=engagement,
            data={},
            stakeholders=[],
            objectives=[objective("local-communities")],
        )
        assert set(engagement.stakeholders.all()) == {defender}

        changes = engagement.history.filter(history_type="~").order_by("history_date", "pk")
        assert [record.history_user for record in changes] == [member] * 3
        assert set(changes.last().stakeholders.values_list("stakeholder_id", flat=True)) == {
            defender.pk
        }


class TestCommitments:
    @pytest.fixture
    def engagement(self, site, council, cleared_member):
        return EngagementFactory(
            site=site,
            lead_function=function("security"),
            created_by=cleared_member,
            stakeholders=[council],
        )

    def test_the_owner_updates_their_own_without_rights_on_the_engagement(self, site, engagement):
        owner = staff(site, function_code="legal", username="owner")
        other = staff(site, function_code="legal", username="other")
        commitment = CommitmentFactory(engagement=engagement, owner=owner)
        assert not selectors.can_change_engagement(user=owner, engagement=engagement)

        services.commitment_update(
            actor=owner, commitment=commitment, data={"status": Commitment.Status.IN_PROGRESS}
        )
        commitment.refresh_from_db()
        assert commitment.status == Commitment.Status.IN_PROGRESS

        with pytest.raises(PermissionDenied, match="cannot change this commitment"):
            services.commitment_update(
                actor=other, commitment=commitment, data={"status": Commitment.Status.DROPPED}
            )
        with pytest.raises(PermissionDenied, match="cannot change this engagement"):
            services.commitment_create(
                actor=owner, engagement=engagement, data=commitment_data(owner)
            )

        with pytest.raises(ValidationError, match="needs a closing note"):
            services.commitment_update(
                actor=owner, commitment=commitment, data={"status": Commitment.Status.DONE}
            )
        commitment.refresh_from_db()
        assert commitment.status == Commitment.Status.IN_PROGRESS

        services.commitment_update(
            actor=owner,
            commitment=commitment,
            data={
                "status": Commitment.Status.DONE,
                "closing_note": "Schedule handed over at the council meeting",
                "closed_on": site.today(),
            },
        )
        commitment.refresh_from_db()
        assert commitment.is_closed
        changes = commitment.history.filter(history_type="~")
        assert [record.history_user for record in changes] == [owner, owner]

    def test_the_owner_changes_only_progress_and_closing_is_dated_today(self, site, engagement):
        owner = staff(site, function_code="legal", username="owner")
        commitment = CommitmentFactory(engagement=engagement, owner=owner)
        with pytest.raises(PermissionDenied, match="progress"):
            services.commitment_update(
                actor=owner, commitment=commitment, data={"description": "Something easier"}
            )
        services.commitment_update(
            actor=owner,
            commitment=commitment,
            data={"status": Commitment.Status.DROPPED, "closing_note": "The council withdrew it"},
        )
        commitment.refresh_from_db()
        assert commitment.closed_on == site.today()
        with pytest.raises(ValidationError, match="closed in the future"):
            services.commitment_update(
                actor=owner,
                commitment=commitment,
                data={"closed_on": site.today() + datetime.timedelta(days=2)},
            )

    def test_create_on_an_engagement_the_actor_may_change(self, member, engagement):
        commitment = services.commitment_create(
            actor=member, engagement=engagement, data=commitment_data(member)
        )
        assert commitment.engagement == engagement
        assert commitment.lead_function == engagement.lead_function
        assert commitment.history.get().history_user == member

    def test_the_owner_of_a_commitment_on_a_restricted_engagement_is_cleared(
        self, member, cleared_member, engagement
    ):
        engagement.confidentiality = Engagement.Confidentiality.RESTRICTED
        engagement.save()
        with pytest.raises(ValidationError, match="member cleared at the site"):
            services.commitment_create(
                actor=cleared_member, engagement=engagement, data=commitment_data(member)
            )
        assert not Commitment.objects.exists()


class TestConcerns:
    @pytest.fixture
    def engagement(self, site, council, cleared_member):
        return EngagementFactory(site=site, created_by=cleared_member, stakeholders=[council])

    def test_the_uncleared_cannot_update_an_allegation(self, member, engagement):
        allegation = ConcernFactory(engagement=engagement, type=Concern.Type.ALLEGATION_PRIVATE)
        assert selectors.can_change_engagement(user=member, engagement=engagement)
        with pytest.raises(PermissionDenied, match="cannot change this concern"):
            services.concern_update(
                actor=member, concern=allegation, data={"status": Concern.Status.REFERRED}
            )
        allegation.refresh_from_db()
        assert allegation.status == Concern.Status.OPEN

    def test_the_cleared_close_an_allegation_only_with_its_outcome(
        self, cleared_member, engagement
    ):
        allegation = ConcernFactory(engagement=engagement, type=Concern.Type.ALLEGATION_PUBLIC)
        with pytest.raises(ValidationError, match="cannot be closed without its outcome"):
            services.concern_update(
                actor=cleared_member, concern=allegation, data={"status": Concern.Status.CLOSED}
            )
        allegation.refresh_from_db()
        assert allegation.status == Concern.Status.OPEN
        services.concern_update(
            actor=cleared_member,
            concern=allegation,
            data={"status": Concern.Status.CLOSED, "outcome": "Officer disciplined"},
        )
        allegation.refresh_from_db()
        assert allegation.status == Concern.Status.CLOSED
        assert allegation.history.get(history_type="~").history_user == cleared_member

    def test_the_uncleared_update_other_concerns(self, member, engagement, council):
        concern = ConcernFactory(engagement=engagement, stakeholder=council)
        services.concern_update(actor=member, concern=concern, data={"response": "Explained"})
        concern.refresh_from_db()
        assert concern.response == "Explained"

    def test_the_uncleared_record_an_allegation_then_see_only_that_they_filed_it(
        self, member, cleared_member, engagement
    ):
        allegation = services.concern_create(
            actor=member,
            engagement=engagement,
            data={
                "type": Concern.Type.ALLEGATION_PUBLIC,
                "description": "Beaten at a roadblock by police",
                "severity": Concern.Severity.HIGH,
            },
        )
        assert allegation.created_by == member
        assert allegation.history.get().history_user == member
        assert not selectors.concern_list(user=member).exists()
        assert list(selectors.concern_list(user=cleared_member)) == [allegation]

        filed = selectors.filed_allegation_list(user=member).get()
        assert filed.pk == allegation.pk
        assert filed.type == Concern.Type.ALLEGATION_PUBLIC
        assert filed.created_at == allegation.created_at
        assert {"description", "outcome", "stakeholder_id", "engagement_id"} <= set(
            filed.get_deferred_fields()
        )
        # The cleared read it; they did not file it.
        assert not selectors.filed_allegation_list(user=cleared_member).exists()


def test_only_an_administrator_cleared_at_the_site_deletes_an_engagement(
    site, admin_member, uncleared_admin, council
):
    engagement = EngagementFactory(site=site, created_by=admin_member, stakeholders=[council])
    CommitmentFactory(engagement=engagement, owner=admin_member)
    with pytest.raises(PermissionDenied, match="cannot delete"):
        services.engagement_delete(actor=uncleared_admin, engagement=engagement)
    assert Engagement.objects.filter(pk=engagement.pk).exists()
    services.engagement_delete(actor=admin_member, engagement=engagement)
    assert not Engagement.objects.filter(pk=engagement.pk).exists()
    deleted = Engagement.history.get(id=engagement.pk, history_type="-")
    assert deleted.history_user == admin_member
    assert Commitment.history.filter(history_type="-", history_user=admin_member).exists()
