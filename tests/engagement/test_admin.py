"""The engagement admin: scoped like the registry's (own sites, restricted engagements and
allegations only where cleared, anything else answered as a missing record), and writing
through `engagement.services`, which keep the history and refuse bad input."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from engagement import services
from engagement.models import Commitment, Concern, Engagement
from stakeholders import redaction
from stakeholders.models import EngagementObjective, Function, SiteMembership
from tests.conftest import member_of
from tests.factories import StakeholderFactory

pytestmark = pytest.mark.django_db

MISSING = "987654321"
ENGAGEMENTS = reverse("admin:engagement_engagement_changelist")
ENGAGEMENT_ADD = reverse("admin:engagement_engagement_add")
COMMITMENTS = reverse("admin:engagement_commitment_changelist")
CONCERNS = reverse("admin:engagement_concern_changelist")
AUTOCOMPLETE = reverse("admin:autocomplete")

# Marker strings planted in records; a page that must not show a record must not show them.
INTERNAL = "Marker internal purpose 7a1"
RESTRICTED = "Marker restricted purpose 3c9"
RESTRICTED_COMMITMENT = "Marker restricted commitment 4d2"
FAR = "Marker far valley purpose 8e5"
ALLEGATION = "Marker allegation beating at the gate 5f0"
ALLEGATION_REFERRAL = "Marker regional police commander 2b6"
DUST = "Marker dust on the school road 9a4"
RESTRICTED_YEAR = 2019


def url(name, *args):
    return reverse(f"admin:engagement_{name}", args=args)


def function(code="security"):
    return Function.objects.get(code=code)


def log(actor, site, *, stakeholders, **data):
    """An engagement logged through the service, a few days ago, led by security."""
    values = {
        "date": site.today() - datetime.timedelta(days=3),
        "format": Engagement.Format.MEETING,
        "lead_function": function(),
        "purpose": "Routine meeting",
        "summary": "Nothing of note.",
        "confidentiality": Engagement.Confidentiality.INTERNAL,
        **data,
    }
    commitments = values.pop("commitments", ())
    concerns = values.pop("concerns", ())
    return services.engagement_create(
        actor=actor,
        site=site,
        data=values,
        stakeholders=stakeholders,
        commitments=commitments,
        concerns=concerns,
    )


def normalised(response):
    """Status and body, without the CSRF token that is masked afresh on every page."""
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
    return response.status_code, body


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def council(site):
    return StakeholderFactory(name="Mwanzo village council", sites=[site])


@pytest.fixture
def far_chiefs(other_site):
    return StakeholderFactory(name="Far valley chiefs", sites=[other_site])


@pytest.fixture
def far_admin(other_site):
    """An administrator, staff and cleared, at the other site only."""
    return member_of(
        other_site, cleared=True, roles=["Administrator"], username="faradmin", is_staff=True
    )


@pytest.fixture
def internal(admin_member, site, council, uncleared_admin):
    """An internal engagement with a commitment, a concern about dust and an allegation."""
    return log(
        admin_member,
        site,
        stakeholders=[council],
        purpose=INTERNAL,
        commitments=[
            {
                "description": "Share the patrol schedule",
                "owner": uncleared_admin,
                "due_on": site.today() - datetime.timedelta(days=1),
            }
        ],
        concerns=[
            {"type": Concern.Type.ENVIRONMENT, "stakeholder": council, "description": DUST},
            {
                "type": Concern.Type.ALLEGATION_PUBLIC,
                "description": ALLEGATION,
                "status": Concern.Status.REFERRED,
                "referred_to": ALLEGATION_REFERRAL,
            },
        ],
    )


@pytest.fixture
def restricted(admin_member, site, council):
    return log(
        admin_member,
        site,
        stakeholders=[council],
        date=datetime.date(RESTRICTED_YEAR, 6, 15),
        purpose=RESTRICTED,
        confidentiality=Engagement.Confidentiality.RESTRICTED,
        commitments=[
            {
                "description": RESTRICTED_COMMITMENT,
                "owner": admin_member,
                "due_on": datetime.date(RESTRICTED_YEAR, 7, 1),
            }
        ],
    )


@pytest.fixture
def far(far_admin, other_site, far_chiefs):
    return log(far_admin, other_site, stakeholders=[far_chiefs], purpose=FAR)


@pytest.fixture
def records(internal, restricted, far):
    return internal, restricted, far


def listed(response):
    return {row.pk for row in response.context["cl"].result_list}


def engagement_form(site, stakeholders, /, **changes):
    """The admin's add or change form for an engagement, with empty inlines; `changes`
    as posted (ids)."""
    data = {
        "site": site.pk,
        "date": (site.today() - datetime.timedelta(days=2)).isoformat(),
        "format": Engagement.Format.MEETING,
        "location": "Village hall",
        "lead_function": function().pk,
        "confidentiality": Engagement.Confidentiality.INTERNAL,
        "stakeholders": [s.pk for s in stakeholders],
        "attendance_total": "12",
        "attendance_women": "5",
        "purpose": "Introduce the new patrol routes",
        "information_shared": "",
        "summary": "The council asked for patrols to avoid market day.",
        "security_topics": "",
        "outcomes": "",
        "commitments-TOTAL_FORMS": "0",
        "commitments-INITIAL_FORMS": "0",
        "concerns-TOTAL_FORMS": "0",
        "concerns-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def change_form(engagement, **changes):
    """The change form of a stored engagement as it stands, with no inline rows shown;
    `stakeholders` (ids) as given in `changes`."""
    data = engagement_form(
        engagement.site,
        [],
        date=engagement.date.isoformat(),
        format=engagement.format,
        location=engagement.location,
        lead_function=engagement.lead_function_id,
        confidentiality=engagement.confidentiality,
        attendance_total=engagement.attendance_total or "",
        attendance_women=engagement.attendance_women or "",
        purpose=engagement.purpose,
        summary=engagement.summary,
    )
    del data["site"]
    data.update(changes)
    return data


class TestChangelist:
    def test_a_cleared_admin_sees_internal_and_restricted_engagements(
        self, client, admin_member, records
    ):
        internal, restricted, far = records
        client.force_login(admin_member)
        response = client.get(ENGAGEMENTS)
        assert response.status_code == 200
        assert listed(response) == {internal.pk, restricted.pk}
        content = response.content.decode()
        assert "Mwanzo village council" in content
        assert "date__gte=" in content  # the filter by date's periods
        assert "Far valley chiefs" not in content

    def test_an_uncleared_admin_never_meets_the_restricted_engagement(
        self, client, uncleared_admin, records
    ):
        internal, restricted, far = records
        client.force_login(uncleared_admin)
        pages = {
            "list": client.get(ENGAGEMENTS),
            "search": client.get(ENGAGEMENTS, {"q": "purpose 3c9"}),
            "year": client.get(ENGAGEMENTS, {"date__year": RESTRICTED_YEAR}),
            "facets": client.get(ENGAGEMENTS, {"_facets": "1"}),
            "restricted": client.get(ENGAGEMENTS, {"confidentiality__exact": "restricted"}),
        }
        assert listed(pages["list"]) == {internal.pk}
        for name in ("search", "year", "restricted"):
            assert listed(pages[name]) == set(), name
        assert pages["list"].context["cl"].full_result_count == 1
        for name, response in pages.items():
            content = response.content.decode()
            assert RESTRICTED not in content
            if name != "year":  # that page's own links carry what it was asked
                assert f"date__year={RESTRICTED_YEAR}" not in content
        assert "Restricted: users cleared at the site only (0)" in (
            pages["facets"].content.decode()
        )

    def test_an_admin_of_another_site_sees_nothing_of_this_one(
        self, client, far_admin, records, site
    ):
        internal, restricted, far = records
        client.force_login(far_admin)
        for changelist in (ENGAGEMENTS, COMMITMENTS, CONCERNS):
            response = client.get(changelist)
            content = response.content.decode()
            for marker in (INTERNAL, RESTRICTED, RESTRICTED_COMMITMENT, DUST, ALLEGATION):
                assert marker not in content
            assert site.name not in content
        assert listed(client.get(ENGAGEMENTS)) == {far.pk}
        assert listed(client.get(COMMITMENTS)) == set()
        assert listed(client.get(CONCERNS)) == set()

    def test_stakeholders_are_named_as_the_redaction_shows_them(
        self, client, admin_member, uncleared_admin, site, defender, council
    ):
        """An internal engagement may meet an at-risk stakeholder (a cleared user chose
        so); the uncleared see its placeholder, never its name."""
        log(admin_member, site, stakeholders=[defender, council])
        client.force_login(uncleared_admin)
        content = client.get(ENGAGEMENTS).content.decode()
        assert "Baraka" not in content
        assert redaction.placeholder(defender) in content
        assert "Mwanzo village council" in content

    def test_the_list_takes_a_fixed_number_of_queries(
        self, client, admin_member, site, council, django_assert_max_num_queries
    ):
        client.force_login(admin_member)
        for _ in range(3):
            log(admin_member, site, stakeholders=[council])
        with django_assert_max_num_queries(20) as few:
            client.get(ENGAGEMENTS)
        for _ in range(20):
            log(admin_member, site, stakeholders=[council])
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(ENGAGEMENTS)


class TestAnsweredLikeAMissingRecord:
    @pytest.mark.parametrize("view", ["change", "history", "delete"])
    @pytest.mark.parametrize(
        ("who", "record"),
        [
            ("uncleared_admin", "restricted"),
            ("far_admin", "internal"),
            ("far_admin", "restricted"),
        ],
    )
    def test_an_engagement_out_of_sight(self, client, request, records, view, who, record):
        client.force_login(request.getfixturevalue(who))
        engagement = request.getfixturevalue(record)
        hidden = client.get(url(f"engagement_{view}", engagement.pk))
        missing = client.get(url(f"engagement_{view}", MISSING))
        assert hidden.status_code in (302, 404)
        assert (hidden.status_code, hidden.get("Location")) == (
            missing.status_code,
            missing.get("Location"),
        )
        if hidden.status_code == 404:
            assert normalised(hidden) == normalised(missing)

    @pytest.mark.parametrize("view", ["change", "history"])
    def test_a_restricted_engagements_commitment(
        self, client, uncleared_admin, records, restricted, view
    ):
        client.force_login(uncleared_admin)
        commitment = restricted.commitments.get()
        hidden = client.get(url(f"commitment_{view}", commitment.pk))
        missing = client.get(url(f"commitment_{view}", MISSING))
        assert (hidden.status_code, hidden.get("Location")) == (
            missing.status_code,
            missing.get("Location"),
        )

    @pytest.mark.parametrize("view", ["change", "history"])
    def test_an_allegation_for_the_uncleared(self, client, uncleared_admin, internal, view):
        client.force_login(uncleared_admin)
        allegation = internal.concerns.get(type=Concern.Type.ALLEGATION_PUBLIC)
        hidden = client.get(url(f"concern_{view}", allegation.pk))
        missing = client.get(url(f"concern_{view}", MISSING))
        assert (hidden.status_code, hidden.get("Location")) == (
            missing.status_code,
            missing.get("Location"),
        )


class TestAllegationOnAnInternalEngagement:
    def test_the_uncleared_admin_meets_it_nowhere(self, client, uncleared_admin, internal):
        client.force_login(uncleared_admin)
        change = client.get(url("engagement_change", internal.pk))
        assert change.status_code == 200
        concerns = [
            formset
            for formset in change.context["inline_admin_formsets"]
            if formset.formset.model is Concern
        ][0]
        assert [form.instance.description for form in concerns.formset.initial_forms] == [DUST]
        pages = [
            change,
            client.get(url("engagement_history", internal.pk)),
            client.get(CONCERNS),
            client.get(CONCERNS, {"q": "beating"}),
            client.get(CONCERNS, {"type__exact": Concern.Type.ALLEGATION_PUBLIC}),
            client.get(CONCERNS, {"_facets": "1"}),
            client.get(ENGAGEMENTS, {"q": "beating"}),
        ]
        for response in pages:
            assert response.status_code == 200
            content = response.content.decode()
            assert ALLEGATION not in content
            assert ALLEGATION_REFERRAL not in content
        assert listed(client.get(CONCERNS)) == {internal.concerns.get(description=DUST).pk}

    def test_a_lookup_through_concerns_is_refused_whatever_it_asks(
        self, client, uncleared_admin, admin_member, internal
    ):
        """`?concerns=<id>` or `?concerns__type=` would count the engagements carrying an
        allegation."""
        allegation = internal.concerns.get(type=Concern.Type.ALLEGATION_PUBLIC)
        for user in (uncleared_admin, admin_member):
            client.force_login(user)
            for value in ("allegation_public_security", "other"):
                response = client.get(ENGAGEMENTS, {"concerns__type": value})
                assert response.status_code == 400
            by_id = client.get(ENGAGEMENTS, {"concerns": allegation.pk})
            missing = client.get(ENGAGEMENTS, {"concerns": MISSING})
            assert by_id.status_code == missing.status_code == 400
            assert normalised(by_id) == normalised(missing)

    def test_the_cleared_admin_sees_it_first(self, client, admin_member, internal):
        client.force_login(admin_member)
        change = client.get(url("engagement_change", internal.pk)).content.decode()
        assert ALLEGATION in change and DUST in change
        register = client.get(CONCERNS)
        assert [row.description for row in register.context["cl"].result_list] == [
            ALLEGATION,
            DUST,
        ]

    def test_a_posted_allegation_id_is_refused_like_a_missing_row(
        self, client, uncleared_admin, internal
    ):
        allegation = internal.concerns.get(type=Concern.Type.ALLEGATION_PUBLIC)
        client.force_login(uncleared_admin)
        response = client.post(
            url("engagement_change", internal.pk),
            change_form(
                internal,
                stakeholders=[s.pk for s in internal.stakeholders.all()],
                **{
                    "concerns-TOTAL_FORMS": "1",
                    "concerns-INITIAL_FORMS": "1",
                    "concerns-0-id": allegation.pk,
                    "concerns-0-type": Concern.Type.OTHER,
                    "concerns-0-description": "Overwritten",
                    "concerns-0-satisfaction": Concern.Satisfaction.UNKNOWN,
                    "concerns-0-severity": Concern.Severity.LOW,
                    "concerns-0-status": Concern.Status.OPEN,
                },
            ),
        )
        assert response.status_code == 200
        assert ALLEGATION not in response.content.decode()
        allegation.refresh_from_db()
        assert allegation.description == ALLEGATION

    def test_an_uncleared_admin_may_record_one_and_is_told_where_it_went(
        self, client, uncleared_admin, internal, council
    ):
        client.force_login(uncleared_admin)
        response = client.post(
            url("engagement_change", internal.pk),
            change_form(
                internal,
                stakeholders=[council.pk],
                **{
                    "concerns-TOTAL_FORMS": "2",
                    "concerns-INITIAL_FORMS": "1",
                    "concerns-0-id": internal.concerns.get(description=DUST).pk,
                    "concerns-0-type": Concern.Type.ENVIRONMENT,
                    "concerns-0-stakeholder": council.pk,
                    "concerns-0-description": DUST,
                    "concerns-0-satisfaction": Concern.Satisfaction.UNKNOWN,
                    "concerns-0-severity": Concern.Severity.MEDIUM,
                    "concerns-0-status": Concern.Status.OPEN,
                    "concerns-1-type": Concern.Type.ALLEGATION_PRIVATE,
                    "concerns-1-description": "Marker second allegation 6c3",
                    "concerns-1-satisfaction": Concern.Satisfaction.UNKNOWN,
                    "concerns-1-severity": Concern.Severity.HIGH,
                    "concerns-1-status": Concern.Status.OPEN,
                },
            ),
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        recorded = Concern.objects.get(description="Marker second allegation 6c3")
        assert recorded.created_by == uncleared_admin
        assert recorded.history.get().history_user == uncleared_admin
        assert any("passed to colleagues cleared" in m for m in messages_of(response))
        page = client.get(url("engagement_change", internal.pk)).content.decode()
        assert "Marker second allegation 6c3" not in page


class TestAdd:
    def test_an_engagement_with_a_commitment_and_a_concern(
        self, client, admin_member, site, council, uncleared_admin
    ):
        objective = EngagementObjective.objects.filter(category=council.category).first()
        client.force_login(admin_member)
        response = client.post(
            ENGAGEMENT_ADD,
            engagement_form(
                site,
                [council],
                objectives=[objective.pk],
                participants=[uncleared_admin.pk],
                **{
                    "commitments-TOTAL_FORMS": "1",
                    "commitments-0-description": "Move the patrol off market day",
                    "commitments-0-owner": uncleared_admin.pk,
                    "commitments-0-due_on": "2031-01-15",
                    "commitments-0-status": Commitment.Status.OPEN,
                    "concerns-TOTAL_FORMS": "1",
                    "concerns-0-type": Concern.Type.SECURITY_CONDUCT,
                    "concerns-0-stakeholder": council.pk,
                    "concerns-0-description": "Guards shout at children",
                    "concerns-0-satisfaction": Concern.Satisfaction.PARTLY,
                    "concerns-0-severity": Concern.Severity.MEDIUM,
                    "concerns-0-status": Concern.Status.OPEN,
                },
            ),
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        engagement = Engagement.objects.get()
        assert (engagement.site, engagement.created_by, engagement.updated_by) == (
            site,
            admin_member,
            admin_member,
        )
        assert list(engagement.stakeholders.all()) == [council]
        assert list(engagement.objectives.all()) == [objective]
        assert list(engagement.participants.all()) == [uncleared_admin]
        record = engagement.history.get()
        assert (record.history_type, record.history_user) == ("+", admin_member)
        commitment = engagement.commitments.get()
        assert commitment.lead_function == engagement.lead_function  # the default
        assert commitment.history.get().history_user == admin_member
        concern = engagement.concerns.get()
        assert (concern.created_by, concern.history.get().history_user) == (
            admin_member,
            admin_member,
        )

    def test_left_empty_the_lead_function_and_confidentiality_follow_the_service(
        self, client, admin_member, site, defender
    ):
        SiteMembership.objects.filter(user=admin_member).update(function=function("legal"))
        client.force_login(admin_member)
        response = client.post(
            ENGAGEMENT_ADD,
            engagement_form(site, [defender], lead_function="", confidentiality=""),
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        engagement = Engagement.objects.get()
        assert engagement.lead_function == function("legal")
        assert engagement.confidentiality == Engagement.Confidentiality.RESTRICTED

    def test_the_add_page_offers_automatic_confidentiality_and_lists_no_stakeholder(
        self, client, admin_member, council, defender
    ):
        """Stakeholders (thousands at a site) are picked through the autocomplete, on the
        engagement and on a new concern alike: the page itself lists none."""
        client.force_login(admin_member)
        response = client.get(ENGAGEMENT_ADD)
        assert response.status_code == 200
        assert response.context["adminform"].form["confidentiality"].value() == ""
        content = response.content.decode()
        assert "Automatic: restricted when an at-risk stakeholder is met" in content
        assert 'data-model-name="concern" data-field-name="stakeholder"' in content
        assert "Mwanzo village council" not in content
        assert redaction.placeholder(defender) not in content

    def test_a_future_date_is_refused_with_a_message_and_nothing_is_written(
        self, client, admin_member, site, council
    ):
        client.force_login(admin_member)
        tomorrow = site.today() + datetime.timedelta(days=1)
        response = client.post(
            ENGAGEMENT_ADD,
            engagement_form(
                site,
                [council],
                date=tomorrow.isoformat(),
                **{
                    "commitments-TOTAL_FORMS": "1",
                    "commitments-0-description": "Never saved",
                    "commitments-0-owner": admin_member.pk,
                    "commitments-0-due_on": "2031-01-15",
                    "commitments-0-status": Commitment.Status.OPEN,
                },
            ),
        )
        assert response.status_code == 302
        assert response["Location"] == ENGAGEMENT_ADD
        assert any("cannot be dated in the future" in m for m in messages_of(response))
        assert not Engagement.objects.exists()
        assert not Engagement.history.exists()
        assert not Commitment.objects.exists()
        assert not Commitment.history.exists()

    def test_women_above_the_total_re_renders_with_the_error(
        self, client, admin_member, site, council
    ):
        client.force_login(admin_member)
        response = client.post(
            ENGAGEMENT_ADD,
            engagement_form(site, [council], attendance_total="4", attendance_women="9"),
        )
        assert response.status_code == 200
        assert "Women cannot be more than the total attendance." in response.content.decode()
        assert not Engagement.objects.exists()
        assert not Engagement.history.exists()

    @pytest.mark.parametrize(
        "tampered",
        ["hidden_stakeholder", "far_stakeholder", "far_participant", "far_site"],
    )
    def test_what_the_user_may_not_pick_is_not_a_valid_choice(
        self,
        client,
        uncleared_admin,
        site,
        council,
        defender,
        far_chiefs,
        far_admin,
        other_site,
        tampered,
    ):
        changes = {
            "hidden_stakeholder": {"stakeholders": [council.pk, defender.pk]},
            "far_stakeholder": {"stakeholders": [council.pk, far_chiefs.pk]},
            "far_participant": {"participants": [far_admin.pk]},
            "far_site": {"site": other_site.pk},
        }[tampered]
        client.force_login(uncleared_admin)
        response = client.post(ENGAGEMENT_ADD, engagement_form(site, [council], **changes))
        assert response.status_code == 200
        content = response.content.decode()
        assert "Select a valid choice" in content
        assert "Baraka" not in content and "Far valley chiefs" not in content
        assert not Engagement.objects.exists()

    def test_the_uncleared_cannot_restrict_an_engagement(
        self, client, uncleared_admin, site, council
    ):
        client.force_login(uncleared_admin)
        response = client.post(
            ENGAGEMENT_ADD,
            engagement_form(
                site,
                [council],
                confidentiality=Engagement.Confidentiality.RESTRICTED,
            ),
        )
        assert response.status_code == 302
        assert any("Only users cleared" in m for m in messages_of(response))
        assert not Engagement.objects.exists()


class TestChange:
    def test_a_change_and_a_commitment_closed_keep_who_did_it(
        self, client, admin_member, internal
    ):
        commitment = internal.commitments.get()
        client.force_login(admin_member)
        response = client.post(
            url("engagement_change", internal.pk),
            change_form(
                internal,
                stakeholders=[s.pk for s in internal.stakeholders.all()],
                outcomes="Patrols moved to the afternoon",
                **{
                    "commitments-TOTAL_FORMS": "1",
                    "commitments-INITIAL_FORMS": "1",
                    "commitments-0-id": commitment.pk,
                    "commitments-0-description": commitment.description,
                    "commitments-0-owner": commitment.owner_id,
                    "commitments-0-lead_function": commitment.lead_function_id,
                    "commitments-0-due_on": commitment.due_on.isoformat(),
                    "commitments-0-status": Commitment.Status.DONE,
                    "commitments-0-closing_note": "Schedule shared at the council",
                    "commitments-0-closed_on": internal.date.isoformat(),
                    "concerns-TOTAL_FORMS": "0",
                    "concerns-INITIAL_FORMS": "0",
                },
            ),
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        internal.refresh_from_db()
        assert internal.outcomes == "Patrols moved to the afternoon"
        latest = internal.history.latest()
        assert (latest.history_type, latest.history_user) == ("~", admin_member)
        commitment.refresh_from_db()
        assert commitment.status == Commitment.Status.DONE
        assert commitment.history.latest().history_user == admin_member
        history = client.get(url("engagement_history", internal.pk)).content.decode()
        assert "Patrols moved to the afternoon" in history

    def test_an_uncleared_edit_keeps_the_stakeholder_they_cannot_see(
        self, client, admin_member, uncleared_admin, site, council, defender
    ):
        engagement = log(admin_member, site, stakeholders=[council, defender])
        client.force_login(uncleared_admin)
        page = client.get(url("engagement_change", engagement.pk))
        assert "Baraka" not in page.content.decode()
        assert "confidentiality" not in page.context["adminform"].form.fields
        response = client.post(
            url("engagement_change", engagement.pk),
            change_form(
                engagement,
                stakeholders=[council.pk],
                summary="Changed by the uncleared",
                confidentiality=Engagement.Confidentiality.RESTRICTED,
            ),
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        engagement.refresh_from_db()
        assert engagement.summary == "Changed by the uncleared"
        assert set(engagement.stakeholders.all()) == {council, defender}
        assert engagement.confidentiality == Engagement.Confidentiality.INTERNAL
        history = client.get(url("engagement_history", engagement.pk)).content.decode()
        assert "Baraka" not in history

    def test_a_refused_change_is_a_message_and_changes_nothing(
        self, client, admin_member, internal
    ):
        client.force_login(admin_member)
        future = internal.site.today() + datetime.timedelta(days=5)
        change_url = url("engagement_change", internal.pk)
        response = client.post(
            change_url,
            change_form(
                internal,
                stakeholders=[s.pk for s in internal.stakeholders.all()],
                date=future.isoformat(),
                summary="Never saved",
            ),
        )
        assert (response.status_code, response["Location"]) == (302, change_url)
        assert any("cannot be dated in the future" in m for m in messages_of(response))
        internal.refresh_from_db()
        assert internal.summary != "Never saved"
        assert internal.history.count() == 1


class TestDelete:
    def test_a_cleared_admin_deletes_and_every_row_keeps_who(self, client, admin_member, internal):
        commitment_pk = internal.commitments.get().pk
        concern_pks = list(internal.concerns.values_list("pk", flat=True))
        client.force_login(admin_member)
        delete_url = url("engagement_delete", internal.pk)
        page = client.get(delete_url).content.decode()
        assert "Concerns: 2" in page and "Commitments: 1" in page
        assert client.post(delete_url, {"post": "yes"}).status_code == 302
        assert not Engagement.objects.filter(pk=internal.pk).exists()
        assert not Commitment.objects.filter(pk=commitment_pk).exists()
        assert not Concern.objects.filter(pk__in=concern_pks).exists()
        gone = [
            Engagement.history.get(id=internal.pk, history_type="-"),
            Commitment.history.get(id=commitment_pk, history_type="-"),
            *Concern.history.filter(id__in=concern_pks, history_type="-"),
        ]
        assert len(gone) == 4
        assert {record.history_user for record in gone} == {admin_member}

    def test_a_bulk_delete_goes_through_the_same_path(
        self, client, admin_member, internal, restricted
    ):
        client.force_login(admin_member)
        response = client.post(
            ENGAGEMENTS,
            {
                "action": "delete_selected",
                "_selected_action": [internal.pk, restricted.pk],
                "post": "yes",
            },
        )
        assert response.status_code == 302
        assert not Engagement.objects.exists()
        assert not Commitment.objects.exists() and not Concern.objects.exists()
        records = [
            *Engagement.history.filter(history_type="-"),
            *Concern.history.filter(history_type="-"),
        ]
        assert len(records) == 4
        assert {record.history_user for record in records} == {admin_member}

    def test_an_uncleared_admin_does_not_delete(self, client, uncleared_admin, internal):
        """The engagement carries an allegation the uncleared may not see."""
        client.force_login(uncleared_admin)
        delete_url = url("engagement_delete", internal.pk)
        assert client.get(delete_url).status_code == 403
        assert client.post(delete_url, {"post": "yes"}).status_code == 403
        bulk = client.post(
            ENGAGEMENTS, {"action": "delete_selected", "_selected_action": [internal.pk]}
        )
        assert "not cleared" in bulk.content.decode()
        assert ALLEGATION not in bulk.content.decode()
        assert "Concerns:" not in bulk.content.decode()  # no count of what they cannot see
        assert Engagement.objects.filter(pk=internal.pk).exists()
        assert internal.concerns.count() == 2


class TestLookups:
    @pytest.mark.parametrize(
        ("model_name", "field_name"), [("engagement", "stakeholders"), ("concern", "stakeholder")]
    )
    def test_the_stakeholder_autocomplete_offers_only_identities_the_user_may_see(
        self,
        client,
        uncleared_admin,
        admin_member,
        council,
        defender,
        far_chiefs,
        model_name,
        field_name,
    ):
        params = {
            "app_label": "engagement",
            "model_name": model_name,
            "field_name": field_name,
            "term": "",
        }
        client.force_login(uncleared_admin)
        response = client.get(AUTOCOMPLETE, params)
        assert response.status_code == 200
        assert {int(row["id"]) for row in response.json()["results"]} == {council.pk}
        assert "Baraka" not in response.content.decode()
        assert client.get(AUTOCOMPLETE, {**params, "term": "Baraka"}).json()["results"] == []
        client.force_login(admin_member)
        ids = {int(row["id"]) for row in client.get(AUTOCOMPLETE, params).json()["results"]}
        assert ids == {council.pk, defender.pk}

    def test_a_stakeholder_lookup_of_another_site_is_answered_like_a_missing_one(
        self, client, admin_member, uncleared_admin, records, far_chiefs, defender
    ):
        for user, other in ((admin_member, far_chiefs), (uncleared_admin, defender)):
            client.force_login(user)
            foreign = client.get(ENGAGEMENTS, {"stakeholders": other.pk})
            missing = client.get(ENGAGEMENTS, {"stakeholders": MISSING})
            assert foreign.status_code == missing.status_code == 400
            assert normalised(foreign) == normalised(missing)

    def test_a_site_of_another_site_is_answered_like_a_missing_one(
        self, client, admin_member, records, other_site
    ):
        client.force_login(admin_member)
        for changelist in (ENGAGEMENTS, COMMITMENTS, CONCERNS):
            foreign = client.get(changelist, {"site": other_site.pk})
            missing = client.get(changelist, {"site": MISSING})
            assert foreign.status_code == missing.status_code == 200
            assert listed(foreign) == listed(missing) == set()
            assert FAR not in foreign.content.decode()
            raw = client.get(changelist, {"site__id__exact": other_site.pk})
            raw_missing = client.get(changelist, {"site__id__exact": MISSING})
            assert raw.status_code == raw_missing.status_code

    def test_register_lookups_through_the_engagement_are_refused(
        self, client, uncleared_admin, records
    ):
        client.force_login(uncleared_admin)
        for changelist in (COMMITMENTS, CONCERNS):
            for value in ("restricted", "internal"):
                response = client.get(changelist, {"engagement__confidentiality": value})
                assert response.status_code == 400


class TestRegisters:
    def test_the_commitments_register(self, client, admin_member, uncleared_admin, records):
        internal, restricted, far = records
        client.force_login(admin_member)
        assert listed(client.get(COMMITMENTS)) == set(
            Commitment.objects.filter(engagement__in=[internal, restricted]).values_list(
                "pk", flat=True
            )
        )
        done = client.get(COMMITMENTS, {"status__exact": Commitment.Status.DONE})
        assert listed(done) == set()
        client.force_login(uncleared_admin)
        response = client.get(COMMITMENTS)
        assert listed(response) == {internal.commitments.get().pk}
        assert RESTRICTED_COMMITMENT not in response.content.decode()
        assert response.context["cl"].result_list[0].engagement == internal

    def test_a_commitment_changed_in_the_register_keeps_who(self, client, admin_member, internal):
        commitment = internal.commitments.get()
        client.force_login(admin_member)
        change_url = url("commitment_change", commitment.pk)
        page = client.get(change_url)
        assert page.status_code == 200
        assert str(internal) in page.content.decode()
        form = {
            "description": commitment.description,
            "owner": commitment.owner_id,
            "lead_function": commitment.lead_function_id,
            "due_on": commitment.due_on.isoformat(),
            "status": Commitment.Status.DROPPED,
            "closing_note": "",
            "closed_on": "",
        }
        refused = client.post(change_url, form)
        assert refused.status_code == 200
        assert "needs a closing note" in refused.content.decode()
        commitment.refresh_from_db()
        assert commitment.status == Commitment.Status.OPEN
        form.update(closing_note="The council withdrew it", closed_on=internal.date.isoformat())
        assert client.post(change_url, form).status_code == 302
        commitment.refresh_from_db()
        assert commitment.status == Commitment.Status.DROPPED
        assert commitment.history.latest().history_user == admin_member
        history = client.get(url("commitment_history", commitment.pk))
        assert "The council withdrew it" in history.content.decode()

    def test_an_allegation_is_not_closed_without_its_outcome(self, client, admin_member, internal):
        allegation = internal.concerns.get(type=Concern.Type.ALLEGATION_PUBLIC)
        client.force_login(admin_member)
        form = {
            "type": allegation.type,
            "stakeholder": "",
            "description": allegation.description,
            "response": "",
            "satisfaction": allegation.satisfaction,
            "severity": allegation.severity,
            "status": Concern.Status.CLOSED,
            "referred_to": allegation.referred_to,
            "referred_on": "",
            "outcome": "",
        }
        change_url = url("concern_change", allegation.pk)
        response = client.post(change_url, form)
        assert response.status_code == 200
        assert "cannot be closed without its outcome" in response.content.decode()
        allegation.refresh_from_db()
        assert allegation.status == Concern.Status.REFERRED
        form["outcome"] = "Two officers disciplined"
        assert client.post(change_url, form).status_code == 302
        allegation.refresh_from_db()
        assert allegation.status == Concern.Status.CLOSED
        assert allegation.history.latest().history_user == admin_member

    def test_a_hidden_source_stays_and_is_shown_by_its_placeholder(
        self, client, admin_member, uncleared_admin, site, council, defender
    ):
        engagement = log(
            admin_member,
            site,
            stakeholders=[council, defender],
            concerns=[
                {"type": Concern.Type.LAND_ACCESS, "stakeholder": defender, "description": "x"}
            ],
        )
        concern = engagement.concerns.get()
        client.force_login(uncleared_admin)
        change_url = url("concern_change", concern.pk)
        page = client.get(change_url).content.decode()
        assert "Baraka" not in page
        assert redaction.placeholder(defender) in page
        response = client.post(
            change_url,
            {
                "type": concern.type,
                "stakeholder": council.pk,  # ignored: the field is disabled
                "description": "Fences across the grazing path",
                "response": "",
                "satisfaction": concern.satisfaction,
                "severity": concern.severity,
                "status": concern.status,
                "referred_to": "",
                "referred_on": "",
                "outcome": "",
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        concern.refresh_from_db()
        assert (concern.stakeholder, concern.description) == (
            defender,
            "Fences across the grazing path",
        )
        assert "Baraka" not in client.get(CONCERNS).content.decode()
        history = client.get(url("concern_history", concern.pk)).content.decode()
        assert "Baraka" not in history
        assert "Fences across the grazing path" in history

    def test_registers_add_and_delete_nothing(self, client, admin_member, internal):
        client.force_login(admin_member)
        concern = internal.concerns.first()
        assert client.get(url("commitment_add")).status_code == 403
        assert client.get(url("concern_add")).status_code == 403
        assert client.post(url("concern_delete", concern.pk), {"post": "yes"}).status_code == 403
        assert Concern.objects.filter(pk=concern.pk).exists()
