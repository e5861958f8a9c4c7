"""The history on an engagement's page: its own changes and its commitments' and concerns',
sealed and hidden as the records themselves are."""

import re

import pytest
from django.urls import reverse

from engagement import services
from engagement.models import Commitment, Concern, Engagement
from tests.factories import StakeholderFactory

pytestmark = pytest.mark.django_db


def history_of(client, engagement):
    content = client.get(reverse("engagement:detail", args=[engagement.pk])).content.decode()
    start = content.index('id="history-heading"')
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", content[start:]))


@pytest.fixture
def council(site):
    return StakeholderFactory(name="Mwanzo village council", sites=[site])


def log(actor, site, council, **data):
    return services.engagement_create(
        actor=actor,
        site=site,
        data={
            "date": site.today(),
            "format": Engagement.Format.MEETING,
            "lead_function": council.lead_function,
            "purpose": "Quarterly meeting",
            "summary": "Roads and dust",
            **data,
        },
        stakeholders=[council],
    )


def test_a_commitment_and_its_progress_are_in_the_engagement_history(
    client, cleared_member, member, site, council
):
    engagement = log(cleared_member, site, council)
    commitment = services.commitment_create(
        actor=cleared_member,
        engagement=engagement,
        data={"description": "Grade the school road", "owner": member, "due_on": site.today()},
    )
    services.commitment_update(
        actor=member,
        commitment=commitment,
        data={"status": Commitment.Status.DONE, "closing_note": "Graded on Tuesday"},
    )
    client.force_login(member)
    text = history_of(client, engagement)
    assert "Created · commitment: Grade the school road" in text
    assert "Changed · commitment: Grade the school road" in text
    assert "Status : Open → Done" in text
    assert "Graded on Tuesday" in text


def test_an_allegation_leaves_no_trace_in_the_history_of_the_uncleared(
    client, cleared_member, member, site, council
):
    engagement = log(cleared_member, site, council)
    services.concern_create(
        actor=cleared_member,
        engagement=engagement,
        data={
            "type": Concern.Type.ALLEGATION_PUBLIC,
            "description": "HIDDEN-MARKER beaten at the checkpoint",
        },
    )
    services.concern_create(
        actor=cleared_member,
        engagement=engagement,
        data={"type": Concern.Type.ENVIRONMENT, "description": "Dust on the school road"},
    )
    client.force_login(member)
    text = history_of(client, engagement)
    assert "concern: Environment" in text
    assert "Dust on the school road" in text
    assert "HIDDEN-MARKER" not in text
    assert "Allegation" not in text

    client.force_login(cleared_member)
    text = history_of(client, engagement)
    assert "HIDDEN-MARKER beaten at the checkpoint" in text
    assert "concern: Allegation of human rights abuse by public security" in text


def test_what_was_written_while_restricted_stays_sealed_once_opened(
    client, cleared_member, member, site, council
):
    engagement = log(
        cleared_member, site, council, confidentiality=Engagement.Confidentiality.RESTRICTED
    )
    services.commitment_create(
        actor=cleared_member,
        engagement=engagement,
        data={
            "description": "Escort the witness home",
            "owner": cleared_member,
            "due_on": site.today(),
            "closing_note": "SEALED-MARKER",
        },
    )
    services.engagement_update(
        actor=cleared_member,
        engagement=engagement,
        data={"confidentiality": Engagement.Confidentiality.INTERNAL},
    )
    client.force_login(member)
    text = history_of(client, engagement)
    assert "SEALED-MARKER" not in text
    assert "Restricted at the time" in text


def test_a_deleted_commitment_is_named_as_such(client, cleared_member, member, site, council):
    engagement = log(cleared_member, site, council)
    commitment = services.commitment_create(
        actor=cleared_member,
        engagement=engagement,
        data={"description": "Repaint the gate", "owner": member, "due_on": site.today()},
    )
    commitment.delete()
    client.force_login(member)
    assert "a commitment since deleted" in history_of(client, engagement)
