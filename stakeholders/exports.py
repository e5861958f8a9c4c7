"""Files of records for people to take away: CSV streamed row by row, XLSX written in
openpyxl's write-only mode, both logged (`ExportLog`) before the first byte leaves.

What goes into a file is decided by the caller, from the selectors, exactly as its list page
shows it; this module only writes cells: dates in ISO form, yes/no for booleans, and text a
spreadsheet would read as a formula prefixed with an apostrophe, as the registry's exports
do (`spreadsheets.escape_formula`), so an exported record never runs in whoever opens it.

It also reads the registry's rows for the admin's export (`registry_rows`), by keyset
batches of plain values, in the columns of `resources.StakeholderResource`.
"""

import csv
import datetime
import io
import tempfile
from itertools import islice
from operator import itemgetter

from django.db import transaction
from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

from stakeholders.models import ExportLog, Stakeholder
from stakeholders.selectors import site_list
from stakeholders.spreadsheets import escape_formula

# Query-string keys that are not filters and are not logged as such.
NOT_FILTERS = {"page", "format", "names"}

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Rows read from the database, and rows written to the network, at a time.
CHUNK_SIZE = 2000
LINES_PER_WRITE = 500


def cell_writer():
    """`cell(value)` for one file: numbers stay numbers, dates in ISO form, yes/no for
    booleans (translated once per file), the rest safe text."""
    words = {True: _("yes"), False: _("no")}

    def cell(value):
        if isinstance(value, str):
            return escape_formula(value)
        if value is None:
            return ""
        if isinstance(value, bool):
            return words[value]
        if isinstance(value, int | float):
            return value
        if isinstance(value, datetime.datetime | datetime.date):
            return value.isoformat()
        return escape_formula(str(value))

    return cell


def registry_csv_cell(value):
    """A registry cell in a CSV, as the registry's import reads it back: booleans 1/0,
    numbers in digits, text formula-escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return escape_formula(str(value))


def registry_xlsx_cell(value):
    """A registry cell in a workbook: numbers and booleans as such, text formula-escaped."""
    if value is None:
        return ""
    return escape_formula(value)


def joined(values, separator="; "):
    return separator.join(str(value) for value in values)


def log_export(*, request, kind, format, sites, names_included, row_count):
    """Record the export; committed at once, so the entry stays even if the download is
    cut short."""
    filters = {
        key: request.GET.getlist(key) if len(request.GET.getlist(key)) > 1 else value
        for key, value in request.GET.items()
        if key not in NOT_FILTERS and value != ""
    }
    with transaction.atomic():
        entry = ExportLog.objects.create(
            user=request.user,
            address=request.META.get("REMOTE_ADDR") or None,
            kind=kind,
            format=format,
            filters=filters,
            names_included=names_included,
            row_count=row_count,
        )
        entry.sites.set(sites)
    return entry


def _csv_lines(header, rows, *, cell, byte_order_mark):
    """The file's text, LINES_PER_WRITE rows at a time, the header at once."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def written():
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(header)
    # The byte-order mark makes Excel read UTF-8.
    yield ("\ufeff" if byte_order_mark else "") + written()
    rows = iter(rows)
    while lines := list(islice(rows, LINES_PER_WRITE)):
        writer.writerows([[cell(value) for value in row] for row in lines])
        yield written()


def csv_response(*, filename, header, rows, cell=None, byte_order_mark=True):
    """A download that writes the rows as the database hands them over: constant memory.
    `filename` without its extension."""
    lines = _csv_lines(header, rows, cell=cell or cell_writer(), byte_order_mark=byte_order_mark)
    response = StreamingHttpResponse(lines, content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(*, filename, title, header, rows, cell=None):
    """A workbook written in openpyxl's write-only mode (rows go to a temporary file as they
    come, so memory does not grow with them), then sent from that file."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cell = cell or cell_writer()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    bold = Font(bold=True)
    heading = []
    for name in header:
        heading_cell = WriteOnlyCell(sheet, value=cell(name))
        heading_cell.font = bold
        heading.append(heading_cell)
    sheet.append(heading)
    sheet.freeze_panes = "A2"
    for row in rows:
        values = []
        for value in row:
            written = WriteOnlyCell(sheet, value=cell(value))
            if isinstance(written.value, str):
                written.data_type = "s"  # text, never a formula, whatever it starts with
            values.append(written)
        sheet.append(values)
    # Closed, and so removed, by FileResponse once sent.
    output = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    workbook.save(output)
    output.seek(0)
    return FileResponse(
        output,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )


# The registry's columns as the admin's export writes them, by the field names of
# `resources.StakeholderResource`: what each reads from a row of REGISTRY_VALUES, or that
# `registry_rows` adds ("sites": the exporter's own sites among the stakeholder's).
REGISTRY_VALUES = (
    "pk",
    "name",
    "kind",
    "category__name",
    "lead_function__name",
    "location",
    "influence",
    "interest",
    "at_risk",
    "active",
    "notes",
)
REGISTRY_COLUMNS = {
    "id": itemgetter("pk"),
    "name": itemgetter("name"),
    "kind": itemgetter("kind"),
    "category": itemgetter("category__name"),
    "sites": itemgetter("sites"),
    "lead_function": itemgetter("lead_function__name"),
    "location": itemgetter("location"),
    "influence": itemgetter("influence"),
    "interest": itemgetter("interest"),
    "at_risk": itemgetter("at_risk"),
    "active": itemgetter("active"),
    "notes": itemgetter("notes"),
}


def registry_rows(stakeholders, *, user, fields):
    """The rows of the admin's registry export: for each of `stakeholders` (the admin's
    queryset, already scoped to what the user may export), the values of `fields`, in id
    order. Read CHUNK_SIZE at a time by keyset (ids above the last one read), with the
    sites of each chunk, so the time per row and the memory stay flat however many there
    are. Each stakeholder's sites are those among the user's own (`selectors.site_list`),
    by name, joined with ";" as the import reads them."""
    getters = [REGISTRY_COLUMNS[name] for name in fields]
    own_sites = {
        pk: (rank, name)
        for rank, (pk, name) in enumerate(site_list(user=user).values_list("pk", "name"))
    }
    stakeholders = stakeholders.prefetch_related(None).order_by("pk").values(*REGISTRY_VALUES)
    last = None
    while True:
        batch = stakeholders if last is None else stakeholders.filter(pk__gt=last)
        chunk = list(batch[:CHUNK_SIZE])
        if not chunk:
            return
        last = chunk[-1]["pk"]
        if "sites" in fields:
            _join_sites(chunk, own_sites)
        for row in chunk:
            yield [getter(row) for getter in getters]


def _join_sites(chunk, own_sites):
    sites = {}
    through = Stakeholder.sites.through.objects.filter(
        stakeholder_id__in=[row["pk"] for row in chunk], site_id__in=list(own_sites)
    )
    for stakeholder_id, site_id in through.values_list("stakeholder_id", "site_id"):
        sites.setdefault(stakeholder_id, []).append(own_sites[site_id])
    for row in chunk:
        row["sites"] = ";".join(name for _rank, name in sorted(sites.get(row["pk"], ())))
