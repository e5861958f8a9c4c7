"""The site report as PDF, made on the server by WeasyPrint (which needs Pango, in Debian
`libpango-1.0-0` and `libpangoft2-1.0-0`, and fonts such as `fonts-dejavu-core`). Without
them the PDF download is not offered; the page still prints from the browser."""

from functools import cache

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string

STYLESHEET = "css/report.css"


@cache
def available():
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):  # OSError: the library is there, Pango is not
        return False
    return True


def filename(report):
    site = "".join(char if char.isalnum() else "-" for char in report.site.name).strip("-")
    version = "-external" if report.external else ""
    return f"vpsa-report-{site}-{report.start.isoformat()}-{report.end.isoformat()}{version}.pdf"


def response(request, context, *, filename):
    from weasyprint import CSS, HTML

    html = render_to_string("reports/report_document.html", context, request=request)
    # Nothing is fetched: the stylesheet is read from disk and the charts are inline SVG.
    document = HTML(string=html, url_fetcher=_refuse, base_url=None)
    pdf = document.write_pdf(stylesheets=[CSS(filename=finders.find(STYLESHEET))])
    result = HttpResponse(pdf, content_type="application/pdf")
    result["Content-Disposition"] = f'attachment; filename="{filename}"'
    return result


def _refuse(url, *args, **kwargs):
    raise ValueError(f"The report fetches nothing: {url}")
