"""The stakeholder lookup behind the list filters' search-as-you-type: the user's own
registry, by the names they may see, never a hidden name matched by a search."""

import pytest
from django.urls import reverse

from stakeholders.models import StakeholderCategory
from tests.conftest import member_of
from tests.factories import StakeholderFactory

URL = reverse("stakeholders:lookup")

pytestmark = pytest.mark.django_db


def texts(response):
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    return [row["text"] for row in response.json()["results"]]


@pytest.fixture
def registry(site, other_site):
    other_category = StakeholderCategory.objects.exclude(code="local-communities").first()
    return {
        "village": StakeholderFactory(name="Mwanzo village", sites=[site]),
        "police": StakeholderFactory(
            name="District police", category=other_category, sites=[site]
        ),
        "defender": StakeholderFactory(name="Baraka Defender", at_risk=True, sites=[site]),
        "elsewhere": StakeholderFactory(name="Kilima village", sites=[other_site]),
    }


def test_the_uncleared_get_their_sites_stakeholders_and_a_placeholder(client, member, registry):
    client.force_login(member)
    defender = registry["defender"]
    assert texts(client.get(URL)) == [
        "District police",
        "Mwanzo village",
        f"Protected stakeholder S-{defender.pk:04d}",
    ]
    assert texts(client.get(URL, {"q": "village"})) == ["Mwanzo village"]
    assert texts(client.get(URL, {"q": "Baraka"})) == []


def test_the_cleared_find_an_at_risk_stakeholder_by_name(client, cleared_member, registry):
    client.force_login(cleared_member)
    assert texts(client.get(URL, {"q": "Baraka"})) == ["Baraka Defender"]


def test_communities_and_site_narrow_it(client, site, other_site, registry):
    user = member_of(site, cleared=True)
    client.force_login(user)
    assert texts(client.get(URL, {"communities": "1"})) == ["Baraka Defender", "Mwanzo village"]
    assert texts(client.get(URL, {"site": site.pk, "q": "police"})) == ["District police"]
    # Another site's number, or a malformed one, matches nothing of theirs.
    assert texts(client.get(URL, {"site": other_site.pk})) == []
    assert "Kilima" not in client.get(URL, {"site": "1" * 40}).content.decode()


def test_another_sites_stakeholders_are_never_answered(client, outsider, registry):
    client.force_login(outsider)
    assert texts(client.get(URL)) == ["Kilima village"]
    assert texts(client.get(URL, {"q": "Mwanzo"})) == []


def test_anonymous_users_are_sent_to_log_in(client, registry):
    response = client.get(URL, {"q": "village"})
    assert response.status_code == 302
    assert "village" not in response.content.decode()


def test_a_long_search_is_answered_not_refused(client, member, registry):
    client.force_login(member)
    assert texts(client.get(URL, {"q": "x" * 5000})) == []
