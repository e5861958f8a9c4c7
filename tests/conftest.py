"""The people of the tests: a member of the site, a cleared member, a member of another
site, a superuser, and one user per role. Anonymous is the plain `client`."""

import pytest

from stakeholders.models import Stakeholder
from tests.factories import (
    ContactFactory,
    MembershipFactory,
    SiteFactory,
    StakeholderFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def attachments_in_tmp(settings, tmp_path):
    """Attachments a test stores (the demo's included) go to its own folder, never into
    the checkout's `var/attachments`."""
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            **settings.STORAGES["attachments"],
            "OPTIONS": {
                **settings.STORAGES["attachments"].get("OPTIONS", {}),
                "location": tmp_path / "attachments",
            },
        },
    }


@pytest.fixture
def site(db):
    return SiteFactory(name="Kisima Ridge Gold Mine", country="Tanzania")


@pytest.fixture
def other_site(db):
    return SiteFactory(name="Far Valley Copper", country="Zambia")


def member_of(site, *, cleared=False, roles=("Security manager",), **user_fields):
    user = UserFactory(roles=list(roles), **user_fields)
    MembershipFactory(user=user, site=site, cleared=cleared)
    return user


@pytest.fixture
def member(site):
    """A security manager at the site, not cleared."""
    return member_of(site, username="member")


@pytest.fixture
def cleared_member(site):
    return member_of(site, cleared=True, username="cleared")


@pytest.fixture
def outsider(other_site):
    """A cleared security manager, but at another site."""
    return member_of(other_site, cleared=True, username="outsider")


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def reviewer(site):
    return member_of(site, roles=["Reviewer"], username="reviewer")


@pytest.fixture
def admin_member(site):
    """Administrator role, staff, cleared at the site (not a superuser)."""
    return member_of(
        site, cleared=True, roles=["Administrator"], username="siteadmin", is_staff=True
    )


@pytest.fixture
def uncleared_admin(site):
    """Administrator role and staff at the site, but not cleared there."""
    return member_of(site, roles=["Administrator"], username="uncleared_admin", is_staff=True)


@pytest.fixture
def defender(site):
    """An at-risk person at the site: a human rights defender with a contact."""
    defender = StakeholderFactory(
        name="Baraka Mwaipopo",
        kind=Stakeholder.Kind.PERSON,
        location="Mwanzo village",
        notes="Meets off site",
        at_risk=True,
        sites=[site],
    )
    ContactFactory(stakeholder=defender, name="Baraka M.", phone="+255 700 100 291")
    return defender
