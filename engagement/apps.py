from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The stakeholder page's engagement timeline: rows per page, and the query parameter of
# its page (its own, so that paging it keeps the rest of the stakeholder page).
TIMELINE_PAGE_SIZE = 10
TIMELINE_PAGE_PARAM = "engagements_page"

# What draws a community's perception trend on the stakeholder page (static paths).
PERCEPTION_CHART_SCRIPTS = ["vendor/chart.js-4.4.7/chart.umd.js", "js/perceptions.js"]


class EngagementConfig(AppConfig):
    name = "engagement"
    verbose_name = _("Engagement")

    def seed_demo(self, site, *, dry_run=False):
        """Called by `seed_demo` once the registry is in: the demo site's year of
        engagements. Returns how many engagements were logged. A dry run stores no
        attachment files (its rows are rolled back; files on disk would stay)."""
        from engagement import demo

        return demo.seed(site, store_files=not dry_run)

    def stakeholder_sections(self, *, request, stakeholder):
        """Called by the stakeholder page (`stakeholders` finds this through the app
        registry and never imports `engagement`): its engagement timeline, open commitments
        and concerns, and when each objective of its category was last addressed, all as
        `engagement.selectors` lets this user see them. The last-addressed list stands in
        for the page's own list of objectives."""
        from django.core.paginator import Paginator

        from engagement import perceptions, selectors

        user = request.user
        engagements = Paginator(
            selectors.stakeholder_engagement_list(user=user, stakeholder=stakeholder),
            TIMELINE_PAGE_SIZE,
        ).get_page(request.GET.get(TIMELINE_PAGE_PARAM))
        query = request.GET.copy()
        query.pop(TIMELINE_PAGE_PARAM, None)
        objectives = list(
            selectors.objective_last_addressed_list(user=user, stakeholder=stakeholder)
        )
        sections = [
            {
                "template": "engagement/includes/_stakeholder_timeline.html",
                "replaces": ["objectives"],
                "context": {
                    "stakeholder": stakeholder,
                    "page_obj": engagements,
                    "page_param": TIMELINE_PAGE_PARAM,
                    "query": query.urlencode(),
                    "several_sites": len(stakeholder.sites.all()) > 1,
                    "commitments": selectors.stakeholder_open_commitment_list(
                        user=user, stakeholder=stakeholder
                    ),
                    "concerns": selectors.stakeholder_open_concern_list(
                        user=user, stakeholder=stakeholder
                    ),
                    "objectives": objectives,
                },
            }
        ]
        # A local community's own perception trend (nothing for other stakeholders): its
        # category's objectives, read above, say whether it is one.
        trend = perceptions.community_trend(
            user=user,
            stakeholder=stakeholder,
            community=any(objective.indicator for objective in objectives),
        )
        if trend is not None:
            sites = list(stakeholder.sites.all())  # the user's own, as the page shows them
            sections.append(
                {
                    "template": "engagement/includes/_perception_trend.html",
                    "context": {
                        "stakeholder": stakeholder,
                        "report": trend,
                        "chart_data": perceptions.chart_data([trend]),
                        "site": sites[0] if sites else None,
                    },
                    # The chart's, in the page's scripts block: only when there is one.
                    "scripts": PERCEPTION_CHART_SCRIPTS if trend.axis else [],
                }
            )
        return sections
