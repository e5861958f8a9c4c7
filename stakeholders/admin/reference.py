"""Reference data shared by every site: functions, categories and their objectives,
vulnerable groups."""

from django.contrib import admin

from stakeholders.admin.base import CountsOnlyDeleteMixin, HistoryMixin, ScopedLookupsMixin
from stakeholders.models import (
    EngagementObjective,
    Function,
    StakeholderCategory,
    VulnerableGroup,
)


class ReferenceDataAdmin(
    ScopedLookupsMixin, HistoryMixin, CountsOnlyDeleteMixin, admin.ModelAdmin
):
    """Reference data (functions, categories, objectives, vulnerable groups) is shared by
    every site: administrators add and change it; only a superuser, who sees every site's
    records, deletes it (the confirmation would count other sites' records)."""

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


@admin.register(VulnerableGroup)
class VulnerableGroupAdmin(ReferenceDataAdmin):
    list_display = ["name", "code", "order"]
    list_editable = ["order"]
    search_fields = ["name", "code"]


@admin.register(Function)
class FunctionAdmin(ReferenceDataAdmin):
    list_display = ["name", "code", "order"]
    list_editable = ["order"]
    search_fields = ["name", "code"]


class EngagementObjectiveInline(admin.TabularInline):
    model = EngagementObjective
    fields = ["order", "text", "indicator", "guidance"]
    extra = 0

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


@admin.register(StakeholderCategory)
class StakeholderCategoryAdmin(ReferenceDataAdmin):
    list_display = ["name", "default_lead_function", "order"]
    list_select_related = ["default_lead_function"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["default_lead_function"]
    inlines = [EngagementObjectiveInline]


@admin.register(EngagementObjective)
class EngagementObjectiveAdmin(ReferenceDataAdmin):
    list_display = ["text", "category", "indicator", "order"]
    list_filter = ["category", "indicator"]
    list_select_related = ["category"]
    search_fields = ["text", "guidance"]
    autocomplete_fields = ["category"]
