"""A security manager drafts the site's SEP with two lines, approves it, revises it (a new
draft, version 2, while version 1 stays approved) and sees an overdue line, in the system
Chromium; axe-core on each SEP page on the way."""

import datetime

import pytest

from stakeholders.models import Function, StakeholderCategory
from tests.browser.conftest import AxeAudit, logged_in_page, session_cookie
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


@pytest.fixture
def mine(transactional_db):
    """Made before Playwright starts (see tests/browser/conftest.py)."""
    site = SiteFactory(name="Kisima Ridge Gold Mine")
    security = Function.objects.get(code="security")
    manager = UserFactory(
        username="asha", first_name="Asha", last_name="Said", roles=["Security manager"]
    )
    MembershipFactory(user=manager, site=site, cleared=True, function=security)
    police = StakeholderCategory.objects.get(code="public-security-providers")
    post = StakeholderFactory(name="Ilembo police post", category=police, sites=[site])
    today = site.today()
    # One police meeting, four months ago: a monthly line is overdue since.
    EngagementFactory(
        site=site,
        created_by=manager,
        lead_function=security,
        stakeholders=[post],
        date=today - datetime.timedelta(days=120),
    )
    return {"site": site, "today": today, "manager": session_cookie(manager)}


def test_draft_approve_revise_and_see_an_overdue_line(live_server, mine, chromium):
    page = logged_in_page(chromium, live_server, mine["manager"])
    audit = AxeAudit(page, live_server.url)
    today = mine["today"]
    starts_on = today - datetime.timedelta(days=200)
    ends_on = starts_on.replace(year=starts_on.year + 1) - datetime.timedelta(days=1)

    audit.visit_and_check("/plans/", label="plan list, empty")
    page.get_by_role("link", name="Draft a new plan").click()
    page.get_by_role("heading", name="Draft a plan for Kisima Ridge Gold Mine").wait_for()
    audit.check("draft form")
    page.get_by_label("Title").fill("SEP for the year")
    page.get_by_label("Period starts").fill(starts_on.isoformat())
    page.get_by_label("Period ends").fill(ends_on.isoformat())
    row = page.locator("#lines-0")
    row.get_by_label("Category").select_option(label="Public security providers")
    row.get_by_label("Lead function").select_option(label="Security")
    row.get_by_label("Frequency").select_option(label="Monthly")
    # Only the chosen category's objectives are in sight (JavaScript).
    police_group = row.get_by_role("group", name="Public security providers", exact=True)
    assert police_group.is_visible()
    assert not row.get_by_role("group", name="Industry peers", exact=True).is_visible()
    police_group.locator("input[type=checkbox]").first.check()

    page.get_by_role("button", name="Add a line").click()
    second = page.locator("#lines-1")
    second.get_by_label("Category").select_option(label="Industry peers")
    second.get_by_label("Lead function").select_option(label="Security")
    second.get_by_label("Frequency").select_option(label="Yearly")
    page.get_by_role("button", name="Save the draft").first.click()
    page.get_by_text("Draft created.").wait_for()
    audit.check("plan page, a draft")

    page.get_by_role("heading", name="SEP for the year · version 1").wait_for()
    assert page.locator("tr[data-line-status]").count() == 2

    page.get_by_role("link", name="Approve").click()
    audit.check("approve confirmation")
    page.get_by_role("button", name="Approve this version").click()
    page.get_by_text("Plan approved").wait_for()
    audit.check("plan page, approved")

    page.get_by_role("button", name="Revise").click()
    page.get_by_text("A new draft copying the approved version was started.").wait_for()
    page.get_by_role("heading", name="SEP for the year · version 2").wait_for()
    versions = page.get_by_role("navigation", name="Versions of this plan")
    assert versions.get_by_role("link", name="Version 2 (Draft)").is_visible()
    assert page.locator("tr[data-line-status]").count() == 2
    versions.get_by_role("link", name="Version 1 (Approved)").click()
    page.get_by_role("heading", name="SEP for the year · version 1").wait_for()
    overdue = page.locator("tr[data-line-status='overdue']")
    assert overdue.count() == 1
    assert "Public security providers" in overdue.inner_text()
    assert "Overdue" in overdue.inner_text()
    page.get_by_role("link", name="Overdue (1)").click()
    assert page.locator("tr[data-line-status]").count() == 1
    audit.check("plan page, overdue lines")
    page.get_by_role("link", name="Version 2 (Draft)").click()
    page.get_by_role("link", name="Edit the draft").click()
    page.get_by_label("Title").fill("")
    page.get_by_role("button", name="Save the draft").first.click()
    page.get_by_text("Nothing was saved").wait_for()
    audit.check("edit form with errors")
    audit.visit_and_check("/plans/", label="plan list")
    audit.assert_clean()
