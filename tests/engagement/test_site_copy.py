"""Commitments, concerns and findings carry copies of their engagement's site (findings
its date too) for their indexes. The copies follow the engagement wherever it is saved
from, a register or a figure narrowed to a site reads them, and who may see a row is
still decided by the engagement alone: a copy that were ever wrong could misplace a row,
never show it to someone else."""

import datetime

import pytest
from django.urls import reverse

from engagement import perceptions
from engagement.models import Commitment, Concern, Engagement, Finding
from tests.conftest import member_of
from tests.factories import (
    CommitmentFactory,
    ConcernFactory,
    EngagementFactory,
    FindingFactory,
    SiteFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db

MARKER = "Qx-Copy-7731"


def test_a_new_commitment_and_concern_take_their_engagement_s_site():
    engagement = EngagementFactory()
    commitment = CommitmentFactory(engagement=engagement)
    concern = ConcernFactory(engagement=engagement)
    assert Commitment.objects.get(pk=commitment.pk).site_id == engagement.site_id
    assert Concern.objects.get(pk=concern.pk).site_id == engagement.site_id


def test_moving_an_engagement_moves_the_copies_without_a_history_entry():
    engagement = EngagementFactory()
    commitment = CommitmentFactory(engagement=engagement)
    concern = ConcernFactory(engagement=engagement)
    entries = commitment.history.count(), concern.history.count()
    elsewhere = SiteFactory()

    engagement.site = elsewhere
    engagement.save()

    assert Commitment.objects.get(pk=commitment.pk).site_id == elsewhere.pk
    assert Concern.objects.get(pk=concern.pk).site_id == elsewhere.pk
    # The copy is no change of the commitment's or concern's own: the history leaves it out.
    assert (commitment.history.count(), concern.history.count()) == entries


def test_saving_an_engagement_read_without_its_site_still_keeps_the_copies():
    engagement = EngagementFactory()
    commitment = CommitmentFactory(engagement=engagement)
    elsewhere = SiteFactory()
    type(engagement).objects.filter(pk=engagement.pk).update(site=elsewhere)
    Commitment.objects.filter(pk=commitment.pk).update(site=engagement.site)  # out of step

    deferred = type(engagement).objects.only("pk", "purpose").get(pk=engagement.pk)
    deferred.purpose = "Read without its site"
    deferred.save()

    assert Commitment.objects.get(pk=commitment.pk).site_id == elsewhere.pk


def test_a_register_narrowed_to_a_site_lists_what_moved_there(client):
    first, second = SiteFactory(name="First"), SiteFactory(name="Second")
    user = member_of(first)
    user.site_memberships.create(site=second)
    engagement = EngagementFactory(site=first)
    CommitmentFactory(engagement=engagement, description=MARKER)
    ConcernFactory(engagement=engagement, description=MARKER)
    engagement.site = second
    engagement.save()
    client.force_login(user)

    for register in ("engagement:commitments", "engagement:concerns"):
        at_first = client.get(reverse(register), {"site": first.pk})
        at_second = client.get(reverse(register), {"site": second.pk})
        assert at_first.status_code == at_second.status_code == 200
        assert MARKER not in at_first.content.decode(), register
        assert MARKER in at_second.content.decode(), register


def test_a_copy_out_of_step_never_shows_a_row_to_someone_who_may_not_see_it(client):
    """Were a copy ever wrong (a bulk update past `save`), the row it names at the user's
    site stays hidden: access is decided by the engagement, at a site they are not at."""
    theirs, other = SiteFactory(name="Theirs"), SiteFactory(name="Other")
    user = member_of(theirs, cleared=True)
    engagement = EngagementFactory(site=other)
    commitment = CommitmentFactory(engagement=engagement, description=MARKER)
    concern = ConcernFactory(engagement=engagement, description=MARKER)
    Commitment.objects.filter(pk=commitment.pk).update(site=theirs)
    Concern.objects.filter(pk=concern.pk).update(site=theirs)
    client.force_login(user)

    for register in ("engagement:commitments", "engagement:concerns"):
        for params in ({}, {"site": theirs.pk}, {"site": theirs.pk, "status": ""}):
            response = client.get(reverse(register), params)
            assert response.status_code == 200
            assert MARKER not in response.content.decode(), (register, params)
    dashboard = client.get(reverse("home"), {"site": theirs.pk})
    assert dashboard.status_code == 200
    assert dashboard.context["dashboard"].commitments.overdue == 0


def test_a_finding_takes_its_engagement_s_site_and_date_and_follows_a_change_of_date():
    site = SiteFactory()
    user = member_of(site)
    village = StakeholderFactory(name="Copy village", sites=[site])
    engagement = EngagementFactory(site=site, date=datetime.date(2026, 2, 10))
    finding = FindingFactory(engagement=engagement, community=village, value=4, evidence="Said.")
    stored = Finding.objects.get(pk=finding.pk)
    assert (stored.site_id, stored.date) == (site.pk, datetime.date(2026, 2, 10))
    entries = finding.history.count()

    def quarters():
        report = perceptions.perception_report(
            user=user,
            site=site,
            communities=[],
            date_from=datetime.date(2026, 1, 1),
            date_to=datetime.date(2026, 12, 31),
        )[0]
        return [point.quarter.label for point in report.lines[0].trend.points]

    assert quarters() == ["2026 Q1"]
    engagement.date = datetime.date(2026, 8, 3)  # the date was mistyped: it counts in Q3
    engagement.save()
    assert Finding.objects.get(pk=finding.pk).date == datetime.date(2026, 8, 3)
    assert quarters() == ["2026 Q3"]
    assert finding.history.count() == entries


def test_a_finding_copy_out_of_step_never_counts_for_someone_who_may_not_see_it():
    """A finding whose copies were wrongly set to the user's site still counts only when
    its engagement (at another site, or restricted) is one the user may see."""
    theirs, other = SiteFactory(name="Theirs"), SiteFactory(name="Other")
    user = member_of(theirs)  # not cleared
    village = StakeholderFactory(name="Shared village", sites=[theirs, other])
    day = datetime.date(2026, 2, 10)
    elsewhere = EngagementFactory(site=other, date=day)
    restricted = EngagementFactory(
        site=theirs, date=day, confidentiality=Engagement.Confidentiality.RESTRICTED
    )
    for engagement in (elsewhere, restricted):
        FindingFactory(engagement=engagement, community=village, value=5, evidence="Said.")
    Finding.objects.update(site=theirs)

    report = perceptions.perception_report(
        user=user,
        site=theirs,
        communities=[village],
        date_from=datetime.date(2026, 1, 1),
        date_to=datetime.date(2026, 12, 31),
    )[0]
    assert all(not line.trend.points for line in report.lines)
