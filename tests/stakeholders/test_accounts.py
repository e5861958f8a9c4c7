"""Accounts are deactivated, never deleted: every record keeps its author."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from stakeholders import services
from tests.conftest import member_of
from tests.factories import EngagementFactory

User = get_user_model()
USERS = reverse("admin:auth_user_changelist")


def deactivate(client, *users):
    return client.post(
        USERS,
        {"action": "deactivate", "_selected_action": [user.pk for user in users]},
        follow=True,
    )


@pytest.mark.parametrize("who", ["superuser", "admin_member"])
def test_nobody_deletes_an_account(client, request, who, member):
    client.force_login(request.getfixturevalue(who))
    delete = reverse("admin:auth_user_delete", args=[member.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=member.pk).exists()
    changelist = client.get(USERS).content.decode()
    assert "delete_selected" not in changelist
    assert 'value="deactivate"' in changelist


def test_an_administrator_deactivates_a_member_of_their_site(client, admin_member, member, site):
    EngagementFactory(site=site, created_by=member)
    client.force_login(admin_member)
    page = deactivate(client, member).content.decode()
    assert "1 user deactivated." in page
    member.refresh_from_db()
    assert not member.is_active
    history = member.history.latest()
    assert history.history_user == admin_member
    assert not history.is_active


def test_a_deactivated_users_session_ends(client, admin_member, member):
    member_client = type(client)()
    member_client.force_login(member)
    assert member_client.get(reverse("home")).status_code == 200
    client.force_login(admin_member)
    deactivate(client, member)
    response = member_client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_only_accounts_the_administrator_manages_are_deactivated(
    client, admin_member, member, other_site
):
    """Not themselves, nor a user of another site (who is not even listed to them)."""
    stranger = member_of(other_site, username="stranger")
    client.force_login(admin_member)
    page = deactivate(client, member, admin_member, stranger).content.decode()
    assert "1 user deactivated." in page
    assert "1 user left as they were" in page
    assert User.objects.get(pk=admin_member.pk).is_active
    assert User.objects.get(pk=stranger.pk).is_active


def test_a_superuser_deactivates_anyone_but_themselves(client, superuser, member, outsider):
    client.force_login(superuser)
    page = deactivate(client, member, outsider, superuser).content.decode()
    assert "2 users deactivated." in page
    assert "1 user left as they were" in page
    assert User.objects.get(pk=superuser.pk).is_active


def test_a_reviewer_cannot_deactivate(client, reviewer, member):
    client.force_login(reviewer)
    deactivate(client, member)
    assert User.objects.get(pk=member.pk).is_active


@pytest.mark.parametrize("who", [None, "reviewer"])
def test_the_service_refuses_without_an_actor_who_may_change_users(request, who, member):
    actor = request.getfixturevalue(who) if who else None
    with pytest.raises(PermissionDenied):
        services.users_deactivate(actor=actor, users=[member])
    assert User.objects.get(pk=member.pk).is_active
