"""The commitments and concerns registers: what each user sees, the filters, overdue first
and allegations first, and what never shows to someone who may not see it."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from engagement.models import Commitment, Concern, Engagement
from tests.conftest import member_of
from tests.factories import (
    CommitmentFactory,
    ConcernFactory,
    EngagementFactory,
    FunctionFactory,
    SiteFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db

COMMITMENTS = reverse("engagement:commitments")
CONCERNS = reverse("engagement:concerns")
RESTRICTED_MARKER = "Qx-Restricted-8802"
ALLEGATION_MARKER = "Qx-Allegation-5519"


def body(response):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def rows(response):
    return [row.description for row in response.context["page_obj"]]


def select_options(content, name):
    match = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', content, re.S)
    assert match, name
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', match.group(1))


def on(site, days):
    """A date `days` from the site's today (negative: in the past)."""
    return site.today() + datetime.timedelta(days=days)


def test_anonymous_is_sent_to_login(client):
    for url in (COMMITMENTS, CONCERNS):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_post_is_not_allowed(client, member):
    client.force_login(member)
    assert client.post(COMMITMENTS).status_code == 405
    assert client.post(CONCERNS).status_code == 405


def test_the_navigation_marks_each_register(client, member):
    client.force_login(member)
    for url in (COMMITMENTS, CONCERNS):
        assert re.search(
            rf'nav-link active"\s+aria-current="page"\s+href="{url}"', body(client.get(url))
        )


# --- commitments ----------------------------------------------------------------------


@pytest.fixture
def engagement(site, cleared_member):
    return EngagementFactory(site=site, created_by=cleared_member, date=on(site, -60))


@pytest.fixture
def commitments(site, member, cleared_member, engagement, defender):
    legal = FunctionFactory(code="legal")
    restricted = EngagementFactory(
        site=site,
        created_by=cleared_member,
        date=on(site, -60),
        stakeholders=[defender],
        confidentiality=Engagement.Confidentiality.RESTRICTED,
    )
    made = {
        "late": CommitmentFactory(
            engagement=engagement, description="Late road repair", due_on=on(site, -3)
        ),
        "later": CommitmentFactory(
            engagement=engagement,
            description="Very late fence",
            due_on=on(site, -20),
            status=Commitment.Status.IN_PROGRESS,
            owner=member,
        ),
        "soon": CommitmentFactory(
            engagement=engagement,
            description="Water point",
            due_on=on(site, 5),
            lead_function=legal,
        ),
        "today": CommitmentFactory(
            engagement=engagement, description="Due today", due_on=on(site, 0)
        ),
        "done": CommitmentFactory(
            engagement=engagement,
            description="Done long ago",
            due_on=on(site, -30),
            status=Commitment.Status.DONE,
            closing_note="Built",
            closed_on=on(site, -31),
        ),
        "secret": CommitmentFactory(
            engagement=restricted,
            description=f"{RESTRICTED_MARKER} move the defender",
            due_on=on(site, -1),
            owner=cleared_member,
        ),
    }
    made["legal"] = legal
    return made


def test_open_ones_by_default_overdue_first_and_marked(client, member, commitments):
    client.force_login(member)
    response = client.get(COMMITMENTS)
    assert response.status_code == 200
    assert rows(response) == ["Very late fence", "Late road repair", "Due today", "Water point"]
    overdue = [row.is_overdue for row in response.context["page_obj"]]
    assert overdue == [True, True, False, False]
    content = body(response)
    assert content.count("Overdue</span>") == 2  # in words, not only in colour
    assert "Showing the commitments still open or in progress" in content
    assert "4 commitments" in content


def test_any_status_shows_closed_ones_after_the_open_ones(client, member, commitments):
    client.force_login(member)
    response = client.get(COMMITMENTS, {"status": ""})
    assert rows(response) == [
        "Very late fence",
        "Late road repair",
        "Due today",
        "Water point",
        "Done long ago",  # past due, but done: not overdue
    ]
    assert "Showing the commitments still open" not in body(response)


def test_each_row_links_to_its_engagement(client, member, commitments, engagement):
    client.force_login(member)
    content = body(client.get(COMMITMENTS))
    assert f'href="{engagement.get_absolute_url()}"' in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "in_progress"}, ["Very late fence"]),
        ({"status": "done"}, ["Done long ago"]),
        ({"owner": "member"}, ["Very late fence"]),
        ({"function": "legal"}, ["Water point"]),
        ({"due_from": -3}, ["Late road repair", "Due today", "Water point"]),
        ({"due_to": -3}, ["Very late fence", "Late road repair"]),
        ({"due_from": -5, "due_to": 1}, ["Late road repair", "Due today"]),
        ({"overdue": "on"}, ["Very late fence", "Late road repair"]),
        ({"overdue": "on", "status": "open"}, ["Late road repair"]),
        ({"site": "site"}, ["Very late fence", "Late road repair", "Due today", "Water point"]),
    ],
)
def test_each_filter_narrows_the_register(client, member, site, commitments, query, expected):
    resolved = {}
    for name, value in query.items():
        if name in ("due_from", "due_to"):
            value = on(site, value).isoformat()
        resolved[name] = {
            "member": member.pk,
            "legal": commitments["legal"].pk,
            "site": site.pk,
        }.get(value, value)
    client.force_login(member)
    response = client.get(COMMITMENTS, resolved)
    assert rows(response) == expected
    assert response.context["filter"].left_out == []


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ({"due_from": "banana"}, "Due from"),
        ({"status": "finished"}, "Status"),
        ({"owner": "999999"}, "Owner"),
    ],
)
def test_a_bad_filter_is_named_and_left_out(client, member, commitments, query, label):
    client.force_login(member)
    response = client.get(COMMITMENTS, {**query, "overdue": "on"})
    assert rows(response) == ["Very late fence", "Late road repair"]
    content = body(response)
    assert "This filter was left out, the others still apply" in content
    assert f"<strong>{label}</strong>" in content


def test_a_restricted_engagements_commitment_is_only_for_the_cleared(
    client, member, cleared_member, commitments, defender
):
    client.force_login(member)
    for query in ({}, {"status": ""}, {"overdue": "on"}, {"owner": cleared_member.pk}):
        response = client.get(COMMITMENTS, query)
        content = body(response)
        assert RESTRICTED_MARKER not in content
        assert "Baraka" not in content
        assert "move the defender" not in content
    assert "4 commitments" in body(client.get(COMMITMENTS))

    client.force_login(cleared_member)
    response = client.get(COMMITMENTS)
    assert rows(response)[0] == "Very late fence"
    assert f"{RESTRICTED_MARKER} move the defender" in rows(response)
    assert "Baraka Mwaipopo" in body(response)
    assert "5 commitments" in body(response)


def test_an_at_risk_stakeholder_met_shows_as_its_placeholder(client, member, site, defender):
    internal = EngagementFactory(site=site, stakeholders=[defender])
    CommitmentFactory(engagement=internal, description="Call back")
    client.force_login(member)
    content = body(client.get(COMMITMENTS))
    assert "Call back" in content
    assert "Baraka" not in content
    assert f"Protected stakeholder S-{defender.pk:04d}" in content


def test_owners_offered_are_the_people_of_the_users_sites(
    client, member, cleared_member, outsider, commitments
):
    client.force_login(member)
    owners = [value for value, _ in select_options(body(client.get(COMMITMENTS)), "owner")]
    assert str(member.pk) in owners
    assert str(cleared_member.pk) in owners
    assert str(outsider.pk) not in owners


def test_an_outsider_sees_nothing_of_the_site(client, outsider, other_site, site, commitments):
    far = EngagementFactory(site=other_site, created_by=outsider)
    CommitmentFactory(engagement=far, description="Far valley well")
    client.force_login(outsider)
    response = client.get(COMMITMENTS, {"status": ""})
    assert rows(response) == ["Far valley well"]
    content = body(response)
    for text in ["Kisima", "Late road repair", RESTRICTED_MARKER, "member"]:
        assert text not in content, text
    assert [label for _, label in select_options(content, "site")] == [
        "All my sites",
        "Far Valley Copper",
    ]
    response = client.get(COMMITMENTS, {"site": site.pk})
    assert "<strong>Site</strong>" in body(response)
    assert rows(response) == ["Far valley well"]


def test_overdue_is_reckoned_in_each_sites_own_time_zone(client, db):
    # 12:00 UTC on 1 June: already 2 June at Kiritimati (UTC+14), still 1 June at
    # Pago Pago (UTC-11).
    east = SiteFactory(name="East", time_zone="Pacific/Kiritimati")
    west = SiteFactory(name="West", time_zone="Pacific/Pago_Pago")
    user = member_of(east)
    user.site_memberships.create(site=west)
    with time_machine.travel(datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)):
        for site in (east, west):
            engagement = EngagementFactory(site=site, date=datetime.date(2026, 5, 1))
            CommitmentFactory(
                engagement=engagement,
                description=f"Due 1 June at {site.name}",
                due_on=datetime.date(2026, 6, 1),
            )
        client.force_login(user)
        response = client.get(COMMITMENTS)
    marked = {row.description: row.is_overdue for row in response.context["page_obj"]}
    assert marked == {"Due 1 June at East": True, "Due 1 June at West": False}
    assert rows(response)[0] == "Due 1 June at East"


# --- concerns -------------------------------------------------------------------------


@pytest.fixture
def concerns(site, member, cleared_member, engagement, defender):
    council = StakeholderFactory(name="Mwanzo village council", sites=[site])
    restricted = EngagementFactory(
        site=site,
        created_by=cleared_member,
        date=on(site, -10),
        confidentiality=Engagement.Confidentiality.RESTRICTED,
        stakeholders=[defender],
    )
    recent = EngagementFactory(site=site, created_by=cleared_member, date=on(site, -2))
    return {
        "dust": ConcernFactory(
            engagement=engagement,
            stakeholder=council,
            type=Concern.Type.ENVIRONMENT,
            description="Dust on the road",
            severity=Concern.Severity.LOW,
        ),
        "jobs": ConcernFactory(
            engagement=recent,
            type=Concern.Type.EMPLOYMENT,
            description="Local jobs",
            status=Concern.Status.CLOSED,
            outcome="Hiring fair held",
        ),
        "allegation": ConcernFactory(
            engagement=engagement,
            created_by=member,
            type=Concern.Type.ALLEGATION_PUBLIC,
            description=f"{ALLEGATION_MARKER} beaten at the roadblock",
            severity=Concern.Severity.CRITICAL,
            status=Concern.Status.UNDER_INVESTIGATION,
            referred_to="National human rights commission",
            referred_on=on(site, -50),
        ),
        "secret": ConcernFactory(
            engagement=restricted,
            stakeholder=defender,
            type=Concern.Type.SECURITY_CONDUCT,
            description=f"{RESTRICTED_MARKER} followed home",
        ),
    }


def test_allegations_come_first_with_their_referral_and_investigation(
    client, cleared_member, concerns
):
    client.force_login(cleared_member)
    response = client.get(CONCERNS)
    assert response.status_code == 200
    assert rows(response) == [
        f"{ALLEGATION_MARKER} beaten at the roadblock",
        f"{RESTRICTED_MARKER} followed home",
        "Dust on the road",
        "Local jobs",  # closed, after the open ones
    ]
    content = body(response)
    assert "4 concerns" in content
    assert "Allegation</span>" in content
    assert "National human rights commission" in content
    assert on(concerns["allegation"].engagement.site, -50).strftime("%-d %b %Y") in content
    assert "Under investigation" in content
    assert "Outcome: Hiring fair held" in content
    assert "Baraka Mwaipopo" in content


def test_an_uncleared_member_never_sees_an_allegation_or_a_restricted_concern(
    client, member, concerns
):
    client.force_login(member)
    queries = [
        {},
        {"type": Concern.Type.ALLEGATION_PUBLIC},
        {"status": Concern.Status.UNDER_INVESTIGATION},
        {"severity": Concern.Severity.CRITICAL},
        {"type": Concern.Type.SECURITY_CONDUCT},
    ]
    for query in queries:
        response = client.get(CONCERNS, query)
        content = body(response)
        assert ALLEGATION_MARKER not in content, query
        assert RESTRICTED_MARKER not in content, query
        assert "National human rights commission" not in content, query
        assert "roadblock" not in content, query
        assert "Baraka" not in content, query
    response = client.get(CONCERNS)
    assert rows(response) == ["Dust on the road", "Local jobs"]
    assert "2 concerns" in body(response)


def test_the_allegation_types_are_not_offered_to_the_uncleared(client, member, concerns):
    client.force_login(member)
    content = body(client.get(CONCERNS))
    types = [value for value, _ in select_options(content, "type")]
    assert Concern.Type.ALLEGATION_PUBLIC not in types
    assert Concern.Type.ALLEGATION_PRIVATE not in types
    assert Concern.Type.ENVIRONMENT in types
    response = client.get(CONCERNS, {"type": Concern.Type.ALLEGATION_PUBLIC})
    assert "<strong>Type</strong>" in body(response)
    assert rows(response) == ["Dust on the road", "Local jobs"]


def test_the_cleared_are_offered_the_allegation_types(client, cleared_member, concerns):
    client.force_login(cleared_member)
    types = [value for value, _ in select_options(body(client.get(CONCERNS)), "type")]
    assert Concern.Type.ALLEGATION_PUBLIC in types
    response = client.get(CONCERNS, {"type": Concern.Type.ALLEGATION_PUBLIC})
    assert rows(response) == [f"{ALLEGATION_MARKER} beaten at the roadblock"]


def test_who_filed_an_allegation_sees_that_they_did_not_what(client, member, concerns):
    client.force_login(member)
    content = body(client.get(CONCERNS))
    assert "Allegations you recorded" in content
    assert "Allegation of human rights abuse by public security" in content
    assert ALLEGATION_MARKER not in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"type": "environment"}, ["Dust on the road"]),
        ({"status": "closed"}, ["Local jobs"]),
        ({"status": "under_investigation"}, [f"{ALLEGATION_MARKER} beaten at the roadblock"]),
        ({"severity": "critical"}, [f"{ALLEGATION_MARKER} beaten at the roadblock"]),
        ({"severity": "low"}, ["Dust on the road"]),
        ({"date_from": -5}, ["Local jobs"]),
        ({"date_from": -15, "date_to": -5}, [f"{RESTRICTED_MARKER} followed home"]),
        (
            {"date_to": -30},
            [f"{ALLEGATION_MARKER} beaten at the roadblock", "Dust on the road"],
        ),
    ],
)
def test_each_concern_filter_narrows_the_register(
    client, cleared_member, site, concerns, query, expected
):
    resolved = {
        name: on(site, value).isoformat() if name.startswith("date") else value
        for name, value in query.items()
    }
    client.force_login(cleared_member)
    response = client.get(CONCERNS, resolved)
    assert rows(response) == expected
    assert response.context["filter"].left_out == []


def test_a_bad_concern_filter_is_named_and_left_out(client, cleared_member, concerns):
    client.force_login(cleared_member)
    response = client.get(CONCERNS, {"date_from": "banana", "severity": "low", "type": "gossip"})
    assert rows(response) == ["Dust on the road"]
    content = body(response)
    assert "These filters were left out, the others still apply" in content
    assert "<strong>Raised from</strong>" in content
    assert "<strong>Type</strong>" in content


def test_an_allegation_of_another_site_stays_there(client, outsider, site, other_site, concerns):
    far = EngagementFactory(site=other_site, created_by=outsider)
    ConcernFactory(engagement=far, description="Far valley water")
    client.force_login(outsider)
    response = client.get(CONCERNS, {"site": site.pk})
    assert rows(response) == ["Far valley water"]
    content = body(response)
    assert "<strong>Site</strong>" in content
    for text in [ALLEGATION_MARKER, RESTRICTED_MARKER, "Kisima", "Dust on the road"]:
        assert text not in content, text


# --- query counts ---------------------------------------------------------------------


def _records(site, count, owner, defender):
    council = StakeholderFactory(sites=[site])
    for number in range(count):
        engagement = EngagementFactory(
            site=site,
            stakeholders=[council, defender],
            confidentiality=(
                Engagement.Confidentiality.RESTRICTED
                if number % 6 == 0
                else Engagement.Confidentiality.INTERNAL
            ),
        )
        CommitmentFactory(
            engagement=engagement,
            owner=owner,
            due_on=on(site, number - count // 2),
        )
        ConcernFactory(
            engagement=engagement,
            stakeholder=defender if number % 2 else None,
            type=Concern.Type.ALLEGATION_PRIVATE if number % 5 == 0 else Concern.Type.OTHER,
            created_by=owner,
        )


# Each register stays under this many queries, whatever it shows (issue 8).
MAX_QUERIES = 14


@pytest.mark.parametrize("url", [COMMITMENTS, CONCERNS])
@pytest.mark.parametrize("who", ["member", "cleared_member", "superuser"])
@pytest.mark.parametrize("filters", ["site", "choices"])
def test_query_count_does_not_grow_with_the_records(
    client, request, site, defender, url, who, filters, django_assert_max_num_queries
):
    user = request.getfixturevalue(who)
    client.force_login(user)
    # Their own commitments and allegations (a superuser, who is at no site: a member's).
    owner = user if who != "superuser" else member_of(site, username="owner")
    query = {"site": site.pk}
    if filters == "choices":  # every filter whose options are rows, each given one
        query |= (
            {"owner": owner.pk, "function": FunctionFactory().pk, "status": ""}
            if url == COMMITMENTS
            else {"status": Concern.Status.OPEN, "date_from": on(site, -400).isoformat()}
        )
    _records(site, 5, owner, defender)
    with django_assert_max_num_queries(MAX_QUERIES) as few:
        response = client.get(url, query)
    assert not response.context["filter"].left_out
    assert response.context["page_obj"].paginator.count >= 2
    _records(site, 45, owner, defender)
    with django_assert_max_num_queries(MAX_QUERIES) as many:
        response = client.get(url, query)
    assert len(response.context["page_obj"]) == 25
    assert len(many.captured_queries) == len(few.captured_queries)


def test_an_empty_register_says_what_it_looked_for(client, member, site, engagement):
    CommitmentFactory(
        engagement=engagement,
        description="Closed one",
        status=Commitment.Status.DROPPED,
        closing_note="No longer needed",
        closed_on=on(site, -1),
    )
    client.force_login(member)
    content = body(client.get(COMMITMENTS))
    assert "0 commitments" in content
    assert "No commitment is open or in progress at your sites." in content
    content = body(client.get(COMMITMENTS, {"status": "open", "overdue": "on"}))
    assert "0 commitments match" in content
    assert "No commitment matches these filters." in content


def test_the_filters_in_use_count_only_what_the_user_chose(client, member, site):
    """A first visit shows the default (unresolved) commitments: no filter counts as in use,
    on the folded filters' button of a phone."""
    client.force_login(member)
    assert client.get(COMMITMENTS).context["filter"].active_count == 0
    assert "in use" not in body(client.get(COMMITMENTS))
    chosen = client.get(COMMITMENTS, {"status": "done", "overdue": "on"})
    assert chosen.context["filter"].active_count == 2
    assert re.search(r"2<span class=\"visually-hidden\"> in use", body(chosen))


def test_an_allegation_filed_is_dated_by_its_sites_calendar(client, member, site):
    """Filed at 01:30 in Dar es Salaam (22:30 the day before in UTC): the filer reads the
    site's date."""
    site.time_zone = "Africa/Dar_es_Salaam"
    site.save()
    engagement = EngagementFactory(site=site, created_by=member)
    with time_machine.travel(datetime.datetime(2026, 3, 4, 22, 30, tzinfo=datetime.UTC)):
        ConcernFactory(
            engagement=engagement, created_by=member, type=Concern.Type.ALLEGATION_PUBLIC
        )
    client.force_login(member)
    content = body(client.get(CONCERNS))
    assert "5 Mar 2026" in content
    assert "4 Mar 2026" not in content
