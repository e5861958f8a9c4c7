"""Attack on the "fast reads" round: the site/date copies on commitments, concerns and
findings, the prefetching registers, the CASE-wrapped perception condition, the one-query
permission backend, the engagement/stakeholder/plan pages reading things once, the report
answering `viewer_cleared` from its site list, the listed filter choices, the FTS search
with its capped count, and the admin's per-request memos. Markers planted in what must stay
hidden never reach an uncleared member of the site, another site's administrator, an
inactive user or anyone signed out."""

import re
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.urls import reverse

from engagement import services
from engagement.demo import pdf_page
from engagement.models import Attachment, Commitment, Concern, Engagement, Finding
from stakeholders import services as stakeholder_services
from tests.attacks.conftest import MARKERS, SITE_A_ONLY
from tests.conftest import member_of
from tests.factories import (
    CommitmentFactory,
    ConcernFactory,
    EngagementFactory,
    FindingFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

EXTRA_MARKERS = (
    "MARKER-SEALED-SUMMARY",
    "MARKER-SEALED-COMMITMENT",
    "MARKER-ALLEGATION-PAST",
    "MARKER-RESTRICTED-ATTACHMENT",
    "MARKER-HIDDEN-RENAMED",
)
ALL_MARKERS = (*MARKERS, *EXTRA_MARKERS)

# Uncleared members of A (three roles) and B's cleared administrator; `bmember` is a
# cleared security manager at B only.
ATTACKERS = ("clo", "reviewer", "uadmin", "badmin", "bmember")


@pytest.fixture
def scene(world):
    """The conftest's world, plus: an engagement that was restricted (its summary and a
    commitment written then), an allegation since reclassified, an attachment on the
    restricted engagement, the hidden community renamed (both names secret)."""
    w = world
    w.bmember = member_of(w.b, cleared=True, username="bmember")
    # Restricted first, then opened up: what was written meanwhile stays sealed.
    w.was_restricted = EngagementFactory(
        site=w.a,
        date=w.day,
        created_by=w.cleared,
        lead_function=w.security,
        confidentiality=Engagement.Confidentiality.RESTRICTED,
        summary="MARKER-SEALED-SUMMARY",
        purpose="MARKER-SEALED-SUMMARY",
        stakeholders=[w.village],
    )
    sealed_commitment = CommitmentFactory(
        engagement=w.was_restricted, description="MARKER-SEALED-COMMITMENT", owner=w.cleared
    )
    services.engagement_update(
        actor=w.cleared,
        engagement=w.was_restricted,
        data={
            "confidentiality": Engagement.Confidentiality.INTERNAL,
            "summary": "Opened up later",
            "purpose": "Opened up later",
        },
    )
    services.commitment_update(
        actor=w.cleared,
        commitment=sealed_commitment,
        data={"description": "A commitment anyone at A may read"},
    )
    # An allegation reclassified as an ordinary concern.
    past = ConcernFactory(
        engagement=w.internal,
        type=Concern.Type.ALLEGATION_PRIVATE,
        description="MARKER-ALLEGATION-PAST",
        created_by=w.cleared,
    )
    services.concern_update(
        actor=w.cleared,
        concern=past,
        data={"type": Concern.Type.OTHER, "description": "Noise at night"},
    )
    # An attachment on the restricted engagement.
    w.attachment = services.attachment_create(
        actor=w.cleared,
        engagement=w.restricted,
        upload=ContentFile(
            pdf_page(["MARKER-RESTRICTED-ATTACHMENT"]), name="MARKER-RESTRICTED-ATTACHMENT.pdf"
        ),
        kind=Attachment.Kind.MINUTES,
        description="MARKER-RESTRICTED-ATTACHMENT",
    )
    # The hidden community renamed: its history holds both names.
    stakeholder_services.stakeholder_update(
        actor=w.cleared, stakeholder=w.hidden, data={"name": "MARKER-HIDDEN-RENAMED"}
    )
    w.hidden.refresh_from_db()
    return w


def body_of(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def assert_clean(text, who, url, extra=()):
    for marker in (*ALL_MARKERS, *extra):
        assert marker not in text, f"{marker} leaked to {who} at {url}"


def extra_for(who):
    """What A's members may see but B's people must not: A's name and A's colleagues."""
    if who in ("badmin", "bmember"):
        return (*SITE_A_ONLY, "MARKER-SECRET-OWNER", "secmgr")
    return ()


def attacker(w, who):
    return getattr(w, who)


def page_urls(w):
    """Every page of the app and the admin an attacker may try, with filter values naming
    the secrets or the other site."""
    a, b = w.a.pk, w.b.pk
    eng = reverse("engagement:list")
    mine = reverse("engagement:mine")
    commitments = reverse("engagement:commitments")
    concerns = reverse("engagement:concerns")
    registry = reverse("stakeholders:list")
    lookup = reverse("stakeholders:lookup")
    searches = [
        # Parts of the markers: a whole one would be echoed back in the search box.
        "MARKER",
        "ER-RESTRICTED-SUMMA",
        "ER-SEALED-SUMMA",
        "ER-ALLEGATION-PA",
        "ER-HIDDEN-REN",
        "MA",
        "RK",
        "ARK",
        '"MARKER" OR *',
        "restricted",
    ]
    urls = [
        "/",
        f"/?site={a}",
        f"/?site={b}",
        reverse("dashboard:choose") + f"?site={a}",
        f"/engagements/{w.internal.pk}/",
        f"/engagements/{w.hidden_meeting.pk}/",
        f"/engagements/{w.was_restricted.pk}/",
        f"/engagements/{w.restricted.pk}/",
        f"/engagements/attachments/{w.attachment.pk}/",
        f"/stakeholders/{w.hidden.pk}/",
        f"/stakeholders/{w.village.pk}/",
        f"/stakeholders/{w.police_post.pk}/",
        f"/plans/{w.plan.pk}/",
        f"/plans/{w.draft.pk}/",
        reverse("plans:list"),
        reverse("stakeholders:map") + f"?site={a}",
        eng,
        mine,
        registry,
        commitments,
        concerns,
        reverse("engagement:perceptions"),
    ]
    for term in searches:
        urls += [
            f"{eng}?{urlencode({'q': term})}",
            f"{mine}?{urlencode({'q': term})}",
            f"{registry}?{urlencode({'q': term})}",
            f"{lookup}?{urlencode({'q': term})}",
            f"{commitments}?{urlencode({'q': term, 'status': ''})}",
            f"{concerns}?{urlencode({'q': term})}",
        ]
    for query in (
        {"site": a},
        {"site": b},
        {"site": "x"},
        {"stakeholder": w.hidden.pk},
        {"stakeholder": w.b_village.pk},
        {"category": w.communities.pk},
        {"category": w.police.pk},
        {"objective": 1},
        {"function": w.security.pk},
        {"confidentiality": "restricted"},
        {"confidentiality": "restricted", "q": "MARKER"},
        {"open_commitments": "yes"},
        {"date_from": "1900-01-01", "date_to": "2999-12-31"},
    ):
        urls += [f"{eng}?{urlencode(query)}", f"{mine}?{urlencode(query)}"]
    for query in (
        {"site": a, "status": ""},
        {"site": b, "status": ""},
        {"site": b},
        {"owner": w.cleared.pk, "status": ""},
        {"status": "overdue"},
    ):
        urls.append(f"{commitments}?{urlencode(query)}")
    for query in (
        {"site": a},
        {"site": b},
        {"type": "allegations"},
        {"type": "allegation_public_security"},
        {"type": "allegation_private_security", "site": b},
        {"status": "closed"},
    ):
        urls.append(f"{concerns}?{urlencode(query)}")
    for query in (
        {"site": a},
        {"site": b},
        {"site": a, "community": w.hidden.pk},
        {"site": b, "community": w.hidden.pk},
        {"site": a, "indicator": Finding.Indicator.SATISFACTION},
    ):
        urls.append(f"{reverse('engagement:perceptions')}?{urlencode(query)}")
    for query in (
        {"category": w.communities.pk},
        {"site": a},
        {"site": b},
        {"kind": "person"},
        {"at_risk": "yes"},
    ):
        urls.append(f"{registry}?{urlencode(query)}")
    for query in ({"site": a}, {"site": b}, {"q": "MARKER", "site": b}, {"q": "Vill"}):
        urls.append(f"{lookup}?{urlencode(query)}")
    for site in (a, b):
        for version in ("internal", "external"):
            query = {
                "site": site,
                "date_from": w.day.replace(month=1, day=1).isoformat(),
                "date_to": w.day.isoformat(),
                "version": version,
            }
            urls.append(f"{reverse('reports:report')}?{urlencode(query)}")
        urls.append(f"{reverse('reports:lessons')}?site={site}")
    for kind in ("engagements", "my-function", "commitments", "concerns", "findings"):
        for query in ({}, {"site": b}, {"q": "MARKER"}, {"names": 1}):
            urls.append(
                reverse("engagement:export", args=[kind, "csv"])
                + ("?" + urlencode(query) if query else "")
            )
    # The admin: changelists with searches and filters, change and history pages.
    admin_lists = {
        "engagement/engagement": w.restricted.pk,
        "engagement/commitment": Commitment.objects.filter(engagement=w.restricted).first().pk,
        "engagement/concern": w.allegation.pk,
        "engagement/attachment": w.attachment.pk,
        "stakeholders/stakeholder": w.hidden.pk,
    }
    for model, pk in admin_lists.items():
        base = f"/admin/{model}/"
        urls += [
            base,
            f"{base}?q=MARKER",
            f"{base}?site={a}",
            f"{base}?site={b}",
            f"{base}?site={a}&_facets=1",
            f"{base}?_facets=1",
            f"{base}{pk}/change/",
            f"{base}{pk}/history/",
        ]
    urls += [
        f"/admin/engagement/engagement/{w.internal.pk}/change/",
        f"/admin/engagement/engagement/{w.internal.pk}/history/",
        f"/admin/engagement/engagement/{w.was_restricted.pk}/change/",
        f"/admin/engagement/engagement/{w.was_restricted.pk}/history/",
        f"/admin/engagement/concern/?type__exact={Concern.Type.ALLEGATION_PUBLIC}",
        "/admin/engagement/commitment/?site__id__exact=" + str(a),
        "/admin/engagement/commitment/?site__engagements__summary__icontains=MARKER",
        "/admin/engagement/concern/?site__engagements__summary__icontains=MARKER",
        "/admin/engagement/commitment/?engagement__summary__icontains=MARKER",
    ]
    return urls


def fetch_all(client, w, who):
    for url in page_urls(w):
        response = client.get(url)
        yield url, response


@pytest.mark.parametrize("who", ATTACKERS)
def test_no_page_carries_a_marker(client, scene, who):
    client.force_login(attacker(scene, who))
    for url, response in fetch_all(client, scene, who):
        assert response.status_code < 500, (url, response.status_code)
        assert_clean(body_of(response), who, url, extra_for(who))


def test_anonymous_gets_nothing(client, scene):
    for url, response in fetch_all(client, scene, "anonymous"):
        assert response.status_code in (301, 302, 400, 403, 404), (url, response.status_code)
        assert_clean(body_of(response), "anonymous", url, SITE_A_ONLY)


@pytest.fixture
def inactive(scene):
    """A cleared security manager at A whose account was switched off."""
    user = member_of(scene.a, cleared=True, username="gone")
    user.is_active = False
    user.save()
    return user


def test_inactive_user_session_gets_nothing(client, scene, inactive):
    client.force_login(inactive)
    for url, response in fetch_all(client, scene, "inactive"):
        assert response.status_code in (301, 302, 400, 403, 404), (url, response.status_code)
        assert_clean(body_of(response), "inactive", url, SITE_A_ONLY)


def test_inactive_superuser_has_no_permission(db):
    root = UserFactory(username="oldroot", is_superuser=True, is_staff=True, is_active=False)
    assert not root.has_perm("engagement.view_engagement")
    assert root.get_all_permissions() == set()


def test_user_deactivated_mid_session_is_signed_out(client, scene):
    client.force_login(scene.cleared)
    assert "MARKER-RESTRICTED-SUMMARY" in body_of(
        client.get(f"/engagements/{scene.restricted.pk}/")
    )
    type(scene.cleared).objects.filter(pk=scene.cleared.pk).update(is_active=False)
    response = client.get(f"/engagements/{scene.restricted.pk}/")
    assert response.status_code == 302
    assert_clean(body_of(response), "deactivated", "detail")


def test_removed_from_role_mid_session_loses_the_admin(client, scene):
    admin = member_of(
        scene.a, cleared=True, roles=["Administrator"], username="aadmin", is_staff=True
    )
    client.force_login(admin)
    url = "/admin/engagement/engagement/"
    assert client.get(url).status_code == 200
    admin.groups.remove(Group.objects.get(name="Administrator"))
    assert client.get(url).status_code == 403
    response = client.get(f"/admin/engagement/engagement/{scene.restricted.pk}/change/")
    assert response.status_code in (302, 403, 404)
    assert_clean(body_of(response), "ex-admin", "change")


def test_cleared_sees_the_markers_so_the_checks_are_real(client, scene):
    """The pages do show the secrets to the cleared: the attacks above test something."""
    client.force_login(scene.cleared)
    restricted = body_of(client.get(f"/engagements/{scene.restricted.pk}/"))
    assert "MARKER-RESTRICTED-SUMMARY" in restricted
    assert "MARKER-RESTRICTED-COMMITMENT" in restricted
    assert "MARKER-RESTRICTED-ATTACHMENT" in restricted
    history = body_of(client.get(f"/engagements/{scene.was_restricted.pk}/"))
    assert "MARKER-SEALED-SUMMARY" in history
    assert "MARKER-SEALED-COMMITMENT" in history
    internal = body_of(client.get(f"/engagements/{scene.internal.pk}/"))
    assert "MARKER-ALLEGATION" in internal
    assert "MARKER-ALLEGATION-PAST" in internal
    hidden = body_of(client.get(f"/stakeholders/{scene.hidden.pk}/"))
    assert "MARKER-HIDDEN-RENAMED" in hidden
    assert "MARKER-HIDDEN-COMMUNITY" in hidden
    search = body_of(client.get(reverse("engagement:list") + "?q=MARKER-RESTRICTED-SUMMARY"))
    assert f"/engagements/{scene.restricted.pk}/" in search


# --- counts of searches and filters ---------------------------------------------------------


def listed_count(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    paginator = response.context["page_obj"].paginator
    return paginator.count, getattr(paginator, "capped", False)


@pytest.mark.parametrize("who", ("clo", "reviewer", "uadmin", "badmin"))
@pytest.mark.parametrize(
    "term", ["MARKER-RESTRICTED-SUMMARY", "MARKER-SEALED-SUMMARY", "RESTRICTED", "MA", "SEALED"]
)
def test_search_counts_only_what_the_user_sees(client, scene, who, term):
    user = attacker(scene, who)
    client.force_login(user)
    expected = sum(
        any(
            term.lower() in (getattr(e, f) or "").lower()
            for f in ("purpose", "summary", "outcomes")
        )
        for e in Engagement.objects.visible_to(user)
    )
    for base in (reverse("engagement:list"), reverse("engagement:mine")):
        count, capped = listed_count(client, f"{base}?{urlencode({'q': term})}")
        if base == reverse("engagement:list"):
            assert count == expected, (who, term, count, expected)
        assert not capped
        text = body_of(client.get(f"{base}?{urlencode({'q': term})}"))
        assert "More than" not in text


@pytest.mark.parametrize("who", ("clo", "reviewer", "uadmin", "badmin"))
def test_filter_counts_ignore_the_restricted(client, scene, who):
    """Each filter's count is that of the engagements the user may see."""
    user = attacker(scene, who)
    client.force_login(user)
    visible = Engagement.objects.visible_to(user)
    eng = reverse("engagement:list")
    everything = visible.count()
    assert listed_count(client, eng)[0] == everything
    # A value the user may not choose is left out (the whole list): never more than that.
    for query, narrowed in (
        ("confidentiality=restricted", visible.filter(confidentiality="restricted")),
        (f"category={scene.police.pk}", visible.filter(stakeholders__category=scene.police)),
        (f"site={scene.a.pk}", visible.filter(site=scene.a)),
        (f"site={scene.b.pk}", visible.filter(site=scene.b)),
        (f"stakeholder={scene.hidden.pk}", visible.filter(stakeholders=scene.hidden)),
    ):
        count, _capped = listed_count(client, f"{eng}?{query}")
        assert count in (narrowed.distinct().count(), everything), (who, query, count)
        page = body_of(client.get(f"{eng}?{query}"))
        assert f"/engagements/{scene.restricted.pk}/" not in page


def select_options(page, name):
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    if not select:
        return None
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)<', select.group(1))


@pytest.mark.parametrize("who", ("clo", "reviewer", "uadmin", "badmin", "bmember"))
def test_filter_options_offer_no_foreign_site_nor_hidden_name(client, scene, who):
    user = attacker(scene, who)
    client.force_login(user)
    own = {str(m.site_id) for m in user.site_memberships.all()}
    for url in (
        reverse("engagement:list"),
        reverse("engagement:mine"),
        reverse("engagement:commitments"),
        reverse("engagement:concerns"),
        reverse("stakeholders:list"),
        reverse("engagement:list") + f"?stakeholder={scene.hidden.pk}",
        reverse("engagement:list") + f"?site={scene.a.pk if who.startswith('b') else scene.b.pk}",
    ):
        page = body_of(client.get(url))
        options = select_options(page, "site")
        if options is not None:
            assert {value for value, _label in options if value} <= own, url
        for name in ("stakeholder", "owner", "type", "confidentiality"):
            for value, label in select_options(page, name) or []:
                for marker in (*ALL_MARKERS, *extra_for(who)):
                    assert marker not in label, (url, name, label)
                if name == "type" and who != "bmember" and who != "badmin":
                    assert not value.startswith("allegation"), (url, value)
                if name == "confidentiality" and who not in ("badmin", "bmember"):
                    assert value != "restricted", (url, value)


# --- the site copies ------------------------------------------------------------------------


@pytest.fixture
def stray_copies(scene):
    """Copies out of step, as a bulk update would leave them: the restricted engagement's
    commitment, finding and an allegation all say site B."""
    w = scene
    Commitment.objects.filter(engagement=w.restricted).update(site=w.b)
    Finding.objects.filter(engagement=w.restricted).update(site=w.b, date=w.b.today())
    Finding.objects.filter(engagement=w.hidden_meeting).update(site=w.b)
    Concern.objects.filter(pk=w.allegation.pk).update(site=w.b)
    ConcernFactory(
        engagement=w.restricted,
        type=Concern.Type.ALLEGATION_PRIVATE,
        description="MARKER-ALLEGATION-SOURCE",
    )
    Concern.objects.filter(engagement=w.restricted).update(site=w.b)
    return w


@pytest.mark.parametrize("who", ("badmin", "bmember", "clo", "uadmin"))
def test_stray_copies_show_nothing_at_the_other_site(client, stray_copies, who):
    w = stray_copies
    client.force_login(attacker(w, who))
    b = w.b.pk
    for url in (
        f"/?site={b}",
        f"{reverse('engagement:commitments')}?site={b}&status=",
        f"{reverse('engagement:commitments')}?status=",
        f"{reverse('engagement:concerns')}?site={b}",
        f"{reverse('engagement:concerns')}?site={b}&type=allegations",
        f"{reverse('engagement:perceptions')}?site={b}",
        f"{reverse('engagement:perceptions')}?site={b}&community={w.village.pk}",
        reverse("engagement:export", args=["commitments", "csv"]) + f"?site={b}&status=",
        reverse("engagement:export", args=["concerns", "csv"]) + f"?site={b}",
        reverse("engagement:export", args=["findings", "csv"]) + f"?site={b}",
        "/admin/engagement/commitment/?site=" + str(b),
        "/admin/engagement/concern/?site=" + str(b),
        "/admin/engagement/commitment/?_facets=1",
        "/admin/engagement/concern/?_facets=1",
    ):
        response = client.get(url)
        assert response.status_code < 500, url
        assert_clean(body_of(response), who, url, extra_for(who))


def test_stray_copies_move_no_figure_at_the_other_site(client, stray_copies):
    """B's dashboard and perception figures for B's administrator are those of B's own
    records: the restricted finding and commitment of A moved there by their copies add
    nothing."""
    w = stray_copies
    client.force_login(w.badmin)
    assert not Finding.objects.visible_to(w.badmin).filter(engagement__site=w.a).exists()
    response = client.get(f"{reverse('engagement:perceptions')}?site={w.b.pk}")
    assert response.status_code == 200
    text = body_of(response)
    assert "Open village council" not in text
    assert w.hidden.name not in text
    assert not Commitment.objects.visible_to(w.badmin).filter(engagement__site=w.a).exists()


def test_engagement_moved_by_update_leaves_the_uncleared_nothing(client, scene):
    """An engagement made restricted by a bulk update (no save(): its rows' copies stay)
    takes its commitments, concerns and findings out of the uncleared's sight at once."""
    w = scene
    Engagement.objects.filter(pk=w.internal.pk).update(
        confidentiality=Engagement.Confidentiality.RESTRICTED, summary="MARKER-RESTRICTED-SUMMARY"
    )
    client.force_login(w.clo)
    for url in (
        f"/?site={w.a.pk}",
        f"{reverse('engagement:commitments')}?status=",
        f"{reverse('engagement:commitments')}?site={w.a.pk}&status=",
        f"{reverse('engagement:concerns')}?site={w.a.pk}",
        f"/engagements/{w.internal.pk}/",
        f"/stakeholders/{w.village.pk}/",
    ):
        text = body_of(client.get(url))
        assert "Water the road" not in text, url
        assert "Dust on the road" not in text, url
        assert "Noise at night" not in text, url
        assert_clean(text, "clo", url)


def test_engagement_moved_to_another_site_by_update(client, scene):
    """Moved to B by a bulk update, A's restricted engagement and its rows (whose copies
    still say A) are out of every A member's sight, and B's uncleared see none of it."""
    w = scene
    Engagement.objects.filter(pk=w.restricted.pk).update(site=w.b)
    b_uncleared = member_of(w.b, username="b_uncleared")
    for user in (w.clo, w.uadmin, b_uncleared):
        client.force_login(user)
        for url in (
            f"{reverse('engagement:commitments')}?site={w.a.pk}&status=",
            f"{reverse('engagement:commitments')}?status=",
            f"{reverse('engagement:concerns')}?site={w.a.pk}",
            f"{reverse('engagement:perceptions')}?site={w.a.pk}",
            f"/engagements/{w.restricted.pk}/",
            f"/?site={w.a.pk}",
        ):
            assert_clean(body_of(client.get(url)), user.username, url)


def test_engagement_save_moves_copies_with_it(scene):
    w = scene
    engagement = Engagement.objects.get(pk=w.restricted.pk)
    engagement.site = w.b
    engagement.save()
    assert set(
        Commitment.objects.filter(engagement=engagement).values_list("site", flat=True)
    ) == {w.b.pk}
    assert set(Finding.objects.filter(engagement=engagement).values_list("site", flat=True)) == {
        w.b.pk
    }


def test_site_copy_is_not_offered_in_admin_forms_or_history(client, scene):
    w = scene
    client.force_login(w.badmin)
    commitment = Commitment.objects.filter(engagement=w.b_meeting).first()
    if commitment is None:
        commitment = CommitmentFactory(engagement=w.b_meeting, owner=w.badmin)
    page = body_of(client.get(f"/admin/engagement/commitment/{commitment.pk}/change/"))
    assert 'name="site"' not in page
    # A's site name never reaches B's admin through a form's site choices.
    assert "MARKER-SITE-A-PUBLIC" not in page


# --- pages reading things once --------------------------------------------------------------


@pytest.mark.parametrize("who", ("clo", "reviewer", "uadmin"))
def test_engagement_page_history_is_sealed_for_the_uncleared(client, scene, who):
    w = scene
    client.force_login(attacker(w, who))
    response = client.get(f"/engagements/{w.was_restricted.pk}/")
    assert response.status_code == 200
    text = body_of(response)
    assert "Opened up later" in text
    assert "A commitment anyone at A may read" in text
    assert_clean(text, who, "was_restricted")
    internal = body_of(client.get(f"/engagements/{w.internal.pk}/"))
    assert "Noise at night" in internal
    assert_clean(internal, who, "internal")


def test_engagement_page_with_a_hidden_source_outside_those_met(client, scene):
    """A concern whose source is not among the stakeholders met (read apart from them)
    is still named by its placeholder for the uncleared."""
    w = scene
    ConcernFactory(engagement=w.internal, type=Concern.Type.OTHER, stakeholder=w.hidden)
    w.internal.stakeholders.remove(w.hidden)
    FindingFactory(engagement=w.internal, community=w.hidden, evidence="MARKER-HIDDEN-EVIDENCE")
    for who in ("clo", "reviewer", "uadmin"):
        client.force_login(attacker(w, who))
        response = client.get(f"/engagements/{w.internal.pk}/")
        assert response.status_code == 200
        assert_clean(body_of(response), who, "internal")


def test_engagement_page_of_a_hidden_stakeholder_at_another_site(client, scene):
    """An at-risk stakeholder met by an A engagement but registered at B only: cleared at B
    does not make a member of A (uncleared there) see its name on A's page."""
    w = scene
    user = member_of(w.a, username="a_cleared_at_b")
    MembershipFactory(user=user, site=w.b, cleared=True)
    w.hidden.sites.add(w.b)
    client.force_login(user)
    for url in (f"/engagements/{w.internal.pk}/", f"/engagements/{w.hidden_meeting.pk}/"):
        text = body_of(client.get(url))
        # Cleared at one of its sites (B): the design shows the name. The secrets of A's
        # restricted records and sealed history still stay hidden.
        for marker in (
            "MARKER-RESTRICTED-SUMMARY",
            "MARKER-SEALED-SUMMARY",
            "MARKER-SEALED-COMMITMENT",
            "MARKER-ALLEGATION",
            "MARKER-RESTRICTED-ATTACHMENT",
        ):
            assert marker not in text, (url, marker)


def test_filed_allegation_stays_contentless_for_its_uncleared_author(client, scene):
    w = scene
    services.concern_create(
        actor=w.uadmin,
        engagement=w.internal,
        data={"type": Concern.Type.ALLEGATION_PUBLIC, "description": "MARKER-ALLEGATION-SOURCE"},
    )
    client.force_login(w.uadmin)
    for url in (
        f"/engagements/{w.internal.pk}/",
        reverse("engagement:concerns"),
        f"/admin/engagement/engagement/{w.internal.pk}/history/",
    ):
        assert_clean(body_of(client.get(url)), "uadmin", url)


@pytest.mark.parametrize("who", ("clo", "reviewer", "uadmin"))
def test_stakeholder_page_of_the_hidden_community(client, scene, who):
    w = scene
    client.force_login(attacker(w, who))
    response = client.get(f"/stakeholders/{w.hidden.pk}/")
    assert response.status_code == 200
    text = body_of(response)
    assert_clean(text, who, "hidden stakeholder")


@pytest.mark.parametrize("who", ("badmin", "bmember"))
def test_other_site_sees_404_for_a_records(client, scene, who):
    w = scene
    client.force_login(attacker(w, who))
    missing = client.get("/engagements/99999999/").status_code
    for url in (
        f"/engagements/{w.internal.pk}/",
        f"/engagements/{w.restricted.pk}/",
        f"/engagements/{w.was_restricted.pk}/",
    ):
        assert client.get(url).status_code == missing, url
    assert (
        client.get(f"/stakeholders/{w.hidden.pk}/").status_code
        == client.get("/stakeholders/99999999/").status_code
    )
    assert (
        client.get(f"/plans/{w.plan.pk}/").status_code
        == client.get("/plans/99999999/").status_code
    )


# --- the report's clearance from its site list --------------------------------------------


def report_url(w, site, version="internal"):
    query = {
        "site": site.pk,
        "date_from": w.day.replace(month=1, day=1).isoformat(),
        "date_to": w.day.isoformat(),
        "version": version,
    }
    return f"{reverse('reports:report')}?{urlencode(query)}"


@pytest.mark.parametrize("who", ("clo", "reviewer", "uadmin"))
def test_report_for_the_uncleared_is_not_cleared(client, scene, who):
    w = scene
    client.force_login(attacker(w, who))
    response = client.get(report_url(w, w.a))
    assert response.status_code == 200
    assert response.context["report"].cleared is False
    assert_clean(body_of(response), who, "report")


def test_report_of_a_user_cleared_elsewhere_is_not_cleared_here(client, scene):
    w = scene
    user = member_of(w.a, username="a_cleared_at_b", roles=["Administrator"], is_staff=True)
    MembershipFactory(user=user, site=w.b, cleared=True)
    client.force_login(user)
    response = client.get(report_url(w, w.a))
    assert response.status_code == 200
    assert response.context["report"].cleared is False
    assert_clean(body_of(response), "a_cleared_at_b", "report")


def test_report_and_lessons_of_another_site_are_refused(client, scene):
    w = scene
    client.force_login(w.badmin)
    response = client.get(report_url(w, w.a))
    assert response.status_code in (400, 404)
    assert_clean(body_of(response), "badmin", "report A", SITE_A_ONLY)
    lessons = client.get(f"{reverse('reports:lessons')}?site={w.a.pk}")
    assert lessons.status_code in (302, 400, 403, 404)
    assert_clean(body_of(lessons), "badmin", "lessons A", SITE_A_ONLY)
    post = client.post(
        reverse("reports:lessons"),
        {
            "site": w.a.pk,
            "starts_on": w.day.replace(month=1, day=1).isoformat(),
            "ends_on": w.day.isoformat(),
            "text": "pwned",
        },
    )
    assert post.status_code in (302, 400, 403, 404)
    from reports.models import LessonsLearned

    assert not LessonsLearned.objects.filter(site=w.a).exists()


def test_report_lessons_link_only_for_those_who_may_write(client, scene):
    w = scene
    client.force_login(w.reviewer)
    text = body_of(client.get(report_url(w, w.a)))
    assert reverse("reports:lessons") + "?" not in text or "edit" not in text.lower()


# --- the admin's memos ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ("uadmin", "badmin"))
def test_admin_change_pages_of_the_restricted_404(client, scene, who):
    w = scene
    client.force_login(attacker(w, who))
    commitment = Commitment.objects.filter(engagement=w.restricted).first()
    for url in (
        f"/admin/engagement/engagement/{w.restricted.pk}/change/",
        f"/admin/engagement/engagement/{w.restricted.pk}/history/",
        f"/admin/engagement/commitment/{commitment.pk}/change/",
        f"/admin/engagement/commitment/{commitment.pk}/history/",
        f"/admin/engagement/concern/{w.allegation.pk}/change/",
        f"/admin/engagement/concern/{w.allegation.pk}/history/",
        f"/admin/engagement/attachment/{w.attachment.pk}/change/",
        f"/admin/engagement/attachment/{w.attachment.pk}/history/",
    ):
        response = client.get(url, follow=True)
        assert response.status_code in (200, 302, 403, 404), url
        assert_clean(body_of(response), who, url, extra_for(who))


def test_admin_changelist_counts_for_the_uncleared_admin(client, scene):
    w = scene
    client.force_login(w.uadmin)
    response = client.get("/admin/engagement/engagement/")
    assert response.status_code == 200
    assert response.context["cl"].result_count == Engagement.objects.visible_to(w.uadmin).count()
    for query in ("q=MARKER-RESTRICTED", "q=MARKER-SEALED", "confidentiality__exact=restricted"):
        response = client.get(f"/admin/engagement/engagement/?{query}")
        if response.status_code == 200:
            cl = response.context["cl"]
            assert cl.result_count == 0, query
            assert cl.full_result_count == Engagement.objects.visible_to(w.uadmin).count()
    response = client.get("/admin/engagement/concern/?q=MARKER-ALLEGATION")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0
    assert response.context["cl"].full_result_count == (
        Concern.objects.visible_to(w.uadmin).exclude(type__in=Concern.ALLEGATIONS).count()
    )


def test_plan_and_perceptions_name_the_hidden_only_to_the_cleared(client, scene):
    """The plan page (its lines and history read once) and the perceptions page name the
    hidden community to the cleared, and to nobody else at the site."""
    w = scene
    urls = (f"/plans/{w.plan.pk}/", f"{reverse('engagement:perceptions')}?site={w.a.pk}")
    client.force_login(w.cleared)
    assert "MARKER-HIDDEN-RENAMED" in body_of(client.get(urls[0]))
    for who in ("clo", "reviewer", "uadmin"):
        client.force_login(attacker(w, who))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (who, url)
            assert_clean(body_of(response), who, url)


@pytest.mark.parametrize("who", ("uadmin", "badmin"))
def test_admin_refuses_lookups_through_the_site_copy(client, scene, who):
    """The rows' own `site` is a relation: a lookup through it to the site's engagements
    (whose count would tell a restricted summary exists) is refused like any other."""
    client.force_login(attacker(scene, who))
    for model in ("commitment", "concern"):
        for lookup in (
            "site__engagements__summary__icontains=MARKER",
            "site__engagements__confidentiality=restricted",
            "site__memberships__cleared=1",
            "site__name__icontains=Alpha",
        ):
            response = client.get(f"/admin/engagement/{model}/?{lookup}")
            assert response.status_code == 400, (model, lookup, response.status_code)
