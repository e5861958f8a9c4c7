"""The Django admin of the site's Stakeholder Engagement Plans.

Scoped as the rest of the admin: staff see the plans of their own sites (`plans.selectors.
plan_list`), anything else answers as a missing record. A draft is changed, with its
lines inline, through `plans.services` (the same rules as the SEP pages); approved and
superseded versions are read-only; nobody sets the approval fields here: a draft is
approved, revised and started on the SEP pages. A line's stakeholder is shown by `str()`,
the placeholder for anyone at risk.
"""

from django.contrib import admin
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from plans import selectors, services
from plans.models import Plan, PlannedEngagement
from stakeholders import redaction
from stakeholders.admin.base import (
    CountsOnlyDeleteMixin,
    HistoryMixin,
    MySitesFilter,
    OwnSitesChoicesMixin,
    ScopedInlineFormSet,
    ScopedLookupsMixin,
    ServiceErrorsMixin,
    form_data,
)
from stakeholders.models import Stakeholder

APPROVAL_FIELDS = ["approved_by", "approved_at", "in_force_from", "superseded_on"]


class PlannedEngagementInline(admin.StackedInline):
    """The lines of a plan. Only the plan's own rows can be posted; a line's stakeholder is
    set on the SEP pages (where the choice is limited to the site's registry and to the
    identities the user may see) and shown here read-only."""

    model = PlannedEngagement
    formset = ScopedInlineFormSet
    fk_name = "plan"
    extra = 0
    view_on_site = False  # a line is seen on its plan's page
    fields = [
        "category",
        "stakeholder",
        "lead_function",
        "objectives",
        "format",
        "frequency",
        "note_shown",
    ]
    readonly_fields = ["stakeholder", "note_shown"]

    def get_queryset(self, request):
        """The lines' stakeholders with whether their identity may be shown: a hidden one's
        note is hidden with it."""
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "stakeholder",
                    queryset=Stakeholder.objects.with_identity_visibility(request.user),
                )
            )
        )

    @admin.display(description=_("note"))
    def note_shown(self, line):
        """Notes are written on the SEP pages; here the note is read, "Protected" when it is
        about a stakeholder whose identity the user may not see."""
        if line.stakeholder_id and not redaction.identity_visible(line.stakeholder):
            return redaction.PROTECTED
        return line.note

    def _may_edit(self, request, plan):
        return plan is None or selectors.can_edit_plan(user=request.user, plan=plan)

    def has_add_permission(self, request, obj=None):
        return obj is not None and self._may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and (
            obj is not None and self._may_edit(request, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return obj is not None and self._may_edit(request, obj)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("plans.view_plannedengagement") or request.user.has_perm(
            "plans.view_plan"
        )


@admin.register(Plan)
class PlanAdmin(
    ServiceErrorsMixin,
    ScopedLookupsMixin,
    HistoryMixin,
    OwnSitesChoicesMixin,
    CountsOnlyDeleteMixin,
    admin.ModelAdmin,
):
    inlines = [PlannedEngagementInline]
    private_relations = ("site", "lines", "approved_by", "created_by", "updated_by", "revises")
    list_display = [
        "title",
        "version",
        "site",
        "starts_on",
        "ends_on",
        "status",
        "approved_by",
        "approved_at",
    ]
    list_filter = [MySitesFilter, "status"]
    search_fields = ["title", "summary"]
    fields = [
        "site",
        "title",
        "starts_on",
        "ends_on",
        "summary",
        "version",
        "status",
        "revises",
        *APPROVAL_FIELDS,
        "created_by",
        "updated_by",
    ]
    readonly_fields = [
        "site",
        "version",
        "status",
        "revises",
        *APPROVAL_FIELDS,
        "created_by",
        "updated_by",
    ]

    def get_queryset(self, request):
        return selectors.plan_list(user=request.user).select_related("site", "approved_by")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.version > 1:
            return [*self.readonly_fields, "starts_on", "ends_on"]
        return self.readonly_fields

    def has_add_permission(self, request):
        """Plans are drafted on the SEP pages (a period, then lines chosen from the site's
        registry), and revised there."""
        return False

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or selectors.can_edit_plan(user=request.user, plan=obj)
        )

    def has_delete_permission(self, request, obj=None):
        """A draft, by those who may change it; the history keeps it."""
        if obj is None:
            return request.user.has_perm("plans.change_plan")
        return selectors.can_edit_plan(user=request.user, plan=obj)

    def history_named(self, request):
        return selectors.history_names(user=request.user)

    def delete_model(self, request, obj):
        services.plan_delete(actor=request.user, plan=obj)

    def save_model(self, request, obj, form, change):
        """Saved with its lines in `save_related`, once the inline forms are read."""

    def save_related(self, request, form, formsets, change):
        """Through `services.plan_update`: the plan's fields and every line (those removed
        left out), so the rules and the history are the SEP pages' own."""
        lines = None
        for formset in formsets:
            if formset.model is PlannedEngagement:
                lines = _line_specs(formset)
        fields = set(services.PLAN_FIELDS) - set(self.get_readonly_fields(request, form.instance))
        services.plan_update(
            actor=request.user,
            plan=form.instance,
            data=form_data(form, fields),
            lines=lines,
        )


def _line_specs(formset):
    """The inline's rows as `services.plan_update` takes them. Saving with commit=False
    writes nothing; it only sorts the rows for the admin's change message."""
    formset.save(commit=False)
    specs = []
    for line_form in formset.forms:
        existing = line_form.instance if line_form.instance.pk else None
        if formset.can_delete and formset._should_delete_form(line_form):
            continue
        if existing is None and not line_form.has_changed():
            continue
        spec = {"line": existing} if existing is not None else {}
        if existing is None or line_form.has_changed():
            spec.update(
                {
                    name: line_form.cleaned_data[name]
                    for name in services.LINE_FIELDS
                    if name in line_form.cleaned_data
                }
            )
            spec["objectives"] = list(line_form.cleaned_data.get("objectives") or [])
        specs.append(spec)
    return specs
