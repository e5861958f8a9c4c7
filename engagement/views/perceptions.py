"""The community perceptions page: per site, the quarterly trend of the findings on the
four community indicators, per community and for all of them, as charts with the same
figures in tables. What counts is decided by `engagement.perceptions`; the filters
(`engagement.filters.PerceptionFilterSet`) only narrow it."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from engagement import perceptions, selectors
from engagement.filters import PerceptionFilterSet

# Communities per page: each is a line on four charts and a row in four tables.
COMMUNITIES_PER_PAGE = 8


@require_safe
def perceptions_page(request):
    user = request.user
    filterset = PerceptionFilterSet(
        request.GET, queryset=perceptions.counted_finding_list(user=user), user=user
    )
    site = filterset.site
    context = {"page": "perceptions", "filter": filterset, "form": filterset.form, "site": site}
    if site is not None:
        date_from, date_to = filterset.chosen("date_from"), filterset.chosen("date_to")
        # Cleared at the site: restricted findings count, and names may be exported.
        cleared = selectors.cleared_at(user=user, site=site)
        communities = Paginator(
            perceptions.community_pks_with_findings(user=user, site=site, findings=filterset.qs),
            COMMUNITIES_PER_PAGE,
        ).get_page(request.GET.get("page"))
        reports = perceptions.perception_report(
            user=user,
            site=site,
            communities=perceptions.communities_by_pk(
                user=user, site=site, pks=communities.object_list
            ),
            date_from=date_from,
            date_to=date_to,
        )
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            {
                "page_obj": communities,
                "query": query.urlencode(),
                "reports": reports,
                "chart_data": perceptions.chart_data(reports),
                "has_findings": any(report.has_findings for report in reports),
                "community": filterset.chosen("community"),
                "date_from": date_from,
                "date_to": date_to,
                "cleared": cleared,
                "filtered": filterset.applied,
                "export_kind": "findings",
                "export_names": cleared,
            }
        )
    return render(request, "engagement/perceptions.html", context)
