"""A form being typed when the session ends is not lost: the page says so, saving waits
while the user logs in again in another tab, and then saves what was typed."""

import re

import pytest

from tests.factories import MembershipFactory, SiteFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NAME = "Kijiji cha Mwanzo women's group"


@pytest.fixture
def manager(transactional_db, settings):
    """Made before Playwright starts (see tests/browser/conftest.py)."""
    settings.SESSION_KEEPALIVE_SECONDS = 0  # every keystroke asks, rather than once a minute
    site = SiteFactory(name="Kisima Ridge Gold Mine")
    user = UserFactory(username="asha", password="a-good-password", roles=["Security manager"])
    MembershipFactory(user=user, site=site)
    return site


def log_in(page, base_url):
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill("asha")
    page.get_by_label("Password").fill("a-good-password")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Dashboard").first.wait_for()


def test_a_form_typed_across_the_end_of_a_session_is_saved_after_logging_in_again(
    live_server, manager, chromium
):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/stakeholders/add/")
    page.get_by_label("Name").fill(NAME)
    page.get_by_label("Kind").select_option("group")
    page.get_by_label("Category").select_option(label="Local communities")

    page.wait_for_load_state("networkidle")  # no keepalive under way to set a cookie again
    context.clear_cookies()  # the session ends (idle, asleep, the day's limit)
    page.get_by_label("Notes").fill("Meets on Thursdays at the dispensary.")
    notice = page.get_by_role("alert").filter(has_text="Your session has ended")
    notice.wait_for()
    assert notice.get_by_role("link", name="Log in (opens a new tab)").is_visible()

    # Saving now would meet the login page and lose the form: it waits.
    page.get_by_role("button", name="Save").first.click()
    page.wait_for_timeout(300)
    assert page.url.endswith("/stakeholders/add/")
    assert page.get_by_label("Name").input_value() == NAME

    other = context.new_page()
    log_in(other, live_server.url)
    other.close()
    page.bring_to_front()
    page.evaluate("window.dispatchEvent(new Event('focus'))")
    page.get_by_role("alert").filter(has_text="You are logged in again").wait_for()

    page.get_by_role("button", name="Save").first.click()
    page.wait_for_url(re.compile(r"/stakeholders/\d+/$"))
    page.get_by_role("heading", name=NAME).wait_for()
    assert page.get_by_text("Meets on Thursdays at the dispensary.", exact=True).is_visible()
    assert errors == []
    context.close()
