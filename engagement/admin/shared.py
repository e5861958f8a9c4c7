"""What the engagement admin pages share beyond the registry's mixins: the site filter of
rows that hang on an engagement, the names a history may show, and inline rows as the
services take them."""

from engagement import selectors
from engagement.models import Concern, Engagement
from stakeholders.admin.base import HistoryMixin, MySitesFilter, history_names
from stakeholders.models import EngagementObjective, Stakeholder


class EngagementSitesFilter(MySitesFilter):
    """The user's own sites, for commitments and concerns (through their engagement)."""

    site_lookup = "engagement__site"


class EngagementHistoryMixin(HistoryMixin):
    """The history page of an engagement, commitment or concern. Stakeholders are named
    by `str()`, which is the placeholder for anyone at risk, and only those of the user's
    sites; engagements only those the user may see; other rows as the registry's."""

    def history_named(self, request):
        user = request.user
        return {
            **history_names(user),
            Stakeholder: Stakeholder.objects.visible_to(user),
            EngagementObjective: EngagementObjective.objects.all(),
            Engagement: Engagement.objects.visible_to(user),
        }

    def history_sealed(self, request, obj):
        """Records written while restricted from this user: an engagement's while it was
        restricted, a concern's while it was an allegation, unless the user is cleared at
        the site. Opening a record does not open its restricted past."""
        engagement = obj if isinstance(obj, Engagement) else obj.engagement
        if selectors.cleared_at(user=request.user, site=engagement.site):
            return None
        if isinstance(obj, Engagement):
            return lambda record: record.confidentiality == Engagement.Confidentiality.RESTRICTED
        if isinstance(obj, Concern):
            return lambda record: record.type in Concern.ALLEGATIONS
        return None


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
