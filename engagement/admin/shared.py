"""What the engagement admin pages share beyond the registry's mixins: the site filter of
rows that hang on an engagement, the names a history may show, whether the user may change
an engagement and is cleared at a site (asked once a request), the registers' paging and
counting, and inline rows as the services take them."""

from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator

from engagement import selectors
from stakeholders.admin.base import HistoryMixin, MySitesFilter


class EngagementSitesFilter(MySitesFilter):
    """The user's own sites, for commitments and concerns (through their engagement)."""

    site_lookup = "engagement__site"


class RegisterSitesFilter(MySitesFilter):
    """For commitments and concerns: by the row's own copy of its engagement's site, which
    its register is narrowed by already (who may see a row is still decided through its
    engagement), and with no DISTINCT: each row has one engagement, so none can be listed
    twice, and DISTINCT made the database count a site's rows through a copy of them all."""

    site_lookup = "site"
    distinct = False


class EngagementHistoryMixin(HistoryMixin):
    """The history page of an engagement, commitment or concern, under the rules of
    `engagement.selectors.history_names` and `history_sealed`."""

    def history_named(self, request):
        return selectors.history_names(user=request.user)

    def history_sealed(self, request, obj):
        return selectors.history_sealed(user=request.user, record=obj)


def site_membership(request, site_id):
    """The signed-in user's membership at a site (None without one), with whether their
    role edits site-wide (`selectors.site_membership`), read once a request: whether they
    are cleared there and whether they may change its engagements are both answered from
    it, as `selectors.engagement_access` answers them."""
    memberships = request.__dict__.setdefault("_site_membership", {})
    if site_id not in memberships:
        memberships[site_id] = selectors.site_membership(user=request.user, site=site_id)
    return memberships[site_id]


def may_change_engagement(request, engagement):
    """`selectors.can_change_engagement` for the signed-in user, remembered for the rest of
    the request: an engagement's change page asks it of every inline, for every permission
    Django checks (25 times, two queries each, on one page)."""
    answers = request.__dict__.setdefault("_may_change_engagement", {})
    if engagement.pk not in answers:
        user = request.user
        membership = None
        if getattr(user, "is_authenticated", False) and not user.is_superuser:
            membership = site_membership(request, engagement.site_id)
        answers[engagement.pk] = selectors.can_change_engagement(
            user=user, engagement=engagement, membership=membership
        )
    return answers[engagement.pk]


def cleared_at(request, site):
    """`selectors.cleared_at` for the signed-in user, remembered for the rest of the
    request (a change page asks it of the form, its fields and each inline), from the
    same read of their membership as `may_change_engagement`."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    membership = site_membership(request, site.pk)
    return membership is not None and membership.cleared


class KeysFirstPaginator(Paginator):
    """Reads a page's keys first, in the list's order, then the rows of those keys only.

    Asked for a page at once, the database joins every listed row to its engagement, site
    and people before it sorts them (all 100,000 concerns, to show 25), and PostgreSQL
    sorts those wide rows on disk; the keys alone are sorted from the table or an index.
    The rows are read through the same queryset, so the same rules decide what is shown."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = self.object_list.prefetch_related(None).values_list("pk", flat=True)
        keys = list(rows[bottom:top])
        return self._get_page(list(self.object_list.filter(pk__in=keys)), number, self)


class CountedOnceChangeList(ChangeList):
    """Counts a list once when nothing narrows it. Django counts the filtered list for its
    pages and the whole list for "(N total)": the same count twice on the page most
    opened, each reading every row the user may see at their sites.

    Its admin sets `show_full_result_count = False`, so that Django leaves the whole list
    uncounted; it is counted here only when a filter or a search narrowed the list."""

    def get_results(self, request):
        super().get_results(request)
        if self.get_filters_params() or self.query:
            self.full_result_count = self.root_queryset.count()
        else:
            self.full_result_count = self.result_count
        self.show_full_result_count = True
        self.show_admin_actions = bool(self.full_result_count)


def row_data(row, fields):
    """The values of an inline row's `fields`, as the services take them. A relation left
    empty is passed as None where the model allows it (a concern's unnamed source) and left
    out where it does not, so the service fills its default (a commitment's function)."""
    data = {}
    for name in fields:
        model_field = row._meta.get_field(name)
        if model_field.is_relation and getattr(row, model_field.attname) is None:
            if model_field.null:
                data[name] = None
            continue
        data[name] = getattr(row, name)
    return data
