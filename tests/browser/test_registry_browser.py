"""A user's walk through the registry in the system Chromium, driven by Playwright."""

import os
import shutil

import pytest

from stakeholders.models import Stakeholder
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

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def browser_page():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"No Chromium at {CHROMIUM}: CI must install Debian's chromium.")
        pytest.skip(f"No Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        yield page
        browser.close()


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
