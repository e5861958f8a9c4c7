"""Community perceptions: the quarterly trend arithmetic, who counts which findings (a
restricted engagement's only for the cleared, another site's never, a hidden community
under its placeholder), the perceptions page with its filters and bounded queries, the
dashboard's `indicator_summary`, and a community's own trend on its stakeholder page."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engagement import perceptions
from engagement.models import Engagement, Finding
from engagement.perceptions import Quarter
from stakeholders.models import Stakeholder
from tests.factories import (
    CategoryFactory,
    EngagementFactory,
    FindingFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("engagement:perceptions")
RESTRICTED = Engagement.Confidentiality.RESTRICTED
SATISFACTION = Finding.Indicator.SATISFACTION
ATTITUDE = Finding.Indicator.SECURITY_ATTITUDE
RELATIONSHIP = Finding.Indicator.PUBLIC_SECURITY_RELATIONSHIP
JUSTICE = Finding.Indicator.JUSTICE_CONFIDENCE
# A period that holds the known dataset, whatever today is.
PERIOD = {"date_from": "2026-01-01", "date_to": "2026-09-30"}


def finding(site, community, date, value, *, indicator=SATISFACTION, restricted=False):
    """A finding on `community` in an engagement of its own at `site` on `date`."""
    engagement = EngagementFactory(
        site=site,
        date=date,
        format=Engagement.Format.COMMUNITY_MEETING,
        confidentiality=RESTRICTED if restricted else Engagement.Confidentiality.INTERNAL,
        stakeholders=[community],
    )
    return FindingFactory(
        engagement=engagement,
        community=community,
        indicator=indicator,
        value=value,
        evidence="" if value is None else "What was said.",
    )


@pytest.fixture
def mwanzo(site):
    return StakeholderFactory(name="Mwanzo village", kind=Stakeholder.Kind.GROUP, sites=[site])


@pytest.fixture
def ilembo(site):
    return StakeholderFactory(name="Ilembo village", kind=Stakeholder.Kind.GROUP, sites=[site])


@pytest.fixture
def known(site, mwanzo, ilembo):
    """Mwanzo's satisfaction: 2 and 4 in 2026 Q1 (and once not discussed), 5 in Q2.
    Ilembo's: 1 in Q1. Mwanzo's attitude: 3 in Q1 and 3 in Q2 (steady); its relationship
    with public security: 4 in Q1, 2 in Q2 (down)."""
    finding(site, mwanzo, datetime.date(2026, 1, 15), 2)
    finding(site, mwanzo, datetime.date(2026, 3, 31), 4)
    finding(site, mwanzo, datetime.date(2026, 2, 10), None)  # not discussed
    finding(site, mwanzo, datetime.date(2026, 4, 1), 5)
    finding(site, ilembo, datetime.date(2026, 2, 20), 1)
    finding(site, mwanzo, datetime.date(2026, 2, 1), 3, indicator=ATTITUDE)
    finding(site, mwanzo, datetime.date(2026, 5, 1), 3, indicator=ATTITUDE)
    finding(site, mwanzo, datetime.date(2026, 2, 1), 4, indicator=RELATIONSHIP)
    finding(site, mwanzo, datetime.date(2026, 5, 1), 2, indicator=RELATIONSHIP)


def report_for(user, site, communities, **period):
    return {
        report.indicator: report
        for report in perceptions.perception_report(
            user=user, site=site, communities=communities, **period
        )
    }


def figures(trend):
    return [(point.quarter.label, round(point.mean, 3), point.count) for point in trend.points]


def line(report, label):
    return next(line for line in report.lines if line.label == label)


def get(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def table(content, indicator):
    """The rows of an indicator's table as text: {row header: [cells...]}."""
    block = content.split(f'id="table-{indicator}"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", block.split("<tbody>", 1)[1], re.DOTALL):
        cells = [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)
        ]
        rows[cells[0]] = cells[1:]
    return rows


def chart(response, indicator):
    """The chart data of an indicator, as the page's JSON carries it: {label: series}."""
    data = json.loads(
        re.search(
            r'<script id="perception-data" type="application/json">(.*?)</script>',
            response.content.decode(),
            re.DOTALL,
        ).group(1)
    )
    charts = {chart["indicator"]: chart for chart in data["charts"]}
    return {series["label"]: series for series in charts[indicator]["series"]}


# --- the arithmetic ---


def test_quarters():
    assert Quarter.of(datetime.date(2026, 3, 31)) == Quarter(2026, 1)
    assert Quarter.of(datetime.date(2026, 4, 1)) == Quarter(2026, 2)
    assert Quarter(2026, 1).shifted(-1) == Quarter(2025, 4)
    assert Quarter(2025, 4).shifted(1) == Quarter(2026, 1)
    assert Quarter(2026, 3).first_day == datetime.date(2026, 7, 1)
    assert Quarter(2026, 4).last_day == datetime.date(2026, 12, 31)
    assert Quarter(2026, 3).label == "2026 Q3"
    # The default period: the eight quarters up to today.
    assert perceptions.default_period(datetime.date(2026, 11, 26)) == (
        datetime.date(2025, 1, 1),
        datetime.date(2026, 11, 26),
    )


def test_trend_arithmetic_on_a_known_dataset(known, site, member, mwanzo, ilembo):
    communities = list(perceptions.community_list(user=member, site=site))
    reports = report_for(
        member,
        site,
        communities,
        date_from=datetime.date(2026, 1, 1),
        date_to=datetime.date(2026, 6, 30),
    )
    satisfaction = reports[SATISFACTION]
    assert [quarter.label for quarter in satisfaction.axis] == ["2026 Q1", "2026 Q2"]

    mine = line(satisfaction, "Mwanzo village").trend
    assert figures(mine) == [("2026 Q1", 3.0, 2), ("2026 Q2", 5.0, 1)]  # not discussed left out
    assert mine.latest.display == "5.0 (n=1)"
    assert mine.previous.quarter.label == "2026 Q1"
    assert mine.change == pytest.approx(2.0)
    assert mine.direction == "up"
    assert mine.change_display == "+2.0"

    theirs = line(satisfaction, "Ilembo village").trend
    assert figures(theirs) == [("2026 Q1", 1.0, 1)]
    assert theirs.change is None and theirs.direction is None

    overall = line(satisfaction, "All communities")
    assert overall.overall and satisfaction.lines[0] is overall
    assert figures(overall.trend) == [("2026 Q1", 2.333, 3), ("2026 Q2", 5.0, 1)]

    attitude = line(reports[ATTITUDE], "Mwanzo village").trend
    assert figures(attitude) == [("2026 Q1", 3.0, 1), ("2026 Q2", 3.0, 1)]
    assert attitude.direction == "steady"
    assert line(reports[RELATIONSHIP], "Mwanzo village").trend.direction == "down"
    assert not reports[JUSTICE].has_findings


def test_findings_fall_in_the_calendar_quarter_of_their_date(site, member, mwanzo):
    """The database groups by quarter (natively on each engine): its edges are the
    calendar's, across a year's end too."""
    for date, value in [
        (datetime.date(2025, 12, 31), 1),
        (datetime.date(2026, 1, 1), 2),
        (datetime.date(2026, 3, 31), 4),
        (datetime.date(2026, 4, 1), 5),
        (datetime.date(2026, 9, 30), 3),
        (datetime.date(2026, 10, 1), 1),
    ]:
        finding(site, mwanzo, date, value)
    series = perceptions.quarterly(perceptions.counted_finding_list(user=member, site=site))
    assert [
        (str(point.quarter), point.mean, point.count) for point in series[(SATISFACTION,)].points
    ] == [
        ("2025 Q4", 1.0, 1),
        ("2026 Q1", 3.0, 2),
        ("2026 Q2", 5.0, 1),
        ("2026 Q3", 3.0, 1),
        ("2026 Q4", 1.0, 1),
    ]


def test_direction_threshold():
    assert perceptions.direction(None) is None
    assert perceptions.direction(0.24) == "steady"
    assert perceptions.direction(-0.24) == "steady"
    assert perceptions.direction(0.25) == "up"
    assert perceptions.direction(-0.25) == "down"


def test_the_change_is_between_the_means_as_shown():
    q1, q2 = Quarter(2026, 1), Quarter(2026, 2)
    trend = perceptions.Trend([perceptions.Point(q1, 3.24, 5), perceptions.Point(q2, 3.46, 5)])
    assert (trend.previous.display, trend.latest.display) == ("3.2 (n=5)", "3.5 (n=5)")
    assert trend.change == 0.3 and trend.change_display == "+0.3"
    assert trend.direction == "up"
    # 3.04 to 3.26 reads "3.0", "3.3": its direction follows the "+0.3" shown.
    shown = perceptions.Trend([perceptions.Point(q1, 3.04, 5), perceptions.Point(q2, 3.26, 5)])
    assert shown.change == 0.3 and shown.direction == "up"


def test_a_long_period_shows_only_quarters_with_findings(site, member, mwanzo):
    finding(site, mwanzo, datetime.date(2020, 2, 1), 2)
    finding(site, mwanzo, datetime.date(2026, 2, 1), 4)
    reports = report_for(
        member,
        site,
        [mwanzo],
        date_from=datetime.date(2020, 1, 1),
        date_to=datetime.date(2026, 6, 30),
    )
    assert [quarter.label for quarter in reports[SATISFACTION].axis] == ["2020 Q1", "2026 Q1"]


# --- who counts what ---


@pytest.fixture
def restricted(known, site, mwanzo):
    """A restricted community meeting in 2026 Q1 where Mwanzo said 1 on satisfaction."""
    return finding(site, mwanzo, datetime.date(2026, 3, 1), 1, restricted=True)


def test_restricted_findings_count_only_for_the_cleared(
    client, restricted, member, cleared_member
):
    uncleared = get(client, member, **PERIOD)
    rows = table(uncleared.content.decode(), SATISFACTION)
    assert rows["Mwanzo village"][:2] == ["3.0 (n=2)", "5.0 (n=1)"]
    assert rows["All communities"][:2] == ["2.3 (n=3)", "5.0 (n=1)"]
    assert chart(uncleared, SATISFACTION)["Mwanzo village"]["means"][:2] == [3.0, 5.0]
    assert chart(uncleared, SATISFACTION)["Mwanzo village"]["counts"][:2] == [2, 1]
    assert "some findings may not be counted" in uncleared.content.decode()

    cleared = get(client, cleared_member, **PERIOD)
    rows = table(cleared.content.decode(), SATISFACTION)
    assert rows["Mwanzo village"][:2] == ["2.3 (n=3)", "5.0 (n=1)"]  # (2 + 4 + 1) / 3
    assert rows["All communities"][:2] == ["2.0 (n=4)", "5.0 (n=1)"]  # (2 + 4 + 1 + 1) / 4
    assert chart(cleared, SATISFACTION)["Mwanzo village"]["means"][:2] == [2.33, 5.0]
    assert chart(cleared, SATISFACTION)["Mwanzo village"]["counts"][:2] == [3, 1]
    assert "some findings may not be counted" not in cleared.content.decode()
    assert "are counted here because you are cleared" in cleared.content.decode()


def test_restricted_findings_and_indicator_summary(restricted, site, member, cleared_member):
    today = datetime.date(2026, 2, 28)  # before the restricted meeting's quarter ends
    uncleared = perceptions.indicator_summary(user=member, site=site, today=today)[0]
    cleared = perceptions.indicator_summary(
        user=cleared_member, site=site, today=datetime.date(2026, 3, 1)
    )[0]
    assert (uncleared.latest_mean, uncleared.latest_count) == (1.5, 2)  # 2 and Ilembo's 1
    assert cleared.latest_count == 3 and cleared.latest_mean == pytest.approx(4 / 3)


def test_a_hidden_community_shows_under_its_placeholder(
    client, site, member, cleared_member, mwanzo
):
    hidden = StakeholderFactory(
        name="Kijiji cha Siri", kind=Stakeholder.Kind.GROUP, at_risk=True, sites=[site]
    )
    finding(site, hidden, datetime.date(2026, 2, 1), 2)
    finding(site, mwanzo, datetime.date(2026, 2, 1), 4)
    placeholder = f"Protected stakeholder S-{hidden.pk:04d}"

    response = get(client, member, **PERIOD)
    content = response.content.decode()
    assert "Kijiji" not in content
    assert table(content, SATISFACTION)[placeholder][0] == "2.0 (n=1)"
    assert placeholder in chart(response, SATISFACTION)
    # In the community filter's lookup too, after the names.
    lookup = client.get(
        reverse("stakeholders:lookup"), {"communities": "1", "site": site.pk}
    ).json()
    options = [row["text"] for row in lookup["results"]]
    assert options.index("Mwanzo village") < options.index(placeholder)
    assert "Kijiji" not in str(lookup)
    assert "Kijiji" not in get(client, member, community=hidden.pk, **PERIOD).content.decode()

    content = get(client, cleared_member, **PERIOD).content.decode()
    assert table(content, SATISFACTION)["Kijiji cha Siri"][0] == "2.0 (n=1)"


def test_another_sites_findings_are_never_shown(
    client, site, other_site, member, outsider, mwanzo
):
    finding(site, mwanzo, datetime.date(2026, 2, 1), 4)
    elsewhere = StakeholderFactory(name="Chambishi settlement", sites=[other_site])
    finding(other_site, elsewhere, datetime.date(2026, 2, 1), 1)

    content = get(client, member, **PERIOD).content.decode()
    assert "Chambishi" not in content and "Far Valley" not in content
    assert table(content, SATISFACTION)["All communities"][0] == "4.0 (n=1)"

    # Asking for the other site: named as left out, the member's own site shown.
    response = get(client, member, site=other_site.pk, **PERIOD)
    content = response.content.decode()
    assert "Chambishi" not in content
    assert "left out" in content and response.context["site"] == site
    assert table(content, SATISFACTION)["All communities"][0] == "4.0 (n=1)"
    # Nor counted anywhere for them: another site's community, even named.
    content = get(client, member, community=elsewhere.pk, **PERIOD).content.decode()
    assert "Chambishi" not in content and "left out" in content

    content = get(client, outsider, **PERIOD).content.decode()
    assert "Mwanzo" not in content and "Chambishi settlement" in content


def test_communities_of_the_users_sites_only(site, other_site, member, superuser):
    """A finding on a stakeholder of no site of the user's does not count, even at their
    site; nor does one on a stakeholder that is no community."""
    stranger = StakeholderFactory(name="Stranger", sites=[other_site])
    police = StakeholderFactory(
        name="Police post",
        category=CategoryFactory(code="public-security-providers"),
        sites=[site],
    )
    finding(site, stranger, datetime.date(2026, 2, 1), 1)
    finding(site, police, datetime.date(2026, 2, 1), 1)
    assert not perceptions.counted_finding_list(user=member, site=site).exists()
    assert perceptions.counted_finding_list(user=superuser, site=site).count() == 1  # the stranger


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.post(URL).status_code == 302


def test_post_is_not_allowed(client, member):
    client.force_login(member)
    assert client.post(URL).status_code == 405


# --- the page ---


def test_empty_state(client, site, member, mwanzo):
    content = get(client, member).content.decode()
    assert "No perception finding you may see at Kisima Ridge Gold Mine" in content
    assert "Community perceptions" in content and "perception-data" not in content
    assert "chart.umd.js" not in content


def test_a_user_of_no_site(client, db):
    from tests.factories import UserFactory

    lonely = UserFactory(username="lonely", roles=["Reviewer"])
    content = get(client, lonely).content.decode()
    assert "You belong to no site yet" in content


def test_default_period_is_the_last_eight_quarters(client, site, member, mwanzo):
    today = site.today()
    finding(site, mwanzo, today - datetime.timedelta(days=3), 4)
    finding(site, mwanzo, Quarter.of(today).shifted(-8).last_day, 1)  # just before
    response = get(client, member)
    rows = table(response.content.decode(), SATISFACTION)
    assert len(response.context["reports"][0].axis) == 8
    assert rows["Mwanzo village"][-2] == f"4.0 (n=1) {Quarter.of(today).label}"
    assert "(n=1)" not in rows["Mwanzo village"][0]
    assert response.context["filtered"] is False


def test_latest_and_change_are_shown_with_words(client, known, member):
    rows = table(get(client, member, **PERIOD).content.decode(), SATISFACTION)
    assert rows["Mwanzo village"][-2:] == ["5.0 (n=1) 2026 Q2", "▲ up +2.0 from 2026 Q1"]
    assert rows["Ilembo village"][-1] == "no earlier quarter to compare"
    rows = table(get(client, member, **PERIOD).content.decode(), RELATIONSHIP)
    assert rows["Mwanzo village"][-1] == "▼ down -2.0 from 2026 Q1"
    rows = table(get(client, member, **PERIOD).content.decode(), ATTITUDE)
    assert rows["Mwanzo village"][-1] == "▶ steady (+0.0) from 2026 Q1"


def test_filter_by_period(client, known, member):
    response = get(client, member, date_from="2026-04-01", date_to="2026-06-30")
    rows = table(response.content.decode(), SATISFACTION)
    assert rows["Mwanzo village"] == [
        "5.0 (n=1)",
        "5.0 (n=1) 2026 Q2",
        "no earlier quarter to compare",
    ]
    assert "Ilembo village" not in rows  # no finding in the period
    assert response.context["filtered"] is True


def test_filter_by_community(client, known, member, mwanzo):
    response = get(client, member, community=mwanzo.pk, **PERIOD)
    rows = table(response.content.decode(), SATISFACTION)
    assert set(rows) == {"All communities", "Mwanzo village"}
    assert rows["All communities"][0] == "2.3 (n=3)"  # the whole site, for comparison
    assert set(chart(response, SATISFACTION)) == {"All communities", "Mwanzo village"}


def test_bad_filter_values_are_named_and_left_out(client, known, member):
    response = get(client, member, date_from="banana", date_to="2026-03-31", community="999999")
    content = response.content.decode()
    assert "These filters were left out" in content
    left_out = dict(response.context["filter"].left_out)
    assert {"From", "Community"} <= set(left_out)
    rows = table(content, SATISFACTION)  # the date_to still applies
    assert rows["Mwanzo village"][-2] == "3.0 (n=2) 2026 Q1"
    assert "Ilembo village" in rows


def test_communities_are_paginated(client, site, member):
    for number in range(10):
        community = StakeholderFactory(name=f"Village {number:02d}", sites=[site])
        finding(site, community, datetime.date(2026, 2, 1), 3)
    first = table(get(client, member, **PERIOD).content.decode(), SATISFACTION)
    assert len(first) == 1 + 8 and "Village 07" in first and "Village 08" not in first
    assert first["All communities"][0] == "3.0 (n=10)"
    second = table(get(client, member, page=2, **PERIOD).content.decode(), SATISFACTION)
    assert set(second) == {"All communities", "Village 08", "Village 09"}


def test_a_superuser_pages_through_the_communities_too(client, site, superuser):
    """A superuser sees every name: their communities are ordered by name alone."""
    for number in (3, 1, 9, 2, 8, 4, 7, 6, 5, 0):
        community = StakeholderFactory(name=f"Village {number}", sites=[site])
        finding(site, community, datetime.date(2026, 2, 1), 3)
    response = get(client, superuser, site=site.pk, page=2, **PERIOD)
    assert "10 communities with findings" in response.content.decode()
    second = table(response.content.decode(), SATISFACTION)
    assert set(second) == {"All communities", "Village 8", "Village 9"}


def _queries(client, user, **params):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(queries)


def _grow(site, communities, findings_each):
    for _number in range(communities):
        community = StakeholderFactory(sites=[site], at_risk=_number % 3 == 0)
        for month in range(findings_each):
            for indicator in Finding.Indicator.values:
                finding(
                    site, community, datetime.date(2026, 1 + month * 2, 5), 3, indicator=indicator
                )


def test_query_count_does_not_grow_with_findings_or_communities(client, site, member):
    _grow(site, 5, 1)
    few = _queries(client, member, **PERIOD)
    _grow(site, 45, 2)
    many = _queries(client, member, **PERIOD)
    assert few == many, f"{few} queries with 5, {many} with 50"
    assert many <= 14


# --- the dashboard's summary ---


def test_indicator_summary_on_a_known_dataset(known, site, member, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        summary = perceptions.indicator_summary(
            user=member, site=site, today=datetime.date(2026, 8, 1)
        )
    assert [item.indicator for item in summary] == list(Finding.Indicator.values)
    satisfaction, attitude, relationship, justice = summary
    assert satisfaction.label == "Satisfaction with the site"
    assert (satisfaction.latest_mean, satisfaction.latest_count) == (5.0, 1)
    assert satisfaction.latest_quarter == "2026 Q2"
    assert satisfaction.previous_mean == pytest.approx(7 / 3)
    assert satisfaction.previous_quarter == "2026 Q1"
    assert satisfaction.change == 2.7  # 5.0 against 2.3, as shown (not 5 - 7 / 3)
    assert satisfaction.trend == "up"
    assert satisfaction.url == f"{URL}?site={site.pk}"
    assert attitude.trend == "steady" and attitude.change == 0
    assert relationship.trend == "down" and relationship.change == -2
    assert justice.latest_mean is None and justice.latest_count == 0
    assert justice.latest_quarter is None and justice.change is None and justice.trend is None

    # Up to `today`: the second quarter is not in yet.
    early = perceptions.indicator_summary(user=member, site=site, today=datetime.date(2026, 3, 31))
    assert (early[0].latest_quarter, early[0].latest_count, early[0].previous_mean) == (
        "2026 Q1",
        3,
        None,
    )


def test_indicator_summary_for_nobody(known, site, outsider):
    assert all(
        item.latest_mean is None
        for item in perceptions.indicator_summary(user=outsider, site=site)
    )


# --- a community's stakeholder page ---


def test_a_communitys_own_trend_on_its_page(client, restricted, member, cleared_member, mwanzo):
    client.force_login(member)
    content = client.get(mwanzo.get_absolute_url()).content.decode()
    assert "Perception trend" in content
    rows = table(content, "perception-trend")
    assert rows["Satisfaction with the site"][:2] == ["3.0 (n=2)", "5.0 (n=1)"]
    assert rows["Satisfaction with the site"][-1] == "▲ up +2.0 from 2026 Q1"
    assert rows["Attitude towards site security"][:2] == ["3.0 (n=1)", "3.0 (n=1)"]
    assert "count only for users cleared at the community" in content
    assert 'data-source="perception-trend-data"' in content

    client.force_login(cleared_member)
    rows = table(client.get(mwanzo.get_absolute_url()).content.decode(), "perception-trend")
    assert rows["Satisfaction with the site"][:2] == ["2.3 (n=3)", "5.0 (n=1)"]


def test_a_community_without_findings(client, member, mwanzo):
    client.force_login(member)
    content = client.get(mwanzo.get_absolute_url()).content.decode()
    assert "No perception finding on this community that you may see yet" in content


def test_the_trend_chart_scripts_load_once_after_the_page(client, restricted, member, mwanzo):
    client.force_login(member)
    content = client.get(mwanzo.get_absolute_url()).content.decode()
    assert content.count("chart.umd.js") == 1 and content.count("js/perceptions.js") == 1
    assert content.index("</main>") < content.index("chart.umd.js")


def test_no_chart_scripts_without_a_chart(client, member, mwanzo):
    client.force_login(member)
    content = client.get(mwanzo.get_absolute_url()).content.decode()
    assert "chart.umd.js" not in content and "js/perceptions.js" not in content


def test_no_trend_for_other_stakeholders(client, site, member):
    police = StakeholderFactory(
        name="Police post",
        category=CategoryFactory(code="public-security-providers"),
        sites=[site],
    )
    client.force_login(member)
    content = client.get(police.get_absolute_url()).content.decode()
    assert "Perception trend" not in content


def test_a_hidden_communitys_page_trend(client, site, member):
    hidden = StakeholderFactory(name="Kijiji cha Siri", at_risk=True, sites=[site])
    finding(site, hidden, datetime.date(2026, 2, 1), 2)
    client.force_login(member)
    content = client.get(hidden.get_absolute_url()).content.decode()
    assert "Kijiji" not in content
    assert table(content, "perception-trend")["Satisfaction with the site"][0] == "2.0 (n=1)"


def test_a_communitys_page_queries_do_not_grow_with_findings(client, site, member, mwanzo):
    def count():
        client.force_login(member)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(mwanzo.get_absolute_url())
        assert response.status_code == 200 and "Perception trend" in response.content.decode()
        return len(queries)

    finding(site, mwanzo, datetime.date(2026, 2, 1), 3)
    few = count()
    for month in range(1, 12):
        for indicator in Finding.Indicator.values:
            finding(site, mwanzo, datetime.date(2025, month, 3), 4, indicator=indicator)
    assert count() == few
