"""The "log an engagement" page and the same page editing one: who may, what is saved
(the engagement, its stakeholders, objectives and people, its commitments and concerns,
their history), and every bad input refused in place with nothing written and nothing
typed lost. Also the small page where a commitment's owner updates its progress."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from engagement import selectors, services
from engagement.models import Commitment, Concern, Engagement
from stakeholders.models import (
    EngagementObjective,
    Function,
    SiteMembership,
    Stakeholder,
    StakeholderCategory,
)
from tests.browser import conftest as browser
from tests.browser.conftest import blocking_violations, logged_in_page, session_cookie
from tests.conftest import member_of
from tests.factories import (
    CategoryFactory,
    CommitmentFactory,
    ConcernFactory,
    EngagementFactory,
    FindingFactory,
    SiteFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db

PURPOSE = "Introduce the new night patrol arrangements"

# The system Chromium through Playwright, as in tests/browser (a fixture).
chromium = browser.chromium


def function(code):
    return Function.objects.get(code=code)


def objective(category_code):
    return EngagementObjective.objects.filter(category__code=category_code).first()


def with_function(user, site, code):
    SiteMembership.objects.filter(user=user, site=site).update(function=function(code))
    return user


def log_url(site):
    return reverse("engagement:add_at", args=[site.pk])


def edit_url(engagement):
    return reverse("engagement:edit", args=[engagement.pk])


def management(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "200",
    }


def engagement_post(site, stakeholders, **fields):
    """A complete, valid submission of the page, without rows unless added."""
    data = {
        "date": (site.today() - datetime.timedelta(days=1)).isoformat(),
        "format": Engagement.Format.MEETING,
        "location": "Mwanzo village hall",
        "lead_function": function("security").pk,
        "stakeholders": [stakeholder.pk for stakeholder in stakeholders],
        "attendance_total": "20",
        "attendance_women": "8",
        "purpose": PURPOSE,
        "information_shared": "The patrol schedule",
        "summary": "The council asked about patrols near the school.",
        "security_topics": "Night patrols",
        "outcomes": "Monthly meetings agreed",
        "confidentiality": "",
        **management("commitments"),
        **management("concerns"),
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def commitment_row(index, owner, **fields):
    row = {
        "description": "Share the patrol schedule with the council",
        "owner": owner.pk if owner else "",
        "lead_function": "",
        "due_on": "2030-01-31",
        "status": Commitment.Status.OPEN,
        "closing_note": "",
        "closed_on": "",
        **fields,
    }
    return {f"commitments-{index}-{name}": value for name, value in row.items()}


def concern_row(index, stakeholder=None, **fields):
    row = {
        "stakeholder": stakeholder.pk if stakeholder else "",
        "type": Concern.Type.ENVIRONMENT,
        "description": "Dust from the haul road",
        "response": "Water trucks twice a day",
        "satisfaction": Concern.Satisfaction.PARTLY,
        "severity": Concern.Severity.MEDIUM,
        "status": Concern.Status.OPEN,
        "referred_to": "",
        "referred_on": "",
        "outcome": "",
        **fields,
    }
    return {f"concerns-{index}-{name}": value for name, value in row.items()}


def empty_rows(index):
    """Row `index` of each formset as a browser sends it untouched: the defaults only."""
    return {
        **commitment_row(index, owner=None, description="", due_on=""),
        **concern_row(
            index, type="", description="", response="", satisfaction="unknown", severity="medium"
        ),
    }


def existing_commitment_row(index, commitment, **fields):
    row = commitment_row(
        index,
        commitment.owner,
        id=commitment.pk,
        description=commitment.description,
        lead_function=commitment.lead_function_id,
        due_on=commitment.due_on.isoformat(),
        status=commitment.status,
        closing_note=commitment.closing_note,
        closed_on=commitment.closed_on.isoformat() if commitment.closed_on else "",
    )
    row.update({f"commitments-{index}-{name}": value for name, value in fields.items()})
    return row


def existing_concern_row(index, concern, **fields):
    row = concern_row(
        index,
        concern.stakeholder,
        id=concern.pk,
        type=concern.type,
        description=concern.description,
        response=concern.response,
        satisfaction=concern.satisfaction,
        severity=concern.severity,
        status=concern.status,
        referred_to=concern.referred_to,
        outcome=concern.outcome,
    )
    row.update({f"concerns-{index}-{name}": value for name, value in fields.items()})
    return row


def nothing_written():
    return (
        not Engagement.objects.exists()
        and not Commitment.objects.exists()
        and not Concern.objects.exists()
        and not Engagement.history.exists()
        and not Commitment.history.exists()
        and not Concern.history.exists()
    )


def message_texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def fieldset(content, element_id):
    """The HTML of one formset row (a fieldset with this id)."""
    match = re.search(rf'<fieldset[^>]*id="{element_id}".*?</fieldset>', content, re.S)
    assert match, element_id
    return match.group(0)


@pytest.fixture
def council(site):
    return StakeholderFactory(
        name="Mwanzo village council",
        category=StakeholderCategory.objects.get(code="local-communities"),
        sites=[site],
    )


@pytest.fixture
def police(site):
    return StakeholderFactory(
        name="Ilembo police post",
        category=StakeholderCategory.objects.get(code="public-security-providers"),
        sites=[site],
    )


@pytest.fixture
def clo(site):
    user = member_of(site, roles=["Community liaison officer"], username="clo")
    return with_function(user, site, "community-relations")


# --- who may ------------------------------------------------------------------------------


class TestWhoMayLog:
    def test_anonymous_is_sent_to_login(self, client, site):
        for url in (reverse("engagement:add"), log_url(site)):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))
        response = client.post(log_url(site), {})
        assert response.status_code == 302
        assert nothing_written()

    def test_one_site_goes_straight_to_its_form(self, client, member, site):
        client.force_login(member)
        response = client.get(reverse("engagement:add"))
        assert response.status_code == 302
        assert response["Location"] == log_url(site)

    def test_several_sites_are_offered_to_choose_from(self, client, member, site, other_site):
        SiteMembership.objects.create(user=member, site=other_site)
        client.force_login(member)
        response = client.get(reverse("engagement:add"))
        assert response.status_code == 200
        content = response.content.decode()
        assert log_url(site) in content
        assert log_url(other_site) in content
        assert 'name="purpose"' not in content
        # ... and the form says where else one may log.
        assert reverse("engagement:add") in client.get(log_url(site)).content.decode()

    def test_the_site_choice_takes_no_post(self, client, member):
        client.force_login(member)
        assert client.post(reverse("engagement:add")).status_code == 405

    def test_a_reviewer_may_not_log(self, client, reviewer, site, council):
        client.force_login(reviewer)
        assert client.get(reverse("engagement:add")).status_code == 403
        assert client.get(log_url(site)).status_code == 403
        assert client.post(log_url(site), engagement_post(site, [council])).status_code == 403
        assert nothing_written()

    def test_another_sites_form_is_not_found(self, client, outsider, site, council):
        client.force_login(outsider)
        assert client.get(log_url(site)).status_code == 404
        assert client.get(reverse("engagement:add_at", args=[987654])).status_code == 404
        assert client.post(log_url(site), engagement_post(site, [council])).status_code == 404
        assert nothing_written()

    def test_the_form_offers_what_the_user_may_pick_and_never_the_site(
        self, client, member, cleared_member, site, other_site, council, police, defender
    ):
        StakeholderFactory(name="Far valley chiefs", sites=[other_site])
        with_function(member, site, "security")
        client.force_login(member)
        response = client.get(log_url(site))
        assert response.status_code == 200
        content = response.content.decode()
        assert 'name="site"' not in content and 'name="created_by"' not in content
        # A plain <select multiple> (Tom Select enhances it), each option with its category
        # (a local community's saying so, for its findings).
        assert re.search(r'<select name="stakeholders"[^>]*multiple', content)
        assert (
            f'<option value="{council.pk}" data-category="{council.category_id}" '
            "data-community>Mwanzo village council</option>"
        ) in content
        assert (
            f'<option value="{police.pk}" data-category="{police.category_id}">'
            "Ilembo police post</option>"
        ) in content
        assert "Far valley chiefs" not in content
        # An at-risk stakeholder is not offered to the uncleared, not even as a placeholder.
        assert "Baraka" not in content
        assert f"S-{defender.pk:04d}" not in content
        # Objectives: every one, grouped by category, each checkbox with its category.
        local = objective("local-communities")
        assert re.search(
            rf'<input type="checkbox" name="objectives" value="{local.pk}"'
            rf'[^>]*data-category="{local.category_id}"',
            content,
        )
        assert content.count('<fieldset class="objective-group') == (
            StakeholderCategory.objects.filter(objectives__isnull=False).distinct().count()
        )
        # The lead function defaults to the user's function at the site.
        assert re.search(rf'<option value="{function("security").pk}" selected>', content)
        # Participants are the site's members.
        assert cleared_member.get_full_name() in content
        # Confidentiality is read-only for the uncleared.
        assert 'name="confidentiality"' not in content
        assert "Only users cleared at this site can restrict" in content
        # Scripts and styles from static files only.
        assert "tom-select.complete.min.js" in content and "js/engagement-form.js" in content
        assert "<script>" not in content and " style=" not in content
        assert not re.search(r"\son[a-z]+=", content)

    def test_the_cleared_pick_at_risk_stakeholders_by_name_and_set_confidentiality(
        self, client, cleared_member, site, defender
    ):
        client.force_login(cleared_member)
        content = client.get(log_url(site)).content.decode()
        assert "Baraka Mwaipopo" in content
        assert '<select name="confidentiality"' in content


# --- logging --------------------------------------------------------------------------------


class TestLog:
    @pytest.mark.parametrize("who", ["security manager", "clo"])
    def test_logs_an_engagement_with_its_rows_and_their_history(
        self, client, request, who, site, member, cleared_member, council, police
    ):
        user = with_function(member, site, "security") if who == "security manager" else None
        user = user or request.getfixturevalue("clo")
        client.force_login(user)
        local, security = objective("local-communities"), objective("public-security-providers")
        data = engagement_post(
            site,
            [council, police],
            lead_function="",
            objectives=[local.pk, security.pk],
            participants=[user.pk, cleared_member.pk],
            **management("commitments", total=2),
            **commitment_row(0, cleared_member),
            **management("concerns", total=2),
            **concern_row(0, council),
            **empty_rows(1),
        )
        data["lead_function"] = SiteMembership.objects.get(user=user, site=site).function_id
        response = client.post(log_url(site), data)

        engagement = Engagement.objects.get()
        assert response.status_code == 302
        assert response["Location"] == engagement.get_absolute_url()
        assert message_texts(response) == ["Engagement logged."]
        assert (engagement.site, engagement.created_by, engagement.updated_by) == (
            site,
            user,
            user,
        )
        assert engagement.purpose == PURPOSE
        assert (engagement.attendance_total, engagement.attendance_women) == (20, 8)
        assert engagement.confidentiality == Engagement.Confidentiality.INTERNAL
        assert set(engagement.stakeholders.all()) == {council, police}
        assert set(engagement.objectives.all()) == {local, security}
        assert set(engagement.participants.all()) == {user, cleared_member}
        # The empty second rows were left out.
        commitment = engagement.commitments.get()
        assert (commitment.owner, commitment.due_on) == (
            cleared_member,
            datetime.date(2030, 1, 31),
        )
        assert commitment.lead_function == engagement.lead_function
        concern = engagement.concerns.get()
        assert (concern.stakeholder, concern.type, concern.created_by) == (
            council,
            Concern.Type.ENVIRONMENT,
            user,
        )
        assert engagement.history.get().history_user == user
        assert commitment.history.get().history_user == user
        assert concern.history.get().history_user == user

    def test_an_uncleared_allegation_filer_is_told_and_sees_only_that_they_filed_it(
        self, client, member, site, council
    ):
        client.force_login(member)
        data = engagement_post(
            site,
            [council],
            **management("concerns", total=1),
            **concern_row(
                0,
                type=Concern.Type.ALLEGATION_PUBLIC,
                description="ALLEGATION-MARKER beaten at the roadblock",
            ),
        )
        response = client.post(log_url(site), data)
        engagement = Engagement.objects.get()
        assert response["Location"] == engagement.get_absolute_url()
        assert any(
            "passed to colleagues cleared at the site" in text for text in message_texts(response)
        )
        assert engagement.concerns.get().created_by == member
        content = client.get(engagement.get_absolute_url()).content.decode()
        assert "Allegations you filed here" in content
        assert "Allegation of human rights abuse by public security" in content
        assert "ALLEGATION-MARKER" not in content

    def test_a_restricted_default_is_passed_on_and_the_user_sent_to_the_list(
        self, client, site, other_site
    ):
        """Cleared at another site of an at-risk stakeholder, a user sees its identity and
        may log with it here, where they are not cleared: restricted by default, and
        from then on out of their sight."""
        shared = StakeholderFactory(name="Neema Sanga", at_risk=True, sites=[site, other_site])
        user = member_of(site, username="traveller")
        SiteMembership.objects.create(user=user, site=other_site, cleared=True)
        client.force_login(user)
        response = client.post(log_url(site), engagement_post(site, [shared]))
        engagement = Engagement.objects.get()
        assert engagement.confidentiality == Engagement.Confidentiality.RESTRICTED
        assert response["Location"] == reverse("engagement:list")
        assert any(
            "passed to colleagues cleared at the site" in text for text in message_texts(response)
        )
        assert client.get(engagement.get_absolute_url()).status_code == 404

    def test_the_cleared_may_restrict_it(self, client, cleared_member, site, council):
        client.force_login(cleared_member)
        client.post(
            log_url(site),
            engagement_post(
                site, [council], confidentiality=Engagement.Confidentiality.RESTRICTED
            ),
        )
        assert Engagement.objects.get().confidentiality == Engagement.Confidentiality.RESTRICTED

    def test_add_a_row_keeps_what_was_typed_and_saves_nothing(
        self, client, member, cleared_member, site, council
    ):
        client.force_login(member)
        data = engagement_post(
            site,
            [council],
            purpose="TYPED-PURPOSE",
            date="",  # not valid yet: no error is shown for a row added
            **management("commitments", total=1),
            **commitment_row(0, cleared_member, description="TYPED-COMMITMENT"),
            add_commitment="1",
        )
        response = client.post(log_url(site), data)
        assert response.status_code == 200
        assert nothing_written()
        content = response.content.decode()
        assert "TYPED-PURPOSE" in content
        assert "TYPED-COMMITMENT" in content
        assert 'name="commitments-TOTAL_FORMS" value="2"' in content
        assert 'id="commitments-1"' in content
        assert "This field is required" not in content
        assert "Nothing was saved" not in content
        assert re.search(r'name="commitments-1-description"[^>]*autofocus', content)
        # The stakeholders chosen stay chosen, and are offered as a concern's source.
        assert re.search(rf'<option value="{council.pk}"[^>]* selected[ >]', content)
        assert re.search(
            rf'<select name="concerns-__prefix__-stakeholder"[^>]*>.*?'
            rf'<option value="{council.pk}">Mwanzo village council</option>',
            content,
            re.S,
        )


class TestBadInput:
    """Each refused in place with its message, what was typed kept, nothing written."""

    def refused(self, client, url, data, message, *, within=None):
        response = client.post(url, data)
        assert response.status_code == 200
        content = response.content.decode()
        assert "Nothing was saved" in content
        assert message in (fieldset(content, within) if within else content)
        assert PURPOSE in content  # what was typed is kept
        return content

    @pytest.fixture
    def logged_in(self, client, member, site):
        with_function(member, site, "security")
        client.force_login(member)
        return client

    @time_machine.travel(datetime.datetime(2026, 6, 1, 11, tzinfo=datetime.UTC), tick=False)
    def test_no_date_in_the_future_of_the_sites_own_time_zone(self, logged_in, site, council):
        # 11:00 UTC on 1 June is already 01:00 on 2 June at UTC+14.
        site.time_zone = "Pacific/Kiritimati"
        site.save()
        url = log_url(site)
        content = self.refused(
            logged_in,
            url,
            engagement_post(site, [council], date="2026-06-03"),
            "An engagement cannot be dated in the future",
        )
        assert 'value="2026-06-03"' in content
        assert nothing_written()
        response = logged_in.post(url, engagement_post(site, [council], date="2026-06-02"))
        assert response.status_code == 302
        assert Engagement.objects.get().date == datetime.date(2026, 6, 2)

    def test_no_more_women_than_the_total(self, logged_in, site, council):
        content = self.refused(
            logged_in,
            log_url(site),
            engagement_post(site, [council], attendance_total="5", attendance_women="6"),
            "Women cannot be more than the total attendance.",
        )
        assert re.search(r'name="attendance_women"[^>]*aria-invalid="true"', content)
        assert nothing_written()

    def test_no_objective_of_another_category(self, logged_in, site, council):
        content = self.refused(
            logged_in,
            log_url(site),
            engagement_post(site, [council], objectives=[objective("industry-peers").pk]),
            "Choose only objectives of the categories of the stakeholders met.",
        )
        assert 'id="id_objectives_error"' in content
        assert nothing_written()

    def test_no_stakeholder_of_another_site(self, logged_in, site, other_site, council):
        foreign = StakeholderFactory(name="Far valley chiefs", sites=[other_site])
        self.refused(
            logged_in,
            log_url(site),
            engagement_post(site, [council, foreign]),
            f"Select a valid choice. {foreign.pk} is not one of the available choices.",
        )
        assert nothing_written()

    def test_no_hidden_at_risk_stakeholder(self, logged_in, site, council, defender):
        content = self.refused(
            logged_in,
            log_url(site),
            engagement_post(site, [council, defender]),
            "is not one of the available choices.",
        )
        assert "Baraka" not in content
        assert nothing_written()

    def test_no_participant_of_another_site(self, logged_in, site, council, outsider):
        self.refused(
            logged_in,
            log_url(site),
            engagement_post(site, [council], participants=[outsider.pk]),
            f"Select a valid choice. {outsider.pk} is not one of the available choices.",
        )
        assert nothing_written()

    def test_the_uncleared_cannot_restrict_it_by_tampering(self, logged_in, site, council):
        self.refused(
            logged_in,
            log_url(site),
            engagement_post(
                site, [council], confidentiality=Engagement.Confidentiality.RESTRICTED
            ),
            "Only users cleared at the site can restrict or open it.",
        )
        assert nothing_written()

    def test_no_site_but_the_one_of_the_address(self, logged_in, site, other_site, council):
        """The site is never a field: a site value sent is ignored, and posting to the
        address of a site that is not the user's finds nothing."""
        response = logged_in.post(log_url(other_site), engagement_post(site, [council]))
        assert response.status_code == 404
        assert nothing_written()
        data = engagement_post(site, [council])
        data["site"] = other_site.pk
        response = logged_in.post(log_url(site), data)
        assert response.status_code == 302
        assert Engagement.objects.get().site == site

    def test_a_commitment_is_not_closed_without_a_note(
        self, logged_in, site, council, cleared_member
    ):
        self.refused(
            logged_in,
            log_url(site),
            engagement_post(
                site,
                [council],
                **management("commitments", total=1),
                **commitment_row(0, cleared_member, status=Commitment.Status.DONE),
            ),
            "A commitment done or dropped needs a closing note.",
            within="commitments-0",
        )
        assert nothing_written()

    def test_an_allegation_is_not_closed_without_its_outcome(self, logged_in, site, council):
        self.refused(
            logged_in,
            log_url(site),
            engagement_post(
                site,
                [council],
                **management("concerns", total=1),
                **concern_row(
                    0,
                    type=Concern.Type.ALLEGATION_PRIVATE,
                    status=Concern.Status.CLOSED,
                ),
            ),
            "An allegation cannot be closed without its outcome.",
            within="concerns-0",
        )
        assert nothing_written()

    def test_a_rows_refusal_by_the_service_shows_on_that_row(
        self, logged_in, site, council, cleared_member
    ):
        """The first row is fine, the second is refused by the service (closed in the
        future): its message is on the second row, and the first is not saved either."""
        later = (site.today() + datetime.timedelta(days=3)).isoformat()
        content = self.refused(
            logged_in,
            log_url(site),
            engagement_post(
                site,
                [council],
                **management("commitments", total=2),
                **commitment_row(0, cleared_member, description="FIRST-ROW"),
                **commitment_row(
                    1,
                    cleared_member,
                    status=Commitment.Status.DONE,
                    closing_note="Sent",
                    closed_on=later,
                ),
            ),
            "A commitment cannot be closed in the future.",
            within="commitments-1",
        )
        assert "cannot be closed" not in fieldset(content, "commitments-0")
        assert "FIRST-ROW" in content
        assert nothing_written()

    def test_a_restricted_engagements_commitment_is_owned_by_a_cleared_member(
        self, client, cleared_member, member, site, council
    ):
        client.force_login(cleared_member)
        self.refused(
            client,
            log_url(site),
            engagement_post(
                site,
                [council],
                lead_function=function("security").pk,
                confidentiality=Engagement.Confidentiality.RESTRICTED,
                **management("commitments", total=1),
                **commitment_row(0, member),
            ),
            "The owner must be a member cleared at the site.",
            within="commitments-0",
        )
        assert nothing_written()

    def test_a_concern_source_must_be_one_of_the_stakeholders_met(
        self, logged_in, site, council, police
    ):
        self.refused(
            logged_in,
            log_url(site),
            engagement_post(
                site, [council], **management("concerns", total=1), **concern_row(0, police)
            ),
            "Choose one of the stakeholders met, or leave it empty.",
            within="concerns-0",
        )
        assert nothing_written()


# --- editing ----------------------------------------------------------------------------


@pytest.fixture
def logged(site, member, council):
    """An engagement logged by `member` through the service, with a commitment and a
    concern."""
    with_function(member, site, "security")
    return services.engagement_create(
        actor=member,
        site=site,
        data={
            "date": site.today() - datetime.timedelta(days=3),
            "format": Engagement.Format.MEETING,
            "purpose": PURPOSE,
            "summary": "First summary",
        },
        stakeholders=[council],
        commitments=[
            {
                "description": "Share the schedule",
                "owner": member,
                "due_on": datetime.date(2030, 1, 31),
            }
        ],
        concerns=[{"type": Concern.Type.ENVIRONMENT, "description": "Dust"}],
    )


def edit_post(engagement, **fields):
    """The edit page's submission as the page shows it, changed by `fields`."""
    commitments = list(engagement.commitments.all())
    concerns = list(engagement.concerns.exclude(type__in=Concern.ALLEGATIONS))
    data = engagement_post(
        engagement.site,
        [s for s in engagement.stakeholders.all() if not s.at_risk],
        date=engagement.date.isoformat(),
        format=engagement.format,
        lead_function=engagement.lead_function_id,
        purpose=engagement.purpose,
        summary=engagement.summary,
        attendance_total="",
        attendance_women="",
        confidentiality=None,
        **management("commitments", total=len(commitments), initial=len(commitments)),
        **management("concerns", total=len(concerns), initial=len(concerns)),
    )
    for index, commitment in enumerate(commitments):
        data.update(existing_commitment_row(index, commitment))
    for index, concern in enumerate(concerns):
        data.update(existing_concern_row(index, concern))
    data.update(fields)
    return data


class TestEdit:
    def test_the_page_shows_the_engagement_and_its_rows(self, client, member, logged):
        client.force_login(member)
        response = client.get(edit_url(logged))
        assert response.status_code == 200
        content = response.content.decode()
        assert PURPOSE in content
        assert "Share the schedule" in content
        assert 'name="commitments-INITIAL_FORMS" value="1"' in content
        assert 'name="concerns-INITIAL_FORMS" value="1"' in content

    def test_edits_the_engagement_and_its_rows_in_one_go(
        self, client, member, cleared_member, site, logged, police
    ):
        client.force_login(member)
        commitment, concern = logged.commitments.get(), logged.concerns.get()
        data = edit_post(
            logged,
            summary="Second summary",
            stakeholders=[s.pk for s in logged.stakeholders.all()] + [police.pk],
            objectives=[objective("public-security-providers").pk],
            **management("commitments", total=2, initial=1),
            **existing_commitment_row(
                0, commitment, status=Commitment.Status.DONE, closing_note="Sent by post"
            ),
            **commitment_row(1, cleared_member, description="Invite the police commander"),
            **existing_concern_row(0, concern, stakeholder=police.pk, response="Trucks"),
        )
        response = client.post(edit_url(logged), data)
        assert response.status_code == 302
        assert response["Location"] == logged.get_absolute_url()
        assert message_texts(response) == ["Changes saved."]
        logged.refresh_from_db()
        assert logged.summary == "Second summary"
        assert set(logged.stakeholders.values_list("name", flat=True)) == {
            "Mwanzo village council",
            "Ilembo police post",
        }
        commitment.refresh_from_db()
        assert (commitment.status, commitment.closing_note) == ("done", "Sent by post")
        assert commitment.closed_on == site.today()
        assert logged.commitments.get(description="Invite the police commander").owner == (
            cleared_member
        )
        concern.refresh_from_db()
        assert (concern.stakeholder, concern.response) == (police, "Trucks")
        assert logged.history.count() == 2
        assert commitment.history.count() == 2
        assert concern.history.count() == 2

    def test_an_unchanged_submission_writes_no_row_history(self, client, member, logged):
        client.force_login(member)
        commitment = logged.commitments.get()
        response = client.post(edit_url(logged), edit_post(logged))
        assert response.status_code == 302
        assert commitment.history.count() == 1

    def test_a_refused_row_keeps_the_engagement_unchanged(self, client, member, logged):
        client.force_login(member)
        commitment = logged.commitments.get()
        data = edit_post(
            logged,
            summary="Never saved",
            **existing_commitment_row(0, commitment, status=Commitment.Status.DROPPED),
        )
        response = client.post(edit_url(logged), data)
        assert response.status_code == 200
        assert "A commitment done or dropped needs a closing note." in fieldset(
            response.content.decode(), "commitments-0"
        )
        logged.refresh_from_db()
        assert logged.summary == "First summary"
        assert logged.history.count() == 1

    def test_an_edit_keeps_what_the_editor_may_not_see(
        self, client, member, cleared_member, site, council, defender
    ):
        """An uncleared editor sees the at-risk stakeholder as its placeholder and not the
        allegation; saving keeps both, unchanged."""
        engagement = services.engagement_create(
            actor=cleared_member,
            site=site,
            data={
                "date": site.today() - datetime.timedelta(days=3),
                "format": Engagement.Format.MEETING,
                "purpose": PURPOSE,
                "summary": "First summary",
                "lead_function": function("security"),
                "confidentiality": Engagement.Confidentiality.INTERNAL,
            },
            stakeholders=[council, defender],
            concerns=[
                {
                    "type": Concern.Type.ALLEGATION_PUBLIC,
                    "description": "ALLEGATION-MARKER",
                },
                {"type": Concern.Type.OTHER, "description": "Noise", "stakeholder": defender},
            ],
        )
        allegation = engagement.concerns.get(type=Concern.Type.ALLEGATION_PUBLIC)
        noise = engagement.concerns.get(type=Concern.Type.OTHER)
        client.force_login(member)
        content = client.get(edit_url(engagement)).content.decode()
        assert "Baraka" not in content
        assert "ALLEGATION-MARKER" not in content
        assert f"Protected stakeholder S-{defender.pk:04d}" in content
        assert 'name="concerns-TOTAL_FORMS" value="1"' in content
        assert 'name="concerns-0-stakeholder"' not in content  # its source: kept, not offered

        data = edit_post(engagement, summary="Edited by the uncleared")
        data.update(existing_concern_row(0, noise, response="We will check"))
        del data["concerns-0-stakeholder"]
        response = client.post(edit_url(engagement), data)
        assert response.status_code == 302
        engagement.refresh_from_db()
        assert engagement.summary == "Edited by the uncleared"
        assert set(engagement.stakeholders.all()) == {council, defender}
        noise.refresh_from_db()
        assert (noise.stakeholder, noise.response) == (defender, "We will check")
        allegation.refresh_from_db()
        assert allegation.description == "ALLEGATION-MARKER"
        assert allegation.history.count() == 1

    def test_a_hidden_allegation_cannot_be_reached_by_its_number(
        self, client, member, site, logged
    ):
        allegation = ConcernFactory(
            engagement=logged, type=Concern.Type.ALLEGATION_PRIVATE, description="SECRET"
        )
        client.force_login(member)
        data = edit_post(logged)
        data.update(management("concerns", total=2, initial=2))
        data.update(existing_concern_row(1, allegation, description="Overwritten"))
        response = client.post(edit_url(logged), data)
        assert response.status_code == 200
        content = response.content.decode()
        assert "SECRET" not in content
        assert "This row is no longer one you can change here." in fieldset(content, "concerns-1")
        allegation.refresh_from_db()
        assert allegation.description == "SECRET"
        assert logged.concerns.count() == 2
        assert logged.history.count() == 1

    def test_a_row_number_tells_nothing_of_rows_out_of_sight(self, client, member, logged):
        """Sent as a new row or as an existing one, the number of a hidden allegation is
        refused as a made-up number is: the same page, nothing written."""
        allegation = ConcernFactory(
            engagement=logged, type=Concern.Type.ALLEGATION_PRIVATE, description="SECRET"
        )
        client.force_login(member)
        pages = []
        for number in (allegation.pk, 987654):
            for initial in (1, 2):
                data = edit_post(logged)
                data.update(management("concerns", total=2, initial=initial))
                data.update(existing_concern_row(1, allegation, description="Typed"))
                data["concerns-1-id"] = number
                response = client.post(edit_url(logged), data)
                assert response.status_code == 200
                content = fieldset(response.content.decode(), "concerns-1")
                assert "This row is no longer one you can change here." in content
                pages.append(re.sub(r'name="concerns-1-id" value="\d+"', "", content))
        assert pages[0] == pages[2] and pages[1] == pages[3]
        assert logged.concerns.count() == 2
        assert Concern.history.filter(id=allegation.pk).count() == 1  # its creation only

    def test_the_uncleared_cannot_restrict_it_by_tampering(self, client, member, logged):
        client.force_login(member)
        response = client.post(
            edit_url(logged),
            edit_post(logged, confidentiality=Engagement.Confidentiality.RESTRICTED),
        )
        assert response.status_code == 200
        assert "Only users cleared at the site can restrict or open it." in (
            response.content.decode()
        )
        logged.refresh_from_db()
        assert logged.confidentiality == Engagement.Confidentiality.INTERNAL
        assert logged.history.count() == 1

    def test_an_allegation_added_by_the_uncleared_is_passed_on(self, client, member, logged):
        client.force_login(member)
        data = edit_post(logged)
        data.update(management("concerns", total=2, initial=1))
        data.update(concern_row(1, type=Concern.Type.ALLEGATION_PUBLIC, description="Beaten"))
        response = client.post(edit_url(logged), data)
        assert response["Location"] == logged.get_absolute_url()
        assert any(
            "passed to colleagues cleared at the site" in text for text in message_texts(response)
        )
        assert logged.concerns.filter(type=Concern.Type.ALLEGATION_PUBLIC).count() == 1

    def test_a_participant_who_left_the_site_is_kept(
        self, client, member, cleared_member, site, logged
    ):
        logged.participants.add(cleared_member)
        SiteMembership.objects.filter(user=cleared_member).delete()
        client.force_login(member)
        response = client.post(
            edit_url(logged), edit_post(logged, summary="Again", participants=[cleared_member.pk])
        )
        assert response.status_code == 302
        assert list(logged.participants.all()) == [cleared_member]

    def test_the_page_shows_who_may_edit(self, client, member, reviewer, logged):
        client.force_login(member)
        assert edit_url(logged) in client.get(logged.get_absolute_url()).content.decode()
        client.force_login(reviewer)
        assert edit_url(logged) not in client.get(logged.get_absolute_url()).content.decode()

    def test_a_reviewer_may_not_edit(self, client, reviewer, logged):
        client.force_login(reviewer)
        assert client.get(edit_url(logged)).status_code == 403
        assert client.post(edit_url(logged), edit_post(logged, summary="No")).status_code == 403
        logged.refresh_from_db()
        assert logged.summary == "First summary"

    def test_a_clo_of_another_function_may_not_edit(self, client, clo, logged):
        client.force_login(clo)
        assert client.get(edit_url(logged)).status_code == 403

    def test_another_site_and_a_restricted_one_are_not_found(
        self, client, outsider, member, cleared_member, site, council
    ):
        client.force_login(outsider)
        engagement = EngagementFactory(
            site=site, created_by=cleared_member, stakeholders=[council]
        )
        assert client.get(edit_url(engagement)).status_code == 404
        assert client.post(edit_url(engagement), {}).status_code == 404
        restricted = EngagementFactory(
            site=site,
            created_by=cleared_member,
            stakeholders=[council],
            confidentiality=Engagement.Confidentiality.RESTRICTED,
        )
        client.force_login(member)
        assert client.get(edit_url(restricted)).status_code == 404
        assert client.get(reverse("engagement:edit", args=[987654])).status_code == 404

    def test_anonymous_is_sent_to_login(self, client, logged):
        for response in (client.get(edit_url(logged)), client.post(edit_url(logged), {})):
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))


# --- a commitment's progress, by its owner ---------------------------------------------


class TestCommitmentProgress:
    @pytest.fixture
    def commitment(self, site, cleared_member, council, clo):
        engagement = EngagementFactory(
            site=site, created_by=cleared_member, stakeholders=[council]
        )
        return CommitmentFactory(engagement=engagement, owner=clo, description="Fix the road")

    def url(self, commitment):
        return reverse("engagement:commitment_progress", args=[commitment.pk])

    def test_the_owner_sees_a_link_and_updates_it(self, client, clo, commitment):
        client.force_login(clo)
        engagement_page = client.get(commitment.engagement.get_absolute_url()).content.decode()
        assert self.url(commitment) in engagement_page
        assert edit_url(commitment.engagement) not in engagement_page  # not theirs to edit
        assert client.get(self.url(commitment)).status_code == 200
        response = client.post(
            self.url(commitment),
            {"status": Commitment.Status.DONE, "closing_note": "Graded", "closed_on": ""},
        )
        assert response.status_code == 302
        assert response["Location"] == commitment.engagement.get_absolute_url()
        commitment.refresh_from_db()
        assert (commitment.status, commitment.closing_note) == ("done", "Graded")
        assert commitment.closed_on == commitment.engagement.site.today()
        assert commitment.history.latest().history_user == clo

    def test_closing_needs_a_note(self, client, clo, commitment):
        client.force_login(clo)
        response = client.post(
            self.url(commitment), {"status": Commitment.Status.DROPPED, "closing_note": ""}
        )
        assert response.status_code == 200
        assert "A commitment done or dropped needs a closing note." in response.content.decode()
        commitment.refresh_from_db()
        assert commitment.status == Commitment.Status.OPEN

    def test_others_may_not(self, client, request, site, commitment):
        someone = member_of(site, roles=["Community liaison officer"], username="someone")
        for user, status in ((request.getfixturevalue("reviewer"), 403), (someone, 403)):
            client.force_login(user)
            assert client.get(self.url(commitment)).status_code == status
            assert client.post(self.url(commitment), {"status": "done"}).status_code == status
        client.force_login(request.getfixturevalue("outsider"))
        assert client.get(self.url(commitment)).status_code == 404
        client.logout()
        assert client.post(self.url(commitment), {}).status_code == 302
        commitment.refresh_from_db()
        assert commitment.status == Commitment.Status.OPEN


# --- odd and altered submissions --------------------------------------------------------

# A row number no database row can have (beyond 64-bit integers).
HUGE = "9" * 23
SUBMITS = [{}, {"add_commitment": "1"}, {"add_concern": "1"}]
ALTERED = "This part of the page came back incomplete or altered."


class TestOddSubmissions:
    """What a browser never sends (digits such as "²", numbers beyond any row, counts of
    rows out of range) gets the page back with a message, never a server error, and
    writes nothing."""

    @pytest.fixture
    def logged_in(self, client, member, site):
        with_function(member, site, "security")
        client.force_login(member)
        return client

    @pytest.mark.parametrize("submit", SUBMITS)
    @pytest.mark.parametrize("field", ["stakeholders", "participants", "objectives"])
    @pytest.mark.parametrize("value", ["²", HUGE])
    def test_a_number_no_row_can_have_is_refused_as_an_unknown_choice(
        self, logged_in, site, council, field, value, submit
    ):
        data = engagement_post(site, [council], **submit)
        data[field] = [council.pk, value] if field == "stakeholders" else [value]
        response = logged_in.post(log_url(site), data)
        assert response.status_code == 200
        content = response.content.decode()
        assert PURPOSE in content  # what was typed is kept
        if not submit:  # saving: refused on the field (adding a row shows no errors)
            assert "Nothing was saved" in content
            assert f"{value} is not one of the available choices." in content
        assert nothing_written()

    @pytest.mark.parametrize("submit", SUBMITS)
    @pytest.mark.parametrize(
        "counts",
        [
            {"commitments-TOTAL_FORMS": "-5"},
            {"concerns-TOTAL_FORMS": "-1"},
            {"commitments-TOTAL_FORMS": "-5", "concerns-TOTAL_FORMS": "-2"},
            {"commitments-TOTAL_FORMS": "²"},
            {"commitments-INITIAL_FORMS": "-1"},
            {"commitments-INITIAL_FORMS": "2"},  # more existing rows than rows
        ],
        ids=["negative", "negative-concerns", "both-negative", "unicode", "initial", "more"],
    )
    def test_counts_of_rows_the_page_cannot_have_sent(
        self, logged_in, site, council, cleared_member, counts, submit
    ):
        data = engagement_post(
            site,
            [council],
            **management("commitments", total=1),
            **commitment_row(0, cleared_member),
            **submit,
        )
        data.update(counts)
        response = logged_in.post(log_url(site), data)
        assert response.status_code == 200
        content = response.content.decode()
        assert "Nothing was saved" in content
        assert ALTERED in content
        assert "Hidden field" not in content
        assert PURPOSE in content
        assert nothing_written()

    def test_on_the_edit_page_an_altered_count_or_row_number_changes_nothing(
        self, client, member, logged
    ):
        """A negative count of existing rows once made the existing row a new one (a
        copy was written); counts and row numbers out of range are refused instead."""
        commitment = logged.commitments.get()
        client.force_login(member)
        for changed, message in [
            ({"commitments-INITIAL_FORMS": "-1"}, ALTERED),
            ({"commitments-TOTAL_FORMS": "-5"}, ALTERED),
            ({"commitments-INITIAL_FORMS": "3"}, ALTERED),
            ({"commitments-0-id": "²"}, "This row is no longer one you can change here."),
            ({"commitments-0-id": HUGE}, "This row is no longer one you can change here."),
        ]:
            for submit in SUBMITS:
                data = edit_post(logged, summary="Changed")
                data.update(existing_commitment_row(0, commitment, description="Changed too"))
                data.update(changed, **submit)
                response = client.post(edit_url(logged), data)
                assert response.status_code == 200, changed
                if not submit or message == ALTERED:
                    assert message in response.content.decode(), changed
        logged.refresh_from_db()
        assert logged.summary == "First summary"
        assert list(logged.commitments.all()) == [commitment]
        commitment.refresh_from_db()
        assert commitment.description == "Share the schedule"
        assert logged.history.count() == 1
        assert Commitment.history.count() == 1


# --- who may own a commitment --------------------------------------------------------------


def owner_options(content, index=0):
    """The user numbers a row's owner list offers (the empty choice left out)."""
    match = re.search(
        rf'<select name="commitments-{index}-owner"[^>]*>(.*?)</select>', content, re.S
    )
    assert match
    return {int(value) for value in re.findall(r'<option value="(\d+)"', match.group(1))}


class TestCommitmentOwners:
    """An owner is shown the commitment to update, so only those who may update it (their
    role changes commitments) are offered, and the service takes no one else."""

    def test_offered_are_members_whose_role_may_update_commitments(
        self, client, member, cleared_member, reviewer, clo, superuser, site, other_site
    ):
        SiteMembership.objects.create(user=superuser, site=site)
        granted = member_of(site, roles=[], username="granted")  # granted it in person
        granted.user_permissions.add(
            Permission.objects.get(
                content_type__app_label="engagement", codename="change_commitment"
            )
        )
        member_of(site, roles=[], username="no_role")
        member_of(site, username="gone", is_active=False)
        member_of(other_site, username="elsewhere")
        client.force_login(member)
        content = client.get(log_url(site)).content.decode()
        assert owner_options(content) == {
            member.pk,
            cleared_member.pk,
            clo.pk,
            superuser.pk,
            granted.pk,
        }
        assert reviewer.get_full_name() in content  # a participant all the same

    def test_on_a_restricted_engagement_only_the_cleared_among_them(
        self, client, member, cleared_member, site, council
    ):
        cleared_reviewer = member_of(site, cleared=True, roles=["Reviewer"], username="creviewer")
        cleared_admin = member_of(site, cleared=True, roles=["Administrator"], username="cadmin")
        restricted = EngagementFactory(
            site=site,
            created_by=cleared_member,
            stakeholders=[council],
            confidentiality=Engagement.Confidentiality.RESTRICTED,
        )
        client.force_login(cleared_member)
        content = client.get(edit_url(restricted)).content.decode()
        # The list a row added on the page takes.
        assert owner_options(content, "__prefix__") == {cleared_member.pk, cleared_admin.pk}
        assert cleared_reviewer.pk not in owner_options(content, "__prefix__")

    def test_the_choices_are_one_query(
        self, site, member, reviewer, clo, django_assert_num_queries
    ):
        with django_assert_num_queries(1):
            owners = list(selectors.owner_choice_list(site=site))
        assert owners == sorted([member, clo], key=lambda user: user.username)

    def test_the_people_of_the_page_are_one_query_saying_who_may_own(
        self, site, member, cleared_member, reviewer, clo, django_assert_num_queries
    ):
        """`engagement_people` offers the participants `participant_choice_list` does,
        marks as owners exactly those `owner_choice_list` offers (the cleared only on a
        restricted engagement) and the engagement's participants as named."""
        restricted = EngagementFactory(
            site=site,
            created_by=cleared_member,
            confidentiality=Engagement.Confidentiality.RESTRICTED,
        )
        restricted.participants.add(reviewer)
        for engagement in (None, restricted):
            with django_assert_num_queries(1):
                people = list(selectors.engagement_people(site=site, engagement=engagement))
            offered = selectors.participant_choice_list(site=site, engagement=engagement)
            owners = selectors.owner_choice_list(site=site, engagement=engagement)
            assert people == list(offered)
            assert [person for person in people if person.owner] == list(owners)
            named = [person for person in people if person.named]
            assert named == ([reviewer] if engagement else [])
        assert cleared_member in owners and member not in owners

    def test_a_reviewer_sent_as_owner_is_refused_in_place(
        self, client, member, reviewer, site, council
    ):
        with_function(member, site, "security")
        client.force_login(member)
        response = client.post(
            log_url(site),
            engagement_post(
                site,
                [council],
                **management("commitments", total=1),
                **commitment_row(0, reviewer),
            ),
        )
        assert response.status_code == 200
        assert "Select a valid choice." in fieldset(response.content.decode(), "commitments-0")
        assert nothing_written()

    def test_the_service_refuses_an_owner_who_may_not_update_it(
        self, member, reviewer, site, logged
    ):
        with pytest.raises(ValidationError, match="The owner's role may not update commitments"):
            services.commitment_create(
                actor=member,
                engagement=logged,
                data={"description": "Report", "owner": reviewer, "due_on": site.today()},
            )
        commitment = logged.commitments.get()
        with pytest.raises(ValidationError, match="The owner's role may not update commitments"):
            services.commitment_update(
                actor=member, commitment=commitment, data={"owner": reviewer}
            )
        commitment.refresh_from_db()
        assert commitment.owner == member
        assert logged.commitments.count() == 1
        assert Commitment.history.count() == 1

    def test_one_who_owns_a_commitment_they_may_not_update_gets_no_link_to_it(
        self, client, reviewer, clo, cleared_member, site, council
    ):
        """A commitment given to a reviewer before this rule: the reviewer is not shown it
        to update (they would be refused); its owner of a role that may, is."""
        engagement = EngagementFactory(
            site=site, created_by=cleared_member, stakeholders=[council]
        )
        theirs = CommitmentFactory(engagement=engagement, owner=reviewer, description="Old one")
        mine = CommitmentFactory(engagement=engagement, owner=clo, description="New one")
        progress = reverse("engagement:commitment_progress", args=[theirs.pk])
        client.force_login(reviewer)
        content = client.get(engagement.get_absolute_url()).content.decode()
        assert "Commitments you own here" not in content
        assert progress not in content
        assert client.get(progress).status_code == 403
        client.force_login(clo)
        content = client.get(engagement.get_absolute_url()).content.decode()
        assert "Commitments you own here" in content
        assert reverse("engagement:commitment_progress", args=[mine.pk]) in content
        assert progress not in content


# --- reopening a commitment ------------------------------------------------------------


def commitments_section(content):
    match = re.search(
        r'<section[^>]*aria-labelledby="commitments-heading".*?</section>', content, re.S
    )
    assert match
    return match.group(0)


class TestReopening:
    """A commitment moved back to open or in progress has no closing date; its closing
    note stays on the record (and in its history) but is not shown while it is open."""

    @pytest.fixture
    def closed(self, site, cleared_member, clo, council):
        with_function(cleared_member, site, "security")
        engagement = EngagementFactory(
            site=site, created_by=cleared_member, stakeholders=[council]
        )
        return services.commitment_create(
            actor=cleared_member,
            engagement=engagement,
            data={
                "description": "Grade the road",
                "owner": clo,
                "due_on": datetime.date(2030, 1, 31),
                "status": Commitment.Status.DONE,
                "closing_note": "GRADED-NOTE",
            },
        )

    @pytest.mark.parametrize("status", [Commitment.Status.OPEN, Commitment.Status.IN_PROGRESS])
    def test_its_owner_reopens_it_on_the_progress_page(self, client, clo, site, closed, status):
        assert closed.closed_on == site.today()
        client.force_login(clo)
        response = client.post(
            reverse("engagement:commitment_progress", args=[closed.pk]),
            {
                "status": status,
                "closing_note": "GRADED-NOTE",
                "closed_on": site.today().isoformat(),
            },
        )
        assert response.status_code == 302
        closed.refresh_from_db()
        assert (closed.status, closed.closed_on) == (status, None)
        assert closed.closing_note == "GRADED-NOTE"
        assert closed.history.earliest().closed_on == site.today()  # its history keeps it
        section = commitments_section(
            client.get(closed.engagement.get_absolute_url()).content.decode()
        )
        assert "Grade the road" in section
        assert "GRADED-NOTE" not in section
        assert site.today().isoformat() not in section

    def test_an_editor_reopens_it_on_the_edit_page(self, client, cleared_member, site, closed):
        engagement = closed.engagement
        client.force_login(cleared_member)
        data = edit_post(engagement, confidentiality=engagement.confidentiality)
        data.update(existing_commitment_row(0, closed, status=Commitment.Status.OPEN))
        response = client.post(edit_url(engagement), data)
        assert response.status_code == 302
        closed.refresh_from_db()
        assert (closed.status, closed.closed_on) == (Commitment.Status.OPEN, None)

    def test_a_closed_one_shows_its_note_and_date(self, client, cleared_member, site, closed):
        client.force_login(cleared_member)
        section = commitments_section(
            client.get(closed.engagement.get_absolute_url()).content.decode()
        )
        assert "GRADED-NOTE" in section
        assert site.today().isoformat() in section

    def test_the_database_holds_the_rule(self, site, closed):
        closed.status = Commitment.Status.OPEN
        with pytest.raises(
            ValidationError, match="Only a commitment done or dropped has a closing date."
        ):
            closed.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            Commitment.objects.filter(pk=closed.pk).update(status=Commitment.Status.OPEN)
        closed.refresh_from_db()
        assert closed.status == Commitment.Status.DONE


# --- quick with a large registry --------------------------------------------------------


def registry_of(site, count):
    """`count` stakeholders at the site, written in bulk."""
    category = CategoryFactory(code="local-communities")
    stakeholders = Stakeholder.objects.bulk_create(
        Stakeholder(
            name=f"Community group {number:04d}",
            kind=Stakeholder.Kind.GROUP,
            category=category,
        )
        for number in range(count)
    )
    Stakeholder.sites.through.objects.bulk_create(
        Stakeholder.sites.through(stakeholder=stakeholder, site=site)
        for stakeholder in stakeholders
    )


@pytest.mark.parametrize("count", [5, 2000])
def test_the_form_page_queries_do_not_grow_with_the_registry(
    client, member, site, count, django_assert_max_num_queries
):
    registry_of(site, count)
    client.force_login(member)
    with django_assert_max_num_queries(11):
        response = client.get(log_url(site))
    assert response.status_code == 200
    assert response.content.decode().count('data-category="') >= count


@pytest.mark.parametrize("count", [5, 50])
def test_the_edit_page_queries_do_not_grow_with_its_rows(
    client, member, site, council, count, django_assert_max_num_queries
):
    """Its participants, and the sources of its concerns and the communities of its
    findings (read with the stakeholders met), cost no query of their own."""
    engagement = EngagementFactory(site=site, created_by=member, stakeholders=[council])
    engagement.participants.add(member)
    FindingFactory(engagement=engagement, community=council)
    for _number in range(count):
        CommitmentFactory(engagement=engagement, owner=member)
        ConcernFactory(engagement=engagement, stakeholder=council)
    client.force_login(member)
    with django_assert_max_num_queries(14):
        response = client.get(edit_url(engagement))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'name="commitments-TOTAL_FORMS" value="{count}"' in page
    assert re.search(rf'<option value="{member.pk}" selected>', page)
    assert f'name="findings-{council.pk}-satisfaction-evidence"' in page


def test_another_sites_registry_is_not_offered(client, member, site):
    elsewhere = SiteFactory(name="Elsewhere")
    StakeholderFactory(name="Elsewhere council", sites=[elsewhere])
    client.force_login(member)
    assert "Elsewhere council" not in client.get(log_url(site)).content.decode()


# --- in a browser: the script's part -----------------------------------------------------


@pytest.fixture
def browser_data(transactional_db):
    """Made before Playwright starts (see tests/browser/conftest.py)."""
    site = SiteFactory(name="Kisima Ridge Gold Mine")
    user = member_of(site, username="peter", first_name="Peter", last_name="Mollel")
    with_function(user, site, "security")
    owner = member_of(site, cleared=True, username="asha", first_name="Asha", last_name="Said")
    local = StakeholderCategory.objects.get(code="local-communities")
    police = StakeholderCategory.objects.get(code="public-security-providers")
    StakeholderFactory(name="Mwanzo village council", category=local, sites=[site])
    StakeholderFactory(name="Ilembo police post", category=police, sites=[site])
    for number in range(300):
        StakeholderFactory(name=f"Farmers group {number:03d}", category=local, sites=[site])
    return {"site": site, "user": user, "owner": owner, "cookie": session_cookie(user)}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_log_an_engagement_in_the_browser(live_server, browser_data, chromium):
    site = browser_data["site"]
    from playwright.sync_api import expect

    page = logged_in_page(chromium, live_server, browser_data["cookie"])
    page.goto(live_server.url + reverse("engagement:add"))
    page.get_by_role("heading", name="Log an engagement at Kisima Ridge Gold Mine").wait_for()
    assert blocking_violations(page) == []

    # Objectives wait for the stakeholders: none shown yet.
    peers = page.get_by_role("group", name="Industry peers", exact=True)
    assert peers.is_hidden()
    assert page.get_by_text("Choose the stakeholders met to see").is_visible()

    picker = page.locator("#id_stakeholders-ts-control")
    picker.fill("mwanzo")
    page.locator(".ts-dropdown .option", has_text="Mwanzo village council").click()
    picker.fill("ilembo")
    page.locator(".ts-dropdown .option", has_text="Ilembo police post").click()
    # Few options drawn at once, however large the registry.
    picker.fill("farmers")
    expect(page.locator(".ts-dropdown .option")).to_have_count(50)
    picker.fill("")
    page.keyboard.press("Escape")

    local = page.get_by_role("group", name="Local communities", exact=True)
    assert local.is_visible() and peers.is_hidden()
    local.locator("input[type=checkbox]").first.check()

    page.locator("#id_date").fill((site.today() - datetime.timedelta(days=2)).isoformat())
    page.locator("#id_format").select_option(Engagement.Format.COMMUNITY_MEETING)
    page.locator("#id_purpose").fill(PURPOSE)
    page.locator("#id_summary").fill("Patrols near the school were discussed.")

    # A row added in place: what was typed stays, the new row has the focus.
    url = page.url
    page.get_by_role("button", name="Add a commitment").click()
    assert page.url == url
    assert page.locator("#id_purpose").input_value() == PURPOSE
    second = page.locator("#commitments-1")
    assert second.locator("legend").inner_text() == "Commitment 2"
    assert page.evaluate("document.activeElement.name") == "commitments-1-description"
    assert page.locator("input[name=commitments-TOTAL_FORMS]").input_value() == "2"
    second.locator("#id_commitments-1-description").fill(
        "Invite the council to the security briefing"
    )
    second.locator("#id_commitments-1-owner").select_option(label="Asha Said")
    second.locator("#id_commitments-1-due_on").fill("2030-03-31")

    # A concern's source is one of the stakeholders chosen.
    concern = page.locator("#concerns-0")
    assert concern.locator("#id_concerns-0-stakeholder").locator("option").all_inner_texts() == [
        "Not named",
        "Mwanzo village council",
        "Ilembo police post",
    ]
    concern.locator("#id_concerns-0-stakeholder").select_option(label="Mwanzo village council")
    concern.locator("#id_concerns-0-type").select_option(Concern.Type.ENVIRONMENT)
    concern.locator("#id_concerns-0-description").fill("Dust from the haul road")

    page.get_by_role("button", name="Save engagement").first.click()
    page.get_by_text("Engagement logged.").wait_for()
    assert blocking_violations(page) == []
    # The engagement's page shows all of it.
    for text in (
        "Mwanzo village council",
        "Ilembo police post",
        "Invite the council to the security briefing",
        "Asha Said",
        "Dust from the haul road",
        PURPOSE,
    ):
        assert page.get_by_text(text).first.is_visible(), text
    assert page.locator("#objectives-heading + ul li").count() == 1


def test_the_stakeholder_picker_draws_what_djangos_template_would(site, member):
    """The picker writes its options itself (for speed): the same markup as Django's
    `<select multiple>`, names escaped, the chosen marked, each option's category and
    whether it is a community said, an at-risk name left as the placeholder."""
    from django import forms
    from django.test.html import parse_html

    from engagement.forms import CategoryOptionsMixin, EngagementForm, StakeholderPicker

    StakeholderFactory(name='Chief <Ole> & "sons"', sites=[site])
    village = StakeholderFactory(name="Mto village", sites=[site])
    StakeholderFactory(name="Hidden witness", at_risk=True, sites=[site])
    field = EngagementForm(user=member, site=site).fields["stakeholders"]

    class DjangosOwn(CategoryOptionsMixin, forms.SelectMultiple):
        pass

    attrs = {"id": "id_stakeholders", "class": "form-select", "data-picker": "stakeholders"}
    drawn = {}
    for widget_class in (StakeholderPicker, DjangosOwn):
        widget = widget_class(attrs={"size": 10})
        widget.choices = field.choices
        drawn[widget_class] = widget.render("stakeholders", [village.pk], attrs=attrs)
    assert parse_html(drawn[StakeholderPicker]) == parse_html(drawn[DjangosOwn])
    mine = drawn[StakeholderPicker]
    assert "Chief &lt;Ole&gt; &amp; &quot;sons&quot;" in mine
    chosen = re.search(rf'<option value="{village.pk}"([^>]*)>Mto village<', mine).group(1)
    assert set(chosen.split()) == {
        "selected",
        f'data-category="{village.category_id}"',
        "data-community",
    }
    assert "Hidden witness" not in mine
