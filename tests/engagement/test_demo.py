"""The demo's year of engagements, logged through the services."""

from io import StringIO

import pytest
from django.core.management import call_command

from engagement import selectors
from engagement.models import Attachment, Commitment, Concern, Engagement
from stakeholders.models import StakeholderCategory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def attachments_root(settings, tmp_path):
    """The demo's attachments go to this test's own folder, never into the checkout."""
    folder = tmp_path / "attachments"
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "engagement.attachments.PrivateFileSystemStorage",
            "OPTIONS": {"location": folder},
        },
    }
    return folder


def test_the_demo_year_covers_every_category_with_restricted_records(settings):
    settings.DEBUG = True
    output = StringIO()
    call_command("seed_demo", stdout=output)
    assert "Engagement: 18 record(s) added." in output.getvalue()

    engagements = Engagement.objects.all()
    covered = set(engagements.values_list("stakeholders__category", flat=True))
    assert covered == set(StakeholderCategory.objects.values_list("pk", flat=True))
    assert len(set(engagements.values_list("lead_function", flat=True))) >= 3
    restricted = engagements.get(confidentiality=Engagement.Confidentiality.RESTRICTED)
    assert restricted.stakeholders.get().at_risk
    assert restricted.history.get().history_user == restricted.created_by

    today = restricted.site.today()
    overdue = Commitment.objects.exclude(status__in=Commitment.CLOSED).filter(due_on__lt=today)
    assert overdue.exists()
    assert Commitment.objects.filter(status=Commitment.Status.DONE).exclude(closing_note="")
    allegation = Concern.objects.get(type__in=Concern.ALLEGATIONS)
    assert allegation.status == Concern.Status.UNDER_INVESTIGATION
    assert allegation.stakeholder is None and allegation.referred_to

    reviewer = restricted.site.memberships.get(user__username="reviewer").user
    assert restricted not in selectors.engagement_list(user=reviewer)
    assert allegation not in selectors.concern_list(user=reviewer)
    assert selectors.engagement_list(user=reviewer).count() == 17

    call_command("seed_demo", stdout=StringIO())
    assert Engagement.objects.count() == 18
    assert Attachment.objects.count() == 2


def test_the_demo_year_has_minutes_and_a_flip_chart_photo(settings, attachments_root):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    minutes = Attachment.objects.get(kind=Attachment.Kind.MINUTES)
    assert minutes.content_type == "application/pdf"
    assert minutes.name == "Minutes_Mwanzo_village_meeting.pdf"
    assert minutes.engagement.confidentiality == Engagement.Confidentiality.INTERNAL
    assert minutes.file.read().startswith(b"%PDF-1.4")
    photo = Attachment.objects.get(kind=Attachment.Kind.PHOTO)
    assert photo.content_type == "image/png"
    assert photo.engagement.stakeholders.get().name == "Ilembo women's savings group"
    for attachment in (minutes, photo):
        record = attachment.history.get()
        assert record.history_user == attachment.engagement.created_by == attachment.uploaded_by
    stored = sorted(path for path in attachments_root.rglob("*") if path.is_file())
    assert len(stored) == 2
    assert {path.stat().st_size for path in stored} == {minutes.size, photo.size}

    reviewer = minutes.engagement.site.memberships.get(user__username="reviewer").user
    assert set(selectors.attachment_list(user=reviewer)) == {minutes, photo}
