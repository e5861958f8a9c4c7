"""The browser enforces the policy VPSA sends, and the browser tests notice when it does."""

import pytest

from tests.browser.conftest import logged_in_page, session_cookie
from tests.factories import MembershipFactory, SiteFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def member(transactional_db):
    user = UserFactory(username="asha")
    MembershipFactory(user=user, site=SiteFactory())
    return session_cookie(user)


def test_injected_script_and_style_are_refused_and_reported(live_server, member, chromium):
    page = logged_in_page(chromium, live_server, member)
    page.goto(f"{live_server.url}/")
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
            const styled = '<p id="styled" style="color: red">x</p>';
            document.body.insertAdjacentHTML("beforeend", styled);
        }"""
    )
    assert page.evaluate("window.injected") is None
    assert page.evaluate("getComputedStyle(document.getElementById('styled')).color") != (
        "rgb(255, 0, 0)"
    )
    page.wait_for_timeout(200)
    watch = chromium.policy_watch
    refused = " ".join(watch.violations)
    assert "script-src-elem" in refused
    assert "style-src-attr" in refused
    watch.violations.clear()  # what this test provoked is not a finding
