"""`stakeholder_list(site=...)` narrows the registry to one of the user's own sites; the
number of another site answers nothing, not even the stakeholders it shares with theirs."""

import pytest

from stakeholders.selectors import stakeholder_list
from tests.factories import StakeholderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(site, other_site):
    return StakeholderFactory(name="Shared river council", sites=[site, other_site])


def test_a_members_own_site_lists_its_stakeholders(member, site, shared):
    assert list(stakeholder_list(user=member, site=site)) == [shared]
    assert list(stakeholder_list(user=member, site=site.pk)) == [shared]


def test_another_sites_number_lists_nothing_even_what_it_shares(member, other_site, shared):
    assert list(stakeholder_list(user=member)) == [shared]
    assert not stakeholder_list(user=member, site=other_site.pk).exists()
    assert not stakeholder_list(user=member, site=other_site).exists()


def test_a_superuser_has_every_site(superuser, other_site, shared):
    assert list(stakeholder_list(user=superuser, site=other_site.pk)) == [shared]
