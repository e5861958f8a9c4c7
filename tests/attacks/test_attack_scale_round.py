"""Attack on the scale round (384a84a): the `IN (the user's sites)` visibility, the
stakeholder lookup and its `LookupSelect`, the exports read from values() and the admin's
keyset export. Each test names the rule it pins; a hidden name, a restricted record or
another site's association never reaches the attacker."""

import csv
import io
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from engagement import perceptions, selectors
from engagement.models import Commitment, Concern, Engagement, Finding
from stakeholders.models import ExportLog, Stakeholder, StakeholderCategory
from stakeholders.resources import HEADERS
from tests.conftest import member_of
from tests.factories import (
    CommitmentFactory,
    ConcernFactory,
    EngagementFactory,
    FindingFactory,
    MembershipFactory,
    SiteFactory,
    StakeholderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LOOKUP = reverse("stakeholders:lookup")
ADMIN_EXPORT = reverse("admin:stakeholders_stakeholder_export")

HIDDEN_NAME = "Secret Defender Zawadi"
SHARED_HIDDEN_NAME = "Shared Defender Neema"
RESTRICTED_TEXT = "RESTRICTED-A-SUMMARY"
ALLEGATION_TEXT = "ALLEGATION-A-TEXT"


def lookup_texts(client, **params):
    response = client.get(LOOKUP, params)
    assert response.status_code == 200
    return [row["text"] for row in response.json()["results"]]


def lookup_values(client, **params):
    response = client.get(LOOKUP, params)
    assert response.status_code == 200
    return [row["value"] for row in response.json()["results"]]


def chosen_options(page, name):
    """The values of the options a page's select `name` draws."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no select {name}"
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def streamed(response):
    assert response.status_code == 200, response.status_code
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode("utf-8-sig")


@pytest.fixture
def communities():
    return StakeholderCategory.objects.get(code="local-communities")


@pytest.fixture
def a_cleared_at_b(site, other_site):
    """A member of site A (not cleared there) who is cleared at site B."""
    user = member_of(site, username="a_cleared_at_b")
    MembershipFactory(user=user, site=other_site, cleared=True)
    return user


@pytest.fixture
def scene(site, other_site, communities):
    """Site A's secrets and B's own records: an at-risk community only at A, one at A and
    B, a plain village shared by A and B, one only at B, a restricted engagement at A with
    a commitment, a finding and an allegation, and an allegation on an internal one."""
    s = type("Scene", (), {})()
    s.author = member_of(site, cleared=True, username="author_a")
    s.hidden = StakeholderFactory(
        name=HIDDEN_NAME,
        location="HIDDEN-LOCATION",
        notes="HIDDEN-NOTES",
        at_risk=True,
        category=communities,
        sites=[site],
    )
    s.shared_hidden = StakeholderFactory(
        name=SHARED_HIDDEN_NAME, at_risk=True, category=communities, sites=[site, other_site]
    )
    s.shared = StakeholderFactory(
        name="Shared river village", category=communities, sites=[site, other_site]
    )
    s.only_a = StakeholderFactory(name="Alpha only village", category=communities, sites=[site])
    s.only_b = StakeholderFactory(
        name="Bravo only village", category=communities, sites=[other_site]
    )
    s.restricted = EngagementFactory(
        site=site,
        created_by=s.author,
        confidentiality=Engagement.Confidentiality.RESTRICTED,
        summary=RESTRICTED_TEXT,
        purpose=RESTRICTED_TEXT,
        stakeholders=[s.only_a],
    )
    CommitmentFactory(engagement=s.restricted, description=RESTRICTED_TEXT)
    FindingFactory(engagement=s.restricted, community=s.only_a, value=1, evidence=RESTRICTED_TEXT)
    ConcernFactory(engagement=s.restricted, description=RESTRICTED_TEXT)
    s.internal = EngagementFactory(
        site=site, created_by=s.author, stakeholders=[s.only_a, s.hidden, s.shared_hidden]
    )
    FindingFactory(engagement=s.internal, community=s.hidden, value=2, evidence="HIDDEN-EVIDENCE")
    s.allegation = ConcernFactory(
        engagement=s.internal,
        type=Concern.Type.ALLEGATION_PUBLIC,
        description=ALLEGATION_TEXT,
        stakeholder=s.hidden,
    )
    s.b_restricted = EngagementFactory(
        site=other_site,
        confidentiality=Engagement.Confidentiality.RESTRICTED,
        summary="RESTRICTED-B-SUMMARY",
        stakeholders=[s.only_b],
    )
    return s


# --- the lookup: another site's number ------------------------------------------------------


def test_lookup_with_another_sites_number_answers_nothing_even_for_a_shared_stakeholder(
    client, member, other_site, scene
):
    """HOLE: `site=<a site the user is not at>` is applied as a plain filter after the
    user's scope, so a stakeholder the user sees at A that is also at B is answered: the
    lookup tells the user which of their stakeholders are at B (and that B exists), which
    the registry hides (its sites are limited to the user's own and its site filter
    refuses another site's number)."""
    client.force_login(member)
    assert lookup_values(client, site=other_site.pk) == []
    assert lookup_values(client, site=other_site.pk, communities="1") == []


def test_lookup_with_another_sites_number_never_answers_that_sites_own(
    client, member, other_site, scene
):
    client.force_login(member)
    for params in ({"site": other_site.pk}, {"site": other_site.pk, "q": "Bravo"}, {"q": "Bravo"}):
        assert scene.only_b.pk not in lookup_values(client, **params)
        assert "Bravo only village" not in client.get(LOOKUP, params).content.decode()


def test_the_registry_itself_refuses_another_sites_number(client, member, other_site, scene):
    """The behaviour the lookup should match: the registry's site filter leaves out a site
    that is not the user's, and never narrows the list to what is shared with it."""
    client.force_login(member)
    response = client.get(reverse("stakeholders:list"), {"site": other_site.pk})
    assert response.status_code == 200
    assert "Bravo only village" not in response.content.decode()
    assert other_site.name not in response.content.decode()


# --- the lookup: hidden names, search, ordering, the communities flag -----------------------


def test_lookup_never_matches_a_hidden_identity_for_a_member_cleared_elsewhere(
    client, a_cleared_at_b, scene
):
    """Cleared at B is no clearance at A: the at-risk community of A alone is a
    placeholder, never matched by its name, location, notes or placeholder text."""
    client.force_login(a_cleared_at_b)
    placeholder = f"Protected stakeholder S-{scene.hidden.pk:04d}"
    everything = lookup_texts(client)
    assert placeholder in everything and HIDDEN_NAME not in everything
    for q in ("Zawadi", "HIDDEN-LOCATION", "HIDDEN-NOTES", "Protected", "S-0"):
        assert scene.hidden.pk not in lookup_values(client, q=q)
    assert HIDDEN_NAME not in client.get(LOOKUP, {"communities": "1"}).content.decode()
    # Hidden ones come after the named ones, by number: no name places them.
    assert everything.index(placeholder) > everything.index("Shared river village")


def test_lookup_names_an_at_risk_stakeholder_of_a_site_where_the_user_is_cleared(
    client, a_cleared_at_b, scene
):
    """At A and B, cleared at B: cleared at one of its sites, so named (the rule)."""
    client.force_login(a_cleared_at_b)
    assert lookup_texts(client, q="Neema") == [SHARED_HIDDEN_NAME]


def test_lookup_for_a_user_at_no_site_and_for_a_superuser(client, superuser, scene):
    client.force_login(UserFactory(username="nowhere"))
    assert lookup_values(client) == []
    assert lookup_values(client, q="village") == []
    client.force_login(superuser)
    assert HIDDEN_NAME in lookup_texts(client, q="Zawadi")
    assert "Bravo only village" in lookup_texts(client, q="Bravo")


def test_lookup_sends_the_anonymous_to_log_in(client, scene):
    response = client.get(LOOKUP, {"q": "village"})
    assert response.status_code == 302
    assert "village" not in response.content.decode()


# --- LookupSelect: the chosen option ----------------------------------------------------------


def test_engagement_list_never_draws_another_sites_stakeholder_as_the_chosen_one(
    client, member, scene
):
    client.force_login(member)
    response = client.get(reverse("engagement:list"), {"stakeholder": scene.only_b.pk})
    text = response.content.decode()
    assert response.status_code == 200
    assert "Bravo only village" not in text
    assert chosen_options(text, "stakeholder") == [""]


def test_engagement_list_draws_an_at_risk_chosen_one_by_its_placeholder(
    client, a_cleared_at_b, scene
):
    """Uncleared at A (cleared at B): `?stakeholder=<A's at-risk>` draws the placeholder."""
    client.force_login(a_cleared_at_b)
    response = client.get(reverse("engagement:list"), {"stakeholder": scene.hidden.pk})
    text = response.content.decode()
    assert response.status_code == 200
    assert f"Protected stakeholder S-{scene.hidden.pk:04d}" in text
    for secret in (HIDDEN_NAME, "HIDDEN-LOCATION", "HIDDEN-NOTES", RESTRICTED_TEXT):
        assert secret not in text


def test_engagement_list_lookup_select_ignores_junk_and_many_ids(client, member, scene):
    client.force_login(member)
    url = reverse("engagement:list")
    for value in ("9" * 40, "-1", "１２", f"{scene.only_b.pk} ", "0x10"):
        response = client.get(url, {"stakeholder": value})
        assert response.status_code == 200
        assert "Bravo only village" not in response.content.decode()
    response = client.get(f"{url}?stakeholder={scene.hidden.pk}&stakeholder={scene.only_b.pk}")
    assert "Bravo only village" not in response.content.decode()
    assert HIDDEN_NAME not in response.content.decode()


def test_perceptions_community_draws_placeholder_or_nothing(
    client, site, other_site, a_cleared_at_b, scene
):
    client.force_login(a_cleared_at_b)
    url = reverse("engagement:perceptions")
    text = client.get(url, {"site": site.pk, "community": scene.hidden.pk}).content.decode()
    assert HIDDEN_NAME not in text and "HIDDEN-EVIDENCE" not in text
    assert f"Protected stakeholder S-{scene.hidden.pk:04d}" in text
    # B's own community on A's page: not drawn as A's chosen one.
    text = client.get(url, {"site": site.pk, "community": scene.only_b.pk}).content.decode()
    assert chosen_options(text, "community") == [""]
    assert "Bravo only village" not in text


# --- member of A, cleared at B: the IN-subquery visibility ------------------------------------


def test_member_of_a_cleared_at_b_sees_no_restricted_record_of_a(
    client, site, other_site, a_cleared_at_b, scene
):
    user = a_cleared_at_b
    visible = Engagement.objects.visible_to(user)
    assert scene.restricted not in visible
    assert scene.internal in visible
    assert scene.b_restricted in visible  # cleared at B
    assert not Commitment.objects.visible_to(user).filter(engagement=scene.restricted).exists()
    assert not Finding.objects.visible_to(user).filter(engagement=scene.restricted).exists()
    assert not Concern.objects.visible_to(user).filter(engagement=scene.restricted).exists()
    concerns = selectors.concern_list(user=user)
    assert scene.allegation not in concerns
    assert not concerns.filter(description=RESTRICTED_TEXT).exists()
    assert (
        not perceptions.counted_finding_list(user=user)
        .filter(engagement=scene.restricted)
        .exists()
    )
    assert not selectors.commitment_list(user=user).filter(description=RESTRICTED_TEXT).exists()

    client.force_login(user)
    assert client.get(reverse("engagement:detail", args=[scene.restricted.pk])).status_code == 404
    for name in ("engagement:list", "engagement:commitments", "engagement:concerns"):
        text = client.get(reverse(name)).content.decode()
        assert RESTRICTED_TEXT not in text and ALLEGATION_TEXT not in text, name
    text = client.get(reverse("engagement:list"), {"confidentiality": "restricted"}).content
    assert RESTRICTED_TEXT.encode() not in text


def test_identity_is_cleared_per_stakeholder_site_not_per_user(a_cleared_at_b, scene):
    rows = {
        s.pk: s.identity_visible
        for s in Stakeholder.objects.visible_to(a_cleared_at_b).with_identity_visibility(
            a_cleared_at_b
        )
    }
    assert rows[scene.hidden.pk] is False  # only at A, where not cleared
    assert rows[scene.shared_hidden.pk] is True  # also at B, where cleared
    assert rows[scene.only_b.pk] is True


def test_a_member_of_a_is_shown_no_record_of_b(member, scene):
    assert scene.b_restricted not in Engagement.objects.visible_to(member)
    assert scene.only_b not in Stakeholder.objects.visible_to(member)
    assert not Engagement.objects.visible_to(member).filter(site=scene.b_restricted.site).exists()


def test_the_anonymous_see_nothing_and_superusers_everything(superuser, scene):
    anonymous = AnonymousUser()
    for model in (Engagement, Commitment, Concern, Finding):
        assert not model.objects.visible_to(anonymous).exists()
    assert not selectors.concern_list(user=anonymous).exists()
    assert selectors.filed_engagement_list(user=anonymous) == []
    assert Engagement.objects.visible_to(superuser).count() == Engagement.objects.count()
    assert selectors.concern_list(user=superuser).count() == Concern.objects.count()


def test_a_user_at_no_site_sees_nothing(scene):
    nowhere = UserFactory(username="nowhere")
    for model in (Engagement, Commitment, Concern, Finding):
        assert not model.objects.visible_to(nowhere).exists()
    assert not Stakeholder.objects.visible_to(nowhere).exists()
    assert not perceptions.counted_finding_list(user=nowhere).exists()


def test_filed_lists_name_what_the_author_may_not_read(site, other_site, communities):
    """Logged at A while a member uncleared there and cleared at B: the restricted
    engagement and the allegation are "filed" (out of sight), and nothing of B is."""
    author = member_of(site, username="filer")
    MembershipFactory(user=author, site=other_site, cleared=True)
    at_a = EngagementFactory(
        site=site, created_by=author, confidentiality=Engagement.Confidentiality.RESTRICTED
    )
    at_b = EngagementFactory(
        site=other_site, created_by=author, confidentiality=Engagement.Confidentiality.RESTRICTED
    )
    allegation_a = ConcernFactory(
        engagement=EngagementFactory(site=site, created_by=author),
        type=Concern.Type.ALLEGATION_PRIVATE,
    )
    allegation_b = ConcernFactory(
        engagement=EngagementFactory(site=other_site, created_by=author),
        type=Concern.Type.ALLEGATION_PRIVATE,
    )
    filed = [row.site for row in selectors.filed_engagement_list(user=author)]
    assert filed == [site.name]
    allegations = list(selectors.filed_allegation_list(user=author).values_list("pk", flat=True))
    assert allegation_a.pk in allegations and allegation_b.pk not in allegations
    # Exactly the complement of what they may read.
    assert at_a not in Engagement.objects.visible_to(author)
    assert at_b in Engagement.objects.visible_to(author)
    assert allegation_a not in selectors.concern_list(user=author)
    assert allegation_b in selectors.concern_list(user=author)


# --- the exports ------------------------------------------------------------------------------


def export(client, kind, **params):
    return client.get(reverse("engagement:export", args=[kind, "csv"]), params)


@pytest.mark.parametrize("kind", ["engagements", "my-function", "commitments", "concerns"])
def test_names_for_a_member_cleared_elsewhere_keep_as_placeholder(
    client, a_cleared_at_b, scene, kind
):
    client.force_login(a_cleared_at_b)
    for params in ({}, {"names": "1"}, {"names": "1", "stakeholder": scene.hidden.pk}):
        text = streamed(export(client, kind, **params))
        for secret in (HIDDEN_NAME, RESTRICTED_TEXT, ALLEGATION_TEXT, "RESTRICTED-B-SUMMARY"):
            if secret == "RESTRICTED-B-SUMMARY" and kind == "engagements":
                continue  # cleared at B: B's restricted engagement is theirs to export
            assert secret not in text, (kind, params, secret)


def test_names_are_refused_to_the_cleared_nowhere(client, member, scene):
    client.force_login(member)
    for kind in ("engagements", "commitments", "concerns", "findings"):
        assert export(client, kind, names="1").status_code == 403
    assert not ExportLog.objects.filter(names_included=True).exists()


def test_findings_export_hides_evidence_and_restricted_rows(client, site, a_cleared_at_b, scene):
    client.force_login(a_cleared_at_b)
    for params in ({"site": site.pk}, {"site": site.pk, "names": "1"}):
        text = streamed(export(client, "findings", **params))
        for secret in (HIDDEN_NAME, "HIDDEN-EVIDENCE", RESTRICTED_TEXT):
            assert secret not in text, (params, secret)
        rows = list(csv.reader(io.StringIO(text)))
        assert f"Protected stakeholder S-{scene.hidden.pk:04d}" in {row[4] for row in rows[1:]}


def test_a_restricted_engagements_rows_reach_only_the_cleared(
    client, cleared_member, member, scene
):
    client.force_login(cleared_member)
    assert RESTRICTED_TEXT in streamed(export(client, "engagements"))
    client.force_login(member)
    for kind in ("engagements", "commitments", "concerns"):
        assert RESTRICTED_TEXT not in streamed(export(client, kind))
        # "restricted" is not offered to the cleared nowhere (the engagements' download
        # refuses it); the registers have no such filter and ignore it.
        response = export(client, kind, confidentiality="restricted")
        answer = streamed(response) if response.status_code == 200 else response.content.decode()
        assert response.status_code in (200, 302) and RESTRICTED_TEXT not in answer


# --- the admin's registry export --------------------------------------------------------------


def admin_post(client, query="", **extra):
    selected = {f"stakeholderresource_{name}": "on" for name in HEADERS}
    return client.post(ADMIN_EXPORT + query, {"format": "0", "resource": "0", **selected, **extra})


@pytest.fixture
def staff_a_cleared_at_b(site, other_site):
    user = member_of(site, roles=["Administrator"], username="staff_ab", is_staff=True)
    MembershipFactory(user=user, site=other_site, cleared=True)
    return user


def test_admin_export_leaves_out_whom_the_exporter_may_not_name(
    client, staff_a_cleared_at_b, scene
):
    client.force_login(staff_a_cleared_at_b)
    response = admin_post(client)
    entry = ExportLog.objects.get()  # logged before a byte of the file is read
    text = streamed(response)
    assert entry.row_count == len(text.splitlines()) - 1
    assert HIDDEN_NAME not in text and "HIDDEN-NOTES" not in text and "HIDDEN-LOCATION" not in text
    assert SHARED_HIDDEN_NAME in text  # cleared at B, one of its sites
    assert entry.names_included is True
    # The export action with A's at-risk id: refused as not one of the exportable rows.
    response = admin_post(client, export_items=[scene.hidden.pk])
    body = streamed(response) if response.streaming else response.content.decode()
    assert HIDDEN_NAME not in body
    # Searching by the hidden name matches nothing of it.
    assert HIDDEN_NAME not in streamed(admin_post(client, query="?q=Zawadi"))


def test_admin_export_names_only_the_exporters_sites(client, site, scene):
    third = SiteFactory(name="Charlie Secret Site")
    StakeholderFactory(name="Three site council", sites=[site, third])
    admin = member_of(site, cleared=True, roles=["Administrator"], username="adm_a", is_staff=True)
    client.force_login(admin)
    text = streamed(admin_post(client))
    assert "Charlie Secret Site" not in text
    assert "Far Valley Copper" not in text  # B: shared stakeholders carry only A here
    assert "Bravo only village" not in text
    assert list(ExportLog.objects.get().sites.all()) == [site]


def test_admin_export_with_another_sites_filter_exports_nothing(
    client, other_site, admin_member, scene
):
    """The admin's site filter, unlike the lookup, scopes the number to the user's sites."""
    client.force_login(admin_member)
    text = streamed(admin_post(client, query=f"?site={other_site.pk}"))
    assert text.splitlines()[1:] == []
    assert ExportLog.objects.get().row_count == 0
