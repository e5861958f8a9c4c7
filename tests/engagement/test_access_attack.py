"""An attack on the engagement layer's access rules, as an uncleared administrator of the
site, an administrator of another site and a reviewer: every probe the app withstands is
kept as a regression test; every probe that gets through is an `xfail(strict=True)` saying
what leaks, to be turned green by the fix.

Markers planted in the records: RESTRICTEDSECRET in a restricted engagement (purpose,
summary, commitment, concern), ALLEGSECRET in an allegation on an internal engagement
(description, referral, outcome), FARSECRET at another site. A page shown to someone who may
not see those records must carry none of them.
"""

import contextlib
import datetime
import re
from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from engagement import selectors, services
from engagement.models import Commitment, Concern, Engagement
from stakeholders import redaction
from stakeholders.models import EngagementObjective, Function
from tests.conftest import member_of
from tests.factories import StakeholderFactory

pytestmark = pytest.mark.django_db

R, A, F = "RESTRICTEDSECRET", "ALLEGSECRET", "FARSECRET"
MARKERS = (R, A, F, "Baraka")
MISSING = 987654321
AUTOCOMPLETE = reverse("admin:autocomplete")
ENGAGEMENTS = reverse("admin:engagement_engagement_changelist")
COMMITMENTS = reverse("admin:engagement_commitment_changelist")
CONCERNS = reverse("admin:engagement_concern_changelist")


def admin_url(model, view, *args):
    return reverse(f"admin:{model}_{view}", args=args)


def log(actor, site, *, stakeholders, **data):
    values = {
        "date": site.today() - datetime.timedelta(days=3),
        "format": Engagement.Format.MEETING,
        "lead_function": Function.objects.get(code="security"),
        "purpose": "Routine meeting",
        "summary": "Nothing of note.",
        "confidentiality": Engagement.Confidentiality.INTERNAL,
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


def fetch(client, path, data=None, *, post=False, **kwargs):
    """A logged-in request; every answer, whatever its status, is private and no-store."""
    response = (client.post if post else client.get)(path, data or {}, **kwargs)
    assert response["Cache-Control"] == "private, no-store", path
    return response


def page(response):
    """Status, redirect and body, without the CSRF token masked afresh on every page."""
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
    return response.status_code, response.get("Location") or "", text


def assert_alike(hidden, missing, pk=None):
    """The answer about a hidden record is the answer about a missing id, word for word
    (but for the id itself)."""
    status, location, text = page(missing)
    if pk is not None:
        location = location.replace(str(MISSING), str(pk))
        text = text.replace(str(MISSING), str(pk))
    assert page(hidden) == (status, location, text)


def assert_clean(response, user=None):
    """None of the markers of what `user` may not see (FARSECRET is the far admin's own)."""
    text = response.content.decode()
    own = (F,) if user is not None and user.username == "faradmin" else ()
    assert not [marker for marker in MARKERS if marker in text and marker not in own]


def listed(response):
    return {row.pk for row in response.context["cl"].result_list}


@pytest.fixture
def far_admin(other_site):
    return member_of(
        other_site, cleared=True, roles=["Administrator"], username="faradmin", is_staff=True
    )


@pytest.fixture
def w(site, other_site, admin_member, uncleared_admin, member, defender, far_admin):
    """An internal engagement with a commitment, a dust concern and an allegation (filed by
    an uncleared member, its source named); a restricted one with the defender, a police
    command that raised a concern there, a chief met only there, an objective and an
    uncleared participant; a second internal engagement; one at the other site."""
    council = StakeholderFactory(name="Mwanzo village council", sites=[site])
    witness = StakeholderFactory(name="Ntatu miners", sites=[site])
    police = StakeholderFactory(name="Songwe police command", sites=[site])
    chief = StakeholderFactory(name="Ward chief Kito", sites=[site])
    bystander = StakeholderFactory(name="Market traders", sites=[site])
    far_chiefs = StakeholderFactory(name="Far valley chiefs", sites=[other_site])
    internal = log(
        admin_member,
        site,
        stakeholders=[council, witness],
        purpose="Internal meeting",
        commitments=[
            {"description": "Share schedule", "owner": uncleared_admin, "due_on": site.today()}
        ],
        concerns=[
            {"type": Concern.Type.ENVIRONMENT, "stakeholder": council, "description": "dust"}
        ],
    )
    allegation = services.concern_create(
        actor=member,
        engagement=internal,
        data={
            "type": Concern.Type.ALLEGATION_PUBLIC,
            "stakeholder": witness,
            "description": f"{A} beating at the gate",
            "status": Concern.Status.REFERRED,
            "referred_to": f"{A} regional commander",
            "outcome": f"{A} two officers suspended",
        },
    )
    objective = EngagementObjective.objects.filter(category=police.category).first()
    restricted = log(
        admin_member,
        site,
        stakeholders=[police, chief, defender],
        date=datetime.date(2019, 6, 15),
        purpose=f"{R} purpose",
        summary=f"{R} summary",
        confidentiality=Engagement.Confidentiality.RESTRICTED,
        participants=[member],
        objectives=[objective],
        commitments=[
            {
                "description": f"{R} commitment",
                "owner": admin_member,
                "due_on": datetime.date(2019, 7, 1),
            }
        ],
        concerns=[{"type": Concern.Type.OTHER, "stakeholder": police, "description": f"{R} c"}],
    )
    other = log(
        admin_member,
        site,
        stakeholders=[council],
        concerns=[{"type": Concern.Type.LAND_ACCESS, "description": "other engagement"}],
    )
    far = log(
        far_admin,
        other_site,
        stakeholders=[far_chiefs],
        purpose=f"{F} purpose",
        commitments=[{"description": F, "owner": far_admin, "due_on": other_site.today()}],
        concerns=[{"type": Concern.Type.ALLEGATION_PRIVATE, "description": F}],
    )
    return SimpleNamespace(
        council=council,
        witness=witness,
        police=police,
        chief=chief,
        bystander=bystander,
        far_chiefs=far_chiefs,
        defender=defender,
        objective=objective,
        internal=internal,
        allegation=allegation,
        restricted=restricted,
        r_commitment=restricted.commitments.get(),
        r_concern=restricted.concerns.get(),
        other=other,
        far=far,
    )


@pytest.fixture(params=["uncleared_admin", "far_admin"])
def attacker(request, client, w):
    """Staff who may see neither the restricted engagement nor the allegation."""
    user = request.getfixturevalue(request.param)
    client.force_login(user)
    return user


# --- changelists ------------------------------------------------------------------------


class TestChangelists:
    @pytest.mark.parametrize(
        ("changelist", "params"),
        [
            (ENGAGEMENTS, {}),
            (ENGAGEMENTS, {"q": "TRICTEDSEC"}),  # parts of the markers: the page repeats
            (ENGAGEMENTS, {"q": "LEGSEC"}),  # what was asked
            (ENGAGEMENTS, {"q": "ARSECRE"}),
            (ENGAGEMENTS, {"_facets": "1"}),
            (ENGAGEMENTS, {"date__year": "2019", "date__month": "6", "_facets": "1"}),
            (ENGAGEMENTS, {"confidentiality__exact": "restricted", "_facets": "1"}),
            (ENGAGEMENTS, {"purpose__contains": "TRICTEDSEC"}),
            (ENGAGEMENTS, {"summary__icontains": "restrictedsecret"}),
            (ENGAGEMENTS, {"lead_function__id__exact": "1", "_facets": "1"}),
            (COMMITMENTS, {}),
            (COMMITMENTS, {"q": "TRICTEDSEC"}),
            (COMMITMENTS, {"_facets": "1"}),
            (COMMITMENTS, {"due_on__year": "2019"}),
            (COMMITMENTS, {"description__startswith": "RESTRICTEDSEC"}),
            (CONCERNS, {}),
            (CONCERNS, {"q": "LEGSEC"}),
            (CONCERNS, {"q": "TRICTEDSEC"}),
            (CONCERNS, {"_facets": "1"}),
            (CONCERNS, {"type__exact": Concern.Type.ALLEGATION_PUBLIC, "_facets": "1"}),
            (CONCERNS, {"referred_to__contains": "LEGSEC"}),
            (CONCERNS, {"outcome__contains": "LEGSEC"}),
            (CONCERNS, {"status__exact": "referred"}),
        ],
    )
    def test_filters_search_facets_dates_and_raw_lookups_show_only_what_is_seen(
        self, client, w, attacker, changelist, params
    ):
        params = {k: str(w.objective.pk) if v == "OBJECTIVE" else v for k, v in params.items()}
        response = fetch(client, changelist, params)
        assert response.status_code == 200
        assert_clean(response, attacker)
        hidden = {
            Engagement: {w.restricted.pk},
            Commitment: {w.r_commitment.pk},
            Concern: {w.r_concern.pk, w.allegation.pk},
        }[response.context["cl"].model]
        assert not listed(response) & hidden
        if not {"date__year", "due_on__year"} & set(params):  # its links repeat them
            assert "date__year=2019" not in response.content.decode()
            assert "due_on__year=2019" not in response.content.decode()

    def test_the_counts_are_those_of_what_is_seen(self, client, w, uncleared_admin):
        client.force_login(uncleared_admin)
        engagements = fetch(client, ENGAGEMENTS, {"_facets": "1"})
        assert listed(engagements) == {w.internal.pk, w.other.pk}
        assert engagements.context["cl"].full_result_count == 2
        assert "Restricted: users cleared at the site only (0)" in engagements.content.decode()
        concerns = fetch(client, CONCERNS, {"_facets": "1"})
        assert concerns.context["cl"].full_result_count == 2
        text = concerns.content.decode()
        assert "Allegation of human rights abuse by public security (0)" in text
        assert "Referred (0)" in text
        assert fetch(client, COMMITMENTS).context["cl"].full_result_count == 1

    @pytest.mark.parametrize(
        ("changelist", "lookup"),
        [
            (ENGAGEMENTS, "created_by"),
            (ENGAGEMENTS, "participants"),
            (ENGAGEMENTS, "stakeholders__id__exact"),
            (ENGAGEMENTS, "concerns__type"),
            (ENGAGEMENTS, "commitments__description__contains"),
            (ENGAGEMENTS, "objectives__engagements"),
            (COMMITMENTS, "engagement__confidentiality"),
            (COMMITMENTS, "owner"),
            (CONCERNS, "engagement"),
            (CONCERNS, "stakeholder"),
            (CONCERNS, "created_by"),
        ],
    )
    def test_lookups_through_relations_are_refused_whatever_the_value(
        self, client, w, attacker, changelist, lookup
    ):
        values = [w.restricted.pk, w.allegation.pk, w.police.pk, MISSING, R, "restricted"]
        answers = {page(fetch(client, changelist, {lookup: value}))[:2] for value in values}
        assert answers == {(400, "")}


# --- direct URLs ------------------------------------------------------------------------


class TestDirectUrls:
    @pytest.mark.parametrize("view", ["change", "history", "delete"])
    @pytest.mark.parametrize(
        ("model", "record"),
        [
            ("engagement_engagement", "restricted"),
            ("engagement_commitment", "r_commitment"),
            ("engagement_concern", "r_concern"),
            ("engagement_concern", "allegation"),
        ],
    )
    def test_a_hidden_record_answers_exactly_as_a_missing_one(
        self, client, w, attacker, view, model, record
    ):
        pk = getattr(w, record).pk
        hidden = fetch(client, admin_url(model, view, pk), follow=True)
        missing = fetch(client, admin_url(model, view, MISSING), follow=True)
        assert hidden.status_code in (200, 403, 404)  # the index (followed), 403 or 404
        assert hidden.redirect_chain == [
            (location.replace(str(MISSING), str(pk)), status)
            for location, status in missing.redirect_chain
        ]
        assert_alike(hidden, missing, pk)
        assert_clean(hidden)

    def test_with_debug_on_the_error_pages_tell_no_more(self, client, w, attacker, settings):
        """`DEBUG=1` on a demo server: Django's technical 404 and 400 pages."""
        settings.DEBUG = True
        for model, pk in [
            ("engagement_engagement", w.restricted.pk),
            ("engagement_concern", w.allegation.pk),
        ]:
            hidden = fetch(client, admin_url(model, "history", pk))
            missing = fetch(client, admin_url(model, "history", MISSING))
            assert hidden.status_code == 404
            assert_alike(hidden, missing, pk)
            assert_clean(hidden, attacker)
        hidden = fetch(client, ENGAGEMENTS, {"concerns": w.allegation.pk})
        missing = fetch(client, ENGAGEMENTS, {"concerns": MISSING})
        assert hidden.status_code == missing.status_code == 400
        assert_clean(hidden, attacker)

        def traceback(response, pk):  # the technical page, without addresses, clock times
            # (the two requests may fall in different seconds) and wrapping
            text = page(response)[2].replace(str(MISSING), str(pk))
            return re.sub(r"\s+", " ", re.sub(r"0x[0-9a-f]+|\d{12,}|\d\d:\d\d:\d\d", "N", text))

        assert traceback(hidden, w.allegation.pk) == traceback(missing, w.allegation.pk)

    def test_view_on_site_answers_a_hidden_record_as_a_missing_one(self, client, w, attacker):
        for record in (w.restricted, w.r_commitment, w.allegation):
            content_type = ContentType.objects.get_for_model(record).pk
            hidden = fetch(client, reverse("admin_view_on_site", args=[content_type, record.pk]))
            missing = fetch(client, reverse("admin_view_on_site", args=[content_type, MISSING]))
            assert hidden.status_code == 404
            assert_alike(hidden, missing, record.pk)

    def test_another_sites_internal_records_answer_as_missing_ones(self, client, w, far_admin):
        client.force_login(far_admin)
        for model, pk in [
            ("engagement_engagement", w.internal.pk),
            ("engagement_commitment", w.internal.commitments.get().pk),
            ("engagement_concern", w.internal.concerns.get(type="environment").pk),
        ]:
            for view in ("change", "history", "delete"):
                hidden = fetch(client, admin_url(model, view, pk), follow=True)
                missing = fetch(client, admin_url(model, view, MISSING), follow=True)
                assert_alike(hidden, missing, pk)

    def test_posting_to_a_hidden_record_answers_as_a_missing_one_and_changes_nothing(
        self, client, w, attacker
    ):
        form = {"description": "Overwritten", "status": "dropped", "closing_note": "x"}
        for model, record in [
            ("engagement_commitment", w.r_commitment),
            ("engagement_concern", w.allegation),
            ("engagement_engagement", w.restricted),
        ]:
            hidden = fetch(client, admin_url(model, "change", record.pk), form, post=True)
            missing = fetch(client, admin_url(model, "change", MISSING), form, post=True)
            assert (hidden.status_code, hidden["Location"]) == (
                missing.status_code,
                missing["Location"],
            )
            deleted = fetch(
                client, admin_url(model, "delete", record.pk), {"post": "yes"}, post=True
            )
            not_there = fetch(
                client, admin_url(model, "delete", MISSING), {"post": "yes"}, post=True
            )
            assert (deleted.status_code, deleted.get("Location")) == (
                not_there.status_code,
                not_there.get("Location"),
            )
        w.r_commitment.refresh_from_db()
        w.allegation.refresh_from_db()
        assert w.r_commitment.description == f"{R} commitment"
        assert w.allegation.description.startswith(A)
        assert Engagement.objects.filter(pk=w.restricted.pk).exists()

    def test_a_bulk_action_on_hidden_ids_is_the_same_as_on_missing_ones(self, client, w, attacker):
        def bulk(pk):
            action = {"action": "delete_selected", "_selected_action": [pk], "post": "yes"}
            return fetch(client, ENGAGEMENTS, action, post=True, follow=True)

        assert_alike(bulk(w.restricted.pk), bulk(MISSING))
        assert Engagement.objects.filter(pk=w.restricted.pk).exists()

    def test_a_reviewer_is_sent_to_the_admin_login_whatever_the_id(self, client, w, reviewer):
        client.force_login(reviewer)
        for model, pk in [
            ("engagement_engagement", w.restricted.pk),
            ("engagement_concern", w.allegation.pk),
        ]:
            for view in ("change", "history", "delete"):
                hidden = fetch(client, admin_url(model, view, pk))
                missing = fetch(client, admin_url(model, view, MISSING))
                assert hidden.status_code == 302
                assert hidden["Location"].startswith(reverse("admin:login"))
                assert_alike(hidden, missing, pk)
        for path in (ENGAGEMENTS, CONCERNS, AUTOCOMPLETE):
            assert fetch(client, path, {"q": A}).status_code == 302


# --- autocompletes ----------------------------------------------------------------------


class TestAutocomplete:
    @pytest.mark.parametrize(
        ("model_name", "field_name"),
        [("commitment", "engagement"), ("concern", "engagement")],
    )
    @pytest.mark.parametrize("term", ["", R, A, F, "2019", "Meeting"])
    def test_the_engagement_autocomplete_offers_only_engagements_seen(
        self, client, w, attacker, model_name, field_name, term
    ):
        response = fetch(
            client,
            AUTOCOMPLETE,
            {
                "app_label": "engagement",
                "model_name": model_name,
                "field_name": field_name,
                "term": term,
            },
        )
        assert response.status_code == 200
        ids = {int(row["id"]) for row in response.json()["results"]}
        assert w.restricted.pk not in ids
        assert not ids & ({w.far.pk} if attacker.username != "faradmin" else {w.internal.pk})
        assert "2019-06-15" not in response.content.decode()

    @pytest.mark.parametrize(
        ("model_name", "field_name", "term"),
        [
            ("engagement", "stakeholders", ""),
            ("engagement", "stakeholders", "Baraka"),
            ("concern", "stakeholder", ""),
            ("engagement", "participants", ""),
            ("engagement", "objectives", ""),
            ("engagement", "lead_function", ""),
            ("commitment", "owner", ""),
            ("concern", "created_by", ""),
        ],
    )
    def test_the_registry_autocompletes_of_the_engagement_forms(
        self, client, w, attacker, site, model_name, field_name, term
    ):
        response = fetch(
            client,
            AUTOCOMPLETE,
            {
                "app_label": "engagement",
                "model_name": model_name,
                "field_name": field_name,
                "term": term,
            },
        )
        assert response.status_code == 200
        text = response.content.decode()
        assert "Baraka" not in text
        if field_name.startswith("stakeholder"):
            assert str(w.defender.pk) not in {row["id"] for row in response.json()["results"]}
        if attacker.username == "faradmin":
            assert "Mwanzo" not in text and "siteadmin" not in text and "member" not in text
        else:
            assert "Far valley" not in text and "faradmin" not in text


# --- inline rows and tampered values ----------------------------------------------------


def change_form(engagement, **changes):
    data = {
        "date": engagement.date.isoformat(),
        "format": engagement.format,
        "location": engagement.location,
        "lead_function": engagement.lead_function_id,
        "confidentiality": engagement.confidentiality,
        "stakeholders": [s.pk for s in engagement.stakeholders.all() if not s.at_risk],
        "participants": [],
        "objectives": [],
        "attendance_total": "",
        "attendance_women": "",
        "purpose": engagement.purpose,
        "information_shared": "",
        "summary": engagement.summary,
        "security_topics": "",
        "outcomes": "",
        "commitments-TOTAL_FORMS": "0",
        "commitments-INITIAL_FORMS": "0",
        "concerns-TOTAL_FORMS": "0",
        "concerns-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def commitment_row(pk="", owner="", **fields):
    return {
        "commitments-TOTAL_FORMS": "1",
        "commitments-INITIAL_FORMS": "1" if pk else "0",
        "commitments-0-id": pk,
        "commitments-0-description": "Taken over",
        "commitments-0-owner": owner,
        "commitments-0-lead_function": "",
        "commitments-0-due_on": datetime.date.today().isoformat(),
        "commitments-0-status": "open",
        "commitments-0-closing_note": "",
        "commitments-0-closed_on": "",
        **fields,
    }


def concern_row(pk="", owner=None, **fields):
    return {
        "concerns-TOTAL_FORMS": "1",
        "concerns-INITIAL_FORMS": "1" if pk else "0",
        "concerns-0-id": pk,
        "concerns-0-type": Concern.Type.OTHER,
        "concerns-0-stakeholder": "",
        "concerns-0-description": "Taken over",
        "concerns-0-response": "",
        "concerns-0-satisfaction": "unknown",
        "concerns-0-severity": "low",
        "concerns-0-status": "open",
        "concerns-0-referred_to": "",
        "concerns-0-referred_on": "",
        "concerns-0-outcome": "",
        **fields,
    }


class TestInlinesAndTampering:
    @pytest.mark.parametrize(
        ("row", "foreign"),
        [
            (commitment_row, lambda w: w.r_commitment),
            (commitment_row, lambda w: w.far.commitments.get()),
            (concern_row, lambda w: w.r_concern),
            (concern_row, lambda w: w.allegation),
            (concern_row, lambda w: w.other.concerns.get()),  # seen, but not this one's
            (concern_row, lambda w: w.far.concerns.get()),
        ],
    )
    def test_a_foreign_row_id_is_refused_like_a_missing_one(
        self, client, w, uncleared_admin, row, foreign
    ):
        client.force_login(uncleared_admin)

        def post(pk):
            return fetch(
                client,
                admin_url("engagement_engagement", "change", w.internal.pk),
                change_form(w.internal, **row(pk, owner=uncleared_admin.pk)),
                post=True,
            )

        def rows():
            return {
                (r.pk, r.engagement_id, r.description)
                for model in (Commitment, Concern)
                for r in model.objects.all()
            }

        before = rows()
        hidden, missing = post(foreign(w).pk), post(MISSING)
        assert hidden.status_code == missing.status_code == 200  # the form, with the error
        assert_clean(hidden)

        def errors(response):
            return [f.formset.errors for f in response.context["inline_admin_formsets"]]

        assert errors(hidden) == errors(missing)
        assert any(e.get("id") for formset in errors(hidden) for e in formset)
        assert rows() == before

    def test_tampered_add_forms_write_nothing(
        self, client, w, uncleared_admin, site, other_site, member
    ):
        client.force_login(uncleared_admin)
        base = change_form(w.internal, stakeholders=[w.council.pk], site=site.pk)
        count = Engagement.objects.count()
        for tampered in [
            {"site": other_site.pk},
            {"stakeholders": [w.far_chiefs.pk]},
            {"stakeholders": [w.defender.pk]},
            {"participants": [w.far.created_by_id]},
            {"confidentiality": Engagement.Confidentiality.RESTRICTED},
            {
                "objectives": [
                    EngagementObjective.objects.exclude(category=w.council.category).first().pk
                ]
            },
            concern_row(**{"concerns-0-stakeholder": w.defender.pk}),
        ]:
            response = fetch(
                client,
                admin_url("engagement_engagement", "add"),
                {**base, **tampered},
                post=True,
                follow=True,
            )
            assert response.status_code == 200
            assert "Baraka" not in response.content.decode()
        assert Engagement.objects.count() == count
        fetch(client, admin_url("engagement_engagement", "add"), base, post=True)
        assert Engagement.objects.count() == count + 1  # untampered, the same form saves

    def test_readonly_site_and_confidentiality_are_ignored_when_posted(
        self, client, w, uncleared_admin, other_site
    ):
        client.force_login(uncleared_admin)
        response = fetch(
            client,
            admin_url("engagement_engagement", "change", w.internal.pk),
            change_form(w.internal, site=other_site.pk, confidentiality="restricted"),
            post=True,
        )
        assert response.status_code == 302
        w.internal.refresh_from_db()
        assert (w.internal.site_id, w.internal.confidentiality) != (other_site.pk, "restricted")
        assert w.internal.confidentiality == "internal"
        assert w.internal.concerns.filter(pk=w.allegation.pk).exists()

    def test_an_uncleared_owner_is_refused_on_a_restricted_engagement(
        self, client, w, admin_member, member
    ):
        client.force_login(admin_member)
        response = fetch(
            client,
            admin_url("engagement_engagement", "change", w.restricted.pk),
            change_form(w.restricted, **commitment_row(owner=member.pk)),
            post=True,
        )
        assert response.status_code in (200, 302)
        assert not Commitment.objects.filter(owner=member).exists()
        fetch(
            client,
            admin_url("engagement_engagement", "change", w.restricted.pk),
            change_form(w.restricted, **commitment_row(owner=admin_member.pk)),
            post=True,
        )
        assert w.restricted.commitments.count() == 2  # a cleared owner is taken

    def test_restricting_an_engagement_with_an_uncleared_owner_is_refused(
        self, w, admin_member, uncleared_admin
    ):
        assert w.internal.commitments.get().owner == uncleared_admin
        with contextlib.suppress(ValidationError):  # refused is fine too
            services.engagement_update(
                actor=admin_member,
                engagement=w.internal,
                data={"confidentiality": Engagement.Confidentiality.RESTRICTED},
            )
        w.internal.refresh_from_db()
        owners = selectors.site_member_list(site=w.internal.site, cleared=True)
        assert not w.internal.restricted or all(
            owners.filter(pk=c.owner_id).exists() for c in w.internal.commitments.all()
        )


# --- delete confirmations of records engagements refer to -------------------------------


class TestDeletePages:
    def test_a_stakeholder_met_only_in_a_restricted_engagement(self, client, w, uncleared_admin):
        """Stakeholders are made inactive, not deleted, by administrators: no delete page
        counts or refuses because of a record they may not see."""
        client.force_login(uncleared_admin)
        hidden = fetch(client, admin_url("stakeholders_stakeholder", "delete", w.chief.pk))
        never_met = fetch(client, admin_url("stakeholders_stakeholder", "delete", w.bystander.pk))
        assert hidden.status_code == never_met.status_code == 403
        assert "model_count" not in (hidden.context or {})

    def test_an_uncleared_delete_leaves_a_restricted_engagement_as_it_was(
        self, client, w, uncleared_admin
    ):
        client.force_login(uncleared_admin)
        fetch(
            client,
            admin_url("stakeholders_stakeholder", "delete", w.chief.pk),
            {"post": "yes"},
            post=True,
        )
        assert w.restricted.stakeholders.filter(pk=w.chief.pk).exists()

    @pytest.mark.parametrize("source", ["witness", "police"])
    def test_the_source_of_a_hidden_concern(self, client, w, uncleared_admin, source):
        client.force_login(uncleared_admin)
        stakeholder = getattr(w, source)
        hidden = fetch(client, admin_url("stakeholders_stakeholder", "delete", stakeholder.pk))
        assert hidden.status_code == 403
        assert "protected" not in (hidden.context or {})

    def test_another_sites_admin_meets_the_delete_page_of_a_missing_stakeholder(
        self, client, w, far_admin
    ):
        client.force_login(far_admin)
        for stakeholder in (w.police, w.witness, w.chief):
            hidden = fetch(
                client,
                admin_url("stakeholders_stakeholder", "delete", stakeholder.pk),
                follow=True,
            )
            missing = fetch(
                client, admin_url("stakeholders_stakeholder", "delete", MISSING), follow=True
            )
            assert_alike(hidden, missing, stakeholder.pk)

    @pytest.mark.parametrize(
        ("model", "record"),
        [
            ("auth_user", lambda w, users: users["member"]),  # filed the allegation
            ("auth_user", lambda w, users: users["admin_member"]),  # wrote the restricted
            ("auth_user", lambda w, users: users["reviewer"]),
            ("stakeholders_function", lambda w, users: w.restricted.lead_function),
            ("stakeholders_stakeholdercategory", lambda w, users: w.police.category),
            ("stakeholders_engagementobjective", lambda w, users: w.objective),
        ],
    )
    def test_users_and_reference_data_are_not_deleted_by_admins_so_nothing_is_counted(
        self, client, w, uncleared_admin, admin_member, member, reviewer, model, record
    ):
        users = {"member": member, "admin_member": admin_member, "reviewer": reviewer}
        client.force_login(uncleared_admin)
        response = fetch(client, admin_url(model, "delete", record(w, users).pk))
        assert response.status_code == 403
        assert "model_count" not in (response.context or {})

    def test_an_uncleared_bulk_delete_counts_nothing(self, client, w, uncleared_admin):
        client.force_login(uncleared_admin)
        response = fetch(
            client,
            ENGAGEMENTS,
            {"action": "delete_selected", "_selected_action": [w.internal.pk]},
            post=True,
        )
        text = response.content.decode()
        assert "not cleared" in text and "Concerns:" not in text
        assert_clean(response)


# --- lookups of the registry's admin through the engagement relations -------------------


class TestRegistryLookups:
    """The registry's changelists accept one-relation query-string lookups that reach into
    engagements (`?engagements=<id>`): the rows returned tell whether a hidden record
    exists, and who or what it concerns. A refused lookup (400 whatever the id, as the
    engagement admin answers) or one that never matches a hidden record would do."""

    @pytest.mark.parametrize(
        ("lookup", "value", "missing_value"),
        [("engagements", "RESTRICTED", MISSING), ("engagements__isnull", "False", "True")],
    )
    def test_stakeholders_met_in_a_restricted_engagement(
        self, client, w, uncleared_admin, lookup, value, missing_value
    ):
        client.force_login(uncleared_admin)
        value = w.restricted.pk if value == "RESTRICTED" else value
        changelist = reverse("admin:stakeholders_stakeholder_changelist")
        hidden = fetch(client, changelist, {lookup: value})
        missing = fetch(client, changelist, {lookup: missing_value})
        if hidden.status_code == 200:
            assert not listed(hidden) & {w.police.pk, w.chief.pk}
        assert hidden.status_code == missing.status_code

    @pytest.mark.parametrize(
        ("lookup", "value", "missing_value"),
        [("concerns", "ALLEGATION", MISSING), ("concerns__isnull", "False", "True")],
    )
    def test_the_source_of_an_allegation(
        self, client, w, uncleared_admin, lookup, value, missing_value
    ):
        client.force_login(uncleared_admin)
        value = w.allegation.pk if value == "ALLEGATION" else value
        changelist = reverse("admin:stakeholders_stakeholder_changelist")
        hidden = fetch(client, changelist, {lookup: value})
        missing = fetch(client, changelist, {lookup: missing_value})
        if hidden.status_code == 200:
            assert not listed(hidden) & {w.witness.pk, w.police.pk}
        assert hidden.status_code == missing.status_code

    @pytest.mark.parametrize("lookup", ["engagements_attended", "commitments"])
    def test_people_of_a_restricted_engagement(self, client, w, uncleared_admin, lookup):
        client.force_login(uncleared_admin)
        pk = w.restricted.pk if lookup == "engagements_attended" else w.r_commitment.pk
        changelist = reverse("admin:auth_user_changelist")
        hidden = fetch(client, changelist, {lookup: pk})
        missing = fetch(client, changelist, {lookup: MISSING})
        if hidden.status_code == 200:
            assert listed(hidden) == set()
        assert_alike(hidden, missing, pk)

    @pytest.mark.parametrize("model", ["site", "engagementobjective"])
    def test_sites_and_objectives_of_a_restricted_engagement(
        self, client, w, uncleared_admin, model
    ):
        client.force_login(uncleared_admin)
        changelist = reverse(f"admin:stakeholders_{model}_changelist")
        hidden = fetch(client, changelist, {"engagements": w.restricted.pk})
        missing = fetch(client, changelist, {"engagements": MISSING})
        if hidden.status_code == 200:
            assert listed(hidden) == set()
        assert_alike(hidden, missing, w.restricted.pk)

    @pytest.mark.parametrize(
        ("model", "lookup"),
        [
            ("stakeholder", "engagements__purpose__contains"),
            ("stakeholder", "concerns__type"),
            ("user", "commitments__description__contains"),
            ("engagementobjective", "engagements__confidentiality"),
            ("site", "engagements__confidentiality"),
        ],
    )
    def test_two_step_lookups_are_refused(self, client, w, uncleared_admin, model, lookup):
        client.force_login(uncleared_admin)
        app = "auth" if model == "user" else "stakeholders"
        response = fetch(client, reverse(f"admin:{app}_{model}_changelist"), {lookup: R})
        assert response.status_code == 400


# --- history ----------------------------------------------------------------------------


class TestHistory:
    def test_histories_of_what_is_seen_name_nothing_hidden(
        self, client, w, admin_member, uncleared_admin, site
    ):
        """An internal engagement that met the defender (a cleared user chose so), and
        whose allegation was recorded later: its history and its rows' show neither."""
        seen = log(admin_member, site, stakeholders=[w.council, w.defender])
        services.concern_create(
            actor=admin_member,
            engagement=seen,
            data={"type": Concern.Type.ALLEGATION_PRIVATE, "description": A},
        )
        services.engagement_update(
            actor=admin_member,
            engagement=seen,
            data={"outcomes": "Agreed"},
            stakeholders=[w.council],
        )
        client.force_login(uncleared_admin)
        pages = [
            fetch(client, admin_url("engagement_engagement", "history", seen.pk)),
            fetch(client, admin_url("engagement_engagement", "history", w.internal.pk)),
            fetch(
                client,
                admin_url("engagement_commitment", "history", w.internal.commitments.get().pk),
            ),
            fetch(
                client,
                admin_url(
                    "engagement_concern", "history", w.internal.concerns.get(type="environment").pk
                ),
            ),
            fetch(client, admin_url("stakeholders_stakeholder", "history", w.council.pk)),
            fetch(client, admin_url("stakeholders_stakeholder", "history", w.police.pk)),
        ]
        for response in pages:
            assert response.status_code == 200
            assert_clean(response)
        assert redaction.placeholder(w.defender) in pages[0].content.decode()

    def test_an_allegation_reclassified_keeps_its_past_from_the_uncleared(
        self, client, w, admin_member, uncleared_admin
    ):
        services.concern_update(
            actor=admin_member,
            concern=w.allegation,
            data={
                "type": Concern.Type.SECURITY_CONDUCT,
                "description": "Conduct at the gate",
                "referred_to": "",
                "outcome": "",
                "status": Concern.Status.OPEN,
            },
        )
        client.force_login(uncleared_admin)
        history = fetch(client, admin_url("engagement_concern", "history", w.allegation.pk))
        assert history.status_code == 200
        assert A not in history.content.decode()

    def test_a_restricted_engagement_opened_keeps_its_restricted_past(
        self, client, w, admin_member, uncleared_admin
    ):
        services.engagement_update(
            actor=admin_member,
            engagement=w.restricted,
            data={
                "confidentiality": Engagement.Confidentiality.INTERNAL,
                "purpose": "Liaison",
                "summary": "Liaison",
            },
            stakeholders=[w.police, w.chief],
        )
        client.force_login(uncleared_admin)
        history = fetch(client, admin_url("engagement_engagement", "history", w.restricted.pk))
        assert history.status_code == 200
        assert R not in history.content.decode()


# --- the registry's pages ---------------------------------------------------------------


class TestRegistryPages:
    @pytest.mark.parametrize("who", ["uncleared_admin", "member", "reviewer"])
    def test_stakeholder_pages_tell_nothing_of_engagements_yet(self, client, w, request, who):
        client.force_login(request.getfixturevalue(who))
        for stakeholder in (w.police, w.witness, w.chief, w.council, w.defender):
            response = fetch(client, reverse("stakeholders:detail", args=[stakeholder.pk]))
            assert response.status_code == 200
            assert_clean(response)
        if who == "uncleared_admin":
            for stakeholder in (w.police, w.witness, w.council):
                response = fetch(
                    client, admin_url("stakeholders_stakeholder", "change", stakeholder.pk)
                )
                assert response.status_code == 200
                assert_clean(response)
                inlines = {f.formset.model for f in response.context["inline_admin_formsets"]}
                assert not inlines & {Engagement, Commitment, Concern}

    def test_another_sites_stakeholder_page_answers_as_a_missing_one(self, client, w, far_admin):
        client.force_login(far_admin)
        hidden = fetch(client, reverse("stakeholders:detail", args=[w.police.pk]))
        missing = fetch(client, reverse("stakeholders:detail", args=[MISSING]))
        assert hidden.status_code == missing.status_code == 404
        assert_alike(hidden, missing, w.police.pk)


# --- services and selectors -------------------------------------------------------------


class TestServicesAndSelectors:
    @pytest.mark.parametrize("who", ["uncleared_admin", "far_admin", "reviewer", "member"])
    def test_the_selectors_leave_out_what_is_hidden(self, w, request, who):
        user = request.getfixturevalue(who)
        engagements = set(selectors.engagement_list(user=user))
        commitments = set(selectors.commitment_list(user=user))
        concerns = set(selectors.concern_list(user=user))
        assert w.restricted not in engagements
        assert w.r_commitment not in commitments
        assert not {w.r_concern, w.allegation} & concerns
        with pytest.raises(Http404):
            selectors.engagement_get(user=user, pk=w.restricted.pk)
        filed = selectors.filed_allegation_list(user=user)
        assert [c.pk for c in filed] == ([w.allegation.pk] if who == "member" else [])

    def test_clearance_at_another_site_clears_nothing_here(self, client, w, site, far_admin):
        """An administrator cleared at the other site and an uncleared member here."""
        member_of(site, username=far_admin.username)  # the same user, uncleared here
        far_admin.refresh_from_db()
        assert w.restricted not in set(selectors.engagement_list(user=far_admin))
        assert w.allegation not in set(selectors.concern_list(user=far_admin))
        assert w.internal in set(selectors.engagement_list(user=far_admin))
        assert w.far.concerns.get() in set(selectors.concern_list(user=far_admin))
        with pytest.raises(ValidationError):
            services.engagement_update(
                actor=far_admin,
                engagement=w.internal,
                data={"confidentiality": Engagement.Confidentiality.RESTRICTED},
            )
        client.force_login(far_admin)
        hidden = fetch(client, admin_url("engagement_engagement", "change", w.restricted.pk))
        missing = fetch(client, admin_url("engagement_engagement", "change", MISSING))
        assert (hidden.status_code, hidden["Location"]) == (302, missing["Location"])
        assert listed(fetch(client, CONCERNS)) == {
            w.internal.concerns.get(type="environment").pk,
            w.other.concerns.get().pk,
            w.far.concerns.get().pk,
        }

    @pytest.mark.parametrize("who", ["uncleared_admin", "far_admin"])
    def test_writes_to_hidden_records_are_refused_as_to_missing_ones(
        self, w, request, who, admin_member
    ):
        user = request.getfixturevalue(who)
        ghost_engagement = Engagement(pk=MISSING)
        calls = [
            (
                lambda e: services.engagement_update(actor=user, engagement=e, data={}),
                w.restricted,
                ghost_engagement,
            ),
            (
                lambda e: services.engagement_delete(actor=user, engagement=e),
                w.restricted,
                ghost_engagement,
            ),
            (
                lambda e: services.commitment_create(
                    actor=user,
                    engagement=e,
                    data={
                        "description": "x",
                        "owner": admin_member,
                        "due_on": datetime.date(2019, 1, 1),
                    },
                ),
                w.restricted,
                ghost_engagement,
            ),
            (
                lambda e: services.concern_create(
                    actor=user, engagement=e, data={"type": "other", "description": "x"}
                ),
                w.restricted,
                ghost_engagement,
            ),
            (
                lambda c: services.commitment_update(
                    actor=user, commitment=c, data={"description": "x"}
                ),
                w.r_commitment,
                Commitment(pk=MISSING),
            ),
            (
                lambda c: services.concern_update(
                    actor=user, concern=c, data={"description": "x"}
                ),
                w.allegation,
                Concern(pk=MISSING),
            ),
        ]
        for call, hidden, missing in calls:
            with pytest.raises(PermissionDenied) as on_hidden:
                call(hidden)
            with pytest.raises(PermissionDenied) as on_missing:
                call(missing)
            assert str(on_hidden.value) == str(on_missing.value)
        w.allegation.refresh_from_db()
        assert w.allegation.description.startswith(A)

    def test_the_uncleared_neither_restrict_nor_name_another_owner_on_a_restricted_one(
        self, w, uncleared_admin, admin_member, member
    ):
        with pytest.raises(ValidationError):
            services.engagement_update(
                actor=uncleared_admin,
                engagement=w.internal,
                data={"confidentiality": Engagement.Confidentiality.RESTRICTED},
            )
        with pytest.raises(ValidationError):
            services.commitment_create(
                actor=admin_member,
                engagement=w.restricted,
                data={"description": "x", "owner": member, "due_on": datetime.date(2019, 8, 1)},
            )
        with pytest.raises(ValidationError):
            log(uncleared_admin, w.internal.site, stakeholders=[w.defender])

    def test_an_uncleared_user_cannot_name_a_hidden_stakeholder_as_a_source(
        self, w, admin_member, uncleared_admin, site
    ):
        seen = log(admin_member, site, stakeholders=[w.council, w.defender])
        with pytest.raises((ValidationError, PermissionDenied)):
            services.concern_create(
                actor=uncleared_admin,
                engagement=seen,
                data={"type": "land_access", "stakeholder": w.defender, "description": "x"},
            )


def test_every_logged_in_answer_is_private_and_not_stored(client, w, uncleared_admin):
    """`fetch` checks it on every request above; these are the statuses not met there."""
    client.force_login(uncleared_admin)
    for path, params in [
        (ENGAGEMENTS, {"concerns": "1"}),  # 400
        (admin_url("engagement_engagement", "delete", w.internal.pk), {}),  # 403
        (admin_url("engagement_engagement", "history", MISSING), {}),  # 404
        (admin_url("engagement_engagement", "change", MISSING), {}),  # 302
        (
            AUTOCOMPLETE,
            {
                "app_label": "engagement",
                "model_name": "concern",
                "field_name": "engagement",
                "term": "",
            },
        ),  # JSON
        (
            AUTOCOMPLETE,
            {"app_label": "engagement", "model_name": "concern", "field_name": "nothing"},
        ),  # 403
        (reverse("stakeholders:detail", args=[MISSING]), {}),  # the app's 404
    ]:
        fetch(client, path, params)
