"""Nothing a logged-in user is shown may be kept by a browser cache or a proxy."""

import pytest
from django.urls import reverse

from tests.factories import StakeholderFactory

pytestmark = pytest.mark.django_db

PRIVATE = "private, no-store"


@pytest.fixture
def council(site):
    return StakeholderFactory(name="Mwanzo village council", sites=[site])


@pytest.mark.parametrize(
    "url",
    [
        lambda council: reverse("stakeholders:list"),
        lambda council: reverse("stakeholders:detail", args=[council.pk]),
        lambda council: reverse("admin:index"),
        lambda council: reverse("admin:stakeholders_stakeholder_change", args=[council.pk]),
    ],
    ids=["registry", "detail", "admin-index", "admin-change"],
)
def test_pages_seen_logged_in_are_private_and_not_stored(client, admin_member, council, url):
    client.force_login(admin_member)
    response = client.get(url(council))
    assert response.status_code == 200
    assert response["Cache-Control"] == PRIVATE


def test_error_pages_seen_logged_in_are_not_stored_either(client, member, other_site):
    hidden = StakeholderFactory(name="Far valley chiefs", sites=[other_site])
    client.force_login(member)
    response = client.get(reverse("stakeholders:detail", args=[hidden.pk]))
    assert response.status_code == 404
    assert response["Cache-Control"] == PRIVATE


def test_anonymous_and_public_responses_keep_their_own_headers(client, member):
    to_login = client.get(reverse("stakeholders:list"))
    assert to_login.status_code == 302
    assert "Cache-Control" not in to_login
    client.force_login(member)
    health = client.get(reverse("healthz"))
    assert health["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    favicon = client.get("/favicon.ico")
    assert favicon["Cache-Control"] == "public, max-age=86400"
