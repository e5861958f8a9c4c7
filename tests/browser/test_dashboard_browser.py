"""The dashboard in the system Chromium: a user of two sites logs in and lands on it, picks
the other site, logs out and in again and finds their choice kept; a figure, clicked,
opens the list with that many rows."""

import datetime

import pytest

from engagement.models import Commitment
from stakeholders.models import StakeholderCategory
from tests.browser.conftest import blocking_violations
from tests.factories import (
    CommitmentFactory,
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
def sites(transactional_db):
    """Two sites, a security manager of both, engagements with the local communities at
    the second this quarter. Made before Playwright starts."""
    far = SiteFactory(name="Far Valley Copper")
    kisima = SiteFactory(name="Kisima Ridge Gold Mine")
    user = UserFactory(username="asha", roles=["Security manager"])
    MembershipFactory(user=user, site=far, cleared=True)
    MembershipFactory(user=user, site=kisima, cleared=True)
    local = StakeholderCategory.objects.get(code="local-communities")
    council = StakeholderFactory(name="Mwanzo village council", category=local, sites=[kisima])
    today = kisima.today()
    quarter_start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
    for _ in range(3):
        engagement = EngagementFactory(site=kisima, date=quarter_start, stakeholders=[council])
    CommitmentFactory(
        engagement=engagement,
        due_on=today - datetime.timedelta(days=3),
        status=Commitment.Status.OPEN,
    )
    return {"far": far, "kisima": kisima}


def log_in(page, base_url):
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill("asha")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()


def test_pick_a_site_keep_it_across_logins_and_follow_a_figure(live_server, sites, chromium):
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, reduced_motion="reduce"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)

    log_in(page, live_server.url)
    page.get_by_role("heading", level=1, name="Far Valley Copper").wait_for()
    assert page.url == f"{live_server.url}/"
    assert blocking_violations(page) == []

    page.get_by_label("Site shown").select_option(label="Kisima Ridge Gold Mine")
    page.get_by_role("button", name="Show this site").click()
    page.get_by_role("heading", level=1, name="Kisima Ridge Gold Mine").wait_for()

    page.get_by_role("button", name="Log out").click()
    page.get_by_role("button", name="Log in").wait_for()
    log_in(page, live_server.url)
    page.get_by_role("heading", level=1, name="Kisima Ridge Gold Mine").wait_for()

    figure = page.get_by_role(
        "link", name="engagements with Local communities in", exact=False
    ).first
    count = int(figure.inner_text().split()[0])
    assert count == 3
    figure.click()
    page.get_by_role("heading", level=1, name="Engagements").wait_for()
    assert page.locator("table tbody tr").count() == count

    page.go_back()
    page.get_by_role("link", name="commitments overdue").click()
    page.get_by_role("heading", level=1, name="Commitments register").wait_for()
    assert page.locator("table tbody tr").count() == 1
    context.close()
