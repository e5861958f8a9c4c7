"""An attacker's tour of the access rules (README "Roles and access").

Three people try to reach what they must not: the uncleared read-only `reviewer` and the
uncleared staff administrator `uncleared_admin` of the Kisima site, and `faradmin`, cleared
administrator of Far Valley. Marker strings are planted in every identity field of an
at-risk stakeholder at each site (HOMESECRET, with a former name OLDSECRET; FARSECRET) and
looked for on every page, export, import answer and autocomplete; another site's id must
answer exactly as a missing one. A probe marked xfail(strict=True) is a hole still open.
"""

import io
import json
import re
from types import SimpleNamespace

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from stakeholders import services
from stakeholders.models import (
    Assessment,
    Contact,
    Site,
    SiteMembership,
    Stakeholder,
    StakeholderCategory,
)
from stakeholders.resources import StakeholderResource
from tests.conftest import member_of
from tests.stakeholders.test_import_export import downloaded

pytestmark = pytest.mark.django_db

User = get_user_model()

MISSING = 987654
HOME_MARKERS = ("HOMESECRET", "OLDSECRET")
FAR_MARKERS = ("FARSECRET",)
PRIVATE = "private, no-store"
IMPORT = reverse("admin:stakeholders_stakeholder_import")
EXPORT = reverse("admin:stakeholders_stakeholder_export")
STAKEHOLDERS = reverse("admin:stakeholders_stakeholder_changelist")
MEMBERSHIPS = reverse("admin:stakeholders_sitemembership_changelist")
USERS = reverse("admin:auth_user_changelist")
HEADER = "ID,Name,Kind,Category,Sites,Lead function,Location,Influence,Interest,At risk,Notes\n"


# --- the people and the records ------------------------------------------------------------------


@pytest.fixture
def far_admin(other_site):
    return member_of(
        other_site, cleared=True, roles=["Administrator"], username="faradmin", is_staff=True
    )


def at_risk(actor, sites, marker, *, first_name=None):
    """An at-risk person whose name, location, notes and contact all carry `marker`; named
    `first_name` first, when given, so its history holds that older name."""
    category = StakeholderCategory.objects.get(code="ngos-human-rights-defenders")
    person = services.stakeholder_create(
        actor=actor,
        sites=sites,
        data={
            "name": first_name or f"{marker} Juma",
            "kind": Stakeholder.Kind.PERSON,
            "category": category,
            "location": f"{marker} hamlet",
            "notes": f"{marker} meets at dusk",
        },
        contacts=[
            {
                "name": f"{marker} contact",
                "role": f"{marker} role",
                "phone": f"+255 {marker}",
                "email": f"{marker.lower()}@example.org",
            }
        ],
    )
    if first_name:
        services.stakeholder_update(
            actor=actor, stakeholder=person, data={"name": f"{marker} Juma"}
        )
    return services.stakeholder_update(actor=actor, stakeholder=person, data={"at_risk": True})


def plain(actor, sites, name, **data):
    category = StakeholderCategory.objects.get(code="local-communities")
    return services.stakeholder_create(
        actor=actor,
        sites=sites,
        data={"name": name, "kind": Stakeholder.Kind.GROUP, "category": category, **data},
        contacts=[{"name": f"{name} clerk"}],
    )


@pytest.fixture
def world(site, other_site, superuser, reviewer, uncleared_admin, admin_member, far_admin):
    return SimpleNamespace(
        home_secret=at_risk(superuser, [site], "HOMESECRET", first_name="OLDSECRET Juma"),
        home_plain=plain(superuser, [site], "Mwanzo council"),
        far_secret=at_risk(superuser, [other_site], "FARSECRET"),
        far_plain=plain(superuser, [other_site], "FARSECRET Kitwe council", notes="FARSECRET"),
        shared=plain(superuser, [site, other_site], "Shared council"),
    )


# Who attacks, what they must never read, and which stakeholders are another site's.
ATTACKERS = ["reviewer", "uncleared_admin", "far_admin"]
STAFF_ATTACKERS = ["uncleared_admin", "far_admin"]


def attacker(request, name):
    user = request.getfixturevalue(name)
    world = request.getfixturevalue("world")
    site, other_site = request.getfixturevalue("site"), request.getfixturevalue("other_site")
    if name == "far_admin":
        return SimpleNamespace(
            user=user,
            forbidden=(*HOME_MARKERS, site.name, "uncleared_admin", "siteadmin"),
            foreign=[world.home_secret, world.home_plain],
            hidden=[world.home_secret],
            foreign_site=site,
            own_site=other_site,
        )
    return SimpleNamespace(
        user=user,
        forbidden=(*HOME_MARKERS, *FAR_MARKERS, other_site.name, "faradmin"),
        foreign=[world.far_secret, world.far_plain],
        hidden=[world.home_secret, world.far_secret],
        foreign_site=other_site,
        own_site=site,
    )


def leaks(response, forbidden):
    content = response.content.decode("utf-8", "replace").casefold()
    return [marker for marker in forbidden if marker.casefold() in content]


def normalised(response, *ids):
    """Status, where it redirects and the body, with the ids asked for and the CSRF token
    (masked afresh on every page) taken out."""
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
    location = response.get("Location", "")
    for pk in ids:
        location = location.replace(f"/{pk}/", "/ID/").replace(f"%2F{pk}%2F", "%2FID%2F")
    return response.status_code, location, body


def snapshot():
    """Everything a write could change, to compare before and after an attempt."""
    return (
        list(Stakeholder.objects.order_by("pk").values()),
        sorted(Stakeholder.sites.through.objects.values_list("stakeholder_id", "site_id")),
        list(Contact.objects.order_by("pk").values()),
        Assessment.objects.count(),
        Stakeholder.history.count(),
        list(SiteMembership.objects.order_by("pk").values()),
        list(User.objects.order_by("pk").values()),
        sorted(User.groups.through.objects.values_list("user_id", "group_id")),
        User.user_permissions.through.objects.count(),
        list(Site.objects.order_by("pk").values()),
    )


# --- every page: no marker, and never kept by a cache --------------------------------------------


def every_page(ids_of_users, site_ids):
    stakeholders = [*Stakeholder.objects.values_list("pk", flat=True), MISSING]
    contacts = list(Contact.objects.values_list("stakeholder_id", "pk"))
    memberships = [*SiteMembership.objects.values_list("pk", flat=True), MISSING]
    stakeholder_ct = ContentType.objects.get_for_model(Stakeholder).pk
    user_ct = ContentType.objects.get_for_model(User).pk
    site_ct = ContentType.objects.get_for_model(Site).pk
    urls = ["/", "/stakeholders/", "/stakeholders/add/", "/stakeholders/map/", "/admin/"]
    urls += ["/admin/stakeholders/", "/admin/auth/", "/admin/auth/group/"]
    for query in ["at_risk=yes", "at_risk=no", "kind=person", "active=yes", "influence=3"]:
        urls.append(f"/stakeholders/?{query}")
    for pk in [*site_ids, MISSING]:
        urls += [f"/stakeholders/?site={pk}", f"/stakeholders/map/?site={pk}"]
        for changelist in (STAKEHOLDERS, MEMBERSHIPS):
            urls += [f"{changelist}?site={pk}", f"{changelist}?site={pk}&_facets=True"]
        urls += [f"/admin/stakeholders/site/{pk}/{page}/" for page in ("change", "history")]
        urls.append(f"/admin/r/{site_ct}/{pk}/")
    for changelist in (STAKEHOLDERS, MEMBERSHIPS, USERS, "/admin/stakeholders/site/"):
        urls += [changelist, f"{changelist}?_facets=True", f"{changelist}?at_risk__exact=1"]
    for pk in stakeholders:
        urls += [
            f"/stakeholders/{pk}/{page}" for page in ("", "edit/", "assess/", "contacts/add/")
        ]
        urls += [f"{STAKEHOLDERS}{pk}/{page}/" for page in ("change", "history", "delete")]
        urls.append(f"/admin/r/{stakeholder_ct}/{pk}/")
    urls += [f"/stakeholders/{pk}/contacts/{contact}/" for pk, contact in contacts]
    for pk in memberships:
        urls += [f"{MEMBERSHIPS}{pk}/{page}/" for page in ("change", "history", "delete")]
    for pk in [*ids_of_users, MISSING]:
        urls += [f"{USERS}{pk}/{page}/" for page in ("change", "history", "password")]
        urls.append(f"/admin/r/{user_ct}/{pk}/")
    urls += [IMPORT, EXPORT, f"{USERS}add/", f"{MEMBERSHIPS}add/", f"{STAKEHOLDERS}add/"]
    for model in ("function", "stakeholdercategory", "vulnerablegroup", "engagementobjective"):
        urls += [f"/admin/stakeholders/{model}/", f"/admin/stakeholders/{model}/1/history/"]
    urls += ["/admin/auth/group/1/change/", "/admin/auth/group/1/history/"]
    return urls


@pytest.mark.parametrize("name", ATTACKERS)
def test_no_page_shows_what_the_attacker_may_not_see(client, request, name):
    who = attacker(request, name)
    client.force_login(who.user)
    sites = Site.objects.values_list("pk", flat=True)
    found = {}
    for url in every_page(User.objects.values_list("pk", flat=True), sites):
        response = client.get(url)
        if leaked := leaks(response, who.forbidden):
            found[url] = leaked
        if response["Cache-Control"] != PRIVATE:
            found[url] = response["Cache-Control"]
    assert found == {}


# --- another site's id answers as a missing one --------------------------------------------------


APP_ID_PAGES = [
    "/stakeholders/{pk}/",
    "/stakeholders/{pk}/edit/",
    "/stakeholders/{pk}/assess/",
    "/stakeholders/{pk}/contacts/add/",
    "/stakeholders/{pk}/contacts/{contact}/",
]
ADMIN_ID_PAGES = [
    "/admin/stakeholders/stakeholder/{pk}/change/",
    "/admin/stakeholders/stakeholder/{pk}/history/",
    "/admin/stakeholders/stakeholder/{pk}/delete/",
    "/admin/r/{ct}/{pk}/",
]


@pytest.mark.parametrize("page", APP_ID_PAGES + ADMIN_ID_PAGES)
@pytest.mark.parametrize("name", ATTACKERS)
def test_another_sites_stakeholder_answers_as_a_missing_one(client, request, name, page):
    """And so does a hidden one of the attacker's own site in the admin, which keeps only
    the stakeholders whose identity its user may see."""
    who = attacker(request, name)
    targets = who.foreign + (who.hidden if page in ADMIN_ID_PAGES else [])
    ct = ContentType.objects.get_for_model(Stakeholder).pk

    def fetch(pk, contact):
        client.force_login(who.user)  # a fresh session: no message left by the last page
        response = client.get(page.format(pk=pk, contact=contact, ct=ct))
        client.logout()
        return normalised(response, pk, contact)

    missing = fetch(MISSING, MISSING + 1)
    assert missing[0] in (302, 403, 404)
    for target in targets:
        assert fetch(target.pk, target.contacts.get().pk) == missing, target.pk


@pytest.mark.parametrize(
    "page",
    [
        "/admin/stakeholders/sitemembership/{pk}/change/",
        "/admin/stakeholders/sitemembership/{pk}/history/",
        "/admin/stakeholders/sitemembership/{pk}/delete/",
    ],
)
@pytest.mark.parametrize("name", STAFF_ATTACKERS)
def test_another_sites_membership_answers_as_a_missing_one(client, request, name, page):
    who = attacker(request, name)
    client.force_login(who.user)
    missing = normalised(client.get(page.format(pk=MISSING)), MISSING)
    for membership in SiteMembership.objects.filter(site=who.foreign_site):
        response = client.get(page.format(pk=membership.pk))
        assert normalised(response, membership.pk) == missing


@pytest.mark.parametrize(
    "page",
    [
        "/admin/auth/user/{pk}/change/",
        "/admin/auth/user/{pk}/history/",
        "/admin/auth/user/{pk}/password/",
        "/admin/auth/user/{pk}/delete/",
        "/admin/stakeholders/site/{pk}/change/",
        "/admin/stakeholders/site/{pk}/history/",
        "/admin/stakeholders/site/{pk}/delete/",
    ],
)
@pytest.mark.parametrize("name", STAFF_ATTACKERS)
def test_another_sites_user_and_site_answer_as_missing_ones(client, request, name, page):
    who = attacker(request, name)
    if "/site/" in page:
        targets = [who.foreign_site.pk]
    else:
        targets = User.objects.filter(site_memberships__site=who.foreign_site).exclude(
            site_memberships__site=who.own_site
        )
        targets = [*targets.values_list("pk", flat=True), User.objects.get(username="root").pk]
    client.force_login(who.user)
    missing = normalised(client.get(page.format(pk=MISSING)), MISSING)
    for pk in targets:
        assert normalised(client.get(page.format(pk=pk)), pk) == missing, pk


@pytest.mark.parametrize("path", ["/stakeholders/", "/stakeholders/map/"])
@pytest.mark.parametrize("name", ATTACKERS)
def test_another_sites_id_in_the_registry_filters_is_a_missing_one(client, request, name, path):
    who = attacker(request, name)
    client.force_login(who.user)
    foreign = client.get(path, {"site": who.foreign_site.pk})
    missing = client.get(path, {"site": MISSING})
    assert normalised(foreign) == normalised(missing)


@pytest.mark.parametrize(
    ("changelist", "lookup"),
    [
        (STAKEHOLDERS, "sites"),
        (STAKEHOLDERS, "sites__id__exact"),
        (STAKEHOLDERS, "sites__in"),
        (EXPORT, "sites"),
        (USERS, "site_memberships"),
    ],
)
@pytest.mark.parametrize("name", STAFF_ATTACKERS)
def test_a_raw_relation_lookup_tells_nothing_about_another_site(
    client, request, name, changelist, lookup
):
    who = attacker(request, name)
    both = member_of(who.own_site, username="both")
    foreign = both.site_memberships.create(site=who.foreign_site).pk
    if lookup != "site_memberships":
        foreign = who.foreign_site.pk
    client.force_login(who.user)
    if changelist == EXPORT:
        found = export(client, 0, **{lookup: foreign})[1]
        missing = export(client, 0, **{lookup: MISSING})[1]
        assert found.splitlines()[1:] == missing.splitlines()[1:]
        return
    found = client.get(changelist, {lookup: foreign})
    missing = client.get(changelist, {lookup: MISSING})
    assert found.status_code == missing.status_code
    if found.status_code == 200:
        assert found.context["cl"].result_count == missing.context["cl"].result_count


# --- search, autocomplete ------------------------------------------------------------------------


def result_count(response):
    if "cl" in response.context:
        return response.context["cl"].result_count
    return response.context["page_obj"].paginator.count


@pytest.mark.parametrize("path", ["/stakeholders/", STAKEHOLDERS, MEMBERSHIPS, USERS])
@pytest.mark.parametrize("name", ATTACKERS)
def test_searching_for_a_marker_finds_what_searching_for_nothing_finds(
    client, request, name, path
):
    who = attacker(request, name)
    client.force_login(who.user)
    baseline = client.get(path, {"q": "zzz-nothing"})
    if baseline.status_code != 200:  # the reviewer is not staff
        assert path.startswith("/admin/")
        return
    for marker in who.forbidden:
        response = client.get(path, {"q": marker})
        assert result_count(response) == result_count(baseline), marker


AUTOCOMPLETES = [
    ("stakeholders", "stakeholder", "sites"),
    ("stakeholders", "stakeholder", "category"),
    ("stakeholders", "stakeholder", "lead_function"),
    ("stakeholders", "sitemembership", "user"),
    ("stakeholders", "sitemembership", "site"),
    ("stakeholders", "sitemembership", "function"),
    # Not autocomplete fields anywhere, but Django answers for any relation to a
    # registered admin: they must be scoped as well.
    ("stakeholders", "contact", "stakeholder"),
    ("stakeholders", "assessment", "stakeholder"),
    ("stakeholders", "assessment", "author"),
    ("stakeholders", "historicalstakeholder", "history_user"),
]


@pytest.mark.parametrize(("app_label", "model_name", "field_name"), AUTOCOMPLETES)
@pytest.mark.parametrize("name", STAFF_ATTACKERS)
def test_autocompletes_offer_nothing_hidden(
    client, request, name, app_label, model_name, field_name
):
    who = attacker(request, name)
    client.force_login(who.user)
    for term in ["", "SECRET", "Juma", who.foreign_site.name[:4], "admin", "far"]:
        response = client.get(
            "/admin/autocomplete/",
            {"app_label": app_label, "model_name": model_name, "field_name": field_name}
            | {"term": term},
        )
        assert response.status_code in (200, 403, 404)
        assert leaks(response, who.forbidden) == []
        if response.status_code == 200:
            shown = {row["text"] for row in json.loads(response.content)["results"]}
            assert who.foreign_site.name not in shown


# --- exports -------------------------------------------------------------------------------------


def export(client, file_format, **query):
    fields = [f"stakeholderresource_{name}" for name in StakeholderResource.Meta.fields]
    data = {"format": file_format, "resource": 0, **dict.fromkeys(fields, "on")}
    response = client.post(EXPORT + ("?" + "&".join(f"{k}={v}" for k, v in query.items())), data)
    response = downloaded(response)
    if file_format == 1:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        text = "\n".join(",".join(str(cell) for cell in row) for row in sheet.values)
        return response, text
    return response, response.content.decode()


@pytest.mark.parametrize("file_format", [0, 1], ids=["csv", "xlsx"])
@pytest.mark.parametrize("name", STAFF_ATTACKERS)
def test_exports_carry_no_marker_nor_another_sites_name(client, request, name, file_format):
    who = attacker(request, name)
    client.force_login(who.user)
    for query in [{}, {"q": "SECRET"}, {"site": who.foreign_site.pk}, {"at_risk__exact": 1}]:
        response, text = export(client, file_format, **query)
        assert response.status_code == 200
        assert response["Cache-Control"] == PRIVATE
        assert [m for m in who.forbidden if m.casefold() in text.casefold()] == []
    # The shared stakeholder goes out with the exporter's own site only.
    assert "Shared council" in export(client, file_format)[1]


@pytest.mark.parametrize("name", STAFF_ATTACKERS)
def test_the_export_action_ignores_hidden_and_foreign_ids(client, request, name, world):
    who = attacker(request, name)
    client.force_login(who.user)
    ids = [target.pk for target in who.hidden + who.foreign]
    response = client.post(
        STAKEHOLDERS,
        {"action": "export_admin_action", "index": 0, "_selected_action": ids},
    )
    assert leaks(response, who.forbidden) == []
    data = {"format": 0, "resource": 0, "stakeholderresource_name": "on", "export_items": ids}
    response = client.post(EXPORT, data)
    assert leaks(response, who.forbidden) == []
    # Each hidden or foreign id is refused exactly as a missing one.
    for pk in ids:
        foreign = client.post(EXPORT, {**data, "export_items": [pk]})
        missing = client.post(EXPORT, {**data, "export_items": [MISSING]})
        assert foreign.status_code == missing.status_code == 200
        errors = foreign.context["form"].errors.as_text().replace(str(pk), "ID")
        assert errors == missing.context["form"].errors.as_text().replace(str(MISSING), "ID")
        assert "Select a valid choice" in errors


# --- imports -------------------------------------------------------------------------------------


def preview(client, rows, name="probe.csv"):
    upload = SimpleUploadedFile(name, (HEADER + rows).encode(), content_type="text/csv")
    return client.post(IMPORT, {"import_file": upload, "format": 0, "resource": 0})


def row_errors(response, pk):
    result = response.context["result"]
    messages = [str(error) for row in result.invalid_rows for error in row.error_dict.values()]
    return [message.replace(str(pk), "ID") for message in messages]


@pytest.mark.parametrize("name", STAFF_ATTACKERS)
def test_importing_onto_a_hidden_or_foreign_id_answers_as_a_missing_one(client, request, name):
    who = attacker(request, name)
    client.force_login(who.user)
    before = snapshot()
    line = "{pk},Renamed,person,Local communities,{site},,,3,3,0,\n"
    missing = row_errors(preview(client, line.format(pk=MISSING, site=who.own_site)), MISSING)
    assert missing
    for target in who.hidden + who.foreign:
        response = preview(client, line.format(pk=target.pk, site=who.own_site))
        assert leaks(response, who.forbidden) == []
        assert row_errors(response, target.pk) == missing
    response = preview(client, f",New,group,Local communities,{who.foreign_site},,,3,3,,\n")
    assert response.context["result"].has_validation_errors()
    assert snapshot() == before


@pytest.mark.parametrize(
    "name",
    [
        "Protected stakeholder S-0001",
        " protected STAKEHOLDER s 0001 ",
        "Protected stakeholder S\u20110001",  # a non-breaking hyphen
        "Protected\u200b stakeholder S\u20130001",  # a zero-width space, an en dash
        "Ｐrotected stakeholder S-0001",  # a full-width letter
    ],
)
def test_an_import_cannot_name_anyone_as_a_placeholder(client, admin_member, world, site, name):
    client.force_login(admin_member)
    line = f'{world.home_plain.pk},"{name}",group,Local communities,{site.name},,,3,3,,\n'
    response = preview(client, line)
    assert response.context["result"].has_validation_errors()


def test_only_the_uploader_confirms_an_import(client, admin_member, uncleared_admin, world, site):
    client.force_login(uncleared_admin)
    line = f"{world.shared.pk},Shared council,group,Local communities,{site.name},,,3,3,0,x\n"
    confirm = preview(client, line).context["confirm_form"].initial
    client.force_login(admin_member)
    before = snapshot()
    response = client.post(reverse("admin:stakeholders_stakeholder_process_import"), confirm)
    assert response.status_code == 400
    assert snapshot() == before
    client.force_login(uncleared_admin)
    response = client.post(reverse("admin:stakeholders_stakeholder_process_import"), confirm)
    assert response.status_code == 302
    # The import kept the site the importer is not a member of.
    assert world.shared.sites.count() == 2


# --- writes on the registry pages ----------------------------------------------------------------


def app_writes(target):
    contact = target.contacts.get()
    change = {"name": "Taken", "kind": "person", "category": target.category_id, "notes": "x"}
    return [
        (f"/stakeholders/{target.pk}/edit/", change | {"at_risk": ""}),
        (f"/stakeholders/{target.pk}/assess/", {"assessed_on": "2024-01-01"} | RATINGS),
        (f"/stakeholders/{target.pk}/contacts/add/", {"name": "Spy"}),
        (f"/stakeholders/{target.pk}/contacts/{contact.pk}/", {"name": "Renamed"}),
        (f"/stakeholders/{target.pk}/contacts/{contact.pk}/delete/", {}),
    ]


RATINGS = {"influence": 1, "interest": 1, "reason": "x"}


@pytest.mark.parametrize("name", [*ATTACKERS, "member"])
def test_no_write_reaches_a_hidden_or_foreign_stakeholder(client, request, name):
    if name == "member":  # an uncleared security manager, who may edit the others
        who = attacker(request, "uncleared_admin")
        who.user = request.getfixturevalue("member")
    else:
        who = attacker(request, name)
    client.force_login(who.user)
    before = snapshot()
    for target in who.hidden + who.foreign:
        for url, data in app_writes(target):
            response = client.post(url, data)
            assert response.status_code in (403, 404), url
            assert leaks(response, who.forbidden) == []
    assert snapshot() == before


def test_a_contact_of_another_stakeholder_is_not_reached_through_an_editable_one(
    client, uncleared_admin, world
):
    client.force_login(uncleared_admin)
    own = world.home_plain.pk
    before = snapshot()
    for target in (world.home_secret, world.far_secret):
        for contact in (target.contacts.get().pk, MISSING):
            for page in ("", "delete/"):
                url = f"/stakeholders/{own}/contacts/{contact}/{page}"
                assert client.post(url, {"name": "x"}).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("name", ["uncleared_admin", "far_admin", "member"])
def test_a_new_stakeholder_goes_to_the_authors_sites_only(client, request, name, world):
    user = request.getfixturevalue(name)
    foreign = request.getfixturevalue("site" if name == "far_admin" else "other_site")
    client.force_login(user)
    category = StakeholderCategory.objects.get(code="local-communities")
    data = {"name": "Planted", "kind": "group", "category": category.pk, "sites": [foreign.pk]}
    response = client.post("/stakeholders/add/", data | {"influence": 3, "interest": 3})
    assert response.status_code == 200
    assert not Stakeholder.objects.filter(name="Planted").exists()


# --- writes in the administration ----------------------------------------------------------------


def admin_stakeholder_form(target, site):
    return {
        "name": "Taken over",
        "kind": "person",
        "category": target.category_id,
        "sites": [site.pk],
        "influence": 3,
        "interest": 3,
        "at_risk": "",
        "active": "on",
        "contacts-TOTAL_FORMS": 0,
        "contacts-INITIAL_FORMS": 0,
        "assessments-TOTAL_FORMS": 0,
        "assessments-INITIAL_FORMS": 0,
    }


@pytest.mark.parametrize("name", STAFF_ATTACKERS)
def test_the_admin_changes_and_deletes_no_hidden_or_foreign_stakeholder(client, request, name):
    who = attacker(request, name)
    client.force_login(who.user)
    before = snapshot()
    targets = who.hidden + who.foreign
    for target in targets:
        change = reverse("admin:stakeholders_stakeholder_change", args=[target.pk])
        client.post(change, admin_stakeholder_form(target, who.own_site))
        delete = reverse("admin:stakeholders_stakeholder_delete", args=[target.pk])
        client.post(delete, {"post": "yes"})
    ids = [target.pk for target in targets]
    client.post(STAKEHOLDERS, {"action": "delete_selected", "index": 0, "_selected_action": ids})
    client.post(
        STAKEHOLDERS,
        {"action": "delete_selected", "index": 0, "post": "yes", "_selected_action": ids},
    )
    assert snapshot() == before


def contact_inline(stakeholder, contact_id, **fields):
    """The stakeholder's admin form with one contact row claiming `contact_id`."""
    data = admin_stakeholder_form(stakeholder, stakeholder.sites.first())
    row = {"id": contact_id, "stakeholder": stakeholder.pk, "name": "Planted"} | fields
    data |= {"name": stakeholder.name, "kind": stakeholder.kind}
    data |= {"contacts-TOTAL_FORMS": 1, "contacts-INITIAL_FORMS": 1}
    data |= {f"contacts-0-{key}": value for key, value in row.items()}
    url = reverse("admin:stakeholders_stakeholder_change", args=[stakeholder.pk])
    return url, {key: value for key, value in data.items() if value != ""}


@pytest.mark.parametrize("delete", ["", "on"])
def test_the_admin_inline_changes_no_other_stakeholders_contact(
    client, uncleared_admin, world, delete
):
    client.force_login(uncleared_admin)
    targets = Contact.objects.filter(stakeholder__in=[world.home_secret, world.far_secret])
    before = list(targets.order_by("pk").values())
    for contact in list(targets):
        url, data = contact_inline(
            world.home_plain, contact.pk, name=f"Planted {contact.pk}", DELETE=delete
        )
        response = client.post(url, data)
        assert leaks(response, HOME_MARKERS + FAR_MARKERS) == []
    assert list(targets.order_by("pk").values()) == before


@pytest.mark.parametrize("inline", ["contact", "membership"])
def test_an_inline_row_with_another_records_id_answers_as_a_missing_one(
    client, uncleared_admin, world, far_admin, newcomer, site, inline
):
    client.force_login(uncleared_admin)
    if inline == "contact":
        foreign = world.far_secret.contacts.get().pk

        def post(pk):
            return client.post(*contact_inline(world.home_plain, pk))

    else:
        foreign = far_admin.site_memberships.get().pk
        url = reverse("admin:auth_user_change", args=[newcomer.pk])

        def post(pk):
            rows = {"TOTAL_FORMS": 1, "INITIAL_FORMS": 1, "0-id": pk, "0-site": site.pk}
            rows = {f"site_memberships-{key}": value for key, value in rows.items()}
            return client.post(url, user_form(newcomer) | rows)

    before = snapshot()
    missing = post(MISSING).status_code
    assert missing == 200
    assert post(foreign).status_code == missing
    assert snapshot() == before


@pytest.mark.parametrize("name", STAFF_ATTACKERS)
def test_a_shared_stakeholder_keeps_the_other_site_and_is_not_deleted(client, request, name):
    who = attacker(request, name)
    world = request.getfixturevalue("world")
    client.force_login(who.user)
    change = reverse("admin:stakeholders_stakeholder_change", args=[world.shared.pk])
    client.post(change, admin_stakeholder_form(world.shared, who.own_site) | {"name": "Shared"})
    assert set(world.shared.sites.all()) == set(Site.objects.all())
    client.post(
        reverse("admin:stakeholders_stakeholder_delete", args=[world.shared.pk]), {"post": "yes"}
    )
    assert Stakeholder.objects.filter(pk=world.shared.pk).exists()


# --- users ---------------------------------------------------------------------------------------


def user_form(user, **changes):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "groups": list(user.groups.values_list("pk", flat=True)),
        "site_memberships-TOTAL_FORMS": 0,
        "site_memberships-INITIAL_FORMS": 0,
    }
    return {key: value for key, value in (data | changes).items() if value != ""}


@pytest.fixture
def superpowers():
    """A role granting what an Administrator lacks."""
    group = Group.objects.create(name="Superpowers")
    group.permissions.add(Permission.objects.get(codename="delete_site"))
    return group


def test_a_manageable_user_gets_no_right_the_administrator_lacks(
    client, uncleared_admin, reviewer, superpowers
):
    client.force_login(uncleared_admin)
    url = reverse("admin:auth_user_change", args=[reviewer.pk])
    perm = Permission.objects.get(codename="delete_site").pk
    client.post(url, user_form(reviewer, is_superuser="on", user_permissions=[perm]))
    client.post(url, user_form(reviewer, groups=[superpowers.pk]))
    reviewer.refresh_from_db()
    assert not reviewer.is_superuser
    assert not reviewer.user_permissions.exists()
    assert superpowers not in reviewer.groups.all()
    # What an Administrator may do to them: staff status and the Administrator role.
    admin_role = Group.objects.get(name="Administrator").pk
    response = client.post(url, user_form(reviewer, is_staff="on", groups=[admin_role]))
    assert response.status_code == 302
    reviewer.refresh_from_db()
    assert reviewer.is_staff


@pytest.mark.parametrize(
    "changes",
    [
        {"username": "hijacked"},
        {"email": "attacker@example.org"},
        {"is_active": ""},
        {"is_staff": ""},
        {"groups": []},
    ],
    ids=["username", "email", "is_active", "is_staff", "groups"],
)
@pytest.mark.parametrize("name", STAFF_ATTACKERS)
def test_users_the_attacker_may_not_manage_stay_as_they_are(client, request, name, changes):
    who = attacker(request, name)
    targets = [
        request.getfixturevalue("admin_member"),  # a cleared colleague (or another site's)
        request.getfixturevalue("far_admin"),
        request.getfixturevalue("superuser"),
        who.user,  # themselves
    ]
    client.force_login(who.user)
    before = snapshot()
    for target in targets:
        url = reverse("admin:auth_user_change", args=[target.pk])
        response = client.post(url, user_form(target, **changes))
        assert response.status_code in (302, 403), target
        if response.status_code == 302:
            assert response["Location"] == reverse("admin:index")  # "does not exist"
        password = reverse("admin:auth_user_password_change", args=[target.pk])
        response = client.post(password, {"password1": "Took-it-123", "password2": "Took-it-123"})
        assert response.status_code in (403, 404)
    assert snapshot() == before


def test_a_new_user_is_not_given_clearance_by_an_uncleared_admin(client, uncleared_admin, site):
    client.force_login(uncleared_admin)
    data = {
        "username": "newcomer",
        "usable_password": "true",
        "password1": "Newcomer-pass-123",
        "password2": "Newcomer-pass-123",
        "site_memberships-TOTAL_FORMS": 1,
        "site_memberships-INITIAL_FORMS": 0,
        "site_memberships-0-site": site.pk,
        "site_memberships-0-cleared": "on",
    }
    response = client.post(reverse("admin:auth_user_add"), data)
    assert "Only a user cleared at" in response.content.decode()
    assert not User.objects.filter(username="newcomer").exists()
    del data["site_memberships-0-cleared"]
    client.post(reverse("admin:auth_user_add"), data)
    assert not User.objects.get(username="newcomer").site_memberships.get().cleared


# --- memberships and clearance -------------------------------------------------------------------


def membership_form(membership, **changes):
    data = {
        "user": membership.user_id,
        "site": membership.site_id,
        "function": membership.function_id or "",
        "cleared": "on" if membership.cleared else "",
    }
    return {key: value for key, value in (data | changes).items() if value != ""}


@pytest.fixture
def newcomer(db):
    """A user placed at no site yet: any administrator may bring them in."""
    return User.objects.create_user("newcomer", password="Newcomer-pass-123")


def membership_attacks(uncleared_admin, reviewer, admin_member, newcomer, site, other_site):
    """(membership, changed fields) an uncleared administrator must not get through."""
    cleared = admin_member.site_memberships.get()
    own = uncleared_admin.site_memberships.get()
    plain = reviewer.site_memberships.get()
    return [
        (plain, {"cleared": "on"}),  # grant clearance
        (cleared, {"user": newcomer.pk}),  # hand a clearance on
        (cleared, {"user": reviewer.pk}),
        (cleared, {"cleared": ""}),  # withdraw it
        (plain, {"site": other_site.pk}),  # move to another site
        (own, {"cleared": "on"}),  # their own
        (own, {"function": ""}),
    ]


def test_an_uncleared_admin_neither_grants_nor_hands_on_clearance(
    client, uncleared_admin, reviewer, admin_member, newcomer, site, other_site, far_admin
):
    client.force_login(uncleared_admin)
    before = snapshot()
    attacks = membership_attacks(
        uncleared_admin, reviewer, admin_member, newcomer, site, other_site
    )
    for membership, changes in attacks:
        url = reverse("admin:stakeholders_sitemembership_change", args=[membership.pk])
        response = client.post(url, membership_form(membership, **changes))
        assert response.status_code in (200, 403), changes
    for membership in (admin_member.site_memberships.get(), far_admin.site_memberships.get()):
        url = reverse("admin:stakeholders_sitemembership_delete", args=[membership.pk])
        client.post(url, {"post": "yes"})
    cleared_ids = [admin_member.site_memberships.get().pk]
    for post in ({}, {"post": "yes"}):
        data = {"action": "delete_selected", "index": 0, "_selected_action": cleared_ids}
        client.post(MEMBERSHIPS, data | post)
    add = reverse("admin:stakeholders_sitemembership_add")
    for user, where in [(newcomer, site), (far_admin, site), (newcomer, other_site)]:
        client.post(add, {"user": user.pk, "site": where.pk, "cleared": "on"})
        client.post(add, {"user": user.pk, "site": where.pk})
    assert not SiteMembership.objects.filter(user=newcomer, cleared=True).exists()
    assert not SiteMembership.objects.filter(user=far_admin, site=site).exists()
    assert not SiteMembership.objects.filter(user=newcomer, site=other_site).exists()
    assert SiteMembership.objects.filter(user=newcomer, site=site, cleared=False).exists()
    SiteMembership.objects.filter(user=newcomer).delete()  # the one allowed: uncleared, here
    assert snapshot()[5] == before[5]


def test_the_user_inline_reaches_no_membership_beyond_the_user(
    client, uncleared_admin, reviewer, admin_member, far_admin, site
):
    client.force_login(uncleared_admin)
    before = snapshot()
    url = reverse("admin:auth_user_change", args=[reviewer.pk])
    own = reviewer.site_memberships.get()
    for other in (admin_member.site_memberships.get(), far_admin.site_memberships.get()):
        inline = {
            "site_memberships-TOTAL_FORMS": 2,
            "site_memberships-INITIAL_FORMS": 2,
            "site_memberships-0-id": own.pk,
            "site_memberships-0-user": reviewer.pk,
            "site_memberships-0-site": site.pk,
            "site_memberships-1-id": other.pk,
            "site_memberships-1-user": reviewer.pk,
            "site_memberships-1-site": site.pk,
            "site_memberships-1-cleared": "on",
            "site_memberships-1-DELETE": "on",
        }
        response = client.post(url, user_form(reviewer) | inline)
        assert leaks(response, ("faradmin", "Far Valley")) == []
    inline = {
        "site_memberships-TOTAL_FORMS": 1,
        "site_memberships-INITIAL_FORMS": 1,
        "site_memberships-0-id": own.pk,
        "site_memberships-0-user": reviewer.pk,
        "site_memberships-0-site": site.pk,
        "site_memberships-0-cleared": "on",
    }
    client.post(url, user_form(reviewer) | inline)
    assert snapshot() == before


def test_far_admin_places_nobody_at_another_site(client, far_admin, newcomer, reviewer, site):
    client.force_login(far_admin)
    add = reverse("admin:stakeholders_sitemembership_add")
    client.post(add, {"user": newcomer.pk, "site": site.pk})
    client.post(add, {"user": far_admin.pk, "site": site.pk, "cleared": "on"})
    membership = reviewer.site_memberships.get()
    url = reverse("admin:stakeholders_sitemembership_change", args=[membership.pk])
    client.post(url, membership_form(membership, cleared="on"))
    assert not SiteMembership.objects.filter(site=site, user__in=[newcomer, far_admin]).exists()
    assert not reviewer.site_memberships.get().cleared


# --- histories -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["reviewer", "uncleared_admin"])
def test_the_hidden_persons_history_keeps_old_and_new_names_protected(
    client, request, name, world
):
    client.force_login(request.getfixturevalue(name))
    response = client.get(world.home_secret.get_absolute_url())
    assert response.status_code == 200
    assert leaks(response, HOME_MARKERS) == []
    assert "Protected" in response.content.decode()


@pytest.mark.parametrize(
    "page", ["/stakeholders/{pk}/", "/admin/stakeholders/stakeholder/{pk}/history/"]
)
def test_a_shared_stakeholders_history_names_no_other_sites_staff(
    client, uncleared_admin, far_admin, world, page
):
    far_admin.first_name, far_admin.last_name = "Farida", "Banda"
    far_admin.save()
    services.stakeholder_update(actor=far_admin, stakeholder=world.shared, data={"notes": "n"})
    services.assessment_create(actor=far_admin, stakeholder=world.shared, influence=5, interest=1)
    client.force_login(uncleared_admin)
    response = client.get(page.format(pk=world.shared.pk))
    assert response.status_code == 200
    assert leaks(response, ("faradmin", "Farida", "Banda")) == []


# --- the existence of another site's records through unique names --------------------------------


def test_renaming_a_site_tells_nothing_about_other_sites(client, far_admin, site, other_site):
    client.force_login(far_admin)
    url = reverse("admin:stakeholders_site_change", args=[other_site.pk])
    taken = client.post(url, {"name": site.name, "country": "Zambia"})
    free = client.post(url, {"name": "No Such Mine", "country": "Zambia"})
    assert taken.status_code == free.status_code


def test_names_are_escaped_wherever_they_are_shown(client, admin_member, superuser, site):
    markup = '<b id="x">'
    category = StakeholderCategory.objects.get(code="local-communities")
    data = {"kind": "group", "category": category, "location": markup, "notes": markup}
    person = services.stakeholder_create(
        actor=superuser,
        sites=[site],
        data=data | {"name": f"{markup}name"},
        contacts=[{"name": markup, "role": markup}],
    )
    services.stakeholder_update(
        actor=superuser, stakeholder=person, data={"name": f"{markup}new"}, reason=markup
    )
    client.force_login(admin_member)
    urls = ["/stakeholders/", person.get_absolute_url(), "/stakeholders/map/"]
    urls += [f"{STAKEHOLDERS}{person.pk}/{page}/" for page in ("change", "history", "delete")]
    responses = [client.get(url) for url in [STAKEHOLDERS, *urls]]
    responses.append(preview(client, f'{person.pk},"{markup}",group,x,{markup},,,3,3,,\n'))
    assert [response for response in responses if markup in response.content.decode()] == []


# --- error pages and headers ---------------------------------------------------------------------


def test_a_server_error_shows_nothing_and_is_not_cached(
    client, cleared_member, world, monkeypatch
):
    def fail(**kwargs):
        raise RuntimeError("HOMESECRET Juma broke the page")

    monkeypatch.setattr("stakeholders.selectors.stakeholder_history", fail)
    client.raise_request_exception = False
    client.force_login(cleared_member)
    response = client.get(world.home_secret.get_absolute_url())
    assert response.status_code == 500
    assert leaks(response, HOME_MARKERS) == []
    assert response["Cache-Control"] == PRIVATE


@pytest.mark.parametrize(
    ("name", "url", "status"),
    [
        ("reviewer", "/stakeholders/{pk}/edit/", 403),
        ("reviewer", f"/stakeholders/{MISSING}/", 404),
        ("uncleared_admin", "/stakeholders/{pk}/edit/", 403),
        ("uncleared_admin", f"/admin/stakeholders/stakeholder/{MISSING}/history/", 404),
        ("far_admin", "/stakeholders/{pk}/", 404),
        ("far_admin", "/admin/stakeholders/site/add/", 403),
    ],
)
def test_error_pages_are_neutral_and_not_cached(client, request, world, name, url, status):
    who = attacker(request, name)
    client.force_login(who.user)
    response = client.get(url.format(pk=world.home_secret.pk))
    assert response.status_code == status
    assert response["Cache-Control"] == PRIVATE
    assert leaks(response, who.forbidden) == []
