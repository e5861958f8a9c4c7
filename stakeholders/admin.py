"""The Django admin: where administrators keep the registry and the reference data.

Staff who are not superusers get the same scoping as on the pages: only their sites, and
only the at-risk stakeholders they are cleared for (the others are not listed, searched,
exported, offered in autocompletes nor openable). Delete confirmations show them counts,
not the names of related rows, which may belong to other sites or be at risk.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportModelAdmin

from stakeholders import redaction
from stakeholders.forms import SiteMembershipAdminForm
from stakeholders.models import (
    Contact,
    EngagementObjective,
    Function,
    Site,
    SiteMembership,
    Stakeholder,
    StakeholderCategory,
)
from stakeholders.resources import StakeholderResource
from stakeholders.selectors import (
    manageable_user_list,
    site_list,
    stakeholder_admin_queryset,
    stakeholder_other_sites,
    user_list,
)

User = get_user_model()


class MySitesFilter(admin.SimpleListFilter):
    """A site filter offering only the user's own sites (a plain related filter would list
    every site's name)."""

    title = _("site")
    parameter_name = "site"
    site_lookup = "site"

    def lookups(self, request, model_admin):
        return [(site.pk, site.name) for site in site_list(user=request.user)]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        site = site_list(user=request.user).filter(
            pk__in=[self.value()] if self.value().isdigit() else []
        )
        return queryset.filter(**{f"{self.site_lookup}__in": site}).distinct()


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


@admin.register(Function)
class FunctionAdmin(CountsOnlyDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "code", "order"]
    list_editable = ["order"]
    search_fields = ["name", "code"]


class EngagementObjectiveInline(admin.TabularInline):
    model = EngagementObjective
    fields = ["order", "text", "indicator", "guidance"]
    extra = 0


@admin.register(StakeholderCategory)
class StakeholderCategoryAdmin(CountsOnlyDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "default_lead_function", "order"]
    list_select_related = ["default_lead_function"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["default_lead_function"]
    inlines = [EngagementObjectiveInline]


@admin.register(EngagementObjective)
class EngagementObjectiveAdmin(CountsOnlyDeleteMixin, admin.ModelAdmin):
    list_display = ["text", "category", "indicator", "order"]
    list_filter = ["category", "indicator"]
    list_select_related = ["category"]
    search_fields = ["text", "guidance"]
    autocomplete_fields = ["category"]


@admin.register(Site)
class SiteAdmin(CountsOnlyDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "country", "region"]
    list_filter = ["country"]
    search_fields = ["name", "country", "region"]

    def get_queryset(self, request):
        return site_list(user=request.user)


def membership_form_for(editor):
    return type("SiteMembershipForm", (SiteMembershipAdminForm,), {"editor": editor})


@admin.register(SiteMembership)
class SiteMembershipAdmin(OwnSitesChoicesMixin, CountsOnlyDeleteMixin, admin.ModelAdmin):
    list_display = ["user", "site", "function", "cleared"]
    list_filter = [MySitesFilter, "cleared", "function"]
    list_select_related = ["user", "site", "function"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "site__name"]
    autocomplete_fields = ["user", "site", "function"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(site__in=site_list(user=request.user))

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = membership_form_for(request.user)
        return super().get_form(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = manageable_user_list(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._manages(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._manages(request, obj)

    def _manages(self, request, membership):
        """Nobody but a superuser edits their own memberships or those of a user who also
        works at a site the editor is not part of."""
        if membership is None or request.user.is_superuser:
            return True
        return manageable_user_list(user=request.user).filter(pk=membership.user_id).exists()


class ContactInline(admin.TabularInline):
    model = Contact
    fields = ["name", "role", "phone", "email"]
    extra = 0


@admin.register(Stakeholder)
class StakeholderAdmin(OwnSitesChoicesMixin, CountsOnlyDeleteMixin, ImportExportModelAdmin):
    list_display = [
        "identity",
        "kind",
        "category",
        "lead_function",
        "influence",
        "interest",
        "at_risk",
        "active",
    ]
    list_filter = [
        StakeholderSitesFilter,
        "category",
        "kind",
        "lead_function",
        "at_risk",
        "active",
    ]
    search_fields = ["name", "location", "contacts__name"]
    autocomplete_fields = ["category", "sites", "lead_function"]
    inlines = [ContactInline]
    resource_classes = [StakeholderResource]
    import_template_name = "admin/stakeholders/stakeholder/import.html"
    fieldsets = [
        (None, {"fields": ["name", "kind", "category", "sites", "lead_function", "location"]}),
        (_("Mapping"), {"fields": ["influence", "interest"]}),
        (_("Status"), {"fields": ["at_risk", "active", "notes"]}),
    ]

    @admin.display(description=_("name"), ordering="name")
    def identity(self, stakeholder):
        return redaction.display_name(stakeholder)

    def get_queryset(self, request):
        return stakeholder_admin_queryset(user=request.user)

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {**super().get_resource_kwargs(request, *args, **kwargs), "user": request.user}

    def get_deleted_objects(self, objs, request):
        """A stakeholder that other sites share is theirs too: only a superuser deletes it."""
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if (
            not request.user.is_superuser
            and stakeholder_other_sites(stakeholders=objs, user=request.user).exists()
        ):
            perms_needed.add(_("stakeholders shared with sites you are not a member of"))
        return deleted, model_count, perms_needed, protected

    def save_related(self, request, form, formsets, change):
        """The form only offers the user's own sites; keep the stakeholder's other sites."""
        others = []
        if change:
            others = list(stakeholder_other_sites(stakeholders=[form.instance], user=request.user))
        super().save_related(request, form, formsets, change)
        if others:
            form.instance.sites.add(*others)


class SiteMembershipInline(OwnSitesChoicesMixin, admin.TabularInline):
    model = SiteMembership
    fk_name = "user"
    fields = ["site", "function", "cleared"]
    autocomplete_fields = ["site", "function"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).filter(site__in=site_list(user=request.user))

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = membership_form_for(request.user)
        return super().get_formset(request, obj, **kwargs)


admin.site.unregister(User)


@admin.register(User)
class VpsaUserAdmin(CountsOnlyDeleteMixin, UserAdmin):
    """Users with their site memberships.

    An administrator who is not a superuser sees the members of their own sites and users
    not yet placed at any site, edits only those `manageable_user_list` allows (never
    themselves, a superuser, or someone who also works at another site), and cannot grant
    superuser status or individual permissions (roles are groups)."""

    inlines = [SiteMembershipInline]

    def get_queryset(self, request):
        return user_list(user=request.user)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None or request.user.is_superuser:
            return allowed
        return manageable_user_list(user=request.user).filter(pk=obj.pk).exists()

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or self.has_change_permission(request, obj)
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions", "last_login", "date_joined"]
        return readonly
