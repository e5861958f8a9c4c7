"""The list pages' filters, as django-filter `FilterSet`s, and the rule they all keep.

`ScopedFilterSet` is built with the user: every option it offers (sites, stakeholders,
people) is scoped to what that user may see, and the queryset it is given is already the
user's own rows (read through a selector), so a filter only ever narrows it. A bad value
(`?date_from=banana`, another site's id, an unknown choice) is named on the page and left
out, while the other filters still apply. The engagement app's filter sets build on it
(`engagement` may import `stakeholders`, never the reverse).
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import QueryDict
from django.urls import reverse_lazy
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from stakeholders import redaction, selectors
from stakeholders.models import (
    RATING_MAX,
    RATING_MIN,
    Function,
    Site,
    Stakeholder,
    StakeholderCategory,
    VulnerableGroup,
)

PAGE_SIZE = 25

# A searched list counts its rows up to this many, then says "more than" (`filtered_page`):
# a common word matches much of a large list, and an exact figure would read every match.
SEARCH_COUNT_LIMIT = 1000


class ScopedFilterSet(django_filters.FilterSet):
    """A FilterSet for one user's list page.

    `scope(user)` narrows the options of the filters to what the user may see; it runs
    before the form is built. `defaults` gives a parameter's value when the request does
    not name it at all (an empty value, "any", still means no filter).
    """

    defaults = {}

    def __init__(self, data=None, queryset=None, *, user, prefix=None):
        data = data.copy() if data is not None else QueryDict(mutable=True)
        for name, value in self.defaults.items():
            data.setdefault(name, value)
        super().__init__(data, queryset, prefix=prefix)
        self.user = user
        self.scope(user)

    def scope(self, user):
        """Set the user's own options on the filters (querysets, choices)."""

    @property
    def left_out(self):
        """The filters whose value could not be applied: [(label, message), ...]."""
        self.form.is_valid()
        return [(field.label, error) for field in self.form for error in field.errors] + [
            (None, error) for error in self.form.non_field_errors()
        ]

    @property
    def searched(self):
        """Whether the user searched the rows' text: the filter set's `q` has a value."""
        self.form.is_valid()
        return "q" in self.filters and bool(self.form.cleaned_data.get("q"))

    @property
    def applied(self):
        """Whether a filter the user chose narrows the list (a default does not count)."""
        return self.active_count > 0

    @property
    def active_count(self):
        """How many filters the user chose that narrow the list (defaults not counted)."""
        self.form.is_valid()
        return sum(
            value not in django_filters.constants.EMPTY_VALUES
            and value is not False
            and value != self.defaults.get(name)
            for name, value in self.form.cleaned_data.items()
        )


class CappedPaginator(Paginator):
    """A paginator of a queryset that counts at most `limit` rows (None: all of them). Its
    pages go up to the limit; `capped` says that more rows than that are there."""

    def __init__(self, object_list, per_page, *, limit=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.limit = limit

    @cached_property
    def _counted(self):
        # A COUNT over the first limit + 1 rows, in no order: it stops reading there, by
        # whichever index finds them first (kept in the list's order, it would read them all).
        return self.object_list.order_by()[: self.limit + 1].count()

    @cached_property
    def count(self):
        if self.limit is None:
            return super().count
        return min(self._counted, self.limit)

    @property
    def capped(self):
        return self.limit is not None and self._counted > self.limit


def filtered_page(request, filterset, per_page=PAGE_SIZE):
    """What a filtered list page shows: the filters, the page of rows asked for, and the
    query string of the filters (without the page) for the pagination links. A searched
    list is counted up to `SEARCH_COUNT_LIMIT` rows (the page's `paginator.capped` says
    when more match); any other is counted exactly."""
    limit = SEARCH_COUNT_LIMIT if filterset.searched else None
    paginator = CappedPaginator(filterset.qs, per_page, limit=limit)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "filter": filterset,
        "form": filterset.form,
        "page_obj": page,
        "filtered": filterset.applied,
        "query": query.urlencode(),
    }


class ListedChoiceIterator(django_filters.fields.ModelChoiceIterator):
    """The options of a `ListedModelChoiceField`: its rows, read once."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for obj in self.field.rows:
            yield self.choice(obj)

    def __len__(self):
        extra = (self.field.empty_label is not None) + (self.field.null_label is not None)
        return len(self.field.rows) + extra

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.field.rows)


class ListedModelChoiceField(django_filters.fields.ModelChoiceField):
    """A choice among a few rows (the user's sites, the categories, functions, objectives,
    vulnerable groups): its queryset is read once per form (`rows`), for the options drawn
    and for the value checked, where Django's field reads it again for each. A value is
    valid exactly when Django's would be: it names one of those rows by its key."""

    iterator = ListedChoiceIterator
    _rows = None

    @property
    def rows(self):
        if self._rows is None:
            self._rows = list(self.queryset)
        return self._rows

    def _set_queryset(self, queryset):
        self._rows = None
        super()._set_queryset(queryset)

    queryset = property(django_filters.fields.ModelChoiceField._get_queryset, _set_queryset)

    def to_python(self, value):
        if self.null_label is not None and value == self.null_value:
            return value
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        key = self.to_field_name or "pk"
        model = self.queryset.model
        if isinstance(value, model):
            value = getattr(value, key)
        field = model._meta.pk if key == "pk" else model._meta.get_field(key)
        try:
            wanted = field.to_python(value)
        except (ValidationError, ValueError, TypeError):
            wanted = None
        for row in self.rows if wanted is not None else ():
            if getattr(row, key) == wanted:
                return row
        raise ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )


class ListedChoiceFilter(django_filters.ModelChoiceFilter):
    """A `ModelChoiceFilter` over a few rows, read once (`ListedModelChoiceField`)."""

    field_class = ListedModelChoiceField


class YesNoFilter(django_filters.ChoiceFilter):
    """Any, yes or no, over a boolean field or annotation."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [("yes", _("Yes")), ("no", _("No"))])
        kwargs.setdefault("empty_label", _("Any"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value not in ("yes", "no"):
            return qs
        return qs.filter(**{self.field_name: value == "yes"})


class CheckFilter(django_filters.BooleanFilter):
    """A checkbox: ticked, the rows where the boolean field or annotation is true;
    unticked (or any other value), no filter."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.CheckboxInput)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is not True:
            return qs
        return qs.filter(**{self.field_name: True})


class StakeholderChoiceField(django_filters.fields.ModelChoiceField):
    """Stakeholders by the name this user may see: the placeholder for a hidden one. What
    the value was checked against is kept (`checked`: the id, and the stakeholder or None
    when the field's queryset has none of that id) for the `LookupSelect` to draw, so the
    chosen one is read once."""

    checked = None

    def label_from_instance(self, obj):
        return redaction.display_name(obj)

    def to_python(self, value):
        self.checked = None
        try:
            found = super().to_python(value)
        except ValidationError:
            self.checked = (selectors.parse_id(value), None)
            raise
        if isinstance(found, self.queryset.model):
            self.checked = (found.pk, found)
        return found

    def _set_queryset(self, queryset):
        self.checked = None
        super()._set_queryset(queryset)

    queryset = property(django_filters.fields.ModelChoiceField._get_queryset, _set_queryset)


class LookupSelect(forms.Select):
    """A stakeholder select that draws only its empty option and the chosen stakeholder:
    the others are looked up as the user types (`stakeholders:lookup`, through
    `static/js/lookup.js`), so a site with thousands of stakeholders does not send them
    all with every list page. The field still checks a submitted value against its whole
    queryset (the user's own stakeholders). Without JavaScript it keeps the chosen one;
    a stakeholder's own page lists its engagements."""

    def __init__(self, attrs=None, *, communities=False, site=None):
        attrs = {"data-lookup": reverse_lazy("stakeholders:lookup"), **(attrs or {})}
        if communities:
            attrs["data-lookup-communities"] = "1"
        if site is not None:
            attrs["data-lookup-site"] = str(site.pk)
        super().__init__(attrs)

    def optgroups(self, name, value, attrs=None):
        iterator = self.choices
        options = []
        if iterator.field.empty_label is not None:
            options.append(("", iterator.field.empty_label))
        chosen = [pk for pk in map(selectors.parse_id, value) if pk is not None]
        checked = getattr(iterator.field, "checked", None)
        if checked is not None and [checked[0]] == chosen:
            # The field has read it (or found none) from this queryset, checking the value.
            options += [iterator.choice(checked[1])] if checked[1] is not None else []
        elif chosen:
            options += [iterator.choice(obj) for obj in iterator.queryset.filter(pk__in=chosen)]
        return [
            (
                None,
                [self.create_option(name, key, label, str(key) in value, index, attrs=attrs)],
                index,
            )
            for index, (key, label) in enumerate(options)
        ]


class StakeholderChoiceFilter(django_filters.ModelChoiceFilter):
    """One of the user's stakeholders, named through the redaction rule. Give it a
    queryset carrying the `identity_visible` annotation, ordered so that a hidden one's
    place gives nothing away (`selectors.stakeholder_list`)."""

    field_class = StakeholderChoiceField


def stakeholder_choices(*, user):
    """The stakeholders a filter may offer this user: their sites', the shown ones by name,
    then the hidden ones by number."""
    return selectors.stakeholder_list(user=user).prefetch_related(None)


class StakeholderFilterSet(ScopedFilterSet):
    """The registry list's search and filters. The stakeholder map links here with a
    site, a cell (influence and interest, kept as hidden fields) and `active=yes`."""

    RATINGS = [(str(value), str(value)) for value in range(RATING_MIN, RATING_MAX + 1)]

    q = django_filters.CharFilter(label=_("Search"), method="search", max_length=100)
    category = ListedChoiceFilter(
        label=_("Category"),
        queryset=StakeholderCategory.objects.all(),
        empty_label=_("All categories"),
    )
    site = ListedChoiceFilter(
        label=_("Site"),
        queryset=Site.objects.none(),
        empty_label=_("All my sites"),
        method="at_site",
    )
    function = ListedChoiceFilter(
        label=_("Lead function"),
        field_name="lead_function",
        queryset=Function.objects.all(),
        empty_label=_("All functions"),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Stakeholder.Kind.choices, empty_label=_("All kinds")
    )
    vulnerable_group = ListedChoiceFilter(
        label=_("Vulnerable group"),
        queryset=VulnerableGroup.objects.all(),
        empty_label=_("Any"),
        method="in_vulnerable_group",
    )
    at_risk = YesNoFilter(label=_("At risk"))
    active = YesNoFilter(label=_("Active"))
    # Set by the stakeholder map's links to one cell of the grid; not shown as fields.
    influence = django_filters.ChoiceFilter(label=_("Influence"), choices=RATINGS)
    interest = django_filters.ChoiceFilter(label=_("Interest"), choices=RATINGS)

    def scope(self, user):
        self.filters["site"].queryset = selectors.site_list(user=user)

    def search(self, queryset, name, value):
        # The selector's rule: identity fields match only where the identity may be shown.
        matches = selectors.stakeholder_list(user=self.user, search=value)
        return queryset.filter(pk__in=matches.values("pk"))

    def at_site(self, queryset, name, site):
        return queryset.filter(
            Exists(Stakeholder.sites.through.objects.filter(stakeholder=OuterRef("pk"), site=site))
        )

    def in_vulnerable_group(self, queryset, name, group):
        return queryset.filter(
            Exists(
                Stakeholder.vulnerable_groups.through.objects.filter(
                    stakeholder=OuterRef("pk"), vulnerablegroup=group
                )
            )
        )
