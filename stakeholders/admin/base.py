"""What every VPSA admin page shares: site filters and choices limited to the user's own
sites, counts-only delete pages, scoped lookups and inline rows, service refusals as
messages, the redacted history page, and saving through the services."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from stakeholders import history
from stakeholders.models import (
    Site,
)
from stakeholders.selectors import history_names, site_list

User = get_user_model()


class MySitesFilter(admin.SimpleListFilter):
    """A site filter offering only the user's own sites (a plain related filter would list
    every site's name).

    The value is a site id as the query string carries it. Anything that cannot be one (not
    a whole number, or beyond the largest id the database holds) matches nothing, as a
    missing or foreign site does. The "Show counts" facets use Django's own
    `get_facet_counts`, which runs `queryset()` once per offered site with that site's
    value, so the offered values are strings like the request's.
    """

    title = _("site")
    parameter_name = "site"
    site_lookup = "site"
    # A row reached through a to-many lookup (a stakeholder's sites) may match twice.
    distinct = True
    largest_id = 2**63 - 1  # BigAutoField, on SQLite and PostgreSQL alike

    def lookups(self, request, model_admin):
        return [(str(site.pk), site.name) for site in site_list(user=request.user)]

    def site_id(self):
        """The chosen site's id, or None when the value cannot be a site id."""
        value = str(self.value())
        if not (value.isascii() and value.isdigit()) or int(value) > self.largest_id:
            return None
        return int(value)

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        site_id = self.site_id()
        if site_id is None:
            return queryset.none()
        sites = site_list(user=request.user).filter(pk=site_id)
        rows = queryset.filter(**{f"{self.site_lookup}__in": sites})
        return rows.distinct() if self.distinct else rows


class StakeholderSitesFilter(MySitesFilter):
    site_lookup = "sites"


class OwnSitesChoicesMixin:
    """Every choice of site, single or multiple, offers (and accepts) only the user's own."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Site:
            kwargs["queryset"] = site_list(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.related_model is Site:
            kwargs["queryset"] = site_list(user=request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class CountsOnlyDeleteMixin:
    """Delete confirmations list what would go as counts for staff who are not superusers:
    Django would otherwise name every related row, whatever its site or risk."""

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if request.user.is_superuser:
            return deleted, model_count, perms_needed, protected
        deleted = [f"{capfirst(name)}: {count}" for name, count in model_count.items()]
        if protected:
            protected = [
                ngettext(
                    "%(count)d related record, perhaps at a site you cannot see",
                    "%(count)d related records, perhaps at sites you cannot see",
                    len(protected),
                )
                % {"count": len(protected)}
            ]
        return deleted, model_count, perms_needed, protected


class ScopedLookupsMixin:
    """Refuse query-string lookups through relations (`?sites=2`, `?engagements=7`,
    `?site_memberships=7`) except those the sidebar's filters offer: they would filter by
    records the user may not see, and the count of what came back would tell that those
    exist. Relations that reach other sites are refused even when listed
    (`private_relations`); the scoped site filter (`?site=`) is the way to choose a site.
    A refused lookup answers 400, whatever the value."""

    private_relations = ()

    def lookup_allowed(self, lookup, value, request=None):
        first = lookup.split("__")[0]
        own_filters = {
            list_filter.parameter_name
            for list_filter in self.list_filter
            if isinstance(list_filter, type) and issubclass(list_filter, admin.SimpleListFilter)
        }
        if lookup in own_filters:
            return super().lookup_allowed(lookup, value, request)
        listed = {
            list_filter if isinstance(list_filter, str) else list_filter[0]
            for list_filter in self.list_filter
            if isinstance(list_filter, str | tuple)
        }
        try:
            field = self.model._meta.get_field(first)
        except FieldDoesNotExist:
            field = None
        if first in self.private_relations or (
            field is not None and field.is_relation and first not in listed
        ):
            return False
        return super().lookup_allowed(lookup, value, request)


class ScopedInlineFormSet(BaseInlineFormSet):
    """An inline whose rows can only be its own: a row claiming the id of another record
    (another stakeholder's contact, another site's membership) is refused exactly as a
    missing id is, instead of being taken as a new row."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        id_field = form.fields.get(self._pk_field.name)
        if id_field is not None and hasattr(id_field, "queryset"):
            id_field.queryset = self.get_queryset()


class ServiceErrorsMixin:
    """A rule a service enforces after the admin's forms were valid (a race, a row changed
    meanwhile, a combination the forms cannot see) is shown as a message on the page; the
    change's transaction is rolled back, so nothing of it is saved. A bulk delete is one
    transaction too: refused for one row, it deletes none."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            return self._refused(request, error)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            with transaction.atomic():
                return super().delete_view(request, object_id, extra_context)
        except ValidationError as error:
            return self._refused(request, error)

    def delete_queryset(self, request, queryset):
        try:
            with transaction.atomic():
                for obj in queryset:
                    self.delete_model(request, obj)
        except ValidationError as error:
            raise PermissionDenied(" ".join(error.messages)) from None

    def _refused(self, request, error):
        for message in error.messages:
            self.message_user(request, message, level=messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())


class HistoryMixin:
    """The admin's "History" page shows the change history (who, when, what from what to
    what) of a record the user may open, redacted like the app's pages: related rows the
    user may not see (another site, a hidden stakeholder) are "not shown". A record the
    user cannot open answers 404, the same as a missing one."""

    history_per_page = 50
    history_redacted = ()

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise Http404
        records = obj.history.select_related("history_user").order_by("-history_date", "-pk")
        page = Paginator(records, self.history_per_page).get_page(request.GET.get("p"))
        # One record more than shown, so the oldest shown is compared with its predecessor.
        window = (
            records[page.start_index() - 1 : page.end_index() + 1] if page.paginator.count else []
        )
        entries = history.entries(
            window,
            redacted=self.history_redacted,
            named=self.history_named(request),
            sealed=self.history_sealed(request, obj),
        )[: len(page.object_list)]
        context = {
            **self.admin_site.each_context(request),
            "title": _("History: %(object)s") % {"object": obj},
            "subtitle": None,
            "object": obj,
            "opts": self.model._meta,
            "entries": entries,
            "page_obj": page,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/vpsa_history.html", context)

    def history_named(self, request):
        """Which related rows this page's history may name (`history_names`; the
        engagement admin adds stakeholders, objectives and engagements)."""
        return history_names(user=request.user)

    def history_sealed(self, request, obj):
        """A predicate telling which historical records were restricted from this user
        when written (the engagement admin's), or None."""
        return None


def adopt(obj, saved):
    """Make the admin's own instance the row a service saved, so the admin's messages,
    log and redirect that follow use it."""
    obj.pk = saved.pk
    obj._state.adding = False
    obj._state.db = saved._state.db


def form_data(form, fields):
    return {name: form.cleaned_data[name] for name in fields if name in form.cleaned_data}


def inline_rows(formset):
    """What an inline's rows ask for, as Django itself picks them (new rows only from its
    extra forms, existing rows only among its own), without saving anything: the new, the
    changed (with their changed fields) and the deleted instances. The admin's change
    message reads the same lists."""
    formset.save(commit=False)
    return formset.new_objects, formset.changed_objects, formset.deleted_objects
