"""The engagement list and its "my function" view: the engagements a user may see, their
filters and search, and what never shows to someone who may not see it."""

import datetime
import re

import pytest
from django.urls import reverse

from engagement import services
from engagement.models import Commitment, Engagement
from stakeholders.models import EngagementObjective, SiteMembership, Stakeholder
from tests.conftest import member_of
from tests.factories import (
    CategoryFactory,
    CommitmentFactory,
    EngagementFactory,
    FunctionFactory,
    StakeholderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("engagement:list")
MINE = reverse("engagement:mine")
RESTRICTED_MARKER = "Qx-Restricted-4417"


def purposes(response):
    return [engagement.purpose for engagement in response.context["page_obj"]]


def body(response):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def days_ago(site, days):
    return site.today() - datetime.timedelta(days=days)


def select_options(content, name):
    """The (value, label) options of the <select name=...> in a page."""
    match = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', content, re.S)
    assert match, name
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', match.group(1))


@pytest.fixture
def council(site):
    return StakeholderFactory(name="Mwanzo village council", sites=[site])


@pytest.fixture
def police(site):
    return StakeholderFactory(
        name="District police command",
        category=CategoryFactory(code="public-security-providers"),
        sites=[site],
    )


@pytest.fixture
def logged(site, cleared_member, council, police, defender):
    """Four engagements at the site, one of them restricted (met the defender)."""
    legal = FunctionFactory(code="legal")
    objective = EngagementObjective.objects.filter(category=police.category).first()
    road = EngagementFactory(
        site=site,
        date=days_ago(site, 3),
        created_by=cleared_member,
        stakeholders=[council],
        purpose="Road dust",
        summary="Trucks raise dust on the village road.",
        outcomes="Water the road twice a day.",
    )
    CommitmentFactory(engagement=road, description="Water the road")
    patrol = EngagementFactory(
        site=site,
        date=days_ago(site, 10),
        created_by=cleared_member,
        stakeholders=[police, council],
        purpose="Patrol briefing",
        summary="Joint patrol routes agreed.",
        format=Engagement.Format.WORKSHOP,
        lead_function=legal,
    )
    patrol.objectives.add(objective)
    CommitmentFactory(
        engagement=patrol,
        status=Commitment.Status.DONE,
        closing_note="Sent",
        closed_on=days_ago(site, 5),
    )
    EngagementFactory(
        site=site,
        date=days_ago(site, 40),
        created_by=cleared_member,
        stakeholders=[council],
        purpose="Grievance mechanism",
        summary="How to raise a grievance.",
        format=Engagement.Format.COMMUNITY_MEETING,
    )
    EngagementFactory(
        site=site,
        date=days_ago(site, 20),
        created_by=cleared_member,
        stakeholders=[defender],
        purpose="Defender safety",
        summary=f"{RESTRICTED_MARKER} threats after the march.",
        confidentiality=Engagement.Confidentiality.RESTRICTED,
    )
    return {"legal": legal, "objective": objective, "police": police, "council": council}


def test_anonymous_is_sent_to_login(client):
    for url in (URL, MINE):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_post_is_not_allowed(client, member):
    client.force_login(member)
    assert client.post(URL).status_code == 405
    assert client.post(MINE).status_code == 405


def test_a_cleared_member_sees_every_engagement_of_the_site_newest_first(
    client, cleared_member, logged
):
    client.force_login(cleared_member)
    response = client.get(URL)
    assert response.status_code == 200
    assert purposes(response) == [
        "Road dust",
        "Patrol briefing",
        "Defender safety",
        "Grievance mechanism",
    ]
    content = body(response)
    assert "4 engagements" in content
    assert "Baraka Mwaipopo" in content  # cleared: the name
    assert "Restricted</span>" in content


def test_each_row_links_to_its_engagement_and_marks_open_commitments(
    client, reviewer, site, logged
):
    client.force_login(reviewer)
    response = client.get(URL)
    content = body(response)
    for engagement in response.context["page_obj"]:
        assert f'href="{engagement.get_absolute_url()}"' in content
    assert content.count("Open commitments</span>") == 1  # the road's; the patrol's is done


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"date_from": "days:15"}, ["Road dust", "Patrol briefing"]),
        ({"date_to": "days:15"}, ["Defender safety", "Grievance mechanism"]),
        ({"date_from": "days:15", "date_to": "days:5"}, ["Patrol briefing"]),
        ({"category": "police-category"}, ["Patrol briefing"]),
        ({"stakeholder": "council"}, ["Road dust", "Patrol briefing", "Grievance mechanism"]),
        ({"stakeholder": "police"}, ["Patrol briefing"]),
        ({"function": "legal"}, ["Patrol briefing"]),
        ({"objective": "objective"}, ["Patrol briefing"]),
        ({"format": "workshop"}, ["Patrol briefing"]),
        ({"format": "community_meeting"}, ["Grievance mechanism"]),
        ({"confidentiality": "restricted"}, ["Defender safety"]),
        (
            {"confidentiality": "internal"},
            ["Road dust", "Patrol briefing", "Grievance mechanism"],
        ),
        ({"has_open_commitments": "yes"}, ["Road dust"]),
        (
            {"has_open_commitments": "no"},
            ["Patrol briefing", "Defender safety", "Grievance mechanism"],
        ),
        ({"q": "patrol"}, ["Patrol briefing"]),  # purpose
        ({"q": "TRUCKS"}, ["Road dust"]),  # summary, any case
        ({"q": "twice a day"}, ["Road dust"]),  # outcomes
        ({"q": "nothing like this"}, []),
        ({"q": "dust", "format": "meeting"}, ["Road dust"]),
    ],
)
def test_each_filter_narrows_the_list(client, cleared_member, site, logged, query, expected):
    values = {
        "police-category": logged["police"].category.pk,
        "police": logged["police"].pk,
        "council": logged["council"].pk,
        "legal": logged["legal"].pk,
        "objective": logged["objective"].pk,
    }
    resolved = {}
    for name, value in query.items():
        if value.startswith("days:"):
            value = days_ago(site, int(value[5:])).isoformat()
        resolved[name] = values.get(value, value)
    client.force_login(cleared_member)

    response = client.get(URL, resolved)

    assert response.status_code == 200
    assert purposes(response) == expected
    assert response.context["filter"].left_out == []
    assert response.context["page_obj"].paginator.count == len(expected)


def test_search_and_a_category_met_twice_list_an_engagement_once(client, member, site, council):
    other_council = StakeholderFactory(name="Elders' council", sites=[site])
    EngagementFactory(
        site=site,
        stakeholders=[council, other_council],
        purpose="Dust and water",
        summary="Dust again",
        outcomes="Less dust",
    )
    client.force_login(member)
    assert purposes(client.get(URL, {"q": "dust"})) == ["Dust and water"]
    category = council.category.pk
    assert purposes(client.get(URL, {"category": category})) == ["Dust and water"]
    assert "1 engagement match" in body(client.get(URL, {"category": category}))


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ({"date_from": "banana"}, "From"),
        ({"date_to": "2024-13-45"}, "To"),
        ({"format": "teleport"}, "Format"),
        ({"has_open_commitments": "maybe"}, "Open commitments"),
        ({"function": "not-a-number"}, "Lead function"),
        ({"objective": "999999"}, "Objective"),
    ],
)
def test_a_bad_filter_is_named_and_left_out_while_the_others_apply(
    client, cleared_member, logged, query, label
):
    client.force_login(cleared_member)
    response = client.get(URL, {**query, "q": "dust"})
    assert response.status_code == 200
    assert purposes(response) == ["Road dust"]
    content = body(response)
    assert "This filter was left out, the others still apply" in content
    assert f"<strong>{label}</strong>" in content


def test_pagination_keeps_the_filters(client, member, site, council):
    for number in range(30):
        EngagementFactory(site=site, stakeholders=[council], purpose=f"Meeting {number:02d}")
    EngagementFactory(site=site, format=Engagement.Format.SURVEY, purpose="Survey")
    client.force_login(member)

    first = client.get(URL, {"format": "meeting"})
    second = client.get(URL, {"format": "meeting", "page": 2})

    assert len(first.context["page_obj"]) == 25
    assert len(second.context["page_obj"]) == 5
    assert "30 engagements match" in body(first)
    assert "format=meeting&amp;page=2" in body(first)
    assert "Survey" not in purposes(first) + purposes(second)


class TestRestricted:
    """An uncleared member never meets a restricted engagement: not in rows, counts,
    search results or filter options."""

    def test_not_listed_nor_counted(self, client, member, logged):
        client.force_login(member)
        response = client.get(URL)
        assert purposes(response) == ["Road dust", "Patrol briefing", "Grievance mechanism"]
        content = body(response)
        assert RESTRICTED_MARKER not in content
        assert "Defender safety" not in content
        assert "3 engagements" in content
        assert "Restricted</span>" not in content

    @pytest.mark.parametrize(
        "query",
        [
            {"q": RESTRICTED_MARKER},
            {"q": "Restricted-44"},
            {"q": "march"},
            {"q": "Defender"},
            {"confidentiality": "restricted"},
            {"has_open_commitments": "no", "date_to": "2999-01-01"},
        ],
    )
    def test_nor_found_by_search_or_filter(self, client, member, logged, query):
        client.force_login(member)
        response = client.get(URL, query)
        assert "Defender safety" not in purposes(response)
        # What they typed comes back in the search box; nothing else of it.
        content = body(response).replace(f'value="{query.get("q")}"', "")
        assert RESTRICTED_MARKER not in content
        assert "Defender safety" not in content

    def test_restricted_is_not_offered_and_asking_for_it_is_left_out(self, client, member, logged):
        client.force_login(member)
        content = body(client.get(URL))
        assert [value for value, _ in select_options(content, "confidentiality")] == [
            "",
            "internal",
        ]
        response = client.get(URL, {"confidentiality": "restricted"})
        assert purposes(response) == ["Road dust", "Patrol briefing", "Grievance mechanism"]
        assert "<strong>Confidentiality</strong>" in body(response)

    def test_a_member_cleared_at_one_of_their_sites_is_offered_restricted(
        self, client, cleared_member, logged
    ):
        client.force_login(cleared_member)
        options = select_options(body(client.get(URL)), "confidentiality")
        assert [value for value, _ in options] == ["", "internal", "restricted"]

    def test_an_at_risk_stakeholder_is_offered_by_its_placeholder_after_the_others(
        self, client, member, logged, defender
    ):
        client.force_login(member)
        content = body(client.get(URL))
        assert "Baraka" not in content
        # The page draws only the empty option; the others come from the lookup.
        assert [label for _, label in select_options(content, "stakeholder")] == [
            "Any stakeholder"
        ]
        lookup = client.get(reverse("stakeholders:lookup"))
        assert "Baraka" not in lookup.content.decode()
        assert [row["text"] for row in lookup.json()["results"]] == [
            "District police command",
            "Mwanzo village council",
            f"Protected stakeholder S-{defender.pk:04d}",
        ]
        # A search never matches a hidden name.
        found = client.get(reverse("stakeholders:lookup"), {"q": "Baraka"}).json()
        assert found == {"results": []}

    def test_the_chosen_stakeholder_is_drawn_by_the_name_the_user_may_see(
        self, client, member, logged, defender
    ):
        client.force_login(member)
        content = body(client.get(URL, {"stakeholder": defender.pk}))
        assert "Baraka" not in content
        assert select_options(content, "stakeholder") == [
            ("", "Any stakeholder"),
            (str(defender.pk), f"Protected stakeholder S-{defender.pk:04d}"),
        ]
        # Filtering by it shows only what the member may see: nothing restricted.
        response = client.get(URL, {"stakeholder": defender.pk})
        assert purposes(response) == []
        assert RESTRICTED_MARKER not in body(response)

    def test_an_internal_engagement_with_an_at_risk_stakeholder_shows_the_placeholder(
        self, client, member, site, defender
    ):
        EngagementFactory(site=site, stakeholders=[defender], purpose="Open forum")
        client.force_login(member)
        content = body(client.get(URL))
        assert "Open forum" in content
        assert "Baraka" not in content
        assert f'<span class="identity-protected">Protected stakeholder S-{defender.pk:04d}' in (
            content
        )

    def test_a_placeholder_comes_after_the_names_so_its_place_gives_nothing_away(
        self, client, member, cleared_member, site, defender
    ):
        zebra = StakeholderFactory(name="Zebra crossing committee", sites=[site])
        aardvark = StakeholderFactory(name="Aardvark association", sites=[site])
        EngagementFactory(site=site, stakeholders=[zebra, defender, aardvark])
        client.force_login(member)
        [row] = client.get(URL).context["page_obj"]
        assert [s.pk for s in row.stakeholders.all()] == [aardvark.pk, zebra.pk, defender.pk]
        client.force_login(cleared_member)
        [row] = client.get(URL).context["page_obj"]
        assert [s.pk for s in row.stakeholders.all()] == [aardvark.pk, defender.pk, zebra.pk]

    def test_clearance_at_another_site_does_not_count(self, client, site, other_site, logged):
        user = member_of(site)
        user.site_memberships.create(site=other_site, cleared=True)
        client.force_login(user)
        response = client.get(URL, {"confidentiality": "restricted"})
        assert purposes(response) == []
        assert RESTRICTED_MARKER not in body(response)


class TestOtherSites:
    def test_an_outsider_sees_nothing_of_the_site(self, client, outsider, site, logged):
        EngagementFactory(site=outsider.site_memberships.get().site, purpose="Far valley talk")
        client.force_login(outsider)
        response = client.get(URL)
        assert purposes(response) == ["Far valley talk"]
        content = body(response)
        for text in ["Kisima", "Road dust", "Mwanzo", "District police", RESTRICTED_MARKER]:
            assert text not in content, text
        assert [label for _, label in select_options(content, "site")] == [
            "All my sites",
            "Far Valley Copper",
        ]
        assert select_options(content, "stakeholder") == [("", "Any stakeholder")]

    def test_another_sites_id_or_stakeholder_is_left_out(self, client, outsider, site, logged):
        client.force_login(outsider)
        for query in ({"site": site.pk}, {"stakeholder": logged["council"].pk}):
            response = client.get(URL, query)
            assert purposes(response) == []
            content = body(response)
            assert "This filter was left out" in content
            assert "Mwanzo" not in content
            assert "Kisima" not in content

    def test_a_superuser_sees_every_site(self, client, superuser, other_site, logged):
        EngagementFactory(site=other_site, purpose="Far valley talk")
        client.force_login(superuser)
        assert len(purposes(client.get(URL))) == 5


class TestMyFunction:
    def test_each_site_with_the_users_function_there(self, client, site, other_site):
        security = FunctionFactory(code="security")
        legal = FunctionFactory(code="legal")
        user = member_of(site)
        user.site_memberships.filter(site=site).update(function=security)
        user.site_memberships.create(site=other_site, function=legal)
        EngagementFactory(site=site, lead_function=security, purpose="Security here")
        EngagementFactory(site=site, lead_function=legal, purpose="Legal here")
        EngagementFactory(site=other_site, lead_function=legal, purpose="Legal there")
        EngagementFactory(site=other_site, lead_function=security, purpose="Security there")
        client.force_login(user)

        response = client.get(MINE)

        assert response.status_code == 200
        assert sorted(purposes(response)) == ["Legal there", "Security here"]
        content = body(response)
        assert "Security at Kisima Ridge Gold Mine" in content
        assert "Legal at Far Valley Copper" in content
        assert 'aria-current="page" href="/engagements/my-function/"' in content
        assert 'name="function"' not in content  # the function is theirs, not a filter

    def test_the_filters_still_narrow_it(self, client, site):
        security = FunctionFactory(code="security")
        user = member_of(site)
        user.site_memberships.update(function=security)
        EngagementFactory(
            site=site, lead_function=security, purpose="Old", date=days_ago(site, 90)
        )
        EngagementFactory(site=site, lead_function=security, purpose="New")
        client.force_login(user)
        response = client.get(MINE, {"date_from": days_ago(site, 30).isoformat()})
        assert purposes(response) == ["New"]

    def test_a_restricted_one_only_for_the_cleared(self, client, site):
        security = FunctionFactory(code="security")
        uncleared = member_of(site)
        cleared = member_of(site, cleared=True)
        SiteMembership.objects.filter(site=site).update(function=security)
        EngagementFactory(
            site=site,
            lead_function=security,
            purpose="Secret",
            summary=RESTRICTED_MARKER,
            confidentiality=Engagement.Confidentiality.RESTRICTED,
        )
        client.force_login(uncleared)
        response = client.get(MINE)
        assert purposes(response) == []
        assert RESTRICTED_MARKER not in body(response)
        client.force_login(cleared)
        assert purposes(client.get(MINE)) == ["Secret"]

    def test_a_user_with_no_function_is_told_so(self, client, member, site):
        EngagementFactory(site=site, purpose="Someone's meeting")
        client.force_login(member)
        response = client.get(MINE)
        assert response.status_code == 200
        assert purposes(response) == []
        assert "You have no function at any of your sites" in body(response)


class TestLogButton:
    def test_offered_to_those_who_may_log(self, client, member):
        client.force_login(member)
        assert f'href="{reverse("engagement:add")}">Log an engagement' in body(client.get(URL))

    def test_not_offered_to_a_reviewer(self, client, reviewer):
        client.force_login(reviewer)
        content = body(client.get(URL))
        assert "Log an engagement" not in content

    @pytest.mark.parametrize("url", [URL, MINE])
    def test_not_offered_to_whom_may_log_but_has_no_site(self, client, url):
        """A security manager whose role may log, but who is a member of no site: the
        button would lead to a refusal (403), so it is not there."""
        homeless = UserFactory(username="homeless", roles=["Security manager"])
        assert homeless.has_perm("engagement.add_engagement")
        client.force_login(homeless)
        assert "Log an engagement" not in body(client.get(url))
        assert client.get(reverse("engagement:add")).status_code == 403


# --- what an uncleared author keeps of an engagement restricted out of their sight -------


class TestFiledEngagements:
    """Engagements the user logged that are restricted now, where they are not cleared:
    listed with their date, format and site only."""

    HEADING = "Engagements you logged that are now restricted"

    def filed(self, site, author, *, days, format=Engagement.Format.WORKSHOP):
        return EngagementFactory(
            site=site,
            created_by=author,
            date=days_ago(site, days),
            format=format,
            purpose=f"{RESTRICTED_MARKER} purpose",
            summary=f"{RESTRICTED_MARKER} summary",
            confidentiality=Engagement.Confidentiality.RESTRICTED,
        )

    def section(self, response):
        match = re.search(
            r'<section[^>]*aria-labelledby="filed-heading".*?</section>', body(response), re.S
        )
        assert match, "no filed section"
        return match.group(0)

    def test_the_author_sees_date_format_and_site_only(
        self, client, member, cleared_member, site, logged
    ):
        first = self.filed(site, member, days=40, format=Engagement.Format.WORKSHOP)
        second = self.filed(site, member, days=20, format=Engagement.Format.SITE_VISIT)
        self.filed(site, cleared_member, days=30)  # a colleague's: not the member's
        client.force_login(member)
        response = client.get(URL)
        assert response.status_code == 200
        section = self.section(response)
        assert self.HEADING in section
        items = re.findall(r"<li>(.*?)</li>", section, re.S)
        assert len(items) == 2  # the member's two, not the colleague's
        assert '<span class="badge text-bg-secondary">2</span>' in section
        assert first.date.strftime("%-d %b %Y") in items[1]
        assert "Workshop" in items[1] and site.name in items[1]
        assert second.date.strftime("%-d %b %Y") in items[0]
        assert "Site visit" in items[0]
        # Nothing of their content, no way to them, and still not in the list itself.
        content = body(response)
        assert RESTRICTED_MARKER not in content
        for engagement in (first, second):
            assert engagement.get_absolute_url() not in content
        assert first.pk not in [engagement.pk for engagement in response.context["page_obj"]]

    def test_restricted_by_a_colleague_after_it_was_logged(
        self, client, member, cleared_member, site, council
    ):
        """Logged internal by the member; a cleared colleague restricts it and corrects
        its date: the member sees it filed, as they knew it."""
        SiteMembership.objects.filter(user=member).update(function=FunctionFactory(code="sec"))
        engagement = services.engagement_create(
            actor=member,
            site=site,
            data={
                "date": days_ago(site, 12),
                "format": Engagement.Format.MEETING,
                "purpose": f"{RESTRICTED_MARKER} purpose",
                "summary": "Talked",
            },
            stakeholders=[council],
        )
        client.force_login(member)
        assert self.HEADING not in body(client.get(URL))
        services.engagement_update(
            actor=cleared_member,
            engagement=engagement,
            data={
                "confidentiality": Engagement.Confidentiality.RESTRICTED,
                "date": days_ago(site, 11),
                "format": Engagement.Format.WORKSHOP,
            },
        )
        section = self.section(client.get(URL))
        assert days_ago(site, 12).strftime("%-d %b %Y") in section
        assert "Meeting" in section
        assert days_ago(site, 11).strftime("%-d %b %Y") not in section
        assert "Workshop" not in section
        assert RESTRICTED_MARKER not in section

    def test_nobody_else_sees_them(self, client, member, cleared_member, reviewer, site):
        self.filed(site, member, days=5)
        for user in (cleared_member, reviewer):  # the cleared see it in the list itself
            client.force_login(user)
            assert self.HEADING not in body(client.get(URL))

    def test_the_function_view_does_not_repeat_them(self, client, member, site):
        self.filed(site, member, days=5)
        client.force_login(member)
        assert self.HEADING not in body(client.get(MINE))

    @pytest.mark.parametrize("count", [5, 50])
    def test_one_query_whatever_their_number(
        self, client, member, site, count, django_assert_max_num_queries
    ):
        client.force_login(member)
        with django_assert_max_num_queries(TestQueryCount.MAX_QUERIES) as without:
            client.get(URL)
        for number in range(count):
            self.filed(site, member, days=number + 1)
        with django_assert_max_num_queries(len(without.captured_queries)) as captured:
            response = client.get(URL)
        assert len(re.findall(r"<li>", self.section(response))) == count
        assert len(captured.captured_queries) == len(without.captured_queries)


def test_the_navigation_marks_the_page(client, member):
    client.force_login(member)
    content = body(client.get(URL))
    assert re.search(r'nav-link active"\s+aria-current="page"\s+href="/engagements/"', content)


class TestQueryCount:
    def _engagements(self, site, count, stakeholders):
        objectives = list(EngagementObjective.objects.all()[:2])
        for number in range(count):
            engagement = EngagementFactory(
                site=site,
                stakeholders=stakeholders,
                purpose=f"Meeting {number}",
                confidentiality=(
                    Engagement.Confidentiality.RESTRICTED
                    if number % 3 == 0
                    else Engagement.Confidentiality.INTERNAL
                ),
            )
            engagement.objectives.add(*objectives)
            CommitmentFactory(engagement=engagement)

    # Every list page stays under this many queries, whatever it shows (issue 8).
    MAX_QUERIES = 14

    @pytest.mark.parametrize("url", [URL, MINE])
    @pytest.mark.parametrize("who", ["member", "cleared_member", "superuser"])
    @pytest.mark.parametrize("filters", ["search", "site", "choices"])
    def test_does_not_grow_with_the_engagements(
        self, client, request, site, defender, url, who, filters, django_assert_max_num_queries
    ):
        user = request.getfixturevalue(who)
        if who != "superuser":  # who has no membership, so no function of their own
            user.site_memberships.update(function=FunctionFactory(code="security"))
        people = [
            StakeholderFactory(sites=[site]),
            StakeholderFactory(sites=[site], kind=Stakeholder.Kind.PERSON, at_risk=True),
            defender,
        ]
        client.force_login(user)
        query = {
            "search": {"q": "meeting", "has_open_commitments": "yes"},
            "site": {"site": site.pk},
            # Every filter whose options are rows, each given one, the stakeholder too.
            "choices": {
                "site": site.pk,
                "stakeholder": people[1].pk,
                "category": people[1].category_id,
                "objective": EngagementObjective.objects.first().pk,
                "date_from": days_ago(site, 400).isoformat(),
            },
        }[filters]
        self._engagements(site, 5, people)
        client.get(url, query)  # the first search of a process asks if SQLite has its index
        with django_assert_max_num_queries(self.MAX_QUERIES) as few:
            response = client.get(url, query)
        assert not response.context["filter"].left_out
        expected = 0 if url == MINE and who == "superuser" else 5
        assert response.context["page_obj"].paginator.count in (expected, 3)
        self._engagements(site, 45, people)
        with django_assert_max_num_queries(self.MAX_QUERIES) as many:
            response = client.get(url, query)
        assert len(response.context["page_obj"]) == (0 if expected == 0 else 25)
        assert len(many.captured_queries) == len(few.captured_queries)
