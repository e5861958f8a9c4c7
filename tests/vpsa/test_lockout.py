"""Brute force: repeated failed logins lock the pair of account name and client address,
not the account everywhere nor the address for everyone; a clear page says so; an
administrator releases it."""

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.urls import reverse

from tests.conftest import member_of
from tests.factories import SiteFactory, UserFactory

LOGIN = reverse("login")


@pytest.fixture(autouse=True)
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 3


@pytest.fixture
def amina(db):
    return UserFactory(username="amina")


def attempt(client, username, password, address="198.51.100.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client, username, times, address="198.51.100.7"):
    return [attempt(client, username, "not it", address).status_code for _ in range(times)]


def logged_in(client):
    return "_auth_user_id" in client.session


def test_failed_logins_up_to_the_limit_lock_the_account_from_that_address(client, amina):
    assert fail(client, "amina", 3) == [200, 200, 429]
    response = attempt(client, "amina", "password")
    assert response.status_code == 429
    assert not logged_in(client)
    page = response.content.decode()
    assert "Too many failed logins" in page
    assert "Try again in 15 minutes" in page


def test_the_same_account_from_another_address_still_logs_in(client, amina):
    fail(client, "amina", 3)
    response = attempt(client, "amina", "password", address="203.0.113.20")
    assert response.status_code == 302
    assert logged_in(client)


def test_a_colleague_behind_the_same_address_still_logs_in(client, amina):
    """Someone typing a colleague's name at a site that shares one address locks nobody."""
    UserFactory(username="baraka")
    fail(client, "amina", 3)
    response = attempt(client, "baraka", "password")
    assert response.status_code == 302
    assert logged_in(client)


def test_the_lock_does_not_tell_whether_an_account_exists(client, amina):
    fail(client, "amina", 3)
    fail(client, "nobody-by-this-name", 3)
    assert (
        attempt(client, "amina", "x").content
        == attempt(client, "nobody-by-this-name", "x").content
    )


def test_a_success_clears_the_count(client, amina):
    fail(client, "amina", 2)
    assert attempt(client, "amina", "password").status_code == 302
    client.post(reverse("logout"))
    assert fail(client, "amina", 2) == [200, 200]
    assert attempt(client, "amina", "password").status_code == 302


def test_the_lock_ends_after_the_cool_off(client, amina, settings):
    fail(client, "amina", 3)
    AccessAttempt.objects.update(attempt_time="2000-01-01T00:00:00Z")
    assert attempt(client, "amina", "password").status_code == 302


def test_an_administrator_releases_it_from_the_command_line(client, amina):
    fail(client, "amina", 3)
    call_command("axes_reset_username", "amina", verbosity=0)
    assert attempt(client, "amina", "password").status_code == 302


def test_a_superuser_releases_it_in_the_admin(client, amina, admin_client):
    fail(client, "amina", 3)
    (locked,) = AccessAttempt.objects.all()
    changelist = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    assert changelist.status_code == 200
    assert "amina" in changelist.content.decode()
    response = admin_client.post(
        reverse("admin:axes_accessattempt_delete", args=[locked.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert attempt(client, "amina", "password").status_code == 302


def test_a_site_administrator_does_not_see_other_peoples_login_attempts(client, amina):
    """Attempts name accounts of every site and where people log in from: superusers only."""
    fail(client, "amina", 3)
    site_admin = member_of(SiteFactory(), roles=["Administrator"], is_staff=True)
    client.force_login(site_admin)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403
    assert "Access attempts" not in client.get(reverse("admin:index")).content.decode()
