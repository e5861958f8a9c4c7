"""What the engagement admin pages share beyond the registry's mixins: the site filter of
rows that hang on an engagement, the names a history may show, whether the user may change
an engagement and is cleared at a site (asked once a request), and inline rows as the
services take them."""

from engagement import selectors
from stakeholders.admin.base import HistoryMixin, MySitesFilter


class EngagementSitesFilter(MySitesFilter):
    """The user's own sites, for commitments and concerns (through their engagement)."""

    site_lookup = "engagement__site"


class EngagementHistoryMixin(HistoryMixin):
    """The history page of an engagement, commitment or concern, under the rules of
    `engagement.selectors.history_names` and `history_sealed`."""

    def history_named(self, request):
        return selectors.history_names(user=request.user)

    def history_sealed(self, request, obj):
        return selectors.history_sealed(user=request.user, record=obj)


def may_change_engagement(request, engagement):
    """`selectors.can_change_engagement` for the signed-in user, remembered for the rest of
    the request: an engagement's change page asks it of every inline, for every permission
    Django checks (25 times, two queries each, on one page)."""
    answers = request.__dict__.setdefault("_may_change_engagement", {})
    if engagement.pk not in answers:
        answers[engagement.pk] = selectors.can_change_engagement(
            user=request.user, engagement=engagement
        )
    return answers[engagement.pk]


def cleared_at(request, site):
    """`selectors.cleared_at` for the signed-in user, remembered for the rest of the
    request (a change page asks it of the form, its fields and each inline)."""
    answers = request.__dict__.setdefault("_cleared_at", {})
    if site.pk not in answers:
        answers[site.pk] = selectors.cleared_at(user=request.user, site=site)
    return answers[site.pk]


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
