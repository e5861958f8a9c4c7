"""The authentication backend reads a user's permissions in one query and grants exactly
what Django's own model backend grants."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from tests.factories import UserFactory
from vpsa.auth import PermissionsInOneQueryBackend

pytestmark = pytest.mark.django_db


def fresh(user):
    return type(user).objects.get(pk=user.pk)


@pytest.mark.parametrize("kind", ["direct and role", "role only", "none", "inactive", "superuser"])
def test_the_same_permissions_as_django_s_backend(kind, django_assert_num_queries):
    user = UserFactory(roles=[] if kind in ("none", "direct and role") else ["Reviewer"])
    if kind == "direct and role":
        user.groups.add(Group.objects.get(name="Security manager"))
        user.user_permissions.add(Permission.objects.get(codename="view_exportlog"))
    if kind == "inactive":
        user.is_active = False
        user.save()
    if kind == "superuser":
        user.is_superuser = True
        user.save()

    expected = ModelBackend().get_all_permissions(fresh(user))
    ours = fresh(user)
    with django_assert_num_queries(1 if kind != "inactive" else 0):
        granted = PermissionsInOneQueryBackend().get_all_permissions(ours)
        assert PermissionsInOneQueryBackend().get_all_permissions(ours) == granted  # cached
    assert granted == expected
    if kind == "direct and role":
        assert "stakeholders.view_exportlog" in granted
        assert "engagement.add_engagement" in granted
    if kind in ("none", "inactive"):
        assert granted == set()


def test_a_signed_in_user_s_checks_go_through_it(client):
    user = UserFactory(roles=["Reviewer"])
    assert fresh(user).has_perm("engagement.view_engagement")
    assert not fresh(user).has_perm("engagement.delete_engagement")
