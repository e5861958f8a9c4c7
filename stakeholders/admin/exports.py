"""The export log, read-only: who took which records out of VPSA, when, from where, with
which filters and whether protected names were included. Nobody adds, changes or deletes
an entry here, superusers included."""

from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from stakeholders.models import ExportLog
from stakeholders.selectors import cleared_site_list


@admin.register(ExportLog)
class ExportLogAdmin(admin.ModelAdmin):
    list_display = ["exported_at", "user", "kind", "format", "names_included", "row_count"]
    list_filter = ["kind", "format", "names_included"]
    date_hierarchy = "exported_at"
    fields = [
        "exported_at",
        "user",
        "address",
        "kind",
        "format",
        "filters",
        "names_included",
        "row_count",
        "covered_sites",
    ]
    readonly_fields = fields
    list_select_related = ["user"]

    def get_queryset(self, request):
        """A superuser reads every entry; an administrator, the entries whose every site is
        one where they are cleared (the filters may name a protected stakeholder's id or a
        search for a name). An entry covering no site is for superusers only."""
        entries = super().get_queryset(request).prefetch_related("sites")
        if request.user.is_superuser:
            return entries
        covers = ExportLog.sites.through.objects.filter(exportlog=OuterRef("pk"))
        elsewhere = covers.exclude(site__in=cleared_site_list(user=request.user))
        return entries.filter(Exists(covers)).exclude(Exists(elsewhere))

    @admin.display(description=_("sites covered"))
    def covered_sites(self, entry):
        return ", ".join(site.name for site in entry.sites.all())

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
