"""The admin's export of the registry: the same file as django-import-export's resource
would write, read by keyset batches (a streamed CSV, a bounded XLSX), logged first, and a
number of queries that does not grow with the stakeholders."""

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stakeholders import exports
from stakeholders.admin import registry
from stakeholders.models import ExportLog
from stakeholders.resources import HEADERS, StakeholderResource
from stakeholders.selectors import stakeholder_admin_queryset
from tests.factories import FunctionFactory, StakeholderFactory
from tests.stakeholders.test_import_export import FORMULAE

pytestmark = pytest.mark.django_db

EXPORT = reverse("admin:stakeholders_stakeholder_export")
CSV, XLSX = "0", "1"  # indexes into IMPORT_EXPORT_FORMATS


def post(client, fmt=CSV, fields=tuple(HEADERS), query=""):
    selected = {f"stakeholderresource_{name}": "on" for name in fields}
    return client.post(EXPORT + query, {"format": fmt, "resource": "0", **selected})


def body(response):
    assert response.status_code == 200
    assert response.streaming
    return b"".join(response.streaming_content)


@pytest.fixture
def registry_rows(site, other_site, defender):
    """Stakeholders with every kind of cell: formulas, quotes and line breaks, no lead
    function, at risk, inactive, and one also at a site the exporter is not part of."""
    for number, value in enumerate(FORMULAE):
        StakeholderFactory(
            name=value, location=value, notes=value, sites=[site], interest=number % 5 + 1
        )
    StakeholderFactory(
        name='Mwanzo "old" council',
        notes="Two lines\nof notes, with a comma",
        lead_function=None,
        active=False,
        sites=[site, other_site],
    )
    StakeholderFactory(name="Far valley chiefs", sites=[other_site])
    StakeholderFactory(
        name="Zebra road users", lead_function=FunctionFactory(name="Community"), sites=[site]
    )


def resource_file(user, fmt):
    """What the library's own export of the resource writes for this user."""
    resource = StakeholderResource(user=user)
    queryset = stakeholder_admin_queryset(user=user).order_by("pk")
    if fmt == CSV:
        return resource.export(queryset=queryset).csv
    workbook = resource.export(queryset=queryset, force_native_type=True).xlsx
    return sheet_rows(openpyxl.load_workbook(io.BytesIO(workbook)).active)


def sheet_rows(sheet):
    return [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]


def test_the_csv_streams_the_resources_file(client, admin_member, registry_rows):
    client.force_login(admin_member)
    response = post(client)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="Stakeholder-')
    text = body(response).decode()
    assert text == resource_file(admin_member, CSV)
    assert "Far valley" not in text and "Far Valley Copper" not in text
    assert "Baraka Mwaipopo" in text  # cleared here: the admin maintains the defender


def test_the_xlsx_holds_the_resources_cells(client, admin_member, registry_rows):
    client.force_login(admin_member)
    response = post(client, XLSX)
    sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
    assert [cell.value for cell in sheet[1]] == list(HEADERS.values())
    assert sheet_rows(sheet) == resource_file(admin_member, XLSX)
    assert {cell.data_type for row in sheet.iter_rows(min_row=2) for cell in row[1:2]} == {"s"}


def test_only_the_columns_chosen(client, admin_member, registry_rows, site):
    client.force_login(admin_member)
    lines = body(post(client, fields=["sites", "name"])).decode().splitlines()
    assert lines[0] == "Name,Sites"
    assert '"Mwanzo ""old"" council",Kisima Ridge Gold Mine' in lines


def test_the_batches_join_up(client, admin_member, registry_rows, monkeypatch):
    client.force_login(admin_member)
    whole = body(post(client))
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    with CaptureQueriesContext(connection) as queries:
        assert body(post(client)) == whole
    reads = [q for q in queries if 'FROM "stakeholders_stakeholder"' in q["sql"]]
    assert len(reads) > 5  # read two at a time, not in one go


def test_the_filters_and_the_action_choose_the_rows(client, admin_member, registry_rows):
    client.force_login(admin_member)
    text = body(post(client, query="?at_risk__exact=1")).decode()
    assert len(text.splitlines()) == 2 and "Baraka Mwaipopo" in text
    chosen = stakeholder_admin_queryset(user=admin_member).filter(name__startswith="Zebra")
    data = {"format": CSV, "resource": "0", "stakeholderresource_name": "on"}
    response = client.post(EXPORT, {**data, "export_items": [chosen.get().pk]})
    assert body(response).decode().splitlines() == ["Name", "Zebra road users"]
    assert list(ExportLog.objects.values_list("row_count", flat=True)) == [1, 1]


def test_the_log_is_written_before_the_file(client, admin_member, registry_rows):
    client.force_login(admin_member)
    response = post(client)
    entry = ExportLog.objects.get()  # before a byte of the file is read
    assert (entry.kind, entry.format, entry.row_count, entry.names_included) == (
        "stakeholders",
        "csv",
        stakeholder_admin_queryset(user=admin_member).count(),
        True,
    )
    body(response)


def test_a_large_xlsx_is_refused_with_a_message(client, admin_member, registry_rows, monkeypatch):
    monkeypatch.setattr(registry, "XLSX_MAX_ROWS", 3)
    client.force_login(admin_member)
    response = post(client, XLSX)
    assert response.status_code == 200 and not response.streaming
    assert "too many for a spreadsheet download (at most 3)" in response.content.decode()
    assert not ExportLog.objects.exists()
    assert post(client, XLSX, query="?at_risk__exact=1").streaming


@pytest.mark.parametrize("fmt", [CSV, XLSX])
def test_the_queries_do_not_grow_with_the_stakeholders(client, superuser, site, fmt):
    client.force_login(superuser)
    counts = []
    for more in (5, 45):
        for _ in range(more):
            StakeholderFactory(sites=[site])
        with CaptureQueriesContext(connection) as queries:
            body(post(client, fmt))
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
