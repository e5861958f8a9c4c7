"""An attack on the engagement pages of issue 6 (log and edit, the lists and registers,
commitment progress, attachments, the stakeholder timeline, the page's history and the
admin of engagements, commitments, concerns and attachments), as five people who must not
see what is planted at the site:

1. `member`: a security manager of the site, not cleared (may log and edit internal ones);
2. `clo`: a community liaison officer of the site, not cleared;
3. `reviewer`: a reviewer of the site (reads only);
4. `far_admin`: an Administrator (staff) of another site, cleared there only;
5. `uncleared_admin`: an Administrator (staff) of the site, not cleared.

A cleared security manager logs, through `engagement.services`, a restricted engagement
(RMARK in everything it carries, an at-risk person among those met), an internal engagement
with an allegation (AMARK), an internal engagement that met the at-risk person (a cleared
choice), and the other site logs its own (FMARK). The site's internal content carries IMARK,
which only the other site's administrator must not see. Every answer, whatever its status,
is searched for the markers its reader must not see, in its body and its headers.

Every probe the app withstands stays as a regression test. A probe that gets through is a
test named `test_hole_...`, failing until the hole is closed.
"""

import datetime
import re
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from engagement import services
from engagement.demo import pdf_page
from engagement.models import Attachment, Commitment, Concern, Engagement
from stakeholders import redaction
from stakeholders.models import EngagementObjective, Function, Stakeholder, StakeholderCategory
from tests.conftest import member_of
from tests.factories import ContactFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

User = get_user_model()

# --- the markers ---------------------------------------------------------------------------

R = "RMARK-7Q2"  # the restricted engagement and everything on it
A = "AMARK-4K9"  # the allegation on an internal engagement
I = "IMARK-5T1"  # noqa: E741 - the site's internal content (only the far admin may not see)
F = "FMARK-8W3"  # the other site's content
AT_NAME = "ATRISK-NAME-3J8"
AT_LOCATION = "ATRISK-LOC-3J8"
AT_NOTES = "ATRISK-NOTES-3J8"
AT_CONTACT = "ATRISK-CONTACT-3J8"
AT_PHONE = "+255 711 930 418"
AT_EMAIL = "kivuli.3j8@example.org"
AT_RISK = (AT_NAME, AT_LOCATION, AT_NOTES, AT_CONTACT, AT_PHONE, AT_EMAIL, "ATRISK-")

SITE_NAME = "Kisima Ridge Gold Mine"
FAR_SITE_NAME = "Far Valley Copper"

# Dates nothing else carries: a restricted engagement's date tells it exists.
R_DATE = datetime.date(2025, 3, 14)
R_DUE = datetime.date(2025, 4, 30)
I_DATE = datetime.date(2025, 1, 20)
I_DUE = datetime.date(2025, 2, 11)
IA_DATE = datetime.date(2024, 11, 5)
F_DATE = datetime.date(2024, 9, 9)
F_DUE = datetime.date(2024, 10, 10)


def date_forms(day):
    return (day.isoformat(), day.strftime("%-d %b %Y"), day.strftime("%-d %B %Y"))


# What each reader must never meet.
SITE_SECRETS = (
    R,
    A,
    F,
    FAR_SITE_NAME,
    *AT_RISK,
    *date_forms(R_DATE),
    *date_forms(R_DUE),
    *date_forms(F_DATE),
    *date_forms(F_DUE),
)
FAR_SECRETS = (
    R,
    A,
    I,
    SITE_NAME,
    *AT_RISK,
    *date_forms(R_DATE),
    *date_forms(R_DUE),
    *date_forms(I_DATE),
    *date_forms(IA_DATE),
)
ATTACKERS = ["member", "clo", "reviewer", "far_admin", "uncleared_admin"]
SITE_ATTACKERS = ["member", "clo", "reviewer", "uncleared_admin"]
STAFF_ATTACKERS = ["far_admin", "uncleared_admin"]
MISSING = 987654321
PDF = pdf_page(["Minutes of the meeting", "Present: 12"])


# --- helpers -------------------------------------------------------------------------------


def text_of(response):
    """The body as text (a download's too), read once, without the CSRF token."""
    if not hasattr(response, "_probe_text"):
        streamed = response.streaming
        content = b"".join(response.streaming_content) if streamed else response.content
        text = content.decode("utf-8", errors="replace")
        response._probe_text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
    return response._probe_text


def leaked(response, forbidden):
    """The forbidden markers found in the body or in any header."""
    headers = "\n".join(f"{name}: {value}" for name, value in response.items())
    text = text_of(response)
    return sorted({marker for marker in forbidden if marker in text or marker in headers})


def assert_clean(response, who, path=""):
    assert leaked(response, who.forbidden) == [], (who.user.username, path, response.status_code)


def same_answer(client, hidden_path, missing_path, hidden_pk, *, post=None):
    """A hidden record's answer is a missing id's, word for word but for the id."""
    send = client.post if post is not None else client.get
    hidden = send(hidden_path, post or {})
    missing = send(missing_path, post or {})
    assert hidden.status_code == missing.status_code, hidden_path
    swap = lambda value: value.replace(str(MISSING), str(hidden_pk))  # noqa: E731
    assert hidden.get("Location", "") == swap(missing.get("Location", ""))
    assert text_of(hidden) == swap(text_of(missing)), hidden_path
    clock = ("Content-Length", "Expires", "Date")  # the second it was answered
    assert {k: v for k, v in hidden.items() if k not in clock} == {
        k: swap(v) for k, v in missing.items() if k not in clock
    }
    return hidden


def snapshot():
    """Everything the engagement app holds, with its history: equal before and after a
    refused write."""
    state = {}
    for model in (Engagement, Commitment, Concern, Attachment):
        state[model.__name__] = list(model.objects.order_by("pk").values())
        state[f"{model.__name__} history"] = model.history.count()
    state["met"] = sorted(
        Engagement.stakeholders.through.objects.values_list("engagement_id", "stakeholder_id")
    )
    state["objectives"] = sorted(
        Engagement.objectives.through.objects.values_list(
            "engagement_id", "engagementobjective_id"
        )
    )
    state["participants"] = sorted(
        Engagement.participants.through.objects.values_list("engagement_id", "user_id")
    )
    return state


def url(name, *args):
    return reverse(f"engagement:{name}", args=args)


def admin_url(model, view, *args):
    return reverse(f"admin:engagement_{model}_{view}", args=args)


def options(response, field):
    """The options of one filter's <select> on a list page: [(value, label)]."""
    match = re.search(rf'<select[^>]*name="{field}"[^>]*>(.*?)</select>', text_of(response), re.S)
    assert match, field
    return [
        (value, re.sub(r"\s+", " ", label).strip())
        for value, label in re.findall(
            r'<option value="([^"]*)"[^>]*>(.*?)</option>', match[1], re.S
        )
    ]


def listed_count(response):
    return response.context["page_obj"].paginator.count


def listed(response):
    return {row.pk for row in response.context["page_obj"].paginator.object_list}


def page_post_data(page):
    """What a browser sends back from the log/edit page as it was rendered (an
    `EngagementPage` from the response's context): every field's value, the formsets'
    management forms included."""
    data = {}

    def add(form):
        for name, field in form.fields.items():
            bound = form[name]
            value = bound.value()
            if value is None:
                continue
            if isinstance(value, list | tuple):
                # A select renders (and so sends back) only the options it offers.
                offered = {str(pk) for pk in field.queryset.values_list("pk", flat=True)}
                data[bound.html_name] = [str(item) for item in value if str(item) in offered]
            elif isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, datetime.date):
                data[bound.html_name] = value.isoformat()
            else:
                data[bound.html_name] = str(value)

    add(page.form)
    for formset in (page.commitments, page.concerns):
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def log(actor, site, *, stakeholders, day, **data):
    values = {
        "date": day,
        "format": Engagement.Format.MEETING,
        "lead_function": Function.objects.get(code="security"),
        "purpose": "Routine meeting",
        "summary": "Nothing of note.",
        **data,
    }
    extra = {key: values.pop(key, ()) for key in ("commitments", "concerns", "participants")}
    objectives = values.pop("objectives", ())
    return services.engagement_create(
        actor=actor,
        site=site,
        data=values,
        stakeholders=stakeholders,
        objectives=objectives,
        **extra,
    )


def attach(actor, engagement, name, description):
    return services.attachment_create(
        actor=actor,
        engagement=engagement,
        upload=SimpleUploadedFile(name, PDF, content_type="application/pdf"),
        kind=Attachment.Kind.MINUTES,
        description=description,
    )


def category(code):
    return StakeholderCategory.objects.get(code=code)


# --- the world -----------------------------------------------------------------------------


@pytest.fixture
def far_admin(other_site):
    return member_of(
        other_site,
        cleared=True,
        roles=["Administrator"],
        username="faradmin",
        is_staff=True,
        last_name=f"{F}-admin",
    )


@pytest.fixture
def clo(site):
    return member_of(site, roles=["Community liaison officer"], username="clo")


@pytest.fixture
def w(
    site,
    other_site,
    cleared_member,
    member,
    clo,
    reviewer,
    uncleared_admin,
    far_admin,
):
    """The site's records and the other site's, as described at the top."""
    for user in (cleared_member, member, clo, reviewer, uncleared_admin):
        User.objects.filter(pk=user.pk).update(last_name=f"{I}-{user.username}")
    far_member = member_of(other_site, username="farmember", last_name=f"{F}-member")

    atrisk = StakeholderFactory(
        name=AT_NAME,
        kind=Stakeholder.Kind.PERSON,
        category=category("ngos-human-rights-defenders"),
        location=AT_LOCATION,
        notes=AT_NOTES,
        at_risk=True,
        sites=[site],
    )
    ContactFactory(stakeholder=atrisk, name=AT_CONTACT, phone=AT_PHONE, email=AT_EMAIL)
    police = StakeholderFactory(
        name="Songwe police command", category=category("public-security-providers"), sites=[site]
    )
    council = StakeholderFactory(
        name="Mwanzo village council", category=category("local-communities"), sites=[site]
    )
    shared = StakeholderFactory(
        name="River basin council",
        category=category("local-communities"),
        sites=[site, other_site],
    )
    far_chiefs = StakeholderFactory(
        name="Far valley chiefs", category=category("local-communities"), sites=[other_site]
    )
    police_objectives = list(EngagementObjective.objects.filter(category=police.category))
    community_objectives = list(EngagementObjective.objects.filter(category=council.category))

    restricted = log(
        cleared_member,
        site,
        stakeholders=[police, atrisk, shared],
        day=R_DATE,
        location=f"{R}-location",
        purpose=f"{R}-purpose",
        information_shared=f"{R}-information",
        summary=f"{R}-summary",
        security_topics=f"{R}-topics",
        outcomes=f"{R}-outcomes",
        participants=[member],
        objectives=[police_objectives[0], police_objectives[1], community_objectives[0]],
        commitments=[
            {"description": f"{R}-commitment", "owner": cleared_member, "due_on": R_DUE},
        ],
        concerns=[
            {
                "type": Concern.Type.OTHER,
                "stakeholder": police,
                "description": f"{R}-concern",
                "response": f"{R}-response",
            },
        ],
    )
    assert restricted.restricted  # by default: the at-risk person was met
    r_attachment = attach(cleared_member, restricted, f"{R}-minutes.pdf", f"{R}-attachment")

    internal = log(
        cleared_member,
        site,
        stakeholders=[council, police, shared],
        day=I_DATE,
        purpose=f"{I}-purpose",
        summary=f"{I}-summary",
        outcomes=f"{I}-outcomes",
        objectives=[police_objectives[0]],
        commitments=[
            {"description": f"{I}-commitment", "owner": member, "due_on": I_DUE},
        ],
        concerns=[
            {
                "type": Concern.Type.ENVIRONMENT,
                "stakeholder": council,
                "description": f"{I}-dust",
            },
            {
                "type": Concern.Type.ALLEGATION_PUBLIC,
                "stakeholder": police,
                "description": f"{A}-description",
                "response": f"{A}-response",
                "status": Concern.Status.REFERRED,
                "referred_to": f"{A}-referred",
                "referred_on": I_DATE,
                "outcome": f"{A}-outcome",
            },
        ],
    )
    allegation = internal.concerns.get(type=Concern.Type.ALLEGATION_PUBLIC)
    filed = services.concern_create(
        actor=member,
        engagement=internal,
        data={
            "type": Concern.Type.ALLEGATION_PRIVATE,
            "description": f"{A}-filed-by-member",
            "referred_to": f"{A}-filed-referral",
        },
    )
    i_attachment = attach(cleared_member, internal, f"{I}-minutes.pdf", f"{I}-attachment")

    internal_atrisk = log(
        cleared_member,
        site,
        stakeholders=[council, atrisk],
        day=IA_DATE,
        purpose=f"{I}-met-the-defender",
        confidentiality=Engagement.Confidentiality.INTERNAL,  # a cleared user's choice
        commitments=[{"description": f"{I}-clo-owns", "owner": clo, "due_on": IA_DATE}],
        concerns=[
            {
                "type": Concern.Type.SECURITY_CONDUCT,
                "stakeholder": atrisk,
                "description": f"{I}-raised-by-the-defender",
            }
        ],
    )
    assert not internal_atrisk.restricted

    far = log(
        far_admin,
        other_site,
        stakeholders=[far_chiefs, shared],
        day=F_DATE,
        purpose=f"{F}-purpose",
        summary=f"{F}-summary",
        objectives=[community_objectives[1]],
        commitments=[{"description": f"{F}-commitment", "owner": far_member, "due_on": F_DUE}],
        concerns=[
            {"type": Concern.Type.ALLEGATION_PRIVATE, "description": f"{F}-allegation"},
            {"type": Concern.Type.LAND_ACCESS, "description": f"{F}-land"},
        ],
    )
    f_attachment = attach(far_admin, far, f"{F}-minutes.pdf", f"{F}-attachment")

    return SimpleNamespace(
        site=site,
        other_site=other_site,
        cleared=cleared_member,
        far_member=far_member,
        atrisk=atrisk,
        police=police,
        council=council,
        shared=shared,
        far_chiefs=far_chiefs,
        police_objectives=police_objectives,
        community_objectives=community_objectives,
        restricted=restricted,
        r_commitment=restricted.commitments.get(),
        r_concern=restricted.concerns.get(),
        r_attachment=r_attachment,
        internal=internal,
        i_commitment=internal.commitments.get(),
        i_concern=internal.concerns.get(type=Concern.Type.ENVIRONMENT),
        allegation=allegation,
        filed=filed,
        i_attachment=i_attachment,
        internal_atrisk=internal_atrisk,
        ia_commitment=internal_atrisk.commitments.get(),
        ia_concern=internal_atrisk.concerns.get(),
        far=far,
        f_commitment=far.commitments.get(),
        f_allegation=far.concerns.get(type=Concern.Type.ALLEGATION_PRIVATE),
        f_concern=far.concerns.get(type=Concern.Type.LAND_ACCESS),
        f_attachment=f_attachment,
    )


class Attacker(SimpleNamespace):
    """One of the five, logged in: `user`, `forbidden` (the markers they must not meet),
    what they may see (`engagements`, `commitments`, `attachments`, `stakeholders`) and what
    is hidden from them (`hidden_*`)."""


def attacker_for(name, w, user):
    if name == "far_admin":
        return Attacker(
            name=name,
            user=user,
            forbidden=FAR_SECRETS,
            site=w.other_site,
            foreign_site=w.site,
            engagements=[w.far],
            commitments=[w.f_commitment],
            attachments=[w.f_attachment],
            stakeholders=[w.far_chiefs, w.shared],
            hidden_engagements=[w.restricted, w.internal, w.internal_atrisk],
            hidden_commitments=[w.r_commitment, w.i_commitment, w.ia_commitment],
            hidden_attachments=[w.r_attachment, w.i_attachment],
            hidden_concerns=[w.r_concern, w.allegation, w.i_concern, w.ia_concern, w.filed],
            hidden_stakeholders=[w.atrisk, w.police, w.council],
            foreign_users=[w.cleared],
        )
    return Attacker(
        name=name,
        user=user,
        forbidden=SITE_SECRETS,
        site=w.site,
        foreign_site=w.other_site,
        engagements=[w.internal, w.internal_atrisk],
        commitments=[w.i_commitment, w.ia_commitment],
        attachments=[w.i_attachment],
        stakeholders=[w.police, w.council, w.shared, w.atrisk],
        hidden_engagements=[w.restricted, w.far],
        hidden_commitments=[w.r_commitment, w.f_commitment],
        hidden_attachments=[w.r_attachment, w.f_attachment],
        hidden_concerns=[w.r_concern, w.allegation, w.filed, w.f_allegation, w.f_concern],
        hidden_stakeholders=[w.far_chiefs],
        foreign_users=[w.far_member, User.objects.get(username="faradmin")],
    )


@pytest.fixture(params=ATTACKERS)
def who(request, client, w):
    user = request.getfixturevalue(request.param)
    client.force_login(user)
    return attacker_for(request.param, w, user)


@pytest.fixture(params=SITE_ATTACKERS)
def site_who(request, client, w):
    user = request.getfixturevalue(request.param)
    client.force_login(user)
    return attacker_for(request.param, w, user)


@pytest.fixture(params=STAFF_ATTACKERS)
def staff(request, client, w):
    user = request.getfixturevalue(request.param)
    client.force_login(user)
    return attacker_for(request.param, w, user)


@pytest.fixture(params=["member", "uncleared_admin"])
def editor(request, client, w):
    """The uncleared who may change the site's internal engagements."""
    user = request.getfixturevalue(request.param)
    client.force_login(user)
    return attacker_for(request.param, w, user)


# --- the lists and registers ---------------------------------------------------------------

LISTS = ["list", "mine", "commitments", "concerns"]


def list_queries(w, who):
    """Every query string an adversary would try on a list page."""
    other_user = who.foreign_users[0]
    return [
        {},
        {"stakeholder": w.atrisk.pk},
        {"stakeholder": w.police.pk},
        {"stakeholder": w.far_chiefs.pk},
        {"stakeholder": w.shared.pk},
        {"q": "RMARK"},
        {"q": "rmark-7q2"},
        {"q": "AMARK"},
        {"q": "FMARK"},
        {"q": "IMARK"},
        {"q": "ATRISK"},
        {"site": who.foreign_site.pk},
        {"site": MISSING},
        {"objective": w.police_objectives[1].pk},
        {"objective": w.community_objectives[1].pk},
        {"owner": other_user.pk},
        {"owner": w.cleared.pk},
        {"confidentiality": "restricted"},
        {"type": Concern.Type.ALLEGATION_PUBLIC},
        {"type": Concern.Type.ALLEGATION_PRIVATE},
        {"status": ""},
        {"status": "referred"},
        {"status": "open", "overdue": "on"},
        {"date_from": "2025-03-01", "date_to": "2025-03-31"},
        {"due_from": "2025-04-01", "due_to": "2025-05-01"},
        {"category": w.atrisk.category_id},
        {"has_open_commitments": "yes"},
        {"function": Function.objects.get(code="security").pk},
        {"page": 999999},
        {"page": -1},
        {"page": "last"},
        {"page": "banana"},
        {"status": "", "page": 2},
    ]


class TestLists:
    def test_no_query_string_shows_a_hidden_marker(self, client, w, who):
        for name in LISTS:
            for query in list_queries(w, who):
                response = client.get(url(name), query)
                assert response.status_code == 200, (name, query)
                assert_clean(response, who, f"{name}?{query}")

    def test_the_lists_hold_exactly_what_the_reader_may_see(self, client, w, who):
        engagements = client.get(url("list"))
        assert listed(engagements) == {e.pk for e in who.engagements}
        assert listed_count(engagements) == len(who.engagements)
        commitments = client.get(url("commitments"), {"status": ""})
        assert listed(commitments) == {c.pk for c in who.commitments}
        concerns = client.get(url("concerns"))
        if who.name == "far_admin":
            seen = {w.f_allegation.pk, w.f_concern.pk}
        else:
            seen = {w.i_concern.pk, w.ia_concern.pk}
        assert listed(concerns) == seen
        assert listed_count(concerns) == len(seen)

    def test_searching_for_a_hidden_marker_answers_as_searching_for_nothing(self, client, w, who):
        for name in ("list", "mine"):
            for fragment in (
                "RMARK",
                "AMARK",
                "ATRISK",
                "FMARK" if who.name != "far_admin" else "IMARK",
            ):
                hit = client.get(url(name), {"q": fragment})
                nothing = client.get(url(name), {"q": "ZZZZZ"})
                assert listed_count(hit) == 0
                assert text_of(hit).replace(fragment, "ZZZZZ") == text_of(nothing)

    def test_a_foreign_filter_value_is_refused_as_a_missing_one(self, client, w, who):
        """Another site, another site's stakeholder or owner: the same words as an id
        that does not exist, and the list is all the reader may see."""
        foreign_stakeholder = who.hidden_stakeholders[0]
        probes = [
            ("list", "site", who.foreign_site.pk),
            ("list", "stakeholder", foreign_stakeholder.pk),
            ("mine", "stakeholder", foreign_stakeholder.pk),
            ("commitments", "site", who.foreign_site.pk),
            ("commitments", "owner", who.foreign_users[0].pk),
            ("concerns", "site", who.foreign_site.pk),
        ]
        for name, field, pk in probes:
            hidden = client.get(url(name), {field: pk})
            missing = client.get(url(name), {field: MISSING})
            assert hidden.status_code == missing.status_code == 200
            assert text_of(hidden) == text_of(missing).replace(str(MISSING), str(pk)), (
                name,
                field,
            )
            assert hidden.context["filter"].left_out, (name, field)

    def test_an_at_risk_person_filters_only_what_is_seen(self, client, w, site_who):
        """The stakeholder filter takes the placeholder's id (the registry shows it): it
        narrows to the internal engagement with them, never to the restricted one."""
        response = client.get(url("list"), {"stakeholder": w.atrisk.pk})
        assert listed(response) == {w.internal_atrisk.pk}
        police = client.get(url("list"), {"stakeholder": w.police.pk})
        assert listed(police) == {w.internal.pk}

    def test_restricted_and_allegation_values_narrow_nothing_for_the_uncleared(
        self, client, w, site_who
    ):
        restricted = client.get(url("list"), {"confidentiality": "restricted"})
        assert listed(restricted) == {e.pk for e in site_who.engagements}
        assert restricted.context["filter"].left_out
        for allegation in Concern.ALLEGATIONS:
            concerns = client.get(url("concerns"), {"type": allegation})
            assert concerns.context["filter"].left_out
            assert listed(concerns) == {w.i_concern.pk, w.ia_concern.pk}
        objective = client.get(url("list"), {"objective": w.police_objectives[1].pk})
        assert listed(objective) == set()  # addressed only in the restricted one


class TestFilterOptions:
    def test_every_option_is_the_readers_own(self, client, w, who):
        pages = {name: client.get(url(name)) for name in LISTS}
        own_sites = {str(who.site.pk)}
        for name in LISTS:
            assert {value for value, _label in options(pages[name], "site") if value} == own_sites
        for name in ("list", "mine"):
            # The pages draw only the empty option; the lookup offers the rest.
            assert [value for value, _label in options(pages[name], "stakeholder")] == [""]
        lookup = client.get(reverse("stakeholders:lookup"))
        assert_clean(lookup, who, "lookup")
        stakeholders = {str(row["value"]): row["text"] for row in lookup.json()["results"]}
        assert set(stakeholders) == {str(s.pk) for s in who.stakeholders}
        if who.name != "far_admin":
            assert stakeholders[str(w.atrisk.pk)] == redaction.placeholder(w.atrisk)
        owners = {value for value, _label in options(pages["commitments"], "owner") if value}
        assert not owners & {str(user.pk) for user in who.foreign_users}
        for name in LISTS:
            assert_clean(pages[name], who, name)

    def test_restricted_and_allegations_are_offered_only_to_the_cleared(self, client, w, who):
        confidentiality = {
            value for value, _ in options(client.get(url("list")), "confidentiality")
        }
        types = {value for value, _ in options(client.get(url("concerns")), "type")}
        cleared_somewhere = who.name == "far_admin"
        assert ("restricted" in confidentiality) is cleared_somewhere
        assert bool(types & set(Concern.ALLEGATIONS)) is cleared_somewhere


# --- one record's pages --------------------------------------------------------------------


def record_paths(who):
    """(path, pk, POST data or None) of every page of the records hidden from `who`, each
    with the same page of a missing id."""
    paths = []
    for engagement in who.hidden_engagements:
        paths += [
            ("detail", engagement.pk, None),
            ("edit", engagement.pk, None),
            ("edit", engagement.pk, {"purpose": "overwritten"}),
            ("edit", engagement.pk, {"add_concern": "1"}),
            ("attachment_add", engagement.pk, {"kind": "minutes"}),
        ]
    for commitment in who.hidden_commitments:
        paths += [
            ("commitment_progress", commitment.pk, None),
            ("commitment_progress", commitment.pk, {"status": "done", "closing_note": "x"}),
        ]
    for attachment in who.hidden_attachments:
        paths.append(("attachment_download", attachment.pk, None))
    paths += [
        ("add_at", who.foreign_site.pk, None),
        ("add_at", who.foreign_site.pk, {"purpose": "x"}),
    ]
    return paths


class TestRecordPages:
    def test_a_hidden_record_answers_as_a_missing_one_and_nothing_is_written(self, client, w, who):
        before = snapshot()
        for name, pk, post in record_paths(who):
            response = same_answer(client, url(name, pk), url(name, MISSING), pk, post=post)
            assert response.status_code == 404, (name, pk)
            assert_clean(response, who, name)
        assert snapshot() == before

    def test_a_hidden_record_answers_as_a_missing_one_with_debug_on(
        self, client, w, who, settings
    ):
        settings.DEBUG = True
        for name, pk, post in record_paths(who):
            response = same_answer(client, url(name, pk), url(name, MISSING), pk, post=post)
            assert response.status_code == 404
            assert_clean(response, who, name)

    def test_an_upload_to_a_hidden_engagement_stores_nothing(self, client, w, who, tmp_path):
        folder = tmp_path / "attachments"
        files_before = sorted(folder.rglob("*"))
        before = snapshot()
        for engagement in who.hidden_engagements:
            upload = SimpleUploadedFile("minutes.pdf", PDF, content_type="application/pdf")
            response = client.post(
                url("attachment_add", engagement.pk), {"file": upload, "kind": "minutes"}
            )
            assert response.status_code == 404
        assert snapshot() == before
        assert sorted(folder.rglob("*")) == files_before

    def test_what_the_reader_may_see_shows_no_hidden_marker(self, client, w, who):
        paths = [url("detail", e.pk) for e in who.engagements]
        paths += [url("edit", e.pk) for e in who.engagements]
        paths += [url("commitment_progress", c.pk) for c in who.commitments]
        paths += [url("attachment_download", a.pk) for a in who.attachments]
        paths += [reverse("stakeholders:detail", args=[s.pk]) for s in who.stakeholders]
        paths += [url("add"), url("add_at", who.site.pk)]
        for path in paths:
            response = client.get(path, follow=True)
            assert response.status_code in (200, 403), path
            assert_clean(response, who, path)

    def test_another_sites_stakeholder_page_answers_as_a_missing_one(self, client, w, who):
        for stakeholder in who.hidden_stakeholders:
            response = same_answer(
                client,
                reverse("stakeholders:detail", args=[stakeholder.pk]),
                reverse("stakeholders:detail", args=[MISSING]),
                stakeholder.pk,
            )
            assert response.status_code == 404

    def test_a_download_carries_its_guards(self, client, w, who):
        attachment = who.attachments[0]
        response = client.get(url("attachment_download", attachment.pk))
        assert response.status_code == 200
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        assert attachment.name in response["Content-Disposition"]
        assert response["Cache-Control"] == "private, no-store"
        assert_clean(response, who)

    def test_there_is_no_delete_on_the_pages(self, client, w, who):
        before = snapshot()
        for engagement in [*who.engagements, *who.hidden_engagements]:
            for path in (
                f"/engagements/{engagement.pk}/delete/",
                f"/engagements/{engagement.pk}/attachments/delete/",
            ):
                assert client.post(path).status_code == 404
        for attachment in [*who.attachments, *who.hidden_attachments]:
            assert (
                client.post(f"/engagements/attachments/{attachment.pk}/delete/").status_code == 404
            )
            # The download answers GET and HEAD only.
            assert client.post(url("attachment_download", attachment.pk)).status_code == 405
            assert client.delete(url("attachment_download", attachment.pk)).status_code == 405
        for engagement in who.engagements:
            assert client.delete(url("edit", engagement.pk)).status_code == 405
        assert snapshot() == before


# --- the stakeholder page's timeline -------------------------------------------------------


def stakeholder_page(client, stakeholder, **query):
    return client.get(reverse("stakeholders:detail", args=[stakeholder.pk]), query)


def timeline(response):
    (section,) = [s for s in response.context["sections"] if "page_obj" in s["context"]]
    return section["context"]


class TestTimeline:
    def test_a_restricted_engagement_is_absent_from_the_timeline(self, client, w, site_who):
        for stakeholder, seen in (
            (w.police, {w.internal.pk}),
            (w.atrisk, {w.internal_atrisk.pk}),
            (w.shared, {w.internal.pk}),
        ):
            response = stakeholder_page(client, stakeholder)
            assert response.status_code == 200
            section = timeline(response)
            assert {e.pk for e in section["page_obj"].object_list} == seen
            assert section["page_obj"].paginator.count == len(seen)
            assert {c.pk for c in section["commitments"]} <= {c.pk for c in site_who.commitments}
            assert not {c.pk for c in section["concerns"]} & {
                c.pk for c in site_who.hidden_concerns
            }
            assert_clean(response, site_who, stakeholder.name)

    def test_last_addressed_dates_ignore_the_restricted_engagement(self, client, w, site_who):
        """The restricted engagement (the latest) addressed two police objectives; the
        internal one, the first only."""
        section = timeline(stakeholder_page(client, w.police))
        dates = {objective.pk: objective.last_addressed for objective in section["objectives"]}
        assert dates[w.police_objectives[0].pk] == I_DATE
        assert dates[w.police_objectives[1].pk] is None
        atrisk = timeline(stakeholder_page(client, w.atrisk))
        assert all(objective.last_addressed is None for objective in atrisk["objectives"])
        shared = timeline(stakeholder_page(client, w.shared))
        dates = {objective.pk: objective.last_addressed for objective in shared["objectives"]}
        assert dates[w.community_objectives[0].pk] is None  # only the restricted one
        assert dates[w.community_objectives[1].pk] is None  # only the other site's

    def test_the_other_sites_admin_sees_only_their_sites_on_a_shared_stakeholder(
        self, client, w, far_admin
    ):
        client.force_login(far_admin)
        who = attacker_for("far_admin", w, far_admin)
        response = stakeholder_page(client, w.shared)
        section = timeline(response)
        assert {e.pk for e in section["page_obj"].object_list} == {w.far.pk}
        dates = {objective.pk: objective.last_addressed for objective in section["objectives"]}
        assert dates[w.community_objectives[0].pk] is None  # addressed only at the site
        assert dates[w.community_objectives[1].pk] == F_DATE
        assert_clean(response, who)

    def test_all_engagements_with_this_stakeholder_lists_what_the_timeline_counts(
        self, client, w, who
    ):
        for stakeholder in who.stakeholders:
            response = stakeholder_page(client, stakeholder)
            section = timeline(response)
            link = f"{url('list')}?stakeholder={stakeholder.pk}"
            if section["page_obj"].paginator.count:
                assert link in text_of(response)
            listing = client.get(url("list"), {"stakeholder": stakeholder.pk})
            assert listed(listing) == {e.pk for e in section["page_obj"].paginator.object_list}
            assert_clean(listing, who)

    def test_timeline_paging_past_the_end_shows_nothing_hidden(self, client, w, who):
        for stakeholder in who.stakeholders:
            for value in ("999999", "-1", "x"):
                response = stakeholder_page(client, stakeholder, engagements_page=value)
                assert response.status_code == 200
                assert_clean(response, who)


# --- the engagement page's history ---------------------------------------------------------


@pytest.fixture
def opened(w, cleared_member, member):
    """A restricted engagement whose commitment, concern and attachment were written while
    it was restricted, then opened by a cleared user, who changed them afterwards."""
    engagement = log(
        cleared_member,
        w.site,
        stakeholders=[w.council, w.atrisk],
        day=datetime.date(2023, 6, 6),
        purpose=f"{R}-opened-purpose",
        summary=f"{R}-opened-summary",
        commitments=[
            {
                "description": f"{R}-opened-commitment",
                "owner": cleared_member,
                "due_on": datetime.date(2023, 7, 7),
                "closing_note": f"{R}-opened-note",
            }
        ],
        concerns=[
            {
                "type": Concern.Type.ENVIRONMENT,
                "stakeholder": w.council,
                "description": f"{R}-opened-concern",
                "response": f"{R}-opened-response",
            }
        ],
    )
    assert engagement.restricted
    commitment, concern = engagement.commitments.get(), engagement.concerns.get()
    services.commitment_update(
        actor=cleared_member, commitment=commitment, data={"description": f"{R}-second-draft"}
    )
    services.engagement_update(
        actor=cleared_member,
        engagement=engagement,
        data={
            "confidentiality": Engagement.Confidentiality.INTERNAL,
            "purpose": "Opened purpose",
            "summary": "Opened summary",
        },
        stakeholders=[w.council],
    )
    services.commitment_update(
        actor=cleared_member,
        commitment=commitment,
        data={"description": "Opened commitment", "closing_note": ""},
    )
    services.concern_update(
        actor=cleared_member,
        concern=concern,
        data={"description": "Opened concern", "response": "Opened response"},
    )
    return SimpleNamespace(engagement=engagement, commitment=commitment, concern=concern)


class TestPageHistory:
    def test_the_history_of_what_is_seen_names_nothing_hidden(self, client, w, who):
        for engagement in who.engagements:
            response = client.get(url("detail", engagement.pk))
            assert response.status_code == 200
            assert response.context["history"]
            assert_clean(response, who)

    def test_an_opened_engagement_keeps_its_restricted_past_sealed(
        self, client, w, opened, site_who
    ):
        response = client.get(url("detail", opened.engagement.pk))
        assert response.status_code == 200
        assert "Opened purpose" in text_of(response)
        assert "Opened commitment" in text_of(response)
        assert "Restricted at the time" in text_of(response)
        assert_clean(response, site_who)

    def test_the_allegations_history_leaves_no_entry(self, client, w, site_who):
        services.concern_update(
            actor=w.cleared,
            concern=w.allegation,
            data={"status": Concern.Status.UNDER_INVESTIGATION, "outcome": f"{A}-later"},
        )
        response = client.get(url("detail", w.internal.pk))
        entries = response.context["history"]
        assert not [e for e in entries if "allegation" in str(e.subject).lower()]
        assert_clean(response, site_who)


# --- the admin -----------------------------------------------------------------------------

MODELS = ["engagement", "commitment", "concern", "attachment"]


def hidden_admin_records(who):
    return [
        *(("engagement", e.pk) for e in who.hidden_engagements),
        *(("commitment", c.pk) for c in who.hidden_commitments),
        *(("concern", c.pk) for c in who.hidden_concerns),
        *(("attachment", a.pk) for a in who.hidden_attachments),
    ]


def seen_admin_records(w, who):
    if who.name == "far_admin":
        concerns = [w.f_allegation, w.f_concern]
    else:
        concerns = [w.i_concern, w.ia_concern]
    return [
        *(("engagement", e.pk) for e in who.engagements),
        *(("commitment", c.pk) for c in who.commitments),
        *(("concern", c.pk) for c in concerns),
        *(("attachment", a.pk) for a in who.attachments),
    ]


def admin_queries(w, who):
    return [
        {},
        {"q": "RMARK"},
        {"q": "AMARK"},
        {"q": "ATRISK"},
        {"q": "IMARK" if who.name == "far_admin" else "FMARK"},
        {"q": "minutes"},
        {"_facets": "1"},
        {"site": who.foreign_site.pk, "_facets": "1"},
        {"confidentiality__exact": "restricted", "_facets": "1"},
        {"type__exact": Concern.Type.ALLEGATION_PUBLIC, "_facets": "1"},
        {"date__year": str(R_DATE.year), "date__month": str(R_DATE.month)},
        {"due_on__year": str(R_DUE.year)},
        {"created_at__year": str(datetime.date.today().year)},
        {"purpose__contains": "RMARK"},
        {"description__contains": "AMARK"},
        {"referred_to__contains": "AMARK"},
        {"name__contains": "RMARK"},
        {"kind__exact": "minutes", "_facets": "1"},
        {"p": "999"},
        {"o": "1"},
    ]


class TestAdmin:
    def test_changelists_show_nothing_hidden_whatever_the_query(self, client, w, staff):
        for model in MODELS:
            for query in admin_queries(w, staff):
                response = client.get(admin_url(model, "changelist"), query, follow=True)
                assert response.status_code in (200, 400), (model, query)
                assert_clean(response, staff, f"{model} {query}")
                if response.status_code == 200 and "cl" in (response.context or {}):
                    shown = {row.pk for row in response.context["cl"].result_list}
                    hidden = {pk for name, pk in hidden_admin_records(staff) if name == model}
                    assert not shown & hidden, (model, query)

    def test_a_hidden_records_admin_pages_answer_as_a_missing_ones(self, client, w, staff):
        for model, pk in hidden_admin_records(staff):
            for view in ("change", "history", "delete"):
                response = same_answer(
                    client, admin_url(model, view, pk), admin_url(model, view, MISSING), pk
                )
                client.get(reverse("admin:index"))  # the messages of the two answers go
                followed = client.get(admin_url(model, view, pk), follow=True)
                missing = client.get(admin_url(model, view, MISSING), follow=True)
                assert text_of(followed) == text_of(missing).replace(str(MISSING), str(pk))
                assert_clean(followed, staff, f"{model} {view}")
                assert response.status_code in (302, 403, 404)

    def test_posting_to_a_hidden_record_changes_nothing(self, client, w, staff):
        before = snapshot()
        for model, pk in hidden_admin_records(staff):
            for view in ("change", "delete"):
                hidden = client.post(admin_url(model, view, pk), {"post": "yes", "purpose": "x"})
                missing = client.post(
                    admin_url(model, view, MISSING), {"post": "yes", "purpose": "x"}
                )
                assert hidden.status_code == missing.status_code
        bulk = client.post(
            admin_url("engagement", "changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [e.pk for e in staff.hidden_engagements],
                "post": "yes",
            },
        )
        assert bulk.status_code in (200, 302)
        assert snapshot() == before

    def test_the_pages_of_what_is_seen_show_nothing_hidden(self, client, w, staff):
        for model, pk in seen_admin_records(w, staff):
            for view in ("change", "history"):
                response = client.get(admin_url(model, view, pk))
                assert response.status_code == 200, (model, view)
                assert_clean(response, staff, f"{model} {view}")

    def test_the_uncleared_admin_deletes_nothing(self, client, w, uncleared_admin):
        client.force_login(uncleared_admin)
        before = snapshot()
        for model, pk in (("engagement", w.internal.pk), ("attachment", w.i_attachment.pk)):
            assert client.get(admin_url(model, "delete", pk)).status_code == 403
            assert client.post(admin_url(model, "delete", pk), {"post": "yes"}).status_code == 403
        client.post(
            admin_url("engagement", "changelist"),
            {"action": "delete_selected", "_selected_action": [w.internal.pk], "post": "yes"},
        )
        client.post(
            admin_url("attachment", "changelist"),
            {"action": "delete_selected", "_selected_action": [w.i_attachment.pk], "post": "yes"},
        )
        assert snapshot() == before

    @pytest.mark.parametrize(
        ("model", "field"),
        [
            ("engagement", "stakeholders"),
            ("engagement", "objectives"),
            ("engagement", "lead_function"),
            ("engagement", "site"),
            ("engagement", "participants"),
            ("engagement", "created_by"),
            ("commitment", "engagement"),
            ("commitment", "owner"),
            ("concern", "engagement"),
            ("concern", "stakeholder"),
            ("concern", "created_by"),
            ("attachment", "engagement"),
            ("attachment", "uploaded_by"),
        ],
    )
    def test_autocompletes_offer_nothing_hidden(self, client, w, staff, model, field):
        for term in ("", "RMARK", "AMARK", "ATRISK", "IMARK", "FMARK", "Kisima", "Far", "2025"):
            response = client.get(
                reverse("admin:autocomplete"),
                {
                    "app_label": "engagement",
                    "model_name": model,
                    "field_name": field,
                    "term": term,
                },
            )
            assert response.status_code in (200, 403, 404), (model, field, term)
            assert_clean(response, staff, f"{model}.{field} {term}")
            if response.status_code == 200:
                ids = {str(row["id"]) for row in response.json()["results"]}
                # Each field's ids against the hidden rows of its own table: a stakeholder
                # and an engagement may share a number (PostgreSQL's sequences made one).
                if field in ("stakeholders", "stakeholder"):
                    assert str(w.atrisk.pk) not in ids
                    assert not ids & {str(s.pk) for s in staff.hidden_stakeholders}
                if field == "engagement":
                    assert not ids & {str(e.pk) for e in staff.hidden_engagements}

    @pytest.mark.parametrize(
        ("model", "lookup"),
        [
            ("engagement", "stakeholders__name__contains"),
            ("engagement", "stakeholders"),
            ("engagement", "concerns__description__contains"),
            ("engagement", "commitments__description__contains"),
            ("engagement", "attachments__name__contains"),
            ("engagement", "site__id__exact"),
            ("engagement", "participants__username"),
            ("commitment", "engagement__purpose__contains"),
            ("commitment", "engagement"),
            ("commitment", "engagement_id"),
            ("commitment", "owner__username"),
            ("concern", "stakeholder__name__contains"),
            ("concern", "engagement__confidentiality"),
            ("concern", "stakeholder_id"),
            ("attachment", "engagement__purpose__contains"),
            ("attachment", "engagement_id"),
            ("attachment", "engagement__site"),
            ("attachment", "uploaded_by__username"),
        ],
    )
    def test_lookups_through_relations_are_refused(self, client, w, staff, model, lookup):
        for value in ("RMARK", "ATRISK", str(w.restricted.pk), str(w.atrisk.pk), "x"):
            response = client.get(admin_url(model, "changelist"), {lookup: value})
            assert response.status_code == 400, (model, lookup, value)
            assert_clean(response, staff)

    def test_view_on_site_of_a_hidden_attachment_answers_as_a_missing_one(self, client, w, staff):
        for record in [*staff.hidden_attachments, *staff.hidden_engagements]:
            content_type = ContentType.objects.get_for_model(record).pk
            response = same_answer(
                client,
                reverse("admin_view_on_site", args=[content_type, record.pk]),
                reverse("admin_view_on_site", args=[content_type, MISSING]),
                record.pk,
            )
            assert response.status_code == 404

    @pytest.mark.parametrize("who_name", ["member", "clo", "reviewer"])
    def test_who_is_not_staff_meets_the_admin_login_whatever_the_id(
        self, client, w, request, who_name
    ):
        client.force_login(request.getfixturevalue(who_name))
        for model in MODELS:
            for path in (
                admin_url(model, "changelist"),
                admin_url(model, "change", MISSING),
                admin_url(model, "history", MISSING),
            ):
                assert client.get(path).status_code == 302
        hidden = client.get(admin_url("engagement", "change", w.restricted.pk))
        missing = client.get(admin_url("engagement", "change", MISSING))
        assert hidden["Location"] == missing["Location"].replace(
            str(MISSING), str(w.restricted.pk)
        )
        autocomplete = client.get(
            reverse("admin:autocomplete"),
            {"app_label": "engagement", "model_name": "concern", "field_name": "stakeholder"},
        )
        assert autocomplete.status_code == 302


class TestAdminHistoryOfAnOpenedEngagement:
    """What was written while an engagement was restricted stays sealed once it opens (the
    issue; `selectors.engagement_history` does so on the engagement's page)."""

    def test_the_engagements_own_admin_history_keeps_it_sealed(
        self, client, w, opened, uncleared_admin
    ):
        client.force_login(uncleared_admin)
        who = attacker_for("uncleared_admin", w, uncleared_admin)
        response = client.get(admin_url("engagement", "history", opened.engagement.pk))
        assert response.status_code == 200
        assert_clean(response, who)

    def test_was_a_hole_commitment_admin_history_shows_what_was_written_while_restricted(
        self, client, w, opened, uncleared_admin
    ):
        """/admin/engagement/commitment/<pk>/history/ seals nothing for a commitment:
        `selectors.history_sealed` has no rule for commitments, so what was written
        while its engagement was restricted (its first description, its closing note)
        shows in full to every uncleared administrator once the engagement opens. The
        engagement page seals the same records (`selectors._sealed_with`)."""
        client.force_login(uncleared_admin)
        who = attacker_for("uncleared_admin", w, uncleared_admin)
        response = client.get(admin_url("commitment", "history", opened.commitment.pk))
        assert response.status_code == 200
        assert_clean(response, who)

    def test_was_a_hole_concern_admin_history_shows_what_was_written_while_restricted(
        self, client, w, opened, uncleared_admin
    ):
        """/admin/engagement/concern/<pk>/history/ seals a concern's records only while
        it was an allegation, not while its engagement was restricted: its description
        and response as written then show in full once the engagement opens."""
        client.force_login(uncleared_admin)
        who = attacker_for("uncleared_admin", w, uncleared_admin)
        response = client.get(admin_url("concern", "history", opened.concern.pk))
        assert response.status_code == 200
        assert_clean(response, who)


# --- the log and edit page -----------------------------------------------------------------


def rendered(client, engagement):
    response = client.get(url("edit", engagement.pk))
    assert response.status_code == 200
    return response, page_post_data(response.context["forms"])


def met(engagement):
    return set(engagement.stakeholders.values_list("pk", flat=True))


def row_ids(response, rows):
    return re.findall(rf'name="{rows}-\d+-id" value="(\d+)"', text_of(response))


class TestEditPage:
    def test_the_page_keeps_hidden_people_and_rows_out_of_sight(self, client, w, editor):
        response, data = rendered(client, w.internal_atrisk)
        assert_clean(response, editor)
        offered = {value for value, _ in options(response, "stakeholders")}
        assert str(w.atrisk.pk) not in offered
        assert redaction.placeholder(w.atrisk) in text_of(response)  # "kept as they are"
        assert data["concerns-TOTAL_FORMS"] == data["concerns-INITIAL_FORMS"] == "1"
        assert "concerns-0-stakeholder" not in data  # the hidden source is not a field

        response, data = rendered(client, w.internal)
        assert_clean(response, editor)
        # The allegations (the cleared user's and the one the member filed) are not rows.
        assert row_ids(response, "concerns") == [str(w.i_concern.pk)]
        assert data["concerns-TOTAL_FORMS"] == data["concerns-INITIAL_FORMS"] == "1"
        assert row_ids(response, "commitments") == [str(w.i_commitment.pk)]

    def test_saving_the_page_as_rendered_keeps_what_the_editor_cannot_see(self, client, w, editor):
        response, data = rendered(client, w.internal_atrisk)
        data["outcomes"] = "Edited by the uncleared"
        response = client.post(url("edit", w.internal_atrisk.pk), data)
        assert response.status_code == 302, text_of(response)[:3000]
        w.internal_atrisk.refresh_from_db()
        assert w.internal_atrisk.outcomes == "Edited by the uncleared"
        assert met(w.internal_atrisk) == {w.council.pk, w.atrisk.pk}
        assert not w.internal_atrisk.restricted
        assert Concern.objects.get(pk=w.ia_concern.pk).stakeholder_id == w.atrisk.pk

        response, data = rendered(client, w.internal)
        allegations = list(Concern.objects.filter(type__in=Concern.ALLEGATIONS).values())
        assert client.post(url("edit", w.internal.pk), data).status_code == 302
        assert list(Concern.objects.filter(type__in=Concern.ALLEGATIONS).values()) == allegations

    def test_removing_every_visible_stakeholder_keeps_the_hidden_one(self, client, w, editor):
        _response, data = rendered(client, w.internal_atrisk)
        data.pop("stakeholders")
        data.pop("objectives", None)
        response = client.post(url("edit", w.internal_atrisk.pk), data)
        assert response.status_code == 302
        assert met(w.internal_atrisk) == {w.atrisk.pk}

    @pytest.mark.parametrize(
        "change",
        [
            "pick_the_at_risk_person",
            "pick_another_sites_stakeholder",
            "restrict",
            "row_is_a_hidden_allegation",
            "extra_row_is_a_hidden_allegation",
            "first_row_is_another_sites_concern",
            "row_is_a_restricted_commitment",
            "row_is_another_sites_commitment",
            "row_is_another_engagements_commitment",
            "extra_row_is_a_restricted_commitment",
            "too_many_rows",
            "owner_of_another_site",
            "owner_is_the_other_sites_admin",
            "concern_raised_by_the_at_risk_person",
            "concern_raised_by_another_sites_stakeholder",
            "objective_of_no_category_met",
            "participant_of_another_site",
            "future_date",
        ],
    )
    def test_a_tampered_edit_is_refused_and_writes_nothing(self, client, w, editor, change):
        engagement = w.internal_atrisk if "at_risk" in change else w.internal
        _response, data = rendered(client, engagement)
        n_commitments = int(data["commitments-TOTAL_FORMS"])
        n_concerns = int(data["concerns-TOTAL_FORMS"])

        def new_concern(index, **fields):
            row = {
                "type": Concern.Type.ENVIRONMENT,
                "description": "typed",
                "satisfaction": "unknown",
                "severity": "medium",
                "status": "open",
                **fields,
            }
            data.update({f"concerns-{index}-{k}": str(v) for k, v in row.items()})
            data["concerns-TOTAL_FORMS"] = str(index + 1)

        def new_commitment(index, **fields):
            row = {
                "description": "typed",
                "owner": editor.user.pk,
                "due_on": "2030-01-01",
                "status": "open",
                **fields,
            }
            data.update({f"commitments-{index}-{k}": str(v) for k, v in row.items()})
            data["commitments-TOTAL_FORMS"] = str(index + 1)

        if change == "pick_the_at_risk_person":
            data["stakeholders"] = [str(w.council.pk), str(w.atrisk.pk)]
        elif change == "pick_another_sites_stakeholder":
            data["stakeholders"] = [*data["stakeholders"], str(w.far_chiefs.pk)]
        elif change == "restrict":
            data["confidentiality"] = Engagement.Confidentiality.RESTRICTED
        elif change == "row_is_a_hidden_allegation":
            data["concerns-0-id"] = str(w.allegation.pk)
            data["concerns-0-description"] = "overwritten"
            data["concerns-0-outcome"] = "overwritten"
        elif change == "extra_row_is_a_hidden_allegation":
            data["concerns-INITIAL_FORMS"] = str(n_concerns + 1)
            new_concern(n_concerns, id=w.allegation.pk, type=w.allegation.type)
        elif change == "first_row_is_another_sites_concern":
            data["concerns-0-id"] = str(w.f_concern.pk)
            data["concerns-0-description"] = "overwritten"
        elif change == "row_is_a_restricted_commitment":
            data["commitments-0-id"] = str(w.r_commitment.pk)
            data["commitments-0-description"] = "overwritten"
        elif change == "row_is_another_sites_commitment":
            data["commitments-0-id"] = str(w.f_commitment.pk)
            data["commitments-0-description"] = "overwritten"
        elif change == "row_is_another_engagements_commitment":
            data["commitments-0-id"] = str(w.ia_commitment.pk)
            data["commitments-0-description"] = "overwritten"
        elif change == "extra_row_is_a_restricted_commitment":
            data["commitments-INITIAL_FORMS"] = str(n_commitments + 1)
            new_commitment(n_commitments, id=w.r_commitment.pk)
        elif change == "too_many_rows":
            data["concerns-TOTAL_FORMS"] = "1000"
            data["commitments-TOTAL_FORMS"] = "1000"
            data["concerns-INITIAL_FORMS"] = "999"
        elif change == "owner_of_another_site":
            new_commitment(n_commitments, owner=w.far_member.pk)
        elif change == "owner_is_the_other_sites_admin":
            data["commitments-0-owner"] = str(User.objects.get(username="faradmin").pk)
        elif change == "concern_raised_by_the_at_risk_person":
            new_concern(n_concerns, stakeholder=w.atrisk.pk)
        elif change == "concern_raised_by_another_sites_stakeholder":
            new_concern(n_concerns, stakeholder=w.far_chiefs.pk)
        elif change == "objective_of_no_category_met":
            ngo = EngagementObjective.objects.filter(category=w.atrisk.category).first()
            data["objectives"] = [*data.get("objectives", []), str(ngo.pk)]
        elif change == "participant_of_another_site":
            data["participants"] = [str(w.far_member.pk)]
        elif change == "future_date":
            data["date"] = (w.site.today() + datetime.timedelta(days=2)).isoformat()

        before = snapshot()
        response = client.post(url("edit", engagement.pk), data)
        assert response.status_code == 200, change
        assert response.context["forms"].has_errors(), change
        assert snapshot() == before
        assert_clean(response, editor, change)

    def test_a_hidden_source_cannot_be_replaced_by_posting_it(self, client, w, editor):
        _response, data = rendered(client, w.internal_atrisk)
        data["concerns-0-stakeholder"] = str(w.council.pk)
        data["concerns-0-description"] = "Edited"
        assert client.post(url("edit", w.internal_atrisk.pk), data).status_code == 302
        concern = Concern.objects.get(pk=w.ia_concern.pk)
        assert (concern.stakeholder_id, concern.description) == (w.atrisk.pk, "Edited")

    def test_rows_marked_for_deletion_are_not_deleted(self, client, w, editor):
        _response, data = rendered(client, w.internal)
        data["commitments-0-DELETE"] = "on"
        data["concerns-0-DELETE"] = "on"
        assert client.post(url("edit", w.internal.pk), data).status_code == 302
        assert Commitment.objects.filter(pk=w.i_commitment.pk).exists()
        assert Concern.objects.filter(pk=w.i_concern.pk).exists()

    def test_site_and_author_cannot_be_posted(self, client, w, editor):
        _response, data = rendered(client, w.internal)
        data.update(
            {"site": w.other_site.pk, "created_by": editor.user.pk, "updated_by": w.cleared.pk}
        )
        assert client.post(url("edit", w.internal.pk), data).status_code == 302
        w.internal.refresh_from_db()
        assert w.internal.site_id == w.site.pk
        assert w.internal.created_by_id == w.cleared.pk
        assert w.internal.updated_by_id == editor.user.pk

    def test_adding_a_row_with_a_hidden_id_shows_nothing_of_it(self, client, w, editor):
        _response, data = rendered(client, w.internal)
        data["concerns-INITIAL_FORMS"] = "2"
        data["concerns-TOTAL_FORMS"] = "2"
        data["concerns-1-id"] = str(w.allegation.pk)
        data["commitments-0-id"] = str(w.r_commitment.pk)
        data["add_concern"] = "1"
        before = snapshot()
        response = client.post(url("edit", w.internal.pk), data)
        assert response.status_code == 200
        assert_clean(response, editor)
        assert snapshot() == before

    def test_a_cleared_only_engagement_cannot_be_restricted_or_opened_by_the_uncleared(
        self, client, w, editor
    ):
        """Restricting is refused (above); lifting a restriction would need the page of
        a restricted engagement, which answers 404, and the service refuses it too."""
        before = snapshot()
        response = client.post(
            url("edit", w.restricted.pk), {"confidentiality": Engagement.Confidentiality.INTERNAL}
        )
        assert response.status_code == 404
        with pytest.raises(services.PermissionDenied):
            services.engagement_update(
                actor=editor.user,
                engagement=w.restricted,
                data={"confidentiality": Engagement.Confidentiality.INTERNAL},
            )
        assert snapshot() == before


def test_a_liaison_officers_own_engagement_keeps_what_a_cleared_colleague_added(client, w, clo):
    """The CLO logged it (so may edit it); a cleared colleague then added the at-risk
    person and an allegation. The CLO's page shows neither, and saving keeps both."""
    mine = log(
        clo,
        w.site,
        stakeholders=[w.council],
        day=datetime.date(2024, 8, 8),
        lead_function=Function.objects.get(code="community-relations"),
        purpose=f"{I}-logged-by-the-clo",
    )
    services.engagement_update(
        actor=w.cleared, engagement=mine, data={}, stakeholders=[w.council, w.atrisk]
    )
    services.concern_create(
        actor=w.cleared,
        engagement=mine,
        data={"type": Concern.Type.ALLEGATION_PUBLIC, "description": f"{A}-on-the-clos"},
    )
    client.force_login(clo)
    who = attacker_for("clo", w, clo)
    response, data = rendered(client, mine)
    assert_clean(response, who)
    assert data["concerns-TOTAL_FORMS"] == "0"
    data["summary"] = "Edited by the CLO"
    assert client.post(url("edit", mine.pk), data).status_code == 302
    mine.refresh_from_db()
    assert mine.summary == "Edited by the CLO"
    assert met(mine) == {w.council.pk, w.atrisk.pk}
    assert mine.concerns.get().description == f"{A}-on-the-clos"
    assert_clean(client.get(url("detail", mine.pk)), who)


def log_post(w, stakeholders, **fields):
    data = {
        "date": "2025-02-02",
        "format": Engagement.Format.MEETING,
        "lead_function": Function.objects.get(code="security").pk,
        "stakeholders": [s.pk for s in stakeholders],
        "purpose": "Logged by an attacker",
        "summary": "Summary",
        "confidentiality": "",
        "commitments-TOTAL_FORMS": "0",
        "commitments-INITIAL_FORMS": "0",
        "concerns-TOTAL_FORMS": "0",
        "concerns-INITIAL_FORMS": "0",
    }
    data.update(fields)
    return data


class TestLogPage:
    @pytest.mark.parametrize(
        ("stakeholders", "fields"),
        [
            (["atrisk"], {}),
            (["council", "atrisk"], {}),
            (["far_chiefs"], {}),
            (["council"], {"confidentiality": "restricted"}),
            (["council"], {"site": "OTHER"}),
            (
                ["council"],
                {
                    "commitments-TOTAL_FORMS": "1",
                    "commitments-0-description": "x",
                    "commitments-0-owner": "FAR_MEMBER",
                    "commitments-0-due_on": "2030-01-01",
                    "commitments-0-status": "open",
                },
            ),
            (
                ["council"],
                {
                    "concerns-TOTAL_FORMS": "1",
                    "concerns-0-stakeholder": "ATRISK",
                    "concerns-0-type": "environment",
                    "concerns-0-description": "x",
                    "concerns-0-satisfaction": "unknown",
                    "concerns-0-severity": "medium",
                    "concerns-0-status": "open",
                },
            ),
            (
                ["council"],
                {
                    "concerns-TOTAL_FORMS": "1",
                    "concerns-INITIAL_FORMS": "1",
                    "concerns-0-id": "ALLEGATION",
                    "concerns-0-type": "allegation_public_security",
                    "concerns-0-description": "overwritten",
                    "concerns-0-satisfaction": "unknown",
                    "concerns-0-severity": "medium",
                    "concerns-0-status": "open",
                },
            ),
        ],
    )
    def test_a_tampered_log_is_refused_and_writes_nothing(
        self, client, w, editor, stakeholders, fields
    ):
        swaps = {
            "OTHER": w.other_site.pk,
            "FAR_MEMBER": w.far_member.pk,
            "ATRISK": w.atrisk.pk,
            "ALLEGATION": w.allegation.pk,
        }
        fields = {key: swaps.get(value, value) for key, value in fields.items()}
        people = [getattr(w, name) for name in stakeholders]
        before = snapshot()
        response = client.post(url("add_at", w.site.pk), log_post(w, people, **fields))
        if fields.get("site"):
            # The site comes from the address: a posted one is ignored, never obeyed.
            assert response.status_code == 302
            assert Engagement.objects.latest("pk").site_id == w.site.pk
            return
        assert response.status_code == 200
        assert response.context["forms"].has_errors()
        assert snapshot() == before
        assert_clean(response, editor)

    def test_an_allegation_logged_by_the_uncleared_is_passed_on_unseen(self, client, w, editor):
        data = log_post(
            w,
            [w.council],
            **{
                "concerns-TOTAL_FORMS": "1",
                "concerns-0-type": Concern.Type.ALLEGATION_PRIVATE,
                "concerns-0-description": f"{A}-typed-by-the-uncleared",
                "concerns-0-satisfaction": "unknown",
                "concerns-0-severity": "high",
                "concerns-0-status": "open",
            },
        )
        response = client.post(url("add_at", w.site.pk), data, follow=True)
        assert response.status_code == 200
        engagement = Engagement.objects.latest("pk")
        assert engagement.concerns.get().description == f"{A}-typed-by-the-uncleared"
        assert_clean(response, editor)
        for path in (url("detail", engagement.pk), url("concerns"), url("edit", engagement.pk)):
            assert_clean(client.get(path), editor, path)


# --- who may write ---------------------------------------------------------------------------


class TestWriteRules:
    def test_a_reviewers_posts_are_refused_and_write_nothing(self, client, w, reviewer):
        client.force_login(reviewer)
        # A commitment a reviewer owns (their role changed since it was given to them).
        owned = Commitment.objects.create(
            engagement=w.internal,
            description="Owned by the reviewer",
            owner=reviewer,
            lead_function=w.internal.lead_function,
            due_on=I_DUE,
        )
        before = snapshot()
        data = log_post(w, [w.council])
        upload = SimpleUploadedFile("minutes.pdf", PDF, content_type="application/pdf")
        posts = [
            (url("add_at", w.site.pk), data),
            (url("add_at", w.site.pk), {**data, "add_commitment": "1"}),
            (url("edit", w.internal.pk), {**data, "purpose": "Reviewer was here"}),
            (url("edit", w.internal_atrisk.pk), {"add_concern": "1"}),
            (url("commitment_progress", w.i_commitment.pk), {"status": "dropped"}),
            (
                url("commitment_progress", owned.pk),
                {"status": "done", "closing_note": "Reviewer closed it"},
            ),
            (url("attachment_add", w.internal.pk), {"file": upload, "kind": "minutes"}),
        ]
        for path, post in posts:
            response = client.post(path, post)
            assert response.status_code == 403, path
        for path in (url("add"), url("add_at", w.site.pk), url("edit", w.internal.pk)):
            assert client.get(path).status_code == 403, path
        assert snapshot() == before
        detail = client.get(url("detail", w.internal.pk))
        assert detail.context["attachment_form"] is None
        assert not detail.context["may_change"]

    def test_a_liaison_officer_changes_only_what_they_may(self, client, w, clo):
        client.force_login(clo)
        before = snapshot()
        data = log_post(w, [w.council])
        upload = SimpleUploadedFile("minutes.pdf", PDF, content_type="application/pdf")
        for path, post in (
            (url("edit", w.internal.pk), {**data, "purpose": "CLO was here"}),
            (url("commitment_progress", w.i_commitment.pk), {"status": "dropped"}),
            (url("attachment_add", w.internal.pk), {"file": upload, "kind": "minutes"}),
        ):
            assert client.post(path, post).status_code == 403, path
        assert snapshot() == before
        # Their own commitment's progress, and nothing else of it.
        response = client.post(
            url("commitment_progress", w.ia_commitment.pk),
            {
                "status": "in_progress",
                "description": "Rewritten by its owner",
                "owner": clo.pk,
                "due_on": "2031-01-01",
            },
        )
        assert response.status_code == 302
        commitment = Commitment.objects.get(pk=w.ia_commitment.pk)
        assert commitment.status == "in_progress"
        assert commitment.description == f"{I}-clo-owns"
        assert commitment.due_on == IA_DATE

    def test_an_uncleared_log_with_an_at_risk_person_cannot_be_made(self, client, w, member):
        """The uncleared never pick an at-risk person (so never log a restricted one), and
        never set the confidentiality."""
        client.force_login(member)
        before = snapshot()
        for fields in (
            {"stakeholders": [w.atrisk.pk]},
            {"confidentiality": "restricted"},
            {"confidentiality": "internal", "stakeholders": [w.council.pk, w.atrisk.pk]},
        ):
            data = {**log_post(w, [w.council]), **fields}
            response = client.post(url("add_at", w.site.pk), data)
            assert response.status_code == 200
            assert_clean(response, attacker_for("member", w, member))
        assert snapshot() == before


def admin_post_data(response):
    """What the admin's change page sends back as rendered: the form and every inline."""
    data = {}

    def add(form):
        for name, field in form.fields.items():
            bound = form[name]
            value = bound.value()
            if value is None:
                continue
            if isinstance(value, list | tuple):
                offered = {str(pk) for pk in field.queryset.values_list("pk", flat=True)}
                data[bound.html_name] = [str(item) for item in value if str(item) in offered]
            elif isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, datetime.date):
                data[bound.html_name] = value.isoformat()
            else:
                data[bound.html_name] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


class TestAdminWrites:
    def test_the_uncleared_admin_keeps_the_hidden_person_and_cannot_restrict(
        self, client, w, uncleared_admin
    ):
        client.force_login(uncleared_admin)
        change = admin_url("engagement", "change", w.internal_atrisk.pk)
        page = client.get(change)
        assert page.status_code == 200
        assert_clean(page, attacker_for("uncleared_admin", w, uncleared_admin))
        data = admin_post_data(page)
        assert data["stakeholders"] == [str(w.council.pk)]
        data.update(
            {"confidentiality": "restricted", "site": str(w.other_site.pk), "outcomes": "Edited"}
        )
        response = client.post(change, data)
        assert response.status_code == 302, text_of(response)[:2000]
        w.internal_atrisk.refresh_from_db()
        assert w.internal_atrisk.outcomes == "Edited"
        assert not w.internal_atrisk.restricted
        assert w.internal_atrisk.site_id == w.site.pk
        assert met(w.internal_atrisk) == {w.council.pk, w.atrisk.pk}

    def test_an_inline_row_claiming_a_hidden_allegation_is_refused(
        self, client, w, uncleared_admin
    ):
        client.force_login(uncleared_admin)
        change = admin_url("engagement", "change", w.internal.pk)
        page = client.get(change)
        data = admin_post_data(page)
        prefix = next(
            inline.formset.prefix
            for inline in page.context["inline_admin_formsets"]
            if inline.formset.model is Concern
        )
        data[f"{prefix}-0-id"] = str(w.allegation.pk)
        data[f"{prefix}-0-description"] = "overwritten"
        before = snapshot()
        response = client.post(change, data)
        assert response.status_code == 200
        assert_clean(response, attacker_for("uncleared_admin", w, uncleared_admin))
        assert snapshot() == before

    def test_the_admin_add_page_takes_no_foreign_site_person_or_restriction(
        self, client, w, staff
    ):
        add = admin_url("engagement", "add")
        page = client.get(add)
        assert page.status_code == 200
        assert_clean(page, staff)
        data = admin_post_data(page)
        data.update(
            {
                "date": "2025-02-02",
                "format": "meeting",
                "lead_function": str(Function.objects.get(code="security").pk),
                "purpose": "Logged in the admin",
                "summary": "Summary",
            }
        )
        own = w.far_chiefs if staff.name == "far_admin" else w.council
        attempts = [
            {"site": str(staff.foreign_site.pk), "stakeholders": [str(own.pk)]},
            {"site": str(staff.site.pk), "stakeholders": [str(staff.hidden_stakeholders[0].pk)]},
            {"site": str(staff.site.pk), "stakeholders": [str(w.atrisk.pk)]},
        ]
        if staff.name == "uncleared_admin":
            attempts.append(
                {
                    "site": str(staff.site.pk),
                    "stakeholders": [str(own.pk)],
                    "confidentiality": "restricted",
                }
            )
        before = snapshot()
        for attempt in attempts:
            response = client.post(add, {**data, **attempt}, follow=True)
            assert response.status_code == 200
            assert_clean(response, staff, str(attempt))
            assert snapshot() == before, attempt


# --- what the uncleared author still sees ----------------------------------------------------


def filed_section(response):
    match = re.search(
        r'<section[^>]*aria-labelledby="filed-heading".*?</section>', text_of(response), re.S
    )
    return match[0] if match else ""


class TestWhatTheAuthorStillSees:
    def test_an_allegation_filed_shows_its_date_and_type_only(self, client, w, member):
        client.force_login(member)
        register = client.get(url("concerns"))
        section = filed_section(register)
        assert str(Concern.Type.ALLEGATION_PRIVATE.label) in section
        assert_clean(register, attacker_for("member", w, member))
        detail = client.get(url("detail", w.internal.pk))
        assert str(Concern.Type.ALLEGATION_PRIVATE.label) in filed_section(detail)
        assert_clean(detail, attacker_for("member", w, member))

    def test_was_a_hole_a_filed_allegations_later_reclassification_reaches_its_author(
        self, client, w, member
    ):
        """The issue: an uncleared author sees "that they filed it (date, type), not its
        content or later changes". A cleared colleague reclassifies it (private security
        to public security): the author's register and the engagement page now name the
        new type."""
        services.concern_update(
            actor=w.cleared, concern=w.filed, data={"type": Concern.Type.ALLEGATION_PUBLIC}
        )
        client.force_login(member)
        for path in (url("concerns"), url("detail", w.internal.pk)):
            section = filed_section(client.get(path))
            assert str(Concern.Type.ALLEGATION_PRIVATE.label) in section, path
            assert str(Concern.Type.ALLEGATION_PUBLIC.label) not in section, path

    def test_was_a_hole_a_filed_engagements_later_changes_reach_its_author(
        self, client, w, member
    ):
        """(`selectors.filed_engagement_list`, in the uncommitted working tree.) An
        engagement the uncleared member logged, restricted since by a cleared colleague
        who also corrected its date and format: the member's engagement list ("Engagements
        you logged that are now restricted") shows the date and format as changed after
        the restriction."""
        client.force_login(member)
        logged = log(member, w.site, stakeholders=[w.council], day=datetime.date(2024, 2, 2))
        services.engagement_update(
            actor=w.cleared,
            engagement=logged,
            data={
                "confidentiality": Engagement.Confidentiality.RESTRICTED,
                "date": datetime.date(2024, 2, 27),
                "format": Engagement.Format.WORKSHOP,
                "purpose": f"{R}-restricted-since",
            },
        )
        response = client.get(url("list"))
        assert listed(response) == {w.internal.pk, w.internal_atrisk.pk}
        assert_clean(response, attacker_for("member", w, member))
        section = filed_section(response)
        assert "27 Feb 2024" not in section
        assert str(Engagement.Format.WORKSHOP.label) not in section

    def test_a_reclassified_allegations_past_stays_off_the_engagement_page(
        self, client, w, site_who
    ):
        services.concern_update(
            actor=w.cleared,
            concern=w.allegation,
            data={
                "type": Concern.Type.SECURITY_CONDUCT,
                "description": "Conduct at the gate",
                "response": "",
                "referred_to": "",
                "outcome": "",
                "status": Concern.Status.OPEN,
            },
        )
        response = client.get(url("detail", w.internal.pk))
        assert "Conduct at the gate" in text_of(response)
        assert_clean(response, site_who)
        assert_clean(stakeholder_page(client, w.police), site_who)


# --- the registry's list, whose filters moved onto the same library --------------------------


class TestRegistryList:
    def test_the_registry_list_and_map_show_nothing_hidden(self, client, w, who):
        queries = [
            {},
            {"q": "ATRISK"},
            {"q": "3j8"},
            {"q": "kivuli"},
            {"q": "711 930"},
            {"at_risk": "yes"},
            {"site": who.foreign_site.pk},
            {"category": w.atrisk.category_id},
            {"kind": "person"},
            {"page": 999},
        ]
        for query in queries:
            response = client.get(reverse("stakeholders:list"), query)
            assert response.status_code == 200
            assert_clean(response, who, str(query))
        assert_clean(client.get(reverse("stakeholders:map")), who, "map")

    def test_an_identity_search_finds_no_hidden_person(self, client, w, site_who):
        for fragment in ("ATRISK", "3j8", "kivuli", "711 930"):
            hit = client.get(reverse("stakeholders:list"), {"q": fragment})
            assert w.atrisk.pk not in listed(hit), fragment


def test_a_shared_stakeholders_admin_pages_name_no_other_site(client, w, staff):
    for view in ("change", "history"):
        response = client.get(
            reverse(f"admin:stakeholders_stakeholder_{view}", args=[w.shared.pk])
        )
        assert response.status_code == 200
        assert_clean(response, staff, view)
