"""A security manager's walk through the engagement pages in the system Chromium: log an
engagement, find it in the list and on the stakeholders' timelines; and an uncleared
colleague who cannot find a restricted one by list, search or address."""

import datetime

import pytest

from engagement.models import Engagement
from stakeholders.models import Function, SiteMembership, Stakeholder, StakeholderCategory
from tests.browser.conftest import blocking_violations, logged_in_page, session_cookie
from tests.factories import (
    EngagementFactory,
    MembershipFactory,
    SiteFactory,
    StakeholderFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PURPOSE = "Security briefing before the road works"


@pytest.fixture
def mine(transactional_db):
    """Made before Playwright starts (see tests/browser/conftest.py)."""
    site = SiteFactory(name="Kisima Ridge Gold Mine")
    security = Function.objects.get_or_create(code="security", defaults={"name": "Security"})[0]

    def member(username, first, last, *, cleared):
        user = UserFactory(
            username=username, first_name=first, last_name=last, roles=["Security manager"]
        )
        MembershipFactory(user=user, site=site, cleared=cleared, function=security)
        return user

    manager = member("asha", "Asha", "Said", cleared=True)
    colleague = member("juma", "Juma", "Kibona", cleared=False)
    local = StakeholderCategory.objects.get(code="local-communities")
    police = StakeholderCategory.objects.get(code="public-security-providers")
    council = StakeholderFactory(name="Mwanzo village council", category=local, sites=[site])
    post = StakeholderFactory(name="Ilembo police post", category=police, sites=[site])
    defender = StakeholderFactory(
        name="Baraka Mwaipopo", kind=Stakeholder.Kind.PERSON, at_risk=True, sites=[site]
    )
    restricted = EngagementFactory(
        site=site,
        created_by=manager,
        lead_function=security,
        stakeholders=[defender, council],
        confidentiality=Engagement.Confidentiality.RESTRICTED,
        purpose="Hidden purpose",
        summary="RESTRICTED-MARKER witness statement",
    )
    assert SiteMembership.objects.filter(site=site).count() == 2
    return {
        "site": site,
        "council": council,
        "post": post,
        "restricted": restricted,
        "manager": session_cookie(manager),
        "colleague": session_cookie(colleague),
    }


def test_log_an_engagement_then_find_it_in_the_list_and_on_both_timelines(
    live_server, mine, chromium
):
    page = logged_in_page(chromium, live_server, mine["manager"])
    page.goto(f"{live_server.url}/engagements/")
    page.get_by_role("link", name="Log an engagement").first.click()
    page.get_by_role("heading", name="Log an engagement at Kisima Ridge Gold Mine").wait_for()

    picker = page.locator("#id_stakeholders-ts-control")
    for name in ("Mwanzo village council", "Ilembo police post"):
        picker.fill(name.split()[0])
        page.locator(".ts-dropdown .option", has_text=name).click()
    page.keyboard.press("Escape")
    objectives = page.get_by_role("group", name="Public security providers", exact=True)
    objectives.locator("input[type=checkbox]").first.check()
    day = mine["site"].today() - datetime.timedelta(days=1)
    page.locator("#id_date").fill(day.isoformat())
    page.locator("#id_format").select_option(Engagement.Format.MEETING)
    page.locator("#id_purpose").fill(PURPOSE)
    page.locator("#id_summary").fill("Patrol routes near the school agreed.")

    commitment = page.locator("#commitments-0")
    commitment.locator("#id_commitments-0-description").fill("Share the patrol map")
    commitment.locator("#id_commitments-0-owner").select_option(label="Asha Said")
    commitment.locator("#id_commitments-0-due_on").fill((day + datetime.timedelta(30)).isoformat())
    concern = page.locator("#concerns-0")
    concern.locator("#id_concerns-0-stakeholder").select_option(label="Mwanzo village council")
    concern.locator("#id_concerns-0-type").select_option("community_safety")
    concern.locator("#id_concerns-0-description").fill("Speeding trucks by the school")
    page.get_by_role("button", name="Save engagement").first.click()
    page.get_by_text("Engagement logged.").wait_for()
    for text in ("Share the patrol map", "Speeding trucks by the school", PURPOSE):
        assert page.get_by_text(text).first.is_visible(), text
    engagement_url = page.url

    page.get_by_role("navigation").get_by_role("link", name="Engagements").click()
    page.get_by_label("Search").fill("briefing")
    page.get_by_role("button", name="Filter").click()
    page.get_by_text("1 engagement").first.wait_for()
    assert blocking_violations(page) == []
    page.locator("table a").first.click()
    page.get_by_role("heading", name="Meeting").wait_for()
    assert page.url == engagement_url

    # Both timelines show it and its open commitment; the concern only its source's.
    for stakeholder, raised_it in ((mine["council"], True), (mine["post"], False)):
        page.goto(f"{live_server.url}/stakeholders/{stakeholder.pk}/")
        timeline = page.locator("#engagements")
        timeline.get_by_text(PURPOSE[:30]).first.wait_for()
        timeline.locator(f'a[href="{engagement_url.removeprefix(live_server.url)}"]').wait_for()
        assert page.get_by_text("Share the patrol map").is_visible()
        assert page.get_by_text("Speeding trucks by the school").is_visible() == raised_it


def test_an_uncleared_colleague_cannot_find_a_restricted_engagement(live_server, mine, chromium):
    page = logged_in_page(chromium, live_server, mine["colleague"])
    page.goto(f"{live_server.url}/engagements/")
    page.get_by_text("No engagement has been logged at your sites yet.").wait_for()

    page.get_by_label("Search").fill("RESTRICTED-MARKER")
    page.get_by_role("button", name="Filter").click()
    page.get_by_text("No engagement matches these filters.").wait_for()
    assert "RESTRICTED-MARKER" not in page.locator("main table").all_inner_texts().__str__()

    response = page.goto(f"{live_server.url}/engagements/{mine['restricted'].pk}/")
    assert response.status == 404
    assert "RESTRICTED-MARKER" not in page.content()

    page.goto(f"{live_server.url}/stakeholders/{mine['council'].pk}/")
    page.locator("#engagements").get_by_text("0 engagements").wait_for()
    assert "Hidden purpose" not in page.content()
