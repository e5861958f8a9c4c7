"""The two forms of the perception rule (`perceptions.counted_finding_list`): a site's
findings matched against one list of the user's communities, one community's checked
finding by finding. Both count the same findings: restricted ones only for the cleared,
only communities (not other stakeholders), only of the user's sites."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from engagement import perceptions
from stakeholders.models import Stakeholder
from tests.engagement.test_perceptions import finding
from tests.factories import CategoryFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 2, 1)


@pytest.fixture
def findings(site, other_site):
    village = StakeholderFactory(name="Village", kind=Stakeholder.Kind.GROUP, sites=[site])
    shared = StakeholderFactory(name="Shared", sites=[site, other_site])
    stranger = StakeholderFactory(name="Stranger", sites=[other_site])
    police = StakeholderFactory(
        name="Police post",
        category=CategoryFactory(code="public-security-providers"),
        sites=[site],
    )
    made = {
        "village": finding(site, village, DAY, 4),
        "village restricted": finding(site, village, DAY, 2, restricted=True),
        "village not discussed": finding(site, village, DAY, None),
        "shared": finding(site, shared, DAY, 3),
        "shared elsewhere": finding(other_site, shared, DAY, 5),
        "stranger": finding(site, stranger, DAY, 1),
        "police": finding(site, police, DAY, 1),
    }
    return made, {"village": village, "shared": shared, "stranger": stranger, "police": police}


def counted(user, **scope):
    return set(perceptions.counted_finding_list(user=user, **scope))


@pytest.mark.parametrize(
    "who, expected",
    [
        ("member", {"village", "shared"}),
        ("cleared_member", {"village", "village restricted", "shared"}),
        ("superuser", {"village", "village restricted", "shared", "shared elsewhere", "stranger"}),
    ],
)
def test_a_site_and_a_community_count_the_same_findings(
    request, site, other_site, findings, who, expected
):
    user = request.getfixturevalue(who)
    made, communities = findings
    wanted = {made[name] for name in expected}
    everywhere = counted(user)
    assert everywhere == wanted
    assert counted(user, site=site) == {f for f in wanted if f.site_id == site.pk}
    for community in communities.values():
        assert counted(user, community=community) == {
            f for f in wanted if f.community_id == community.pk
        }
        assert counted(user, site=site, community=community) == {
            f for f in wanted if f.community_id == community.pk and f.site_id == site.pk
        }


def test_another_sites_member_and_anonymous(findings, outsider):
    made, communities = findings
    assert counted(outsider, community=communities["shared"]) == {made["shared elsewhere"]}
    assert not counted(outsider, community=communities["village"])
    assert not counted(AnonymousUser(), community=communities["village"])
