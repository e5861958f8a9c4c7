"""Who sees which engagements, commitments and concerns, and who may change them: exactly
which records each person gets from `engagement.selectors`."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from engagement import selectors
from engagement.models import Concern, Engagement
from stakeholders import redaction
from stakeholders.models import Function, SiteMembership
from tests.conftest import member_of
from tests.factories import (
    CommitmentFactory,
    ConcernFactory,
    EngagementFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db

ENGAGEMENTS = ("internal", "restricted", "elsewhere")


def clo(site, function_code, username):
    """A community liaison officer of the site, with a function there."""
    user = member_of(site, roles=["Community liaison officer"], username=username)
    SiteMembership.objects.filter(user=user).update(
        function=Function.objects.get(code=function_code)
    )
    return user


@pytest.fixture
def data(site, other_site, cleared_member, outsider, defender):
    """At the site: an internal engagement (a commitment, a concern and an allegation) and
    a restricted one (a commitment, a concern); at the other site, an internal one (a
    commitment, a concern). Each record's text is its label."""
    security = Function.objects.get(code="security")
    council = StakeholderFactory(sites=[site])
    internal = EngagementFactory(
        site=site,
        purpose="internal",
        lead_function=security,
        created_by=cleared_member,
        stakeholders=[council],
    )
    restricted = EngagementFactory(
        site=site,
        purpose="restricted",
        lead_function=security,
        confidentiality=Engagement.Confidentiality.RESTRICTED,
        created_by=cleared_member,
        stakeholders=[defender],
    )
    elsewhere = EngagementFactory(
        site=other_site,
        purpose="elsewhere",
        lead_function=security,
        created_by=outsider,
        stakeholders=[StakeholderFactory(sites=[other_site])],
    )
    for engagement in (internal, restricted, elsewhere):
        CommitmentFactory(engagement=engagement, description=engagement.purpose)
        ConcernFactory(engagement=engagement, description=engagement.purpose)
    ConcernFactory(
        engagement=internal,
        description="allegation",
        type=Concern.Type.ALLEGATION_PUBLIC,
    )
    return SimpleNamespace(
        internal=internal, restricted=restricted, elsewhere=elsewhere, council=council
    )


@pytest.fixture
def people(
    site, reviewer, member, cleared_member, admin_member, uncleared_admin, outsider, superuser
):
    return {
        "anonymous": AnonymousUser(),
        "reviewer": reviewer,
        "member": member,
        "cleared_member": cleared_member,
        "admin_member": admin_member,
        "uncleared_admin": uncleared_admin,
        "clo_security": clo(site, "security", "clo_security"),
        "clo_legal": clo(site, "legal", "clo_legal"),
        "outsider": outsider,
        "superuser": superuser,
    }


# who: (engagements, commitments, concerns, engagements they may change)
MATRIX = {
    "anonymous": (set(), set(), set(), set()),
    "reviewer": ({"internal"}, {"internal"}, {"internal"}, set()),
    "member": ({"internal"}, {"internal"}, {"internal"}, {"internal"}),
    "cleared_member": (
        {"internal", "restricted"},
        {"internal", "restricted"},
        {"internal", "allegation", "restricted"},
        {"internal", "restricted"},
    ),
    "admin_member": (
        {"internal", "restricted"},
        {"internal", "restricted"},
        {"internal", "allegation", "restricted"},
        {"internal", "restricted"},
    ),
    "uncleared_admin": ({"internal"}, {"internal"}, {"internal"}, {"internal"}),
    "clo_security": ({"internal"}, {"internal"}, {"internal"}, {"internal"}),
    "clo_legal": ({"internal"}, {"internal"}, {"internal"}, set()),
    "outsider": ({"elsewhere"}, {"elsewhere"}, {"elsewhere"}, {"elsewhere"}),
    "superuser": (
        set(ENGAGEMENTS),
        set(ENGAGEMENTS),
        {*ENGAGEMENTS, "allegation"},
        set(ENGAGEMENTS),
    ),
}


@pytest.mark.parametrize("who", MATRIX)
def test_permission_matrix(who, people, data):
    user = people[who]
    engagements, commitments, concerns, changeable = MATRIX[who]

    listed = list(selectors.engagement_list(user=user))
    # All of a date, newest logged first.
    assert [e.purpose for e in listed] == sorted(engagements, key=ENGAGEMENTS.index, reverse=True)
    assert {c.description for c in selectors.commitment_list(user=user)} == commitments
    assert {c.description for c in selectors.concern_list(user=user)} == concerns

    for label in ENGAGEMENTS:
        engagement = getattr(data, label)
        if label in engagements:
            assert selectors.engagement_get(user=user, pk=engagement.pk) == engagement
            assert selectors.can_change_engagement(user=user, engagement=engagement) == (
                label in changeable
            ), label
        else:
            with pytest.raises(Http404):
                selectors.engagement_get(user=user, pk=engagement.pk)
    assert changeable <= engagements


@pytest.mark.parametrize("who", MATRIX)
def test_lists_of_a_site_hold_only_that_sites_records(who, people, data, site):
    user = people[who]
    engagements, commitments, concerns, _ = MATRIX[who]
    here = {"internal", "restricted", "allegation"}
    assert {e.purpose for e in selectors.engagement_list(user=user, site=site)} == (
        engagements & here
    )
    assert {c.description for c in selectors.commitment_list(user=user, site=site)} == (
        commitments & here
    )
    assert {c.description for c in selectors.concern_list(user=user, site=site)} == (
        concerns & here
    )


def test_a_missing_engagement_is_a_404(cleared_member, data):
    with pytest.raises(Http404):
        selectors.engagement_get(user=cleared_member, pk=data.elsewhere.pk + 1000)


def test_filters_by_stakeholder_and_lead_function(cleared_member, data, defender):
    assert list(selectors.engagement_list(user=cleared_member, stakeholder=defender)) == [
        data.restricted
    ]
    assert list(selectors.engagement_list(user=cleared_member, stakeholder=data.council)) == [
        data.internal
    ]
    legal = Function.objects.get(code="legal")
    assert not selectors.engagement_list(user=cleared_member, lead_function=legal).exists()


def test_newest_first(cleared_member, data):
    data.internal.date = data.restricted.date.replace(day=1)
    data.internal.save()
    assert list(selectors.engagement_list(user=cleared_member)) == [
        data.restricted,
        data.internal,
    ]


def test_an_at_risk_stakeholder_met_on_an_internal_engagement_is_shown_by_placeholder(
    site, member, cleared_member, defender
):
    engagement = EngagementFactory(site=site, stakeholders=[defender])
    (shown,) = selectors.engagement_get(user=member, pk=engagement.pk).stakeholders.all()
    assert redaction.display_name(shown) == redaction.placeholder(defender)
    (shown,) = selectors.engagement_get(user=cleared_member, pk=engagement.pk).stakeholders.all()
    assert redaction.display_name(shown) == "Baraka Mwaipopo"


def test_clearance_at_another_site_opens_nothing_here(site, other_site, data):
    """Cleared at the other site only, a member of both sees the restricted engagement of
    neither site where they are not cleared, nor the allegation."""
    user = member_of(site, username="both")
    SiteMembership.objects.create(user=user, site=other_site, cleared=True)
    assert {e.purpose for e in selectors.engagement_list(user=user)} == {"internal", "elsewhere"}
    assert {c.description for c in selectors.concern_list(user=user)} == {
        "internal",
        "elsewhere",
    }


def test_filed_allegations_are_the_authors_only_while_they_cannot_read_them(
    site, member, cleared_member, data
):
    allegation = Concern.objects.get(description="allegation")
    allegation.created_by = member
    allegation.save()
    assert list(selectors.filed_allegation_list(user=member)) == [allegation]
    for user in (cleared_member, AnonymousUser()):
        assert not selectors.filed_allegation_list(user=user).exists()
    SiteMembership.objects.filter(user=member, site=site).update(cleared=True)
    assert not selectors.filed_allegation_list(user=member).exists()


def test_where_engagements_may_be_logged_and_who_takes_part(
    site, other_site, member, cleared_member, reviewer, outsider, superuser
):
    assert list(selectors.loggable_site_list(user=member)) == [site]
    assert not selectors.loggable_site_list(user=reviewer).exists()
    assert set(selectors.loggable_site_list(user=superuser)) == {site, other_site}
    assert set(selectors.site_member_list(site=site)) == {member, cleared_member, reviewer}
    assert list(selectors.site_member_list(site=site, cleared=True)) == [cleared_member]
    cleared_member.is_active = False
    cleared_member.save()
    assert cleared_member not in selectors.site_member_list(site=site)
    assert outsider not in selectors.site_member_list(site=site)


@pytest.mark.parametrize("who", ["anonymous", "reviewer"])
def test_no_change_without_a_role_that_allows_it(who, people, data):
    for label in ENGAGEMENTS:
        engagement = getattr(data, label)
        assert not selectors.can_change_engagement(user=people[who], engagement=engagement)


def test_no_one_uncleared_may_change_a_restricted_engagement(site, member, cleared_member):
    """Even a security manager of the site, asked directly, is refused: the rule does not
    rely on the engagement having been read through what the user may see."""
    restricted = EngagementFactory(
        site=site,
        created_by=member,
        confidentiality=Engagement.Confidentiality.RESTRICTED,
        stakeholders=[StakeholderFactory(sites=[site])],
    )
    assert not selectors.can_change_engagement(user=member, engagement=restricted)
    assert selectors.can_change_engagement(user=cleared_member, engagement=restricted)
