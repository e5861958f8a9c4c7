"""The engagement list's free-text search (`engagement.search`): what it finds, on each of its
ways (on SQLite the trigram index for a rare term, the rows read in order for a common
one, the rows alone for a term under three characters), and how a searched list is
counted (up to `SEARCH_COUNT_LIMIT`, then "more than")."""

import csv
import io
import re

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engagement import search
from engagement.models import Engagement
from stakeholders import filters
from tests.conftest import member_of
from tests.factories import EngagementFactory, FunctionFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

URL = reverse("engagement:list")
MINE = reverse("engagement:mine")


def text(purpose="Quarterly meeting", summary="Nothing to note.", outcomes=""):
    return {"purpose": purpose, "summary": summary, "outcomes": outcomes}


def found(client, user, term, url=URL):
    client.force_login(user)
    response = client.get(url, {"q": term})
    assert response.status_code == 200
    return [engagement.purpose for engagement in response.context["page_obj"]]


def counted(response):
    """The figure by the heading: "3 engagements match", "More than 2 engagements match"."""
    content = response.content.decode()
    match = re.search(r'<span class="text-body-secondary">\s*(.*?)\s*</span>', content, re.S)
    return " ".join(match.group(1).split())


@pytest.fixture(params=["rare", "common"])
def way(request, monkeypatch):
    """The two ways of a term of three characters or more. On SQLite: "rare", through the
    trigram index; "common" (found in at least COMMON_MATCHES engagements), the rows read
    in the list's order. PostgreSQL has one way (its trigram indexes serve `icontains`)."""
    if request.param == "common":
        monkeypatch.setattr(search, "COMMON_MATCHES", 1)
    return request.param


@pytest.mark.parametrize(
    ("field", "value", "term"),
    [
        ("purpose", "Borehole maintenance", "REHOLE m"),
        ("summary", "The water kiosk queue is long.", "KIOSK Q"),
        ("outcomes", "Fence repaired by Friday.", "ce REP"),
        # Under three characters: the rows are read.
        ("purpose", "Xq pump handover", "xQ"),
        ("summary", "Qj drill visit.", "qJ"),
        ("outcomes", "Jz tanks delivered.", "JZ"),
    ],
)
def test_a_part_of_any_field_in_any_case_finds_it(client, member, site, way, field, value, term):
    wanted = EngagementFactory(site=site, **{**text(), field: value})
    EngagementFactory(site=site, **text(purpose="Other"))
    assert found(client, member, term) == [wanted.purpose]
    assert found(client, member, term, url=MINE) == []  # no function of theirs: nothing


def test_a_common_term_reads_the_rows_and_a_rare_one_the_index(site, monkeypatch):
    """On SQLite a term the index finds in fewer than COMMON_MATCHES engagements is looked
    up there; elsewhere the one `icontains` condition serves every term."""
    EngagementFactory(site=site, **text(purpose="Dust"))
    rows = Engagement.objects.all()

    def sql(term):
        return str(search.matching(rows, term).query)

    assert "MATCH" not in sql("du")
    assert ("MATCH" in sql("dust")) == (connection.vendor == "sqlite")
    monkeypatch.setattr(search, "COMMON_MATCHES", 1)
    assert "MATCH" not in sql("dust")
    assert list(search.matching(rows, "DUS").values_list("purpose", flat=True)) == ["Dust"]


def test_an_edited_engagement_is_found_by_its_new_text_not_its_old(client, member, site, way):
    engagement = EngagementFactory(site=site, **text(purpose="Road dust", outcomes="Water it"))
    engagement.purpose = "Road noise"
    engagement.outcomes = "Night hauling stops"
    engagement.save()
    assert found(client, member, "dust") == []
    assert found(client, member, "water it") == []
    assert found(client, member, "noise") == ["Road noise"]
    assert found(client, member, "hauling") == ["Road noise"]
    # A change of its other fields (no text among them) leaves its text found.
    Engagement.objects.filter(pk=engagement.pk).update(format=Engagement.Format.WORKSHOP)
    assert found(client, member, "noise") == ["Road noise"]


def test_a_deleted_engagement_is_not_found(client, member, site, way):
    kept = EngagementFactory(site=site, **text(purpose="Kept kiosk"))
    EngagementFactory(site=site, **text(purpose="Gone kiosk")).delete()
    assert found(client, member, "kiosk") == [kept.purpose]


SYNTAX = [
    '"',
    '""',
    '"gate',
    'gate"',
    '""NEAR(',
    "OR",
    "gate OR fence",
    "NEAR(",
    "NEAR(gate fence)",
    "-fence",
    "'",
    "it's",
    "gate*",
    "*",
    "^gate",
    "purpose:",
    "purpose: gate",
    "{purpose summary}: gate",
    "(gate)",
    "AND",
    "NOT gate",
    "%",
    "_",
    "\\",
    "gate + fence",
]


@pytest.mark.parametrize("term", SYNTAX)
def test_a_term_is_taken_literally(client, member, site, way, term):
    """What the index would read as query syntax is text to find: it finds the
    engagements that contain it, as written, and never fails."""
    literal = EngagementFactory(
        site=site,
        **text(
            purpose="Literal",
            summary=(
                'He said "gate OR fence" and ""NEAR(gate fence)"" -fence; it\'s gate* ^gate '
                "purpose: gate {purpose summary}: gate (gate) AND NOT gate 100% a_b \\ "
                'gate + fence, the "gate" sign'
            ),
        ),
    )
    plain = EngagementFactory(site=site, **text(purpose="Plain", summary="The gate and fence."))
    expected = [
        engagement.purpose
        for engagement in (literal, plain)
        if term.lower() in (engagement.purpose + engagement.summary).lower()
    ]
    assert sorted(found(client, member, term)) == sorted(expected)
    assert "Literal" in expected


class TestRestricted:
    """A restricted engagement is searched only for those cleared at its site: an
    uncleared member neither finds it nor counts it, capped or not."""

    @pytest.fixture
    def logged(self, site, cleared_member):
        EngagementFactory(site=site, created_by=cleared_member, **text(purpose="Water kiosk"))
        EngagementFactory(
            site=site,
            created_by=cleared_member,
            confidentiality=Engagement.Confidentiality.RESTRICTED,
            **text(purpose="Defender", summary="Threats near the water kiosk."),
        )

    @pytest.mark.parametrize(
        ("term", "uncleared", "cleared"),
        [
            ("kiosk", "1 engagement match", "2 engagements match"),
            ("Threats", "0", "1"),
            ("ea", "0", "1"),
        ],
    )
    def test_not_found_nor_counted_by_the_uncleared(
        self, client, member, cleared_member, logged, way, term, uncleared, cleared
    ):
        client.force_login(member)
        response = client.get(URL, {"q": term})
        assert "Defender" not in [
            engagement.purpose for engagement in response.context["page_obj"]
        ]
        assert counted(response).startswith(uncleared)
        client.force_login(cleared_member)
        response = client.get(URL, {"q": term})
        assert "Defender" in [engagement.purpose for engagement in response.context["page_obj"]]
        assert counted(response).startswith(cleared)

    def test_nor_by_the_capped_count(self, client, member, cleared_member, logged, monkeypatch):
        monkeypatch.setattr(filters, "SEARCH_COUNT_LIMIT", 1)
        client.force_login(member)
        assert counted(client.get(URL, {"q": "kiosk"})) == "1 engagement match"
        client.force_login(cleared_member)
        assert counted(client.get(URL, {"q": "kiosk"})) == "More than 1 engagement matches"


class TestCappedCount:
    """A searched list counts up to SEARCH_COUNT_LIMIT matches; its pages go up to there."""

    @pytest.fixture
    def many(self, site, monkeypatch):
        monkeypatch.setattr(filters, "SEARCH_COUNT_LIMIT", 26)
        for number in range(30):
            EngagementFactory(site=site, **text(purpose=f"Kiosk visit {number}"))
        EngagementFactory(site=site, **text(purpose="Patrol"))

    def test_more_than_the_limit_says_more_than(self, client, member, many):
        client.force_login(member)
        response = client.get(URL, {"q": "kiosk"})
        assert counted(response) == "More than 26 engagements match"
        assert response.context["page_obj"].paginator.num_pages == 2
        assert "Page 1 of 2" in response.content.decode()
        last = client.get(URL, {"q": "kiosk", "page": "2"})
        assert len(last.context["page_obj"]) == 1
        assert "These are the first 26 matches" in last.content.decode()
        # Asked past the cap: the last page up to it.
        assert client.get(URL, {"q": "kiosk", "page": "9"}).context["page_obj"].number == 2

    def test_the_last_page_up_to_a_thousand_says_so(self, member):
        paginator = filters.CappedPaginator(Engagement.objects.order_by("pk"), 25, limit=1000)
        paginator._counted = 1001  # more than the limit, without writing 1,001 rows
        assert paginator.capped
        assert (paginator.count, paginator.num_pages) == (1000, 40)
        content = render_to_string(
            "includes/_pagination.html", {"page_obj": paginator.page(40), "query": "q=x"}
        )
        assert "Page 40 of 40" in content
        assert "These are the first 1,000 matches" in content

    def test_up_to_the_limit_the_count_is_exact(self, client, member, many):
        client.force_login(member)
        assert counted(client.get(URL, {"q": "visit 1"})) == "11 engagements match"

    def test_without_a_search_the_count_is_exact(self, client, member, many):
        client.force_login(member)
        assert counted(client.get(URL)) == "31 engagements"
        assert counted(client.get(URL, {"format": "meeting"})) == "31 engagements match"
        assert counted(client.get(URL, {"q": "  "})) == "31 engagements"

    def test_an_export_is_not_capped(self, client, cleared_member, many):
        client.force_login(cleared_member)
        response = client.get(
            reverse("engagement:export", args=["engagements", "csv"]), {"q": "kiosk"}
        )
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode()[1:])))
        assert len(rows) == 1 + 30

    def test_the_registry_too(self, client, member, site, defender, monkeypatch):
        monkeypatch.setattr(filters, "SEARCH_COUNT_LIMIT", 1)
        StakeholderFactory(name="Mwanzo kiosk committee", sites=[site])
        client.force_login(member)
        url = reverse("stakeholders:list")
        # The hidden defender's location is "Mwanzo village": never matched, never counted.
        assert counted(client.get(url, {"q": "mwanzo"})) == "1 stakeholder match"
        StakeholderFactory(name="Mwanzo water board", sites=[site])
        assert counted(client.get(url, {"q": "mwanzo"})) == "More than 1 stakeholder matches"
        assert counted(client.get(url)) == "3 stakeholders"


@pytest.mark.parametrize("url", [URL, MINE])
def test_a_search_costs_the_same_queries_however_many_match(client, site, url):
    """A searched page: a fixed number of queries, at most one more than the list without
    a search (the index's look at how common the term is, on SQLite)."""
    function = FunctionFactory(code="security")
    user = member_of(site, username="searcher")
    user.site_memberships.update(function=function)
    client.force_login(user)

    def log(count):
        for _number in range(count):
            EngagementFactory(site=site, lead_function=function, **text(purpose="Water kiosk"))

    log(3)
    client.get(url, {"q": "kiosk"})  # whatever is looked up once per process
    with CaptureQueriesContext(connection) as plain:
        client.get(url)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url, {"q": "kiosk"})
    assert response.context["page_obj"].paginator.count == 3
    log(40)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, {"q": "kiosk"})
    assert len(response.context["page_obj"]) == 25
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(few.captured_queries) <= len(plain.captured_queries) + 1
