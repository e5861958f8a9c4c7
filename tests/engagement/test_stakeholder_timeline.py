"""The stakeholder page's engagement timeline: engagements newest first, open commitments
and concerns, and when each objective of its category was last addressed, as this user may
see them. `stakeholders` finds it through `EngagementConfig.stakeholder_sections`."""

import datetime
import html
import re

import pytest
import time_machine
from django.urls import reverse

from engagement.apps import EngagementConfig
from engagement.models import Commitment, Concern, Engagement
from stakeholders.models import EngagementObjective
from tests.factories import (
    CommitmentFactory,
    ConcernFactory,
    EngagementFactory,
    SiteFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db

RESTRICTED = Engagement.Confidentiality.RESTRICTED


def page(client, stakeholder, **params):
    return client.get(stakeholder.get_absolute_url(), params)


def timeline_dates(content):
    """The dates of the engagement rows, in the order shown."""
    table = content.split('id="timeline-heading"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<a href="/engagements/\d+/"><time datetime="([\d-]+)">', table)


def last_addressed(content):
    """{objective text: its last-addressed date, or "never"} as the page shows it."""
    block = content.split('id="last-addressed-heading"', 1)[1].split("</ol>", 1)[0]
    shown = {}
    for item in re.findall(r"<li class=\"list-group-item d-flex.*?</li>", block, re.DOTALL):
        text = html.unescape(re.sub(r"<[^>]+>", "", item.split("</div>", 1)[0])).strip()
        text = text.removesuffix("perception indicator").strip()
        date = re.search(r'<time [^>]*datetime="([\d-]+)"', item)
        shown[text] = date.group(1) if date else re.sub(r"<[^>]+>", "", item).split()[-1]
    return shown


@pytest.fixture
def council(site):
    return StakeholderFactory(name="Mwanzo village council", sites=[site])


@pytest.fixture
def objectives(council):
    """The first three Table 4E.2 objectives of the council's category."""
    return list(EngagementObjective.objects.filter(category=council.category)[:3])


def days_ago(site, days):
    return site.today() - datetime.timedelta(days=days)


def test_a_member_sees_the_engagements_newest_first(client, member, site, council):
    for days, purpose in [(30, "MIDDLE-MEETING"), (5, "LATEST-MEETING"), (90, "FIRST-MEETING")]:
        EngagementFactory(
            site=site, date=days_ago(site, days), stakeholders=[council], purpose=purpose
        )
    client.force_login(member)
    response = page(client, council)
    assert response.status_code == 200
    content = response.content.decode()
    assert timeline_dates(content) == [days_ago(site, days).isoformat() for days in (5, 30, 90)]
    assert (
        content.index("LATEST-MEETING")
        < content.index("MIDDLE-MEETING")
        < content.index("FIRST-MEETING")
    )
    assert "3 engagements" in content


def test_each_row_links_to_its_engagement_with_format_and_lead_function(
    client, member, site, council
):
    engagement = EngagementFactory(
        site=site,
        stakeholders=[council],
        format=Engagement.Format.FOCUS_GROUP,
        lead_function__code="community-relations",
    )
    client.force_login(member)
    content = page(client, council).content.decode()
    assert f'href="{reverse("engagement:detail", args=[engagement.pk])}"' in content
    assert "Focus group" in content
    assert "Community relations" in content


def test_the_other_stakeholders_met_are_shown_and_not_the_page_s_own(
    client, member, site, council
):
    police = StakeholderFactory(name="Ilembo police post", sites=[site])
    EngagementFactory(site=site, stakeholders=[council, police])
    client.force_login(member)
    content = page(client, council).content.decode()
    row = content.split('id="timeline-heading"', 1)[1].split("</table>", 1)[0]
    assert f'<a href="{police.get_absolute_url()}">Ilembo police post</a>' in row
    assert "Mwanzo village council" not in row


def test_links_to_the_engagement_list_filtered_by_the_stakeholder(client, member, site, council):
    mine = EngagementFactory(site=site, stakeholders=[council])
    police = StakeholderFactory(name="Ilembo police post", sites=[site])
    theirs = EngagementFactory(site=site, stakeholders=[police])
    client.force_login(member)
    content = page(client, council).content.decode()
    link = f"{reverse('engagement:list')}?stakeholder={council.pk}"
    assert f'href="{link}"' in content
    assert "All engagements with this stakeholder" in content
    listed = client.get(link)
    assert listed.status_code == 200
    assert mine.get_absolute_url() in listed.content.decode()
    assert theirs.get_absolute_url() not in listed.content.decode()


def test_engagements_with_other_stakeholders_are_not_on_the_page(client, member, site, council):
    police = StakeholderFactory(name="Ilembo police post", sites=[site])
    EngagementFactory(site=site, stakeholders=[police], purpose="POLICE-ONLY-MARKER")
    client.force_login(member)
    content = page(client, council).content.decode()
    assert "POLICE-ONLY-MARKER" not in content
    assert "0 engagements" in content
    assert "No engagements with this stakeholder that you may see." in content


def test_the_timeline_pages_by_its_own_parameter(client, member, site, council):
    for days in range(1, 13):
        EngagementFactory(
            site=site, date=days_ago(site, days), stakeholders=[council], purpose=f"P{days:02d}X"
        )
    client.force_login(member)
    first = page(client, council).content.decode()
    assert timeline_dates(first) == [days_ago(site, days).isoformat() for days in range(1, 11)]
    assert "P11X" not in first
    assert 'href="?engagements_page=2#engagements"' in first
    assert "Page 1 of 2" in first
    assert "12 engagements" in first

    second = page(client, council, engagements_page=2).content.decode()
    assert timeline_dates(second) == [days_ago(site, days).isoformat() for days in (11, 12)]
    assert "P01X" not in second
    assert 'href="?engagements_page=1#engagements"' in second
    # The rest of the page stays: the registry entry, and the objectives.
    assert "Mwanzo village council" in second
    assert "last addressed" in second


def test_paging_keeps_the_rest_of_the_query_and_a_bad_page_falls_back(
    client, member, site, council
):
    for days in range(1, 13):
        EngagementFactory(site=site, date=days_ago(site, days), stakeholders=[council])
    client.force_login(member)
    content = page(client, council, tab="history").content.decode()
    assert 'href="?tab=history&amp;engagements_page=2#engagements"' in content
    response = page(client, council, engagements_page="nonsense")
    assert response.status_code == 200
    assert "Page 1 of 2" in response.content.decode()
    response = page(client, council, engagements_page=99)
    assert "Page 2 of 2" in response.content.decode()


def test_open_commitments_are_listed_and_closed_ones_are_not(client, member, site, council):
    engagement = EngagementFactory(site=site, stakeholders=[council])
    CommitmentFactory(engagement=engagement, description="OPEN-COMMITMENT repair the road")
    CommitmentFactory(
        engagement=engagement,
        description="MOVING-COMMITMENT water tank",
        status=Commitment.Status.IN_PROGRESS,
    )
    for status in (Commitment.Status.DONE, Commitment.Status.DROPPED):
        CommitmentFactory(
            engagement=engagement,
            description=f"CLOSED-COMMITMENT {status}",
            status=status,
            closing_note="Finished",
            closed_on=site.today(),
        )
    other = EngagementFactory(site=site, stakeholders=[StakeholderFactory(sites=[site])])
    CommitmentFactory(engagement=other, description="OTHER-STAKEHOLDER-COMMITMENT")
    client.force_login(member)
    content = page(client, council).content.decode()
    assert "OPEN-COMMITMENT" in content
    assert "MOVING-COMMITMENT" in content
    assert "In progress" in content
    assert "CLOSED-COMMITMENT" not in content
    assert "OTHER-STAKEHOLDER-COMMITMENT" not in content


def test_overdue_is_reckoned_in_the_site_s_own_time_zone(client, member, council):
    # 12:00 UTC on 10 June is already 11 June on Kiritimati (UTC+14).
    far_east = SiteFactory(name="Line Islands Mine", time_zone="Pacific/Kiritimati")
    member.site_memberships.create(site=far_east)
    council.sites.add(far_east)
    with time_machine.travel(datetime.datetime(2025, 6, 10, 12, tzinfo=datetime.UTC), tick=False):
        engagement = EngagementFactory(
            site=far_east, date=datetime.date(2025, 6, 1), stakeholders=[council]
        )
        CommitmentFactory(
            engagement=engagement,
            description="DUE-YESTERDAY-THERE",
            due_on=datetime.date(2025, 6, 10),
        )
        CommitmentFactory(
            engagement=engagement,
            description="DUE-TODAY-THERE",
            due_on=datetime.date(2025, 6, 11),
        )
        client.force_login(member)
        content = page(client, council).content.decode()
    block = content.split('id="open-commitments-heading"', 1)[1].split("</table>", 1)[0]
    rows = block.split("<tr>")
    overdue = [row for row in rows if "DUE-YESTERDAY-THERE" in row][0]
    due_today = [row for row in rows if "DUE-TODAY-THERE" in row][0]
    assert "Overdue" in overdue
    assert "Overdue" not in due_today


def test_open_concerns_are_listed_and_closed_ones_are_not(client, member, site, council):
    engagement = EngagementFactory(site=site, stakeholders=[council])
    ConcernFactory(engagement=engagement, stakeholder=council, description="OPEN-CONCERN dust")
    ConcernFactory(
        engagement=engagement,
        stakeholder=council,
        description="REFERRED-CONCERN water",
        status=Concern.Status.REFERRED,
    )
    ConcernFactory(
        engagement=engagement,
        stakeholder=council,
        description="CLOSED-CONCERN noise",
        status=Concern.Status.CLOSED,
    )
    # Raised in the same engagement, by someone else or by nobody named.
    ConcernFactory(
        engagement=engagement,
        stakeholder=StakeholderFactory(sites=[site]),
        description="SOMEONE-ELSES-CONCERN",
    )
    ConcernFactory(engagement=engagement, description="UNNAMED-CONCERN")
    client.force_login(member)
    content = page(client, council).content.decode()
    assert "OPEN-CONCERN" in content
    assert "REFERRED-CONCERN" in content
    assert "CLOSED-CONCERN" not in content
    assert "SOMEONE-ELSES-CONCERN" not in content
    assert "UNNAMED-CONCERN" not in content


def test_an_allegation_is_shown_only_to_the_cleared(client, member, cleared_member, site, council):
    engagement = EngagementFactory(site=site, stakeholders=[council])
    ConcernFactory(
        engagement=engagement,
        stakeholder=council,
        type=Concern.Type.ALLEGATION_PUBLIC,
        description="ALLEGATION-MARKER beaten at the roadblock",
    )
    client.force_login(member)
    content = page(client, council).content.decode()
    assert "ALLEGATION-MARKER" not in content
    assert "Allegation of human rights abuse" not in content
    assert "No open concerns you may see." in content

    client.force_login(cleared_member)
    content = page(client, council).content.decode()
    assert "ALLEGATION-MARKER" in content
    assert "Allegation of human rights abuse by public security" in content


def test_each_objective_shows_when_it_was_last_addressed_or_never(
    client, member, site, council, objectives
):
    first, second, third = objectives
    older = EngagementFactory(site=site, date=days_ago(site, 60), stakeholders=[council])
    older.objectives.set([first, second])
    newer = EngagementFactory(site=site, date=days_ago(site, 10), stakeholders=[council])
    newer.objectives.set([first])
    # Another stakeholder's engagement does not count for this one.
    elsewhere = EngagementFactory(
        site=site,
        date=days_ago(site, 1),
        stakeholders=[StakeholderFactory(category=council.category, sites=[site])],
    )
    elsewhere.objectives.set([first, second, third])
    client.force_login(member)
    shown = last_addressed(page(client, council).content.decode())
    assert shown[first.text] == days_ago(site, 10).isoformat()
    assert shown[second.text] == days_ago(site, 60).isoformat()
    assert shown[third.text] == "never"
    assert len(shown) == EngagementObjective.objects.filter(category=council.category).count()


def test_a_restricted_engagement_is_absent_for_the_uncleared(
    client, member, cleared_member, site, council, objectives
):
    first, second, _third = objectives
    internal = EngagementFactory(site=site, date=days_ago(site, 40), stakeholders=[council])
    internal.objectives.set([first])
    restricted = EngagementFactory(
        site=site,
        date=days_ago(site, 3),
        stakeholders=[council],
        confidentiality=RESTRICTED,
        purpose="RESTRICTED-MARKER purpose",
        summary="RESTRICTED-MARKER summary",
    )
    restricted.objectives.set([first, second])
    CommitmentFactory(engagement=restricted, description="RESTRICTED-MARKER commitment")
    ConcernFactory(
        engagement=restricted, stakeholder=council, description="RESTRICTED-MARKER concern"
    )

    client.force_login(member)
    content = page(client, council).content.decode()
    assert "RESTRICTED-MARKER" not in content
    assert f"/engagements/{restricted.pk}/" not in content
    assert timeline_dates(content) == [days_ago(site, 40).isoformat()]
    assert "1 engagement" in content
    assert "Restricted" not in content
    shown = last_addressed(content)
    assert shown[first.text] == days_ago(site, 40).isoformat()
    assert shown[second.text] == "never"

    client.force_login(cleared_member)
    content = page(client, council).content.decode()
    assert content.count("RESTRICTED-MARKER") == 3  # purpose, commitment, concern
    assert timeline_dates(content) == [
        days_ago(site, 3).isoformat(),
        days_ago(site, 40).isoformat(),
    ]
    assert "2 engagements" in content
    assert '<span class="badge text-bg-warning">Restricted</span>' in content
    shown = last_addressed(content)
    assert shown[first.text] == days_ago(site, 3).isoformat()
    assert shown[second.text] == days_ago(site, 3).isoformat()


def test_another_sites_engagement_with_a_shared_stakeholder_is_absent(
    client, member, site, other_site, council
):
    council.sites.add(other_site)
    EngagementFactory(site=other_site, stakeholders=[council], purpose="OTHER-SITE-MARKER")
    client.force_login(member)
    content = page(client, council).content.decode()
    assert "OTHER-SITE-MARKER" not in content
    assert "0 engagements" in content


def test_an_at_risk_co_stakeholder_is_a_placeholder_for_the_uncleared(
    client, member, cleared_member, site, council, defender
):
    EngagementFactory(site=site, stakeholders=[council, defender])
    placeholder = f"Protected stakeholder S-{defender.pk:04d}"

    client.force_login(member)
    content = page(client, council).content.decode()
    assert placeholder in content
    assert "Baraka" not in content

    client.force_login(cleared_member)
    content = page(client, council).content.decode()
    assert "Baraka Mwaipopo" in content
    assert placeholder not in content


def test_without_the_engagement_section_the_page_lists_the_objectives(
    client, member, site, council, monkeypatch
):
    EngagementFactory(site=site, stakeholders=[council], purpose="TIMELINE-MARKER")
    monkeypatch.delattr(EngagementConfig, "stakeholder_sections")
    client.force_login(member)
    response = page(client, council)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Engagement objectives for" in content
    assert "Confidence in the public security / judicial system" in content
    assert "TIMELINE-MARKER" not in content
    assert "last addressed" not in content


# 23 today (session, user, permissions, the registry entry, its history and this section).
QUERY_BOUND = 25


def _populate(site, council, defender, count, author):
    """`count` engagements with the council (each also with another stakeholder and the
    at-risk defender, two objectives, some restricted), and as many open commitments and
    open concerns, one in five an allegation."""
    objectives = list(EngagementObjective.objects.filter(category=council.category)[:2])
    for number in range(count):
        engagement = EngagementFactory(
            site=site,
            date=days_ago(site, number + 1),
            created_by=author,
            stakeholders=[council, defender, StakeholderFactory(sites=[site])],
            confidentiality=RESTRICTED if number % 3 == 0 else Engagement.Confidentiality.INTERNAL,
        )
        engagement.objectives.set(objectives)
        CommitmentFactory(engagement=engagement, due_on=days_ago(site, number - 10))
        ConcernFactory(
            engagement=engagement,
            stakeholder=council,
            type=Concern.Type.ALLEGATION_PRIVATE if number % 5 == 0 else Concern.Type.OTHER,
        )


@pytest.mark.parametrize("count", [5, 50])
@pytest.mark.parametrize("cleared", [False, True])
def test_the_query_count_does_not_grow_with_the_records(
    client,
    member,
    cleared_member,
    site,
    council,
    defender,
    count,
    cleared,
    django_assert_max_num_queries,
):
    user = cleared_member if cleared else member
    _populate(site, council, defender, count, user)
    visible = [n for n in range(count) if cleared or n % 3]
    client.force_login(user)
    with django_assert_max_num_queries(QUERY_BOUND):
        response = page(client, council)
    assert response.status_code == 200
    content = response.content.decode()
    assert len(timeline_dates(content)) == min(len(visible), 10)
    assert content.count(">Overdue<") == len([n for n in visible if n > 10])
    allegations = len([n for n in visible if n % 5 == 0]) if cleared else 0
    assert content.count("Allegation of human rights abuse") == allegations
