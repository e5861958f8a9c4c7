"""What the engagement admin pages share beyond the registry's mixins: the site filter of
rows that hang on an engagement, the names a history may show, and inline rows as the
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
