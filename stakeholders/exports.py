"""Files of records for people to take away: CSV streamed row by row, XLSX written in
openpyxl's write-only mode, both logged (`ExportLog`) before the first byte leaves.

What goes into a file is decided by the caller, from the selectors, exactly as its list page
shows it; this module only writes cells: dates in ISO form, yes/no for booleans, and text a
spreadsheet would read as a formula prefixed with an apostrophe, as the registry's exports
do (`spreadsheets.escape_formula`), so an exported record never runs in whoever opens it.
"""

import csv
import datetime
import tempfile

from django.db import transaction
from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

from stakeholders.models import ExportLog
from stakeholders.spreadsheets import escape_formula

# Query-string keys that are not filters and are not logged as such.
NOT_FILTERS = {"page", "format", "names"}

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell(value):
    """One value as a cell: numbers stay numbers, the rest becomes safe text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return escape_formula(str(value))


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


class _Echo:
    """A file-like object whose write returns what was written, for csv.writer."""

    def write(self, value):
        return value


def _csv_lines(header, rows):
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)  # the byte-order mark makes Excel read UTF-8
    for row in rows:
        yield writer.writerow([cell(value) for value in row])


def csv_response(*, filename, header, rows):
    """A download that writes each row as the database hands it over: constant memory."""
    response = StreamingHttpResponse(_csv_lines(header, rows), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(*, filename, title, header, rows):
    """A workbook written in openpyxl's write-only mode (rows go to a temporary file as they
    come, so memory does not grow with them), then sent from that file."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

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
