"""Community perception findings, recorded on the engagement's own log and edit page: only
on local communities met, on the five-point scale with the evidence, kept with their
history; a restricted engagement's findings and a hidden community's evidence never reach
those who may not see them. Also the engagement page, its history, the admin and the
demo year."""

import datetime
import re
from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from engagement import selectors, services
from engagement.models import Engagement, Finding
from engagement.services import RowError
from stakeholders.models import StakeholderCategory
from tests.conftest import member_of
from tests.engagement.test_engagement_form import (
    edit_url,
    engagement_post,
    function,
    log_url,
    with_function,
)
from tests.factories import StakeholderFactory, UserFactory

pytestmark = pytest.mark.django_db

S, A, P, J = Finding.Indicator.values
EVIDENCE = "The chairperson thanked the site for the borehole."


def finding_fields(community, indicator, value="", evidence=""):
    prefix = f"findings-{getattr(community, 'pk', community)}-{indicator}"
    return {f"{prefix}-value": str(value), f"{prefix}-evidence": evidence}


def detail_url(engagement):
    return reverse("engagement:detail", args=[engagement.pk])


def nothing_written():
    return not Engagement.objects.exists() and not Finding.history.exists()


def local():
    return StakeholderCategory.objects.get(code="local-communities")


@pytest.fixture
def council(site):
    return StakeholderFactory(name="Mwanzo village council", category=local(), sites=[site])


@pytest.fixture
def women(site):
    return StakeholderFactory(name="Ilembo women's savings group", category=local(), sites=[site])


@pytest.fixture
def police(site):
    return StakeholderFactory(
        name="Ilembo police post",
        category=StakeholderCategory.objects.get(code="public-security-providers"),
        sites=[site],
    )


@pytest.fixture
def informant(site):
    """An at-risk community member: their identity only for the cleared."""
    return StakeholderFactory(
        name="Rehema Nzowa", category=local(), at_risk=True, notes="Sells food", sites=[site]
    )


@pytest.fixture
def clo(site):
    user = member_of(site, roles=["Community liaison officer"], username="clo")
    return with_function(user, site, "community-relations")


def logged(actor, site, stakeholders, findings=(), **data):
    """An engagement logged through the service, with its findings."""
    return services.engagement_create(
        actor=actor,
        site=site,
        data={
            "date": site.today() - datetime.timedelta(days=3),
            "format": Engagement.Format.COMMUNITY_MEETING,
            "purpose": "Report back on the year's commitments",
            "summary": "The village welcomed the borehole.",
            "lead_function": function("community-relations"),
            **data,
        },
        stakeholders=stakeholders,
        findings=[
            {"community": community, "indicator": indicator, "value": value, "evidence": text}
            for community, indicator, value, text in findings
        ],
    )


def row(community, indicator, value, evidence):
    return {"community": community, "indicator": indicator, "value": value, "evidence": evidence}


# --- the page ---------------------------------------------------------------------------


class TestLog:
    def test_a_clo_records_findings_for_two_communities_with_their_history(
        self, client, clo, site, council, women, police
    ):
        client.force_login(clo)
        content = client.get(log_url(site)).content.decode()
        assert 'id="findings-heading"' in content and "Community perceptions" in content
        assert '<template id="findings-template">' in content
        # The picker says which options are local communities, for the script.
        assert re.search(
            rf'<option value="{council.pk}" data-category="\d+" data-community>', content
        )
        assert not re.search(rf'<option value="{police.pk}"[^>]*data-community', content)
        data = engagement_post(
            site,
            [council, women],
            **finding_fields(council, S, 4, EVIDENCE),
            **finding_fields(council, A, "", ""),
            **finding_fields(council, J, 2, "Elders say cases go nowhere."),
            **finding_fields(women, P, "", "They preferred not to talk about the police."),
        )
        response = client.post(log_url(site), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        engagement = Engagement.objects.get()
        findings = {(f.community, f.indicator): f for f in engagement.findings.all()}
        assert set(findings) == {(council, S), (council, J), (women, P)}
        assert (findings[(council, S)].value, findings[(council, S)].evidence) == (4, EVIDENCE)
        assert findings[(women, P)].value is None  # not discussed, with what was said
        for finding in findings.values():
            record = finding.history.get()
            assert (record.history_type, record.history_user) == ("+", clo)

        page = client.get(detail_url(engagement)).content.decode()
        section = page[page.index('id="findings-heading"') :]
        assert "Mwanzo village council" in section and "Ilembo women" in section
        assert "Positive" in section and "4/5" in section and EVIDENCE in section
        assert "Not discussed" in section
        history = selectors.engagement_history(user=clo, engagement=engagement)
        subjects = [entry.subject for entry in history]
        assert "finding on satisfaction with the site: Mwanzo village council" in subjects, (
            subjects
        )

    def test_the_section_shows_the_grid_of_each_community_chosen_and_of_none_else(
        self, client, clo, site, council, police
    ):
        client.force_login(clo)
        data = engagement_post(site, [council, police], show_findings="1")
        content = client.post(log_url(site), data).content.decode()
        assert f'id="findings-{council.pk}"' in content
        assert f'id="findings-{police.pk}"' not in content
        # Four rows, each labelled with the indicator and the community.
        for indicator, label in Finding.Indicator.choices:
            assert re.search(
                rf'<label class="form-label" for="id_findings-{council.pk}-{indicator}-value">'
                rf"{re.escape(str(label))}<span class=\"visually-hidden\"> — "
                r"<span data-community-name>Mwanzo village council</span>",
                content,
            ), indicator
        assert "<script>" not in content and " style=" not in content

    def test_a_finding_on_a_stakeholder_that_is_no_community_is_refused_on_its_row(
        self, client, clo, site, council, police
    ):
        client.force_login(clo)
        data = engagement_post(
            site,
            [council, police],
            **finding_fields(council, S, 4, EVIDENCE),
            **finding_fields(police, S, 2, "The post commander was curt."),
        )
        response = client.post(log_url(site), data)
        assert response.status_code == 200
        content = response.content.decode()
        assert "Ilembo police post is not a local community" in content
        assert "The post commander was curt." in content  # kept as typed
        assert EVIDENCE in content
        assert nothing_written()

    def test_a_finding_on_a_community_not_met_is_refused_on_its_row(
        self, client, clo, site, council, women
    ):
        client.force_login(clo)
        data = engagement_post(
            site, [council], **finding_fields(women, A, 3, "Guards greet women now.")
        )
        response = client.post(log_url(site), data)
        assert response.status_code == 200
        content = response.content.decode()
        assert "Findings are recorded for communities among the stakeholders met." in content
        # Its grid stays in sight, with what was typed, and says why.
        assert f'id="findings-{women.pk}"' in content
        assert "Guards greet women now." in content
        assert re.search(
            rf'id="findings-{women.pk}".*?<div class="alert alert-warning py-2" '
            r"data-finding-removed>",
            content,
            re.S,
        )
        assert nothing_written()

    @pytest.mark.parametrize("value", ["0", "6", "x", "3.5", "-1"])
    def test_only_the_five_points_of_the_scale_are_taken(self, client, clo, site, council, value):
        client.force_login(clo)
        data = engagement_post(site, [council], **finding_fields(council, S, value, EVIDENCE))
        response = client.post(log_url(site), data)
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
        assert nothing_written()

    def test_a_value_needs_its_evidence(self, client, clo, site, council):
        client.force_login(clo)
        data = engagement_post(site, [council], **finding_fields(council, S, 4, "   "))
        response = client.post(log_url(site), data)
        assert response.status_code == 200
        content = response.content.decode()
        assert "A finding needs the evidence for it in words." in content
        assert f'aria-describedby="id_findings-{council.pk}-satisfaction-evidence_error"' in (
            content
        )
        assert nothing_written()

    def test_not_discussed_without_evidence_stores_nothing(self, client, clo, site, council):
        client.force_login(clo)
        fields = {}
        for indicator in Finding.Indicator.values:
            fields.update(finding_fields(council, indicator))
        response = client.post(log_url(site), engagement_post(site, [council], **fields))
        assert response.status_code == 302
        assert Engagement.objects.exists()
        assert not Finding.objects.exists() and not Finding.history.exists()

    def test_findings_sent_for_a_community_the_page_does_not_offer_are_refused(
        self, client, clo, site, council, informant
    ):
        """An at-risk community is not offered to the uncleared; rows sent for it anyway
        (or for a made-up number) refuse the page in words that tell nothing of it."""
        client.force_login(clo)
        for pk in (informant.pk, 987654, "9" * 30):
            data = engagement_post(site, [council], **finding_fields(pk, S, 3, EVIDENCE))
            response = client.post(log_url(site), data)
            assert response.status_code == 200
            content = response.content.decode()
            assert "Findings came back for a community this page does not offer." in content
            assert "Rehema" not in content and f"S-{informant.pk:04d}" not in content
        assert nothing_written()


class TestNothingTypedIsLost:
    def test_without_javascript_the_grids_are_asked_for_and_nothing_is_saved(
        self, client, clo, site, council, women
    ):
        client.force_login(clo)
        data = engagement_post(site, [council], purpose="Typed purpose", show_findings="1")
        response = client.post(log_url(site), data)
        assert response.status_code == 200
        content = response.content.decode()
        assert f'id="findings-{council.pk}"' in content
        assert f'id="findings-{women.pk}"' not in content
        assert "Typed purpose" in content
        assert "Nothing was saved" not in content  # no errors shown: nothing was submitted
        assert re.search(
            rf'name="findings-{council.pk}-satisfaction-value"[^>]*autofocus', content
        )
        assert nothing_written()

        # Findings typed, then another row asked for, then an error: all kept each time.
        typed = {
            **finding_fields(council, S, 4, EVIDENCE),
            **finding_fields(council, J, 1, "Nobody trusts the court."),
        }
        for extra in ({"add_commitment": "1"}, {"summary": ""}, {"show_findings": "1"}):
            data = engagement_post(site, [council], **typed, **extra)
            content = client.post(log_url(site), data).content.decode()
            assert EVIDENCE in content and "Nobody trusts the court." in content
            assert re.search(
                rf'<select name="findings-{council.pk}-satisfaction-value"[^>]*>.*?'
                r'<option value="4" selected>',
                content,
                re.S,
            ), extra
        assert nothing_written()

    def test_a_community_taken_out_with_something_typed_keeps_its_grid(
        self, client, clo, site, council, women
    ):
        client.force_login(clo)
        data = engagement_post(
            site, [women], show_findings="1", **finding_fields(council, S, 4, EVIDENCE)
        )
        content = client.post(log_url(site), data).content.decode()
        assert f'id="findings-{council.pk}"' in content and EVIDENCE in content
        assert f'id="findings-{women.pk}"' in content
        # One with nothing typed goes once it is no longer chosen.
        data = engagement_post(site, [women], show_findings="1", **finding_fields(council, S))
        content = client.post(log_url(site), data).content.decode()
        assert f'id="findings-{council.pk}"' not in content


class TestEdit:
    @pytest.fixture
    def engagement(self, clo, site, council, women):
        return logged(
            clo,
            site,
            [council, women],
            [
                (council, S, 3, "Dust is still a problem."),
                (council, A, 2, "Patrols by the school path."),
                (women, J, 2, "Would not report to the police post."),
            ],
        )

    def test_the_edit_page_shows_the_findings_stored(self, client, clo, engagement, council):
        client.force_login(clo)
        content = client.get(edit_url(engagement)).content.decode()
        assert "Dust is still a problem." in content
        assert re.search(
            rf'<select name="findings-{council.pk}-satisfaction-value"[^>]*>.*?'
            r'<option value="3" selected>',
            content,
            re.S,
        )

    def test_changes_and_removals_keep_their_history_by_who_made_them(
        self, client, clo, member, site, engagement, council, women
    ):
        """A security manager (who may change any engagement of the site) changes one
        finding and clears another: the history says who, when and what."""
        client.force_login(member)
        data = engagement_post(
            site,
            [council, women],
            **finding_fields(council, S, 4, "The borehole works."),
            **finding_fields(council, A, "", ""),
            **finding_fields(women, J, 2, "Would not report to the police post."),
        )
        response = client.post(edit_url(engagement), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        findings = {(f.community, f.indicator): f for f in engagement.findings.all()}
        assert set(findings) == {(council, S), (women, J)}
        changed = findings[(council, S)]
        assert (changed.value, changed.evidence) == (4, "The borehole works.")
        assert changed.history.latest().history_user == member
        removed = Finding.history.get(community_id=council.pk, indicator=A, history_type="-")
        assert removed.history_user == member and removed.evidence == "Patrols by the school path."
        # Unchanged: no new entry.
        assert findings[(women, J)].history.count() == 1

        entries = selectors.engagement_history(user=clo, engagement=engagement)
        about = {}  # the newest entry about each finding
        for entry in entries:
            if entry.subject.startswith("finding"):
                about.setdefault(entry.subject, entry)
        change = about["finding on satisfaction with the site: Mwanzo village council"]
        assert change.action_code == "~" and change.who == member.get_full_name()
        assert {(c.label, str(c.old), str(c.new)) for c in change.changes} == {
            ("Finding", "Neither positive nor negative", "Positive"),
            ("Evidence", "Dust is still a problem.", "The borehole works."),
        }
        assert (
            about["finding on attitude towards site security: Mwanzo village council"].action_code
            == "-"
        )

    def test_a_community_with_findings_is_not_taken_out_until_they_are_cleared(
        self, client, clo, site, engagement, council, women
    ):
        client.force_login(clo)
        response = client.post(edit_url(engagement), engagement_post(site, [women]))
        assert response.status_code == 200
        content = response.content.decode()
        assert "Mwanzo village council: findings are recorded for it in this engagement." in (
            content
        )
        assert set(engagement.stakeholders.all()) == {council, women}
        assert engagement.findings.count() == 3
        # Its grid stays in sight with its findings, marked as no longer among those met.
        assert "Dust is still a problem." in content

        cleared = {}
        for indicator in Finding.Indicator.values:
            cleared.update(finding_fields(council, indicator))
        data = engagement_post(
            site,
            [women],
            **cleared,
            **finding_fields(women, J, 2, "Would not report to the police post."),
        )
        assert client.post(edit_url(engagement), data).status_code == 302
        assert set(engagement.stakeholders.all()) == {women}
        assert list(engagement.findings.values_list("community", flat=True)) == [women.pk]
        assert Finding.history.filter(community_id=council.pk, history_type="-").count() == 2

    def test_a_reviewer_may_not_record_findings(self, client, reviewer, engagement, council):
        client.force_login(reviewer)
        assert client.get(edit_url(engagement)).status_code == 403
        data = engagement_post(engagement.site, [council], **finding_fields(council, P, 4, "x"))
        assert client.post(edit_url(engagement), data).status_code == 403
        with pytest.raises(PermissionDenied):
            services.engagement_update(
                actor=reviewer, engagement=engagement, data={}, findings=[row(council, P, 4, "x")]
            )
        assert not engagement.findings.filter(indicator=P).exists()
        # ... and reads them.
        content = client.get(detail_url(engagement)).content.decode()
        assert "Dust is still a problem." in content

    def test_a_role_without_the_finding_permissions_neither_sees_nor_writes_them(
        self, client, site, engagement, council
    ):
        role = Group.objects.create(name="Engagement editor only")
        role.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="engagement",
                codename__in=["add_engagement", "change_engagement", "view_engagement"],
            )
        )
        editor = member_of(site, roles=[role.name], username="editor")
        engagement.created_by = editor
        engagement.save(update_fields=["created_by"])
        client.force_login(editor)
        content = client.get(edit_url(engagement)).content.decode()
        assert 'id="findings-heading"' not in content
        with pytest.raises(PermissionDenied):
            services.engagement_update(
                actor=editor,
                engagement=engagement,
                data={},
                findings=[row(council, S, 5, "Changed by someone without the right.")],
            )
        assert engagement.findings.get(community=council, indicator=S).value == 3


# --- the services' rules ------------------------------------------------------------------


class TestServiceRules:
    @pytest.mark.parametrize("value", [0, 6, -1, "3", "x", 2.5, True])
    def test_the_scale_is_enforced(self, clo, site, council, value):
        with pytest.raises(RowError) as refused:
            logged(clo, site, [council], [(council, S, value, EVIDENCE)])
        assert (refused.value.rows, refused.value.index) == ("findings", 0)
        assert "value" in refused.value.message_dict
        assert nothing_written()

    def test_a_value_needs_evidence_and_a_row_its_community_and_indicator(
        self, clo, site, council, women, police
    ):
        cases = [
            ([(council, S, 4, "")], "evidence"),
            ([(council, S, 4, "  ")], "evidence"),
            ([(police, S, 4, EVIDENCE)], "not a local community"),
            ([(women, S, 4, EVIDENCE)], "among the stakeholders met"),
            ([(council, "mood", 4, EVIDENCE)], "four community indicators"),
            ([(council, S, 4, EVIDENCE), (council, S, 2, EVIDENCE)], "already has a finding"),
        ]
        for findings, said in cases:
            with pytest.raises(RowError) as refused:
                logged(clo, site, [council, police], findings)
            assert said in str(refused.value.messages), said
            assert refused.value.index == len(findings) - 1
        assert nothing_written()

    def test_a_restricted_engagements_findings_are_for_the_cleared_only(
        self, client, site, cleared_member, member, council
    ):
        engagement = logged(
            cleared_member,
            site,
            [council],
            [(council, S, 2, "RESTRICTED-EVIDENCE")],
            confidentiality=Engagement.Confidentiality.RESTRICTED,
        )
        assert list(selectors.finding_list(user=cleared_member)) == list(engagement.findings.all())
        assert not selectors.finding_list(user=member).exists()
        client.force_login(member)
        for url in (detail_url(engagement), edit_url(engagement)):
            response = client.get(url)
            assert response.status_code == 404
            assert "RESTRICTED-EVIDENCE" not in response.content.decode()
        with pytest.raises(PermissionDenied):
            services.engagement_update(
                actor=member, engagement=engagement, data={}, findings=[row(council, S, 5, "x")]
            )
        assert engagement.findings.get().value == 2

    def test_an_engagement_deleted_takes_its_findings_with_their_history(
        self, admin_member, site, council
    ):
        engagement = logged(admin_member, site, [council], [(council, S, 4, EVIDENCE)])
        services.engagement_delete(actor=admin_member, engagement=engagement)
        assert not Finding.objects.exists()
        gone = Finding.history.get(history_type="-")
        assert gone.history_user == admin_member and gone.evidence == EVIDENCE


# --- a community the user may not see -------------------------------------------------------


class TestHiddenCommunity:
    @pytest.fixture
    def engagement(self, site, cleared_member, council, informant):
        """Internal, though an at-risk community member took part (a cleared user's call)."""
        return logged(
            cleared_member,
            site,
            [council, informant],
            [
                (council, S, 4, EVIDENCE),
                (informant, A, 1, "HIDDEN-EVIDENCE: she was stopped at the gate twice."),
            ],
            confidentiality=Engagement.Confidentiality.INTERNAL,
        )

    def test_the_uncleared_see_its_placeholder_and_values_never_its_evidence(
        self, client, member, engagement, informant
    ):
        client.force_login(member)
        content = client.get(detail_url(engagement)).content.decode()
        section = content[content.index('id="findings-heading"') :]
        assert f"Protected stakeholder S-{informant.pk:04d}" in section
        assert "Very negative" in section and "1/5" in section
        assert "HIDDEN-EVIDENCE" not in content and "Rehema" not in content
        assert EVIDENCE in section
        # Names first, the hidden one last.
        assert section.index("Mwanzo village council") < section.index("Protected stakeholder")

        entries = selectors.engagement_history(user=member, engagement=engagement)
        shown = [
            (entry.subject, [(c.label, str(c.new)) for c in entry.changes]) for entry in entries
        ]
        assert "HIDDEN-EVIDENCE" not in str(shown) and "Rehema" not in str(shown)
        hidden = next(changes for subject, changes in shown if f"S-{informant.pk:04d}" in subject)
        assert ("Evidence", "Protected") in hidden

    def test_the_cleared_read_it_all(self, client, cleared_member, engagement):
        client.force_login(cleared_member)
        content = client.get(detail_url(engagement)).content.decode()
        assert "HIDDEN-EVIDENCE" in content and "Rehema Nzowa" in content
        entries = selectors.engagement_history(user=cleared_member, engagement=engagement)
        assert "HIDDEN-EVIDENCE" in str([[c.new for c in e.changes] for e in entries])

    def test_an_uncleared_editor_leaves_them_untouched(
        self, client, member, site, engagement, council, informant
    ):
        client.force_login(member)
        content = client.get(edit_url(engagement)).content.decode()
        assert f'id="findings-{informant.pk}"' not in content
        assert "HIDDEN-EVIDENCE" not in content and "Rehema" not in content
        assert "Findings on these communities are kept as they are" in content
        assert f"Protected stakeholder S-{informant.pk:04d}" in content

        data = engagement_post(site, [council], **finding_fields(council, S, 5, "Even better."))
        assert client.post(edit_url(engagement), data).status_code == 302
        assert engagement.findings.get(community=council).value == 5
        hidden = engagement.findings.get(community=informant)
        assert (hidden.value, hidden.history.count()) == (1, 1)
        assert set(engagement.stakeholders.all()) == {council, informant}

        # Sent anyway, through the page or the service: refused, and nothing changes.
        data = engagement_post(site, [council], **finding_fields(informant, A, 5, "Changed"))
        response = client.post(edit_url(engagement), data)
        assert response.status_code == 200
        assert "Rehema" not in response.content.decode()
        for value, evidence in ((5, "Changed"), (None, "")):
            with pytest.raises(RowError) as refused:
                services.engagement_update(
                    actor=member,
                    engagement=engagement,
                    data={},
                    findings=[row(informant, A, value, evidence)],
                )
            assert "among the stakeholders met" in str(refused.value.messages)
        hidden.refresh_from_db()
        assert (hidden.value, hidden.history.count()) == (1, 1)


# --- the engagement page's cost -------------------------------------------------------------


def test_the_query_count_does_not_grow_with_findings(
    client, cleared_member, site, django_assert_max_num_queries
):
    def engagement_with(communities):
        stakeholders = [
            StakeholderFactory(category=local(), sites=[site]) for _ in range(communities)
        ]
        stakeholders[-1].at_risk = True
        stakeholders[-1].save()
        return logged(
            cleared_member,
            site,
            stakeholders,
            [(c, indicator, 3, EVIDENCE) for c in stakeholders for indicator in (S, A, P, J)],
        )

    few, many = engagement_with(2), engagement_with(12)
    client.force_login(cleared_member)
    with django_assert_max_num_queries(60) as counted:
        assert client.get(detail_url(few)).status_code == 200
    with django_assert_max_num_queries(len(counted.captured_queries)):
        response = client.get(detail_url(many))
    assert response.content.decode().count("3/5") == 48


# --- the admin -----------------------------------------------------------------------------


def test_the_admin_lists_findings_read_only_and_keeps_their_history(
    client, admin_member, uncleared_admin, site, council, informant
):
    engagement = logged(
        admin_member,
        site,
        [council, informant],
        [(council, S, 4, EVIDENCE), (informant, J, 1, "HIDDEN-EVIDENCE")],
        confidentiality=Engagement.Confidentiality.INTERNAL,
    )
    change = reverse("admin:engagement_engagement_change", args=[engagement.pk])
    history = reverse("admin:engagement_engagement_history", args=[engagement.pk])
    client.force_login(admin_member)
    content = client.get(change).content.decode()
    assert "perception findings (recorded on the engagement" in content.lower()
    assert EVIDENCE in content and "HIDDEN-EVIDENCE" in content
    assert 'name="findings-0-value"' not in content  # read-only
    content = client.get(history).content.decode()
    assert 'id="finding-history"' in content and "HIDDEN-EVIDENCE" in content

    client.force_login(uncleared_admin)
    for url in (change, history):
        content = client.get(url).content.decode()
        assert EVIDENCE in content
        assert "HIDDEN-EVIDENCE" not in content and "Rehema" not in content
    assert f"S-{informant.pk:04d}" in content


# --- the demo ------------------------------------------------------------------------------


def test_the_demo_has_findings_on_two_communities_or_more_in_each_of_the_last_quarters(
    settings,
):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    site = Engagement.objects.first().site
    today = site.today()
    clo = UserFactory(username="clo")
    for quarter in range(4):
        newest = today - datetime.timedelta(days=90 * quarter)
        oldest = newest - datetime.timedelta(days=89)
        communities = set(
            Finding.objects.filter(engagement__date__range=(oldest, newest)).values_list(
                "community", flat=True
            )
        )
        assert len(communities) >= 2, quarter
    for finding in Finding.objects.select_related("engagement"):
        assert finding.value is None or finding.evidence
        assert finding.history.get().history_user == finding.engagement.created_by == clo
    # Justice stays low; Mwanzo's satisfaction rises after the borehole.
    assert set(Finding.objects.filter(indicator=J).values_list("value", flat=True)) <= {1, 2}
    mwanzo = Finding.objects.filter(
        community__name="Mwanzo village council", indicator=S
    ).order_by("engagement__date")
    values = [finding.value for finding in mwanzo]
    assert values[0] < values[-1]
