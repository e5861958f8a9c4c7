"""The VPs site report: a live page for a site and period that prints cleanly, downloads as
PDF, and has a version to share outside the company; and its lessons learned."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from reports import pdf, selectors, services
from reports.forms import LessonsForm, ReportForm
from stakeholders.exports import log_export
from stakeholders.models import ExportLog


def _render(request, context, status=200):
    """The report's page. Its site picker reads the user's sites once (a select reads its
    choices twice as it renders: for its first option, then for all; and `list()` would
    count them first)."""
    form = context["form"]
    if form is not None:
        form.fields["site"].choices = list(iter(form.fields["site"].choices))
    return render(request, "reports/report.html", context, status=status)


def _report_url(site, start, end, **extra):
    query = {"site": site.pk, "date_from": start.isoformat(), "date_to": end.isoformat()}
    return f"{reverse('reports:report')}?{urlencode({**query, **extra})}"


@require_safe
def report(request):
    sites = selectors.report_site_list(user=request.user)
    if not request.GET:
        site = sites.first()
        if site is None:
            return render(request, "reports/report.html", {"page": "report", "form": None})
        start, end = selectors.default_period(user=request.user, site=site)
        return redirect(_report_url(site, start, end))
    form = ReportForm(request.GET, sites=sites)
    context = {"page": "report", "form": form}
    if not form.is_valid():
        return _render(request, context, status=400)
    data = form.cleaned_data
    site, start, end = data["site"], data["date_from"], data["date_to"]
    external = data["version"] == ReportForm.EXTERNAL
    site_report = selectors.site_report(
        user=request.user,
        site=site,
        start=start,
        end=end,
        external=external,
        threshold=data["threshold"],
    )
    context.update(
        {
            "report": site_report,
            "may_write_lessons": not external
            and selectors.can_write_lessons(user=request.user, site=site),
            "lessons_url": f"{reverse('reports:lessons')}?"
            + urlencode({"site": site.pk, "date_from": start, "date_to": end}),
            "query": request.GET.urlencode(),
            "pdf_available": pdf.available(),
        }
    )
    if request.GET.get("format") == "pdf":
        if not pdf.available():
            raise Http404
        # A PDF leaves VPSA like any download: logged first.
        log_export(
            request=request,
            kind=ExportLog.Kind.REPORT,
            format=ExportLog.Format.PDF,
            sites=[site],
            names_included=not external and site_report.cleared,
            row_count=site_report.engagements_total.value or 0,
        )
        return pdf.response(request, context, filename=pdf.filename(site_report))
    return _render(request, context)


@require_http_methods(["GET", "HEAD", "POST"])
def lessons(request):
    """Write the lessons learned of the site and period named in the query string."""
    sites = selectors.report_site_list(user=request.user)
    period = ReportForm(request.GET, sites=sites)
    if not period.is_valid():
        raise Http404
    site, start, end = (period.cleaned_data[k] for k in ("site", "date_from", "date_to"))
    if not selectors.can_write_lessons(user=request.user, site=site):
        raise PermissionDenied
    current = selectors.lessons_get(site=site, start=start, end=end)
    form = LessonsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.lessons_save(
                actor=request.user,
                site=site,
                start=start,
                end=end,
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The lessons learned are saved."))
            return redirect(_report_url(site, start, end) + "#lessons")
    return render(
        request,
        "reports/lessons_form.html",
        {
            "page": "report",
            "form": form,
            "site": site,
            "start": start,
            "end": end,
            "report_url": _report_url(site, start, end),
        },
    )
