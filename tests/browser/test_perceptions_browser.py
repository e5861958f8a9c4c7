"""A community liaison officer's walk through community perceptions in the system Chromium:
the perceptions page's tables and charts, then findings recorded on a community meeting
through its edit page, and the table and the chart's data changed to match."""

import datetime

import pytest

from engagement.models import Engagement, Finding
from engagement.perceptions import Quarter
from stakeholders.models import Function, Stakeholder, StakeholderCategory
from tests.browser.conftest import blocking_violations, logged_in_page, session_cookie
from tests.factories import (
    EngagementFactory,
    FindingFactory,
    MembershipFactory,
    SiteFactory,
    StakeholderFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def communities(transactional_db):
    """A site's two communities with last quarter's findings, and this quarter's community
    meeting with Mwanzo that the CLO logged, still without findings. Made before
    Playwright starts (see tests/browser/conftest.py)."""
    site = SiteFactory(name="Kisima Ridge Gold Mine", time_zone="Africa/Dar_es_Salaam")
    relations = Function.objects.get(code="community-relations")
    clo = UserFactory(
        username="neema",
        first_name="Neema",
        last_name="Mollel",
        roles=["Community liaison officer"],
    )
    MembershipFactory(user=clo, site=site, function=relations)
    local = StakeholderCategory.objects.get(code="local-communities")
    mwanzo = StakeholderFactory(
        name="Mwanzo village", kind=Stakeholder.Kind.GROUP, category=local, sites=[site]
    )
    ilembo = StakeholderFactory(
        name="Ilembo village", kind=Stakeholder.Kind.GROUP, category=local, sites=[site]
    )
    today = site.today()
    this_quarter = Quarter.of(today)
    last_quarter = this_quarter.shifted(-1)
    for community, values in ((mwanzo, (2, 4)), (ilembo, (3,))):
        for day, value in enumerate(values, start=10):
            meeting = EngagementFactory(
                site=site,
                date=last_quarter.first_day + datetime.timedelta(days=day),
                format=Engagement.Format.COMMUNITY_MEETING,
                lead_function=relations,
                created_by=clo,
                stakeholders=[community],
            )
            FindingFactory(
                engagement=meeting,
                community=community,
                indicator=Finding.Indicator.SATISFACTION,
                value=value,
                evidence="Said so at the meeting.",
            )
    meeting = EngagementFactory(
        site=site,
        date=today,
        format=Engagement.Format.COMMUNITY_MEETING,
        lead_function=relations,
        created_by=clo,
        stakeholders=[mwanzo],
        purpose="Quarterly community meeting",
    )
    return {
        "meeting": meeting,
        "this_quarter": this_quarter.label,
        "last_quarter": last_quarter.label,
        "clo": session_cookie(clo),
    }


def satisfaction_rows(page):
    """The satisfaction table as shown: {row header: [cell texts]}."""
    return page.locator("#table-satisfaction").evaluate(
        """table => Object.fromEntries([...table.tBodies[0].rows].map(row => [
            row.cells[0].innerText.trim(),
            [...row.cells].slice(1).map(cell => cell.innerText.replace(/\\s+/g, " ").trim()),
        ]))"""
    )


def satisfaction_chart(page):
    """What the satisfaction chart draws: {line: [means]}, read from Chart.js itself."""
    page.locator("#chart-satisfaction[data-drawn='true']").wait_for(state="attached")
    return page.evaluate(
        """() => Object.fromEntries(
            Chart.getChart(document.getElementById("chart-satisfaction")).data.datasets
                .map(set => [set.label, set.data]))"""
    )


def test_a_clo_records_findings_and_sees_the_trend_change(live_server, communities, chromium):
    page = logged_in_page(chromium, live_server, communities["clo"], width=1400, height=1000)
    last, this = communities["last_quarter"], communities["this_quarter"]

    page.goto(f"{live_server.url}/engagements/")
    page.get_by_role("link", name="Perceptions").click()
    page.get_by_role("heading", name="Community perceptions").first.wait_for()
    page.get_by_role("heading", name="Satisfaction with the site").wait_for()
    page.get_by_text("some findings may not be counted").wait_for()

    header = page.locator("#table-satisfaction thead th").all_inner_texts()
    last_at, this_at = header.index(last), header.index(this)
    rows = satisfaction_rows(page)
    assert rows["Mwanzo village"][last_at - 1] == "3.0 (n=2)"
    assert rows["Mwanzo village"][this_at - 1] == "— no finding"  # the dash, and words for readers
    assert rows["All communities"][last_at - 1] == "3.0 (n=3)"
    assert rows["Mwanzo village"][-1] == "no earlier quarter to compare"
    chart = satisfaction_chart(page)
    assert chart["Mwanzo village"][last_at - 1] == 3
    assert chart["Mwanzo village"][this_at - 1] is None
    assert blocking_violations(page) == []

    # Record this quarter's findings on the community meeting, through its edit page.
    page.goto(f"{live_server.url}/engagements/{communities['meeting'].pk}/edit/")
    page.get_by_role("heading", name="Community perceptions").wait_for()
    page.get_by_label("Satisfaction with the site — Mwanzo village", exact=True).select_option("5")
    page.get_by_label("Evidence: Satisfaction with the site — Mwanzo village").fill(
        "Thanked the site for the new water point."
    )
    page.get_by_label("Attitude towards site security — Mwanzo village", exact=True).select_option(
        "2"
    )
    page.get_by_label("Evidence: Attitude towards site security — Mwanzo village").fill(
        "Complained about guards at the gate."
    )
    page.get_by_role("button", name="Save engagement").first.click()
    page.get_by_text("Thanked the site for the new water point.").first.wait_for()

    page.goto(f"{live_server.url}/engagements/perceptions/")
    rows = satisfaction_rows(page)
    assert rows["Mwanzo village"][this_at - 1] == "5.0 (n=1)"
    assert rows["Mwanzo village"][-2:] == [f"5.0 (n=1) {this}", f"▲ up +2.0 from {last}"]
    assert rows["All communities"][this_at - 1] == "5.0 (n=1)"
    chart = satisfaction_chart(page)
    assert chart["Mwanzo village"][this_at - 1] == 5
    assert chart["All communities"][last_at - 1] == 3
    attitude = page.locator("#table-security_attitude").inner_text()
    assert "2.0 (n=1)" in attitude

    # Its stakeholder page shows the community's own trend.
    page.get_by_role("link", name="Mwanzo village").first.click()
    page.get_by_role("heading", name="Perception trend").wait_for()
    trend = page.locator("#table-perception-trend").inner_text()
    assert "3.0 (n=2)" in trend and "5.0 (n=1)" in trend
    page.locator("#chart-perception-trend[data-drawn='true']").wait_for(state="attached")
    assert blocking_violations(page) == []
