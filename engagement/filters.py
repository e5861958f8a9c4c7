"""The filters of the review pages: the engagement list (and "my function"), the
commitments register and the concerns register.

Each is built with the user and given a queryset that is already the user's own rows
(`engagement.selectors`): a filter only narrows it, and every option offered (sites,
stakeholders, owners, a restricted confidentiality, the allegation types) is one the user
may see. A bad value is named on the page and left out (`stakeholders.filters`).
"""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from engagement import perceptions, search, selectors
from engagement.models import Commitment, Concern, Engagement
from stakeholders.filters import (
    CheckFilter,
    ListedChoiceFilter,
    ListedModelChoiceField,
    LookupSelect,
    ScopedFilterSet,
    StakeholderChoiceFilter,
    YesNoFilter,
    stakeholder_choices,
)
from stakeholders.models import (
    EngagementObjective,
    Function,
    Site,
    Stakeholder,
    StakeholderCategory,
)
from stakeholders.selectors import cleared_site_list, site_list

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# Short labels for the confidentiality filter (the model's say who may see each).
CONFIDENTIALITY = [
    (Engagement.Confidentiality.INTERNAL, _("Internal")),
    (Engagement.Confidentiality.RESTRICTED, _("Restricted")),
]


class PersonChoiceField(ListedModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class PersonChoiceFilter(ListedChoiceFilter):
    field_class = PersonChoiceField


def _site_filter(field_name="site"):
    return ListedChoiceFilter(
        label=_("Site"),
        field_name=field_name,
        queryset=Site.objects.none(),
        empty_label=_("All my sites"),
    )


def _function_filter(field_name="lead_function"):
    return ListedChoiceFilter(
        label=_("Lead function"),
        field_name=field_name,
        queryset=Function.objects.all(),
        empty_label=_("All functions"),
    )


def _cleared_somewhere(user):
    return cleared_site_list(user=user).exists()


class ClearanceScopedFilterSet(ScopedFilterSet):
    """A filter set whose options depend on whether the user is cleared at one of their
    sites. A page that has asked already (`selectors.may_export_names`, the same answer)
    gives it as `cleared_somewhere`, so that it is asked once a request; otherwise it is
    asked here."""

    def __init__(self, *args, cleared_somewhere=None, **kwargs):
        self._cleared_somewhere = cleared_somewhere
        super().__init__(*args, **kwargs)

    def cleared_somewhere(self, user):
        if self._cleared_somewhere is None:
            self._cleared_somewhere = _cleared_somewhere(user)
        return self._cleared_somewhere


class EngagementFilterSet(ClearanceScopedFilterSet):
    """The engagement list: give it `selectors.engagement_review_list(user=...)`."""

    q = django_filters.CharFilter(label=_("Search"), method="search", max_length=100)
    site = _site_filter()
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="date", lookup_expr="gte", widget=DATE_INPUT
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="date", lookup_expr="lte", widget=DATE_INPUT
    )
    category = ListedChoiceFilter(
        label=_("Category met"),
        queryset=StakeholderCategory.objects.all(),
        empty_label=_("All categories"),
        method="with_category",
    )
    stakeholder = StakeholderChoiceFilter(
        label=_("Stakeholder"),
        queryset=Stakeholder.objects.none(),
        empty_label=_("Any stakeholder"),
        method="with_stakeholder",
        widget=LookupSelect,
    )
    function = _function_filter()
    objective = ListedChoiceFilter(
        label=_("Objective"),
        queryset=EngagementObjective.objects.all(),
        empty_label=_("Any objective"),
        method="with_objective",
    )
    format = django_filters.ChoiceFilter(
        label=_("Format"), choices=Engagement.Format.choices, empty_label=_("All formats")
    )
    confidentiality = django_filters.ChoiceFilter(
        label=_("Confidentiality"), choices=CONFIDENTIALITY, empty_label=_("Any")
    )
    has_open_commitments = YesNoFilter(label=_("Open commitments"), method="with_open_commitments")

    def scope(self, user):
        self.filters["site"].queryset = site_list(user=user)
        self.filters["stakeholder"].queryset = stakeholder_choices(user=user)
        if not self.cleared_somewhere(user):
            # It could only ever show what they see anyway; "restricted" is not offered.
            self.filters["confidentiality"].extra["choices"] = CONFIDENTIALITY[:1]

    def search(self, queryset, name, value):
        return search.matching(queryset, value)

    def with_category(self, queryset, name, category):
        return queryset.filter(selectors.meets_category(category))

    def with_open_commitments(self, queryset, name, value):
        if value not in ("yes", "no"):
            return queryset
        condition = selectors.has_open_commitments()
        return queryset.filter(condition if value == "yes" else ~condition)

    def with_stakeholder(self, queryset, name, stakeholder):
        met = Engagement.stakeholders.through.objects.filter(
            engagement=OuterRef("pk"), stakeholder=stakeholder
        )
        return queryset.filter(Exists(met))

    def with_objective(self, queryset, name, objective):
        addressed = Engagement.objectives.through.objects.filter(
            engagement=OuterRef("pk"), engagementobjective=objective
        )
        return queryset.filter(Exists(addressed))


class FunctionEngagementFilterSet(EngagementFilterSet):
    """The "my function" view: the lead function is the user's own at each site, not a filter."""

    def scope(self, user):
        super().scope(user)
        del self.filters["function"]


class CommitmentFilterSet(ScopedFilterSet):
    """The commitments register: give it `selectors.commitment_register(user=...)`. With
    no status asked for, it shows the unresolved ones (open or in progress)."""

    UNRESOLVED = "unresolved"
    STATUSES = [
        (UNRESOLVED, _("Open or in progress")),
        *Commitment.Status.choices,
    ]

    defaults = {"status": UNRESOLVED}

    # The commitment's copy of its engagement's site (an index of its own); who may see
    # it was decided through the engagement, by the register's selector.
    site = _site_filter("site")
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUSES, empty_label=_("Any status"), method="with_status"
    )
    owner = PersonChoiceFilter(
        label=_("Owner"), queryset=get_user_model().objects.none(), empty_label=_("Anyone")
    )
    function = _function_filter()
    due_from = django_filters.DateFilter(
        label=_("Due from"), field_name="due_on", lookup_expr="gte", widget=DATE_INPUT
    )
    due_to = django_filters.DateFilter(
        label=_("Due by"), field_name="due_on", lookup_expr="lte", widget=DATE_INPUT
    )
    overdue = CheckFilter(label=_("Overdue only"), field_name="is_overdue")

    def scope(self, user):
        self.filters["site"].queryset = site_list(user=user)
        self.filters["owner"].queryset = selectors.register_owner_list(user=user)

    def with_status(self, queryset, name, value):
        if value == self.UNRESOLVED:
            return queryset.exclude(status__in=Commitment.CLOSED)
        return queryset.filter(status=value)


class ConcernFilterSet(ClearanceScopedFilterSet):
    """The concerns register: give it `selectors.concern_register(user=...)`. The
    allegation types are offered only to users cleared at one of their sites (only they
    see allegations). "Any allegation" (`allegations`) takes both allegation types at
    once: the dashboard's allegation figures link here with it."""

    ALLEGATIONS = "allegations"
    TYPES = [(ALLEGATIONS, _("Any allegation")), *Concern.Type.choices]

    site = _site_filter("site")  # the concern's copy of its engagement's site
    type = django_filters.ChoiceFilter(
        label=_("Type"), choices=TYPES, empty_label=_("All types"), method="with_type"
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Concern.Status.choices, empty_label=_("Any status")
    )
    severity = django_filters.ChoiceFilter(
        label=_("Severity"), choices=Concern.Severity.choices, empty_label=_("Any severity")
    )
    date_from = django_filters.DateFilter(
        label=_("Raised from"), field_name="engagement__date", lookup_expr="gte", widget=DATE_INPUT
    )
    date_to = django_filters.DateFilter(
        label=_("Raised to"), field_name="engagement__date", lookup_expr="lte", widget=DATE_INPUT
    )

    def scope(self, user):
        self.filters["site"].queryset = site_list(user=user)
        if not self.cleared_somewhere(user):
            self.filters["type"].extra["choices"] = [
                (value, label)
                for value, label in Concern.Type.choices
                if value not in Concern.ALLEGATIONS
            ]

    def with_type(self, queryset, name, value):
        if value == self.ALLEGATIONS:
            return queryset.filter(type__in=Concern.ALLEGATIONS)
        return queryset.filter(type=value)


class PerceptionFilterSet(ScopedFilterSet):
    """The community perceptions page: give it `perceptions.counted_finding_list(user=...)`. One
    site at a time, always: the one asked for if it is the user's, else their first (a bad
    value is named and the first shown). By default the last eight quarters up to that
    site's today. The community options are that site's communities the user may see, by
    the name they may see (the placeholder for a hidden one)."""

    site = django_filters.ModelChoiceFilter(
        label=_("Site"),
        field_name="site",  # the finding's copy of its engagement's site, and date below
        queryset=Site.objects.none(),
        empty_label=None,
    )
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="date", lookup_expr="gte", widget=DATE_INPUT
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="date", lookup_expr="lte", widget=DATE_INPUT
    )
    community = StakeholderChoiceFilter(
        label=_("Community"),
        field_name="community",
        queryset=Stakeholder.objects.none(),
        empty_label=_("All communities"),
    )

    def __init__(self, data=None, queryset=None, *, user, prefix=None):
        sites = list(site_list(user=user)) if getattr(user, "is_authenticated", False) else []
        asked = str((data or {}).get("site", ""))
        self.site = next((site for site in sites if str(site.pk) == asked), None) or (
            sites[0] if sites else None
        )
        self.defaults = {}
        if self.site is not None:
            date_from, date_to = perceptions.default_period(self.site.today())
            self.defaults = {"site": self.site, "date_from": date_from, "date_to": date_to}
        super().__init__(data, queryset, user=user, prefix=prefix)

    def scope(self, user):
        self.filters["site"].queryset = site_list(user=user)
        if self.site is not None:
            self.filters["community"].queryset = perceptions.community_list(
                user=user, site=self.site
            )
            self.filters["community"].extra["widget"] = LookupSelect(
                communities=True, site=self.site
            )

    def filter_queryset(self, queryset):
        # Whatever was asked, one of the user's sites (a bad value falls back, above).
        if self.site is None:
            return queryset.none()
        return super().filter_queryset(queryset).filter(site=self.site)

    def chosen(self, name):
        """The value of a filter as applied: None when empty or left out."""
        self.form.is_valid()
        return self.form.cleaned_data.get(name)
