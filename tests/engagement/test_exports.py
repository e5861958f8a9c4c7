"""Downloads of the review lists: what goes in a file, for whom, and the export log."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from engagement.models import Concern, Engagement
from stakeholders.models import ExportLog
from tests.conftest import member_of
from tests.factories import (
    CommitmentFactory,
    ConcernFactory,
    EngagementFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db


def export_url(kind, fmt, **query):
    url = reverse("engagement:export", args=[kind, fmt])
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query)
    return url


def read_csv(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def read_xlsx(response):
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)], sheet


@pytest.fixture
def council(site):
    return StakeholderFactory(name="Ilembo village council", sites=[site])


@pytest.fixture
def met(site, council, defender, cleared_member):
    """An internal meeting with the council and the defender, a restricted one with the
    defender, and another site's engagement."""
    internal = EngagementFactory(
        site=site,
        created_by=cleared_member,
        stakeholders=[council, defender],
        purpose='=HYPERLINK("http://evil.example","click")',
        summary="Dust on the haul road",
    )
    restricted = EngagementFactory(
        site=site,
        created_by=cleared_member,
        stakeholders=[defender],
        confidentiality=Engagement.Confidentiality.RESTRICTED,
        summary="MARKER-RESTRICTED",
    )
    return internal, restricted


def test_engagements_csv_is_the_list_with_placeholders(client, member, met, council, defender):
    internal, _restricted = met
    client.force_login(member)
    rows = read_csv(client.get(export_url("engagements", "csv")))
    header, *records = rows
    assert header[:3] == ["Number", "Date", "Site"]
    assert len(records) == 1  # the restricted engagement is not the member's to see
    record = dict(zip(header, records[0], strict=True))
    assert record["Date"] == internal.date.isoformat()
    assert record["Stakeholders met"] == (
        f"Ilembo village council; Protected stakeholder S-{defender.pk:04d}"
    )
    assert record["Purpose"].startswith("'=HYPERLINK")  # never a formula
    assert "Baraka" not in "".join(records[0])
    entry = ExportLog.objects.get()
    assert (entry.user, entry.kind, entry.format, entry.row_count) == (
        member,
        "engagements",
        "csv",
        1,
    )
    assert not entry.names_included
    assert list(entry.sites.all()) == [internal.site]


def test_cleared_user_gets_names_only_when_asked(client, cleared_member, met, defender):
    client.force_login(cleared_member)
    plain = read_csv(client.get(export_url("engagements", "csv")))
    assert len(plain) == 3
    assert "Baraka Mwaipopo" not in str(plain)
    named = read_csv(client.get(export_url("engagements", "csv", names="1")))
    assert "Baraka Mwaipopo" in str(named)
    assert "MARKER-RESTRICTED" in str(named)
    assert list(ExportLog.objects.values_list("names_included", flat=True)) == [True, False]


def test_uncleared_user_may_not_ask_for_names(client, member, met):
    client.force_login(member)
    response = client.get(export_url("engagements", "csv", names="1"))
    assert response.status_code == 403
    assert not ExportLog.objects.exists()


def test_export_honours_the_filters_and_logs_them(client, cleared_member, met, site):
    internal, _restricted = met
    client.force_login(cleared_member)
    rows = read_csv(
        client.get(export_url("engagements", "csv", confidentiality="internal", page="2"))
    )
    assert [row[0] for row in rows[1:]] == [str(internal.pk)]
    assert ExportLog.objects.get().filters == {"confidentiality": "internal"}


def test_xlsx_opens_with_text_cells_and_the_same_rows(client, cleared_member, met):
    client.force_login(cleared_member)
    response = client.get(export_url("engagements", "xlsx"))
    assert response["Content-Disposition"].startswith('attachment; filename="vpsa-engagements')
    rows, sheet = read_xlsx(response)
    assert rows[0][:3] == ["Number", "Date", "Site"]
    assert len(rows) == 3
    purposes = [row[rows[0].index("Purpose")] for row in rows[1:]]
    assert any(p.startswith("'=HYPERLINK") for p in purposes)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_too_many_rows_for_xlsx_are_refused_with_a_message(client, cleared_member, met, settings):
    from engagement.views import exports

    client.force_login(cleared_member)
    original = exports.XLSX_MAX_ROWS
    exports.XLSX_MAX_ROWS = 1
    try:
        response = client.get(export_url("engagements", "xlsx"), follow=True)
    finally:
        exports.XLSX_MAX_ROWS = original
    assert response.redirect_chain[-1][0].startswith(reverse("engagement:list"))
    assert "too many for a spreadsheet" in response.content.decode()
    assert not ExportLog.objects.exists()


def test_commitments_and_concerns(client, member, cleared_member, met, defender):
    internal, restricted = met
    CommitmentFactory(engagement=internal, description="+cmd|' /C calc'!A0")
    CommitmentFactory(engagement=restricted, description="MARKER-RESTRICTED-COMMITMENT")
    ConcernFactory(engagement=internal, stakeholder=defender, description="Dust")
    ConcernFactory(
        engagement=internal,
        stakeholder=None,
        type=Concern.Type.ALLEGATION_PRIVATE,
        description="MARKER-ALLEGATION",
    )
    client.force_login(member)
    commitments = read_csv(client.get(export_url("commitments", "csv")))
    assert len(commitments) == 2
    assert commitments[1][5] == "'+cmd|' /C calc'!A0"
    concerns = read_csv(client.get(export_url("concerns", "csv")))
    assert len(concerns) == 2
    assert concerns[1][5] == f"Protected stakeholder S-{defender.pk:04d}"
    assert "MARKER" not in str(commitments) + str(concerns)

    client.force_login(cleared_member)
    concerns = read_csv(client.get(export_url("concerns", "csv", names="1")))
    raised_by = {row[4]: row[5] for row in concerns[1:]}
    assert raised_by["Allegation of human rights abuse by private security"] == "Not named"
    assert "Baraka Mwaipopo" in raised_by.values()


def test_unknown_kind_or_format_is_404(client, member):
    client.force_login(member)
    assert client.get(export_url("stakeholders", "csv")).status_code == 404
    assert client.get(export_url("engagements", "pdf")).status_code == 404


def test_anonymous_is_sent_to_login(client):
    response = client.get(export_url("engagements", "csv"))
    assert response.status_code == 302
    assert not ExportLog.objects.exists()


@pytest.mark.parametrize("rows", [5, 50])
def test_query_count_does_not_grow_with_rows(client, site, cleared_member, council, rows):
    for _ in range(rows):
        EngagementFactory(site=site, created_by=cleared_member, stakeholders=[council])
    client.force_login(cleared_member)
    with CaptureQueriesContext(connection) as queries:
        assert len(read_csv(client.get(export_url("engagements", "csv")))) == rows + 1
    assert len(queries) <= 14, [q["sql"] for q in queries]


def test_export_log_in_the_admin(client, site, other_site, admin_member, met):
    member = member_of(site, username="exporter")
    elsewhere = member_of(other_site, username="far")
    client.force_login(member)
    read_csv(client.get(export_url("engagements", "csv")))
    client.force_login(elsewhere)
    read_csv(client.get(export_url("engagements", "csv")))
    changelist = reverse("admin:stakeholders_exportlog_changelist")

    client.force_login(admin_member)
    page = client.get(changelist)
    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [ExportLog.objects.get(user=member)]
    entry = ExportLog.objects.get(user=member)
    change = reverse("admin:stakeholders_exportlog_change", args=[entry.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"row_count": 0}).status_code == 403
    delete = reverse("admin:stakeholders_exportlog_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ExportLog.objects.get(pk=entry.pk).row_count == entry.row_count

    uncleared = member_of(site, roles=["Administrator"], username="ua", is_staff=True)
    client.force_login(uncleared)
    page = client.get(changelist)
    assert page.status_code == 200 and list(page.context["cl"].result_list) == []
    assert client.get(change).status_code in (302, 404)


def test_the_registry_export_in_the_admin_is_logged(client, site, admin_member, defender):
    from tests.stakeholders.test_import_export import export

    StakeholderFactory(name="Ilembo police post", sites=[site])
    client.force_login(admin_member)
    assert export(client).status_code == 200
    entry = ExportLog.objects.get()
    assert (entry.kind, entry.format, entry.row_count, entry.names_included) == (
        "stakeholders",
        "csv",
        2,
        True,
    )
    assert list(entry.sites.all()) == [site]


def test_findings_follow_the_perceptions_filters_and_hide_a_hidden_community(
    client, site, member, cleared_member, defender
):
    from engagement.models import Finding
    from stakeholders.models import StakeholderCategory
    from tests.factories import FindingFactory

    communities = StakeholderCategory.objects.get(code="local-communities")
    defender.category = communities
    defender.save()
    council = StakeholderFactory(name="Ilembo council", category=communities, sites=[site])
    meeting = EngagementFactory(
        site=site, created_by=cleared_member, stakeholders=[council, defender]
    )
    FindingFactory(engagement=meeting, community=council, value=2, evidence="=1+1 said twice")
    FindingFactory(
        engagement=meeting,
        community=defender,
        indicator=Finding.Indicator.SECURITY_ATTITUDE,
        value=1,
        evidence="MARKER-HIDDEN-EVIDENCE",
    )
    restricted = EngagementFactory(
        site=site,
        created_by=cleared_member,
        stakeholders=[council],
        confidentiality=Engagement.Confidentiality.RESTRICTED,
    )
    FindingFactory(engagement=restricted, community=council, value=5, evidence="MARKER-RESTRICTED")

    client.force_login(member)
    page = client.get(reverse("engagement:perceptions"))
    assert reverse("engagement:export", args=["findings", "csv"]) in page.content.decode()
    rows = read_csv(client.get(export_url("findings", "csv", site=site.pk)))
    assert rows[0][4:8] == [
        "Community",
        "Indicator",
        "Finding (1 very negative to 5 very positive)",
        "Finding in words",
    ]
    by_community = {row[4]: row for row in rows[1:]}
    assert set(by_community) == {"Ilembo council", f"Protected stakeholder S-{defender.pk:04d}"}
    assert by_community["Ilembo council"][6:9] == ["2", "Negative", "'=1+1 said twice"]
    assert by_community[f"Protected stakeholder S-{defender.pk:04d}"][8] == "Protected"
    assert "MARKER" not in str(rows)

    client.force_login(cleared_member)
    plain = read_csv(client.get(export_url("findings", "csv", site=site.pk)))
    assert len(plain) == 4 and "MARKER-HIDDEN-EVIDENCE" not in str(plain)
    named = read_csv(
        client.get(export_url("findings", "csv", site=site.pk, names="1", community=council.pk))
    )
    assert [row[4] for row in named[1:]] == ["Ilembo council", "Ilembo council"]
    named = read_csv(client.get(export_url("findings", "csv", site=site.pk, names="1")))
    assert "MARKER-HIDDEN-EVIDENCE" in str(named) and "Baraka Mwaipopo" in str(named)
    entry = ExportLog.objects.filter(kind="findings").first()
    assert list(entry.sites.all()) == [site]


@pytest.mark.parametrize("bad", [{"date_from": "banana"}, {"site": "999999"}])
def test_a_filter_that_cannot_be_applied_makes_no_file(client, member, met, bad):
    client.force_login(member)
    response = client.get(export_url("engagements", "csv", **bad), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("engagement:list"))
    content = response.content.decode()
    assert "nothing was downloaded" in content and "left out" in content
    assert not ExportLog.objects.exists()


@pytest.fixture
def every_kind(site, council, defender, cleared_member):
    """Three engagements, each with a commitment, a concern raised by the defender and a
    finding on the council."""
    from tests.factories import FindingFactory

    for number in range(3):
        engagement = EngagementFactory(
            site=site, created_by=cleared_member, stakeholders=[council, defender]
        )
        CommitmentFactory(engagement=engagement, description=f"Commitment {number}")
        ConcernFactory(engagement=engagement, stakeholder=defender)
        FindingFactory(engagement=engagement, community=council, value=number + 1)


def test_a_row_joins_its_stakeholders_objectives_and_people(client, site, council, defender):
    from stakeholders.models import EngagementObjective, StakeholderCategory
    from tests.factories import UserFactory

    security = StakeholderCategory.objects.get(code="public-security-providers")
    police = StakeholderFactory(name="ilembo police post", category=security, sites=[site])
    first, second = EngagementObjective.objects.all()[:2]
    logger = member_of(site, first_name="Neema", last_name="Kimaro")
    engagement = EngagementFactory(
        site=site,
        created_by=logger,
        stakeholders=[defender, police, council],
        attendance_total=40,
        format=Engagement.Format.FOCUS_GROUP,
    )
    engagement.objectives.set([second, first])
    CommitmentFactory(engagement=engagement, owner=UserFactory(first_name="", last_name=""))
    client.force_login(logger)

    header, row = read_csv(client.get(export_url("engagements", "csv")))
    record = dict(zip(header, row, strict=True))
    # Shown ones by name (whatever the case), then the hidden one.
    assert record["Stakeholders met"] == (
        f"ilembo police post; Ilembo village council; Protected stakeholder S-{defender.pk:04d}"
    )
    assert record["Stakeholder categories"] == f"{security.name}; {council.category.name}"
    assert record["Table 4E.2 objectives addressed"] == f"{first.text}; {second.text}"
    assert (record["Format"], record["Attendance"], record["Of which women"]) == (
        "Focus group",
        "40",
        "",
    )
    assert record["Confidentiality"] == "Internal: everyone at the site"
    assert record["Logged by"] == "Neema Kimaro"
    header, row = read_csv(client.get(export_url("commitments", "csv")))
    record = dict(zip(header, row, strict=True))
    assert record["Owner"] == engagement.commitments.get().owner.username
    assert (record["Status"], record["Overdue"]) == ("Open", "no")


@pytest.mark.parametrize("kind", ["engagements", "commitments", "concerns", "findings"])
def test_rows_read_in_chunks_join_up(client, cleared_member, every_kind, kind, monkeypatch):
    from engagement import exports

    client.force_login(cleared_member)
    whole = read_csv(client.get(export_url(kind, "csv", names="1")))
    assert len(whole) == 4
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    assert read_csv(client.get(export_url(kind, "csv", names="1"))) == whole
    monkeypatch.setattr(exports, "CHUNK_SIZE", 1)
    assert read_csv(client.get(export_url(kind, "csv", names="1"))) == whole


@pytest.mark.parametrize("kind", ["engagements", "commitments", "concerns", "findings"])
def test_the_queries_of_a_file_do_not_grow_with_its_rows(
    client, site, cleared_member, council, defender, kind
):
    from tests.factories import FindingFactory

    client.force_login(cleared_member)
    counts = []
    for more in (5, 45):
        for _ in range(more):
            engagement = EngagementFactory(
                site=site, created_by=cleared_member, stakeholders=[council, defender]
            )
            CommitmentFactory(engagement=engagement)
            ConcernFactory(engagement=engagement, stakeholder=defender)
            FindingFactory(engagement=engagement, community=council)
        with CaptureQueriesContext(connection) as queries:
            rows = read_csv(client.get(export_url(kind, "csv", names="1")))
        assert len(rows) == len(counts) * 45 + 6
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
