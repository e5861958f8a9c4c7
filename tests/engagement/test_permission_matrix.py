"""Who may do what on the engagement pages: each role, a cleared and an uncleared member, a
member of another site and an anonymous visitor, against every page and action. For each,
the status code; for the lists, exactly which records appear."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from engagement import services
from engagement.models import Attachment, Commitment, Concern, Engagement
from tests.conftest import member_of
from tests.factories import (
    CommitmentFactory,
    ConcernFactory,
    EngagementFactory,
    FunctionFactory,
    MembershipFactory,
    StakeholderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PEOPLE = [
    "security_cleared",
    "security_uncleared",
    "clo",
    "clo_of_the_lead_function",
    "administrator",
    "reviewer",
    "outsider",
    "anonymous",
]
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"  # noqa: E501


class World:
    """A site with one person per column of the matrix, an internal and a restricted
    engagement (each with a commitment, a concern and an attachment), an allegation on the
    internal one, and another site's engagement."""

    def __init__(self, site, other_site):
        security = FunctionFactory(code="security")
        community = FunctionFactory(code="community-relations")

        def person(username, roles, *, cleared=False, function=None, at=site, **fields):
            user = UserFactory(username=username, roles=roles, **fields)
            MembershipFactory(user=user, site=at, cleared=cleared, function=function)
            return user

        self.people = {
            "security_cleared": person(
                "sec_cleared", ["Security manager"], cleared=True, function=security
            ),
            "security_uncleared": person("sec_uncleared", ["Security manager"]),
            "clo": person("clo", ["Community liaison officer"], function=community),
            "clo_of_the_lead_function": person(
                "clo_lead", ["Community liaison officer"], function=security
            ),
            "administrator": person("siteadmin", ["Administrator"], cleared=True, is_staff=True),
            "reviewer": person("reviewer", ["Reviewer"]),
            "outsider": person(
                "outsider", ["Security manager"], cleared=True, function=security, at=other_site
            ),
            "anonymous": None,
        }
        author = self.people["security_cleared"]
        council = StakeholderFactory(name="Mwanzo village council", sites=[site])
        self.internal = EngagementFactory(
            site=site, created_by=author, lead_function=security, stakeholders=[council]
        )
        self.restricted = EngagementFactory(
            site=site,
            created_by=author,
            lead_function=security,
            stakeholders=[council],
            confidentiality=Engagement.Confidentiality.RESTRICTED,
        )
        self.foreign = EngagementFactory(
            site=other_site,
            created_by=self.people["outsider"],
            lead_function=security,
            stakeholders=[StakeholderFactory(name="Far Valley council", sites=[other_site])],
        )
        self.commitments = {
            "internal": CommitmentFactory(
                engagement=self.internal, owner=self.people["clo"], description="C-INTERNAL"
            ),
            "restricted": CommitmentFactory(
                engagement=self.restricted, owner=author, description="C-RESTRICTED"
            ),
            "foreign": CommitmentFactory(
                engagement=self.foreign, owner=self.people["outsider"], description="C-FOREIGN"
            ),
        }
        self.concerns = {
            "internal": ConcernFactory(engagement=self.internal, description="K-INTERNAL"),
            "allegation": ConcernFactory(
                engagement=self.internal,
                type=Concern.Type.ALLEGATION_PUBLIC,
                description="K-ALLEGATION",
            ),
            "restricted": ConcernFactory(engagement=self.restricted, description="K-RESTRICTED"),
            "foreign": ConcernFactory(engagement=self.foreign, description="K-FOREIGN"),
        }
        self.attachments = {
            name: services.attachment_create(
                actor=author,
                engagement=engagement,
                upload=SimpleUploadedFile(f"{name}.pdf", PDF),
                kind=Attachment.Kind.MINUTES,
            )
            for name, engagement in (("internal", self.internal), ("restricted", self.restricted))
        }
        self.site = site


@pytest.fixture
def world(site, other_site):
    return World(site, other_site)


def as_(client, world, who):
    if world.people[who] is not None:
        client.force_login(world.people[who])
    return client


CLEARED = {"security_cleared", "administrator"}
MEMBERS = set(PEOPLE) - {"outsider", "anonymous"}
LOGGERS = {"security_cleared", "security_uncleared", "clo", "clo_of_the_lead_function"}
LOGGERS |= {"administrator"}


def expected_status(who, allowed, *, hidden_from=()):
    """200 for the allowed, 302 to the login for the anonymous, 404 for whom the record does
    not exist, 403 for the others."""
    if who == "anonymous":
        return 302
    if who in hidden_from:
        return 404
    return 200 if who in allowed else 403


def pages(world):
    """(name, url, {who: status}) for every page a GET reaches."""
    internal, restricted = world.internal, world.restricted
    not_cleared = set(PEOPLE) - CLEARED - {"anonymous"}
    editors = {"security_cleared", "security_uncleared", "clo_of_the_lead_function"}
    editors |= {"administrator"}
    return [
        *[
            (name, reverse(f"engagement:{name}"), {**dict.fromkeys(PEOPLE, 200), "anonymous": 302})
            for name in ("list", "mine", "commitments", "concerns")
        ],
        (
            "detail internal",
            reverse("engagement:detail", args=[internal.pk]),
            {who: expected_status(who, MEMBERS, hidden_from={"outsider"}) for who in PEOPLE},
        ),
        (
            "detail restricted",
            reverse("engagement:detail", args=[restricted.pk]),
            {who: expected_status(who, CLEARED, hidden_from=not_cleared) for who in PEOPLE},
        ),
        (
            "log at the site",
            reverse("engagement:add_at", args=[world.site.pk]),
            {who: expected_status(who, LOGGERS, hidden_from={"outsider"}) for who in PEOPLE},
        ),
        (
            "edit internal",
            reverse("engagement:edit", args=[internal.pk]),
            {who: expected_status(who, editors, hidden_from={"outsider"}) for who in PEOPLE},
        ),
        (
            "edit restricted",
            reverse("engagement:edit", args=[restricted.pk]),
            {who: expected_status(who, CLEARED, hidden_from=not_cleared) for who in PEOPLE},
        ),
        (
            "download internal",
            reverse("engagement:attachment_download", args=[world.attachments["internal"].pk]),
            {who: expected_status(who, MEMBERS, hidden_from={"outsider"}) for who in PEOPLE},
        ),
        (
            "download restricted",
            reverse("engagement:attachment_download", args=[world.attachments["restricted"].pk]),
            {who: expected_status(who, CLEARED, hidden_from=not_cleared) for who in PEOPLE},
        ),
        (
            "progress of a commitment owned by the CLO",
            reverse("engagement:commitment_progress", args=[world.commitments["internal"].pk]),
            {
                who: expected_status(who, editors | {"clo"}, hidden_from={"outsider"})
                for who in PEOPLE
            },
        ),
        (
            "progress of a restricted commitment",
            reverse("engagement:commitment_progress", args=[world.commitments["restricted"].pk]),
            {who: expected_status(who, CLEARED, hidden_from=not_cleared) for who in PEOPLE},
        ),
    ]


@pytest.mark.parametrize("who", PEOPLE)
def test_every_page_answers_each_person_as_their_access_says(client, world, who):
    client = as_(client, world, who)
    got = {name: client.get(url).status_code for name, url, _ in pages(world)}
    assert got == {name: expected[who] for name, _, expected in pages(world)}


def test_logging_starts_at_the_users_site_and_is_refused_to_reviewers(client, world):
    for who in LOGGERS:
        response = as_(client, world, who).get(reverse("engagement:add"))
        assert response.status_code == 302
        assert response["Location"] == reverse("engagement:add_at", args=[world.site.pk])
    assert as_(client, world, "reviewer").get(reverse("engagement:add")).status_code == 403


def engagement_ids(response):
    content = response.content.decode()
    main = content[content.index("<main") :]
    return {int(pk) for pk in re.findall(r'href="/engagements/(\d+)/"', main)}


@pytest.mark.parametrize("who", PEOPLE[:-1])
def test_the_lists_show_exactly_the_records_each_person_may_see(client, world, who):
    client = as_(client, world, who)
    if who == "outsider":
        engagements = {world.foreign.pk}
        commitments, concerns = {"C-FOREIGN"}, {"K-FOREIGN"}
    elif who in CLEARED:
        engagements = {world.internal.pk, world.restricted.pk}
        commitments = {"C-INTERNAL", "C-RESTRICTED"}
        concerns = {"K-INTERNAL", "K-ALLEGATION", "K-RESTRICTED"}
    else:
        engagements = {world.internal.pk}
        commitments, concerns = {"C-INTERNAL"}, {"K-INTERNAL"}

    assert engagement_ids(client.get(reverse("engagement:list"))) == engagements
    content = client.get(reverse("engagement:commitments")).content.decode()
    assert set(re.findall(r"C-[A-Z]+", content)) == commitments
    content = client.get(reverse("engagement:concerns")).content.decode()
    assert set(re.findall(r"K-[A-Z]+", content)) == concerns


# What each person's POSTs answer on the internal engagement: (edit, upload, progress of
# the commitment the CLO owns). An edit with only a purpose re-renders its form with the
# missing fields (200) for those who may edit; an upload or a progress saved redirects.
CHANGES = {
    "security_cleared": (200, 302, 302),
    "security_uncleared": (200, 302, 302),
    "clo": (403, 403, 302),
    "clo_of_the_lead_function": (200, 302, 302),
    "administrator": (200, 302, 302),
    "reviewer": (403, 403, 403),
    "outsider": (404, 404, 404),
    "anonymous": (302, 302, 302),
}


@pytest.mark.parametrize("who", PEOPLE)
def test_every_change_answers_as_the_persons_rights_say(client, world, who):
    """POST as each person: an edit, an upload and a commitment's progress on the internal
    engagement. What is refused changes nothing; what is allowed is saved."""
    client = as_(client, world, who)
    internal, commitment = world.internal, world.commitments["internal"]
    edit = client.post(reverse("engagement:edit", args=[internal.pk]), {"purpose": "TAKEN"})
    upload = client.post(
        reverse("engagement:attachment_add", args=[internal.pk]),
        {"file": SimpleUploadedFile("x.pdf", PDF), "kind": "minutes"},
    )
    progress = client.post(
        reverse("engagement:commitment_progress", args=[commitment.pk]),
        {"status": Commitment.Status.DONE, "closing_note": "Handed over"},
    )
    assert (edit.status_code, upload.status_code, progress.status_code) == CHANGES[who]
    if who == "anonymous":
        assert {r["Location"].split("?")[0] for r in (edit, upload, progress)} == {
            reverse("login")
        }
    internal.refresh_from_db()
    commitment.refresh_from_db()
    assert internal.purpose != "TAKEN"  # an incomplete edit saves nothing either
    allowed = who != "anonymous"
    assert internal.attachments.count() == (2 if allowed and CHANGES[who][1] == 302 else 1)
    progressed = allowed and CHANGES[who][2] == 302
    assert (commitment.status == Commitment.Status.DONE) == progressed


def test_get_on_an_upload_is_refused_and_nobody_deletes_from_the_pages(client, world):
    client = as_(client, world, "administrator")
    url = reverse("engagement:attachment_add", args=[world.internal.pk])
    assert client.get(url).status_code == 405
    content = client.get(reverse("engagement:detail", args=[world.internal.pk])).content
    assert b"delete" not in content.lower().replace(b"deleted", b"")


def test_a_superuser_reaches_every_record(client, world, superuser):
    client.force_login(superuser)
    for engagement in (world.internal, world.restricted, world.foreign):
        assert client.get(reverse("engagement:detail", args=[engagement.pk])).status_code == 200
    assert engagement_ids(client.get(reverse("engagement:list"))) == {
        world.internal.pk,
        world.restricted.pk,
        world.foreign.pk,
    }


def test_a_member_cleared_at_another_site_only_is_not_cleared_here(client, world, other_site):
    both = member_of(world.site, username="both", roles=["Security manager"])
    MembershipFactory(user=both, site=other_site, cleared=True)
    client.force_login(both)
    assert engagement_ids(client.get(reverse("engagement:list"))) == {
        world.internal.pk,
        world.foreign.pk,
    }
    url = reverse("engagement:detail", args=[world.restricted.pk])
    assert client.get(url).status_code == 404
