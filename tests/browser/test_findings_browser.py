"""A community liaison officer logs a community meeting with two communities in the system
Chromium: each community's grid of findings appears as it is chosen (and goes when it is
taken out with nothing typed), the findings are saved with the engagement and read on its
page; axe-core checks the log page with the findings shown."""

import datetime

import pytest

from engagement.models import Engagement
from stakeholders.models import Function, StakeholderCategory
from tests.browser.conftest import AxeAudit, logged_in_page, session_cookie
from tests.factories import MembershipFactory, SiteFactory, StakeholderFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def meeting(transactional_db):
    """Made before Playwright starts (see tests/browser/conftest.py)."""
    site = SiteFactory(name="Kisima Ridge Gold Mine")
    relations = Function.objects.get(code="community-relations")
    clo = UserFactory(
        username="grace",
        first_name="Grace",
        last_name="Mwakalinga",
        roles=["Community liaison officer"],
    )
    MembershipFactory(user=clo, site=site, function=relations, cleared=True)
    local = StakeholderCategory.objects.get(code="local-communities")
    police = StakeholderCategory.objects.get(code="public-security-providers")
    council = StakeholderFactory(name="Mwanzo village council", category=local, sites=[site])
    women = StakeholderFactory(name="Ilembo women's savings group", category=local, sites=[site])
    post = StakeholderFactory(name="Ilembo police post", category=police, sites=[site])
    return {
        "site": site,
        "council": council,
        "women": women,
        "post": post,
        "cookie": session_cookie(clo),
    }


def choose(page, name):
    picker = page.locator("#id_stakeholders-ts-control")
    picker.fill(name.split()[0])
    page.locator(".ts-dropdown .option", has_text=name).click()
    page.keyboard.press("Escape")


BOREHOLE = "The borehole at the school works."
GUARDS = "Guards now greet women on the market path."


def record(page, indicator, community, value, evidence):
    """Fill one finding, found by its labels: each names the indicator and the community."""
    page.get_by_label(f"{indicator} — {community}", exact=True).select_option(value)
    evidence_box = page.get_by_role("textbox", name=f": {indicator} — {community}")
    assert evidence_box.get_attribute("name").endswith("-evidence")
    assert (
        "Evidence" in page.locator(f"label[for='{evidence_box.get_attribute('id')}']").inner_text()
    )
    evidence_box.fill(evidence)


def test_a_clo_records_findings_for_two_communities(live_server, meeting, chromium):
    page = logged_in_page(chromium, live_server, meeting["cookie"])
    site, council, women = meeting["site"], meeting["council"], meeting["women"]
    page.goto(f"{live_server.url}/engagements/log/{site.pk}/")
    page.get_by_role("heading", name="Community perceptions").wait_for()
    # With JavaScript the grids follow the picker: no button to ask for them.
    assert not page.get_by_role("button", name="Show findings for the chosen communities").count()
    assert page.get_by_text("Choose a local community among the stakeholders met").is_visible()

    choose(page, "Mwanzo village council")
    choose(page, "Ilembo police post")  # not a community: no grid
    choose(page, "Ilembo women's savings group")
    grids = page.locator("#findings-grids > fieldset")
    assert grids.count() == 2
    assert page.locator(f"#findings-{meeting['post'].pk}").count() == 0
    record(page, "Satisfaction with the site", "Mwanzo village council", "4", BOREHOLE)
    record(
        page,
        "Confidence in the public security / judicial system",
        "Mwanzo village council",
        "2",
        "Elders say cases at the police post go nowhere.",
    )
    record(page, "Attitude towards site security", "Ilembo women's savings group", "3", GUARDS)

    audit = AxeAudit(page, live_server.url)
    audit.check("log an engagement, with the findings of two communities")
    audit.assert_clean()

    day = site.today() - datetime.timedelta(days=1)
    page.locator("#id_date").fill(day.isoformat())
    page.locator("#id_format").select_option(Engagement.Format.COMMUNITY_MEETING)
    page.locator("#id_purpose").fill("Report back on the year's commitments")
    page.locator("#id_summary").fill("The village welcomed the borehole.")
    page.get_by_role("button", name="Save engagement").first.click()
    page.get_by_text("Engagement logged.").wait_for()

    section = page.locator("#findings")
    section.get_by_role("heading", name="Community perceptions").wait_for()
    for text in (
        "Mwanzo village council",
        "Ilembo women's savings group",
        BOREHOLE,
        GUARDS,
        "4/5",
        "Positive",
    ):
        assert section.get_by_text(text).first.is_visible(), text
    assert section.locator("tbody tr").count() == 3  # those recorded; "not discussed" is not

    # Editing: taking a community out with nothing typed removes its grid; one with
    # findings keeps it in sight, with a note.
    page.get_by_role("link", name="Edit").click()
    page.get_by_role("heading", name="Community perceptions").wait_for()
    remove = page.locator(".ts-control .item", has_text="Mwanzo village council").locator(
        ".remove"
    )
    remove.click()
    page.keyboard.press("Escape")
    council_grid = page.locator(f"#findings-{council.pk}")
    assert council_grid.is_visible()
    assert council_grid.get_by_text("No longer among the stakeholders met").is_visible()
    assert page.locator(f"#findings-{women.pk}").is_visible()
