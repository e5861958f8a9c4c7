"""The Django admin: where administrators keep the registry and the reference data.

Staff who are not superusers get the same scoping as on the pages: only their sites, and
only the at-risk stakeholders they are cleared for (the others are not listed, searched,
exported, offered in autocompletes nor openable).
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from stakeholders import redaction
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
from stakeholders.selectors import site_list, stakeholder_admin_queryset

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
        if self.value():
            return queryset.filter(**{self.site_lookup: self.value()}).distinct()
        return queryset


class StakeholderSitesFilter(MySitesFilter):
    site_lookup = "sites"


@admin.register(Function)
class FunctionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order"]
    list_editable = ["order"]
    search_fields = ["name", "code"]


class EngagementObjectiveInline(admin.TabularInline):
    model = EngagementObjective
    fields = ["order", "text", "indicator", "guidance"]
    extra = 0


@admin.register(StakeholderCategory)
class StakeholderCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "default_lead_function", "order"]
    list_select_related = ["default_lead_function"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["default_lead_function"]
    inlines = [EngagementObjectiveInline]


@admin.register(EngagementObjective)
class EngagementObjectiveAdmin(admin.ModelAdmin):
    list_display = ["text", "category", "indicator", "order"]
    list_filter = ["category", "indicator"]
    list_select_related = ["category"]
    search_fields = ["text", "guidance"]
    autocomplete_fields = ["category"]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "region"]
    list_filter = ["country"]
    search_fields = ["name", "country", "region"]

    def get_queryset(self, request):
        return site_list(user=request.user)


@admin.register(SiteMembership)
class SiteMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "site", "function", "cleared"]
    list_filter = [MySitesFilter, "cleared", "function"]
    list_select_related = ["user", "site", "function"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "site__name"]
    autocomplete_fields = ["user", "site", "function"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(site__in=site_list(user=request.user))


class ContactInline(admin.TabularInline):
    model = Contact
    fields = ["name", "role", "phone", "email"]
    extra = 0


@admin.register(Stakeholder)
class StakeholderAdmin(ImportExportModelAdmin):
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

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "sites":
            kwargs["queryset"] = site_list(user=request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        """The form only offers the user's own sites; keep the stakeholder's other sites."""
        others = []
        if change:
            others = list(form.instance.sites.exclude(pk__in=site_list(user=request.user)))
        super().save_related(request, form, formsets, change)
        if others:
            form.instance.sites.add(*others)


class SiteMembershipInline(admin.TabularInline):
    model = SiteMembership
    fk_name = "user"
    fields = ["site", "function", "cleared"]
    autocomplete_fields = ["site", "function"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).filter(site__in=site_list(user=request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "site":
            kwargs["queryset"] = site_list(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


admin.site.unregister(User)


@admin.register(User)
class VpsaUserAdmin(UserAdmin):
    """Users with their site memberships. An administrator who is not a superuser sees the
    members of their own sites and users not yet placed at any site, and cannot grant
    superuser status or individual permissions (roles are groups)."""

    inlines = [SiteMembershipInline]

    def get_queryset(self, request):
        users = super().get_queryset(request)
        if request.user.is_superuser:
            return users
        at_my_sites = SiteMembership.objects.filter(
            user=OuterRef("pk"), site__in=site_list(user=request.user)
        )
        anywhere = SiteMembership.objects.filter(user=OuterRef("pk"))
        return users.filter(is_superuser=False).filter(Exists(at_my_sites) | ~Exists(anywhere))

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions", "last_login", "date_joined"]
        return readonly
