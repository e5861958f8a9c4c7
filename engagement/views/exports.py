"""Downloads of the review lists: the engagement list (and "my function"), the commitments
register, the concerns register and the perceptions page's findings, as CSV or XLSX, with
the page's filters. Each export is
logged before the file starts (`stakeholders.exports.log_export`)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from engagement import exports, perceptions, selectors
from engagement.filters import (
    CommitmentFilterSet,
    ConcernFilterSet,
    EngagementFilterSet,
    FunctionEngagementFilterSet,
    PerceptionFilterSet,
)
from stakeholders.exports import csv_response, log_export, xlsx_response
from stakeholders.selectors import site_list

# Above this many rows an XLSX is refused: the workbook is built before it is sent, which
# would keep the exporter waiting (and a proxy timing out). CSV streams any number.
XLSX_MAX_ROWS = 100_000

# kind in the URL: (what is exported, its filters, its rows as the user may see them, the
# list page it comes from)
KINDS = {
    "engagements": (
        exports.ENGAGEMENTS,
        EngagementFilterSet,
        selectors.engagement_review_list,
        "engagement:list",
    ),
    "my-function": (
        exports.ENGAGEMENTS,
        FunctionEngagementFilterSet,
        selectors.function_engagement_list,
        "engagement:mine",
    ),
    "commitments": (
        exports.COMMITMENTS,
        CommitmentFilterSet,
        selectors.commitment_register,
        "engagement:commitments",
    ),
    "concerns": (
        exports.CONCERNS,
        ConcernFilterSet,
        selectors.concern_register,
        "engagement:concerns",
    ),
    "findings": (
        exports.FINDINGS,
        PerceptionFilterSet,
        perceptions.counted_finding_list,
        "engagement:perceptions",
    ),
}


@require_safe
def export(request, kind, format):
    if kind not in KINDS or format not in ("csv", "xlsx"):
        raise Http404
    what, filterset_class, selector, list_page = KINDS[kind]
    user = request.user
    names = request.GET.get("names") == "1"
    if names and not selectors.may_export_names(user=user):
        raise PermissionDenied(_("Only users cleared at a site may export protected names."))
    filterset = filterset_class(request.GET, queryset=selector(user=user), user=user)
    records = filterset.qs
    if filterset.left_out:
        # The list page names the filter it could not apply; a file cannot, so none is made.
        messages.error(
            request,
            _("A filter could not be applied, so nothing was downloaded: correct it first."),
        )
        return _back(list_page, request)
    row_count = records.count()
    if format == "xlsx" and row_count > XLSX_MAX_ROWS:
        messages.error(
            request,
            _(
                "%(count)s rows are too many for a spreadsheet download (at most %(max)s): "
                "narrow the filters or download CSV."
            )
            % {"count": f"{row_count:,}", "max": f"{XLSX_MAX_ROWS:,}"},
        )
        return _back(list_page, request)
    # The perceptions page always shows one site (its own when a bad one was asked for).
    chosen_site = getattr(filterset, "site", None) or filterset.form.cleaned_data.get("site")
    log_export(
        request=request,
        kind=what.kind,
        format=format,
        sites=[chosen_site] if chosen_site else site_list(user=user),
        names_included=names,
        row_count=row_count,
    )
    rows = what.rows(records, user=user, names=names)
    filename = f"vpsa-{kind}"
    if format == "csv":
        return csv_response(filename=filename, header=what.header, rows=rows)
    return xlsx_response(filename=filename, title=str(what.title), header=what.header, rows=rows)


def _back(list_page, request):
    """To the list page the download came from, with its filters."""
    query = request.GET.copy()
    query.pop("names", None)
    return redirect(f"{reverse(list_page)}?{query.urlencode()}")
