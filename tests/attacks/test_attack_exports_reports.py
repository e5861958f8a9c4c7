"""Attack on the exports, the export log admin, the site report and the issue 7 pages:
no marker in any body, figures for the uncleared without the restricted records, foreign
records 404 like missing ones, forbidden writes change nothing."""

import csv
import io
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from engagement.models import Finding
from plans.models import Plan
from reports.models import LessonsLearned
from stakeholders.models import ExportLog
from tests.attacks.conftest import MARKERS, SITE_A_ONLY

pytestmark = pytest.mark.django_db

ATTACKERS = ("clo", "reviewer", "uadmin", "badmin")
KINDS = ("engagements", "my-function", "commitments", "concerns", "findings")


def body_of(response):
    if getattr(response, "streaming", False):
        data = b"".join(response.streaming_content)
    else:
        data = response.content
    if data[:2] == b"PK":  # xlsx
        workbook = load_workbook(io.BytesIO(data))
        return "\n".join(
            " ".join("" if v is None else str(v) for v in row)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    return data.decode("utf-8", "replace")


def assert_clean(text, who, url, extra=()):
    for marker in (*MARKERS, *extra):
        assert marker not in text, f"{marker} leaked to {who} at {url}"


def login(client, user):
    client.force_login(user)
    return client


def site_a_extra(world, who):
    return SITE_A_ONLY if who == "badmin" else ()


# --- exports ------------------------------------------------------------------------------


def filter_variants(world):
    a, b = world.a.pk, world.b.pk
    return [
        {},
        {"site": a},
        {"site": b},
        {"site": "garbage"},
        {"stakeholder": world.hidden.pk},
        {"community": world.hidden.pk},
        {"community": world.b_village.pk},
        {"q": "MARKER"},
        {"confidentiality": "restricted"},
        {"type": "allegations"},
        {"type": "allegation_public_security"},
        {"date_from": "1900-01-01", "date_to": "2999-12-31"},
        {"date_from": "banana"},
        {"owner": world.cleared.pk},
    ]


@pytest.mark.parametrize("who", ATTACKERS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_never_carries_a_marker(client, world, who, kind, fmt):
    login(client, getattr(world, who))
    for query in filter_variants(world):
        url = reverse("engagement:export", args=[kind, fmt]) + "?" + urlencode(query)
        response = client.get(url)
        assert response.status_code in (200, 302, 403), (url, response.status_code)
        if response.status_code == 200:
            assert_clean(body_of(response), who, url, site_a_extra(world, who))


@pytest.mark.parametrize("who", ATTACKERS)
@pytest.mark.parametrize("kind", KINDS)
def test_uncleared_names_is_403_and_not_logged(client, world, who, kind):
    user = getattr(world, who)
    login(client, user)
    before = ExportLog.objects.count()
    response = client.get(reverse("engagement:export", args=[kind, "csv"]) + "?names=1")
    if who == "badmin":
        # Cleared at B: may ask for names, but gets none of A's.
        assert response.status_code == 200
        assert_clean(body_of(response), who, kind, SITE_A_ONLY)
        entry = ExportLog.objects.latest("pk")
        assert list(entry.sites.all()) == [world.b]
    else:
        assert response.status_code == 403
        assert ExportLog.objects.count() == before


def test_multi_site_cleared_elsewhere_gets_no_names_at_a(client, world):
    """Cleared at B, uncleared member at A: names=1 names B's at-risk only."""
    from tests.factories import MembershipFactory

    MembershipFactory(user=world.badmin, site=world.a, cleared=False)
    login(client, world.badmin)
    for kind in KINDS:
        for fmt in ("csv", "xlsx"):
            for query in filter_variants(world):
                url = (
                    reverse("engagement:export", args=[kind, fmt])
                    + "?"
                    + urlencode({**query, "names": 1})
                )
                response = client.get(url)
                if response.status_code == 200:
                    assert_clean(body_of(response), "badmin@A+B", url)


def test_anonymous_export_gets_nothing(client, world):
    for kind in KINDS:
        response = client.get(reverse("engagement:export", args=[kind, "csv"]) + "?names=1")
        assert response.status_code == 302
    assert ExportLog.objects.count() == 0


@pytest.mark.parametrize("kind", KINDS)
def test_cleared_export_sees_its_records(client, world, kind):
    """The control: the markers are reachable for the cleared owner with names=1, so the
    attackers' clean files mean something."""
    login(client, world.cleared)
    text = body_of(client.get(reverse("engagement:export", args=[kind, "csv"]) + "?names=1"))
    expected = {
        "engagements": "MARKER-RESTRICTED-SUMMARY",
        "my-function": "MARKER-RESTRICTED-SUMMARY",
        "commitments": "MARKER-RESTRICTED-COMMITMENT",
        "concerns": "MARKER-ALLEGATION",
        "findings": "MARKER-RESTRICTED-EVIDENCE",
    }[kind]
    assert expected in text


def test_uncleared_findings_export_matches_the_visible_findings(client, world):
    login(client, world.clo)
    rows = list(
        csv.reader(
            io.StringIO(
                body_of(client.get(reverse("engagement:export", args=["findings", "csv"])))[1:]
            )
        )
    )
    values = sorted(row[6] for row in rows[1:])
    assert values == ["2", "4"]  # the restricted 1 is not there


# --- the export log admin --------------------------------------------------------------------


@pytest.fixture
def logged(client, world):
    """Exports at A by the cleared owner (names) and by the CLO with a hidden id."""
    login(client, world.cleared)
    client.get(reverse("engagement:export", args=["engagements", "csv"]) + "?names=1")
    client.get(
        reverse("engagement:export", args=["engagements", "csv"])
        + f"?stakeholder={world.hidden.pk}&q=MARKER-HIDDEN-COMMUNITY"
    )
    login(client, world.clo)
    client.get(
        reverse("engagement:export", args=["findings", "csv"])
        + f"?community={world.hidden.pk}&q=MARKER-HIDDEN-COMMUNITY"
    )
    client.logout()
    entries = list(ExportLog.objects.all())
    assert len(entries) == 3
    return entries


@pytest.mark.parametrize("who", ["uadmin", "badmin", "clo", "reviewer"])
def test_export_log_admin_hides_site_a(client, world, logged, who):
    login(client, getattr(world, who))
    urls = [
        "/admin/stakeholders/exportlog/",
        "/admin/stakeholders/exportlog/?q=MARKER",
        "/admin/stakeholders/exportlog/?names_included__exact=1",
        "/admin/",
    ]
    for entry in logged:
        urls += [
            f"/admin/stakeholders/exportlog/{entry.pk}/change/",
            f"/admin/stakeholders/exportlog/{entry.pk}/history/",
            f"/admin/stakeholders/exportlog/{entry.pk}/delete/",
        ]
    for url in urls:
        response = client.get(url)
        if response.status_code == 200:
            text = response.content.decode()
            assert_clean(text, who, url)
            assert "secmgr" not in text or url == "/admin/", f"site A entry shown at {url}"
        else:
            assert response.status_code in (302, 403, 404), (url, response.status_code)


@pytest.mark.parametrize("who", ["cleared", "uadmin", "badmin"])
def test_nobody_changes_or_deletes_an_entry(client, world, logged, who):
    user = getattr(world, who)
    user.is_staff = True
    user.save()
    login(client, user)
    entry = logged[0]
    before = (ExportLog.objects.count(), entry.row_count, entry.names_included)
    client.post(
        f"/admin/stakeholders/exportlog/{entry.pk}/change/",
        {"row_count": 0, "names_included": ""},
    )
    client.post(f"/admin/stakeholders/exportlog/{entry.pk}/delete/", {"post": "yes"})
    client.post(
        "/admin/stakeholders/exportlog/",
        {"action": "delete_selected", "_selected_action": [e.pk for e in logged], "post": "yes"},
    )
    entry.refresh_from_db()
    assert (ExportLog.objects.count(), entry.row_count, entry.names_included) == before


def test_superuser_cannot_delete_either(client, world, logged, superuser):
    login(client, superuser)
    client.post(f"/admin/stakeholders/exportlog/{logged[0].pk}/delete/", {"post": "yes"})
    assert ExportLog.objects.count() == 3


# --- the site report ---------------------------------------------------------------------------


def report_url(world, site=None, **extra):
    site = site or world.a
    today = site.today()
    query = {
        "site": site.pk,
        "date_from": today.replace(month=1, day=1).isoformat(),
        "date_to": today.replace(month=12, day=31).isoformat(),
        **extra,
    }
    return reverse("reports:report") + "?" + urlencode(query)


@pytest.mark.parametrize("who", ["clo", "reviewer", "uadmin", "badmin", "cleared"])
@pytest.mark.parametrize("version", ["internal", "external"])
def test_report_never_leaks(client, world, who, version):
    user = getattr(world, who)
    login(client, user)
    for url in (
        report_url(world, version=version),
        report_url(world, version=version, threshold=2),
        report_url(world, version=version, format="pdf"),
        report_url(world, site=world.b, version=version),
        reverse("reports:report"),
        reverse("reports:lessons") + f"?site={world.a.pk}",
    ):
        response = client.get(url, follow=True)
        text = body_of(response) if response.status_code == 200 else response.content.decode()
        external = "version=external" in url
        if who == "cleared" and not external:
            continue  # the cleared owner's internal report may name them
        extra = site_a_extra(world, who)
        if response.headers.get("Content-Type") == "application/pdf":
            continue  # checked through the HTML document below
        assert_clean(text, who, url, extra)
        if external and '<article class="site-report"' in text:
            # Whoever views it: no at-risk name, no concern source, no staff name (the
            # viewer's own name in the navigation bar aside).
            article = text.split('<article class="site-report"', 1)[1].split("</article>")[0]
            assert_clean(article, who, url, ("secmgr", "MARKER-SECRET-OWNER"))


@pytest.mark.parametrize("who", ["cleared", "clo"])
def test_external_pdf_document_names_nobody(client, world, who, monkeypatch):
    """The PDF's HTML (rendered without WeasyPrint) shows no name either."""
    from reports import pdf

    captured = {}

    def fake_response(request, context, *, filename):
        from django.http import HttpResponse
        from django.template.loader import render_to_string

        captured["html"] = render_to_string("reports/report_document.html", context, request)
        return HttpResponse("pdf")

    monkeypatch.setattr(pdf, "available", lambda: True)
    monkeypatch.setattr(pdf, "response", fake_response)
    LessonsLearned.objects.create(
        site=world.a,
        starts_on=world.a.today().replace(month=1, day=1),
        ends_on=world.a.today().replace(month=12, day=31),
        text="We learnt to meet earlier.",
        created_by=world.cleared,
        updated_by=world.cleared,
    ) if hasattr(LessonsLearned, "created_by") else None
    login(client, getattr(world, who))
    response = client.get(report_url(world, version="external", format="pdf"))
    assert response.status_code == 200
    assert_clean(captured["html"], who, "pdf", ("secmgr", "MARKER-SECRET-OWNER"))


def test_report_figures_for_the_uncleared_exclude_restricted(client, world):
    login(client, world.clo)
    report = client.get(report_url(world)).context["report"]
    assert report.engagements_total.value == 2  # internal + hidden meeting, not restricted
    satisfaction = dict(report.perceptions)[str(Finding.Indicator.SATISFACTION.label)]
    means = [cell.value for cell, _n in satisfaction if cell is not None]
    assert means == [3.0]  # (4 + 2) / 2, the restricted 1 left out
    assert report.commitments_made.value == 1
    assert not report.allegations and not report.allegations_by_status


def test_report_figures_for_the_uncleared_unchanged_by_a_restricted_record(client, world):
    from engagement.models import Engagement
    from tests.factories import EngagementFactory

    login(client, world.clo)
    first = client.get(report_url(world)).content
    EngagementFactory(
        site=world.a,
        date=world.day,
        created_by=world.cleared,
        confidentiality=Engagement.Confidentiality.RESTRICTED,
        stakeholders=[world.police_post],
    )
    again = client.get(report_url(world)).content
    strip = lambda b: b.decode().split('name="csrfmiddlewaretoken"')[0]  # noqa: E731
    assert strip(first) == strip(again)


def test_foreign_site_report_is_refused_like_a_missing_one(client, world):
    login(client, world.badmin)
    foreign = client.get(report_url(world, site=world.a))
    missing_url = report_url(world, site=world.a).replace(f"site={world.a.pk}", "site=999999")
    missing = client.get(missing_url)
    assert foreign.status_code == missing.status_code
    assert "Alpha Mine" not in foreign.content.decode()


@pytest.mark.parametrize("who", ["reviewer", "clo", "badmin", "uadmin"])
def test_lessons_post_by_the_wrong_people_changes_nothing(client, world, who):
    user = getattr(world, who)
    login(client, user)
    today = world.a.today()
    url = (
        reverse("reports:lessons")
        + "?"
        + urlencode(
            {
                "site": world.a.pk,
                "date_from": today.replace(month=1, day=1).isoformat(),
                "date_to": today.replace(month=12, day=31).isoformat(),
            }
        )
    )
    response = client.post(url, {"text": "MARKER-WRITTEN"})
    if who == "uadmin":
        # An administrator of the site may write them (the role's grant).
        assert response.status_code in (200, 302)
        return
    assert response.status_code in (403, 404)
    assert not LessonsLearned.objects.exists()


# --- the issue 7 pages ----------------------------------------------------------------------


def page_urls(world):
    a, b = world.a.pk, world.b.pk
    urls = [
        "/",
        f"/?site={a}",
        f"/?site={b}",
        "/?site=garbage",
        "/dashboard/site/",
        "/engagements/perceptions/",
        f"/engagements/perceptions/?site={a}",
        f"/engagements/perceptions/?site={b}",
        f"/engagements/perceptions/?site={a}&community={world.hidden.pk}",
        f"/engagements/perceptions/?community={world.b_village.pk}",
        "/engagements/perceptions/?date_from=1900-01-01&date_to=2999-12-31",
        "/engagements/perceptions/?date_from=banana&site=x",
        f"/stakeholders/{world.hidden.pk}/",
        f"/engagements/{world.restricted.pk}/",
        f"/engagements/{world.restricted.pk}/edit/",
        f"/engagements/{world.hidden_meeting.pk}/",
        f"/engagements/{world.hidden_meeting.pk}/edit/",
        f"/engagements/{world.internal.pk}/",
        f"/engagements/{world.internal.pk}/edit/",
        "/engagements/",
        "/engagements/concerns/",
        "/engagements/commitments/",
        "/plans/",
        f"/plans/{world.plan.pk}/",
        f"/plans/{world.plan.pk}/edit/",
        f"/plans/{world.draft.pk}/",
        f"/plans/{world.draft.pk}/edit/",
        "/admin/engagement/finding/",
        "/admin/engagement/finding/?q=MARKER",
        "/admin/plans/plan/",
        "/admin/plans/plan/?q=MARKER",
        "/admin/plans/plannedengagement/",
        "/admin/plans/plannedengagement/?q=MARKER",
        f"/admin/plans/plan/{world.plan.pk}/change/",
        f"/admin/plans/plan/{world.plan.pk}/history/",
        f"/admin/plans/plannedengagement/{world.line.pk}/change/",
        f"/admin/plans/plannedengagement/{world.line.pk}/history/",
        "/admin/autocomplete/?app_label=plans&model_name=plannedengagement&field_name=stakeholder",
        "/admin/autocomplete/?app_label=plans&model_name=plannedengagement&field_name=stakeholder&term=MARKER",
        "/admin/autocomplete/?app_label=engagement&model_name=finding&field_name=community",
        "/admin/autocomplete/?app_label=engagement&model_name=finding&field_name=community&term=MARKER",
        "/admin/autocomplete/?app_label=engagement&model_name=finding&field_name=engagement",
    ]
    for finding in Finding.objects.filter(engagement__site=world.a):
        urls += [
            f"/admin/engagement/finding/{finding.pk}/change/",
            f"/admin/engagement/finding/{finding.pk}/history/",
        ]
    return urls


@pytest.mark.parametrize("who", ATTACKERS)
def test_pages_never_leak(client, world, who):
    login(client, getattr(world, who))
    extra = site_a_extra(world, who)
    for url in page_urls(world):
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code == 200:
            assert_clean(response.content.decode(), who, url, extra)


@pytest.mark.parametrize("who", ATTACKERS)
def test_foreign_or_hidden_records_404_like_missing(client, world, who):
    login(client, getattr(world, who))
    missing = client.get("/engagements/99999999/").status_code
    assert client.get(f"/engagements/{world.restricted.pk}/").status_code == missing
    assert client.get(f"/engagements/{world.restricted.pk}/edit/").status_code == missing
    if who == "badmin":
        assert client.get(f"/plans/{world.plan.pk}/").status_code == missing
        assert client.get("/plans/99999999/").status_code == missing


@pytest.mark.parametrize("who", ATTACKERS)
def test_plan_actions_of_the_forbidden_change_nothing(client, world, who):
    login(client, getattr(world, who))
    before = (
        Plan.objects.count(),
        Plan.history.count(),
        Plan.objects.filter(pk=world.draft.pk).values_list("status", flat=True).first(),
    )
    for action in ("approve", "revise", "delete"):
        for plan in (world.plan, world.draft):
            client.post(f"/plans/{plan.pk}/{action}/")
    after = (
        Plan.objects.count(),
        Plan.history.count(),
        Plan.objects.filter(pk=world.draft.pk).values_list("status", flat=True).first(),
    )
    if who in ("clo", "reviewer", "badmin"):
        assert before == after


# --- figures do not move for the uncleared when restricted records are added -------------------


def _add_restricted_records(world):
    from engagement.models import Concern, Engagement
    from tests.factories import (
        CommitmentFactory,
        ConcernFactory,
        EngagementFactory,
        FindingFactory,
    )

    secret = EngagementFactory(
        site=world.a,
        date=world.day,
        created_by=world.cleared,
        lead_function=world.security,
        confidentiality=Engagement.Confidentiality.RESTRICTED,
        stakeholders=[world.village, world.police_post],
    )
    secret.objectives.set(world.internal.objectives.all())
    for indicator in Finding.Indicator.values:
        FindingFactory(engagement=secret, community=world.village, indicator=indicator, value=5)
    CommitmentFactory(engagement=secret, due_on=world.day)
    ConcernFactory(engagement=world.internal, type=Concern.Type.ALLEGATION_PRIVATE)
    ConcernFactory(engagement=secret, type=Concern.Type.OTHER)


def _page(client, url):
    text = client.get(url).content.decode()
    return text.split('name="csrfmiddlewaretoken"')[0] if "csrfmiddlewaretoken" in text else text


@pytest.mark.parametrize("who", ["clo", "reviewer", "uadmin"])
def test_figures_for_the_uncleared_do_not_move(client, world, who):
    login(client, getattr(world, who))
    urls = [
        f"/?site={world.a.pk}",
        f"/engagements/perceptions/?site={world.a.pk}",
        f"/stakeholders/{world.village.pk}/",
        f"/plans/{world.plan.pk}/",
        report_url(world),
        report_url(world, version="external", threshold=2),
    ]
    before = {url: _page(client, url) for url in urls}
    _add_restricted_records(world)
    for url in urls:
        assert _page(client, url) == before[url], f"{url} moved for {who}"


def test_perception_means_for_the_uncleared_leave_out_the_restricted(client, world):
    login(client, world.clo)
    response = client.get(f"/engagements/perceptions/?site={world.a.pk}")
    reports = response.context["reports"]
    satisfaction = next(r for r in reports if r.indicator == Finding.Indicator.SATISFACTION)
    overall = satisfaction.lines[0].trend
    assert [(p.mean, p.count) for p in overall.points] == [(3.0, 2)]


def test_export_cells_never_run_as_formulas(client, world):
    from tests.factories import CommitmentFactory

    for i, start in enumerate(("=", "+", "-", "@", "\t", "\r")):
        CommitmentFactory(engagement=world.internal, description=f"{start}HYPERLINK(1)#{i}")
    login(client, world.clo)
    text = body_of(client.get(reverse("engagement:export", args=["commitments", "csv"])))
    rows = list(csv.reader(io.StringIO(text[1:])))
    cells = [row[5] for row in rows[1:] if "HYPERLINK" in row[5]]
    assert len(cells) == 6
    assert all(cell.startswith("'") for cell in cells), cells


def test_dashboard_choose_foreign_site_is_404_and_remembers_nothing(client, world):
    login(client, world.badmin)
    response = client.post("/dashboard/site/", {"site": world.a.pk})
    missing = client.post("/dashboard/site/", {"site": 99999999})
    assert response.status_code == missing.status_code == 404
    assert client.get("/").context["site"] == world.b


@pytest.mark.parametrize("who", ["cleared", "clo"])
def test_external_plan_status_does_not_count_the_lines_it_hides(client, world, who):
    """Outside the company an at-risk stakeholder's plan line is left out of the table ("not
    even a placeholder says they exist"): the status summary must not count it either, or
    "2 overdue" beside one line tells the reader a hidden line exists."""
    login(client, getattr(world, who))
    report = client.get(report_url(world, version="external")).context["report"]
    shown = len(report.plan_lines)
    counted = sum(count for _label, count in report.plan_status)
    assert counted == shown
