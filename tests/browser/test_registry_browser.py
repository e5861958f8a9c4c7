"""A user's walk through the registry in the system Chromium, driven by Playwright."""

import pytest

from stakeholders.models import Stakeholder
from tests.browser.conftest import blocking_violations, logged_in_page, session_cookie
from tests.factories import (
    CategoryFactory,
    ContactFactory,
    MembershipFactory,
    SiteFactory,
    StakeholderFactory,
    UserFactory,
)

# serialized_rollback: the reference data the migrations loaded is back for later tests.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def registry(transactional_db):
    """Made before Playwright starts: ORM work inside its event loop would run in another
    context and leave a database connection open."""
    site = SiteFactory(name="Kisima Ridge Gold Mine")
    user = UserFactory(username="peter", password="a-good-password")
    MembershipFactory(user=user, site=site, cleared=False)
    police = CategoryFactory(code="public-security-providers", name="Public security providers")
    council = StakeholderFactory(name="Mwanzo village council", sites=[site])
    ContactFactory(stakeholder=council, name="Halima Mwakyusa", role="Village chairperson")
    StakeholderFactory(name="Ilembo police post", category=police, sites=[site])
    StakeholderFactory(
        name="Baraka Mwaipopo", kind=Stakeholder.Kind.PERSON, at_risk=True, sites=[site]
    )


def test_log_in_search_the_registry_and_open_a_stakeholder(live_server, registry, browser_page):
    page = browser_page

    page.goto(f"{live_server.url}/stakeholders/")
    assert "/login/" in page.url
    page.get_by_label("Username").fill("peter")
    page.get_by_label("Password").fill("a-good-password")
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("heading", name="Stakeholder registry").wait_for()
    assert "3 stakeholders" in page.content()
    assert "Baraka" not in page.content()
    assert "Protected stakeholder" in page.content()

    page.get_by_label("Search").fill("village")
    page.get_by_role("button", name="Filter").click()
    page.get_by_text("1 stakeholder match").wait_for()
    assert "Ilembo police post" not in page.content()

    page.get_by_role("link", name="Mwanzo village council").click()
    page.get_by_role("heading", name="Mwanzo village council").wait_for()
    assert "Halima Mwakyusa" in page.content()
    assert "Levels of satisfaction / dissatisfaction with the site" in page.content()


@pytest.fixture
def phone_registry(transactional_db):
    """A reviewer at a site with a dozen stakeholders, logged in (before Playwright starts)."""
    site = SiteFactory(name="Kisima Ridge Gold Mine")
    reviewer = UserFactory(username="reviewer", roles=["Reviewer"])
    MembershipFactory(user=reviewer, site=site)
    for number in range(12):
        StakeholderFactory(
            name=f"Village council {number:02d}", kind=Stakeholder.Kind.GROUP, sites=[site]
        )
    return session_cookie(reviewer)


def test_on_a_phone_the_filters_fold_behind_a_toggle(live_server, phone_registry, chromium):
    from playwright.sync_api import expect

    page = logged_in_page(chromium, live_server, phone_registry, width=390, height=844)
    page.goto(f"{live_server.url}/stakeholders/")

    # The first result shows without scrolling; the filters wait behind their toggle.
    first_row = page.locator("table tbody tr").first
    expect(first_row).to_be_in_viewport(ratio=1)
    assert page.evaluate("window.scrollY") == 0
    category = page.get_by_label("Category")
    expect(category).to_be_hidden()
    expect(page.get_by_label("Search")).to_be_visible()
    toggle = page.get_by_role("button", name="Filters")
    expect(toggle).to_have_attribute("aria-controls", "registry-filters")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    assert blocking_violations(page) == []

    # It opens from the keyboard.
    toggle.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#registry-filters.show")).to_be_visible()
    expect(category).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    assert blocking_violations(page) == []
    page.keyboard.press("Space")
    expect(category).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")

    # It says how many filters are in use, and the results still come first.
    page.goto(f"{live_server.url}/stakeholders/?kind=group&at_risk=no")
    expect(toggle).to_have_accessible_name("Filters 2 in use")
    expect(category).to_be_hidden()
    expect(page.locator("table tbody tr").first).to_be_in_viewport(ratio=1)

    # A filter with an error opens them, so the field in error is in sight.
    page.goto(f"{live_server.url}/stakeholders/?category=not-a-number")
    expect(category).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("alert")).to_contain_text("Category")

    # From md up the filters are always shown, and the toggle is not.
    page.set_viewport_size({"width": 800, "height": 900})
    page.goto(f"{live_server.url}/stakeholders/")
    expect(category).to_be_visible()
    expect(toggle).to_be_hidden()
