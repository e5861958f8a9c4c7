"""Perception findings in the admin: read-only, listed on their engagement's page among
those the user may see (`selectors.finding_list`: a restricted engagement's only where
cleared). They are recorded and changed on the engagement's own page, through the
service; a community whose identity the user may not see shows as its placeholder, and
its evidence as "Protected", as its notes would."""

from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from engagement import selectors
from engagement.admin.attachments import ReadOnlyInlineFormSet
from engagement.models import Finding
from stakeholders import redaction


class FindingInline(admin.TabularInline):
    """The engagement's findings, read-only."""

    model = Finding
    formset = ReadOnlyInlineFormSet
    fields = ["community_shown", "indicator", "value_shown", "evidence_shown", "updated_at"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = gettext_lazy("perception findings (recorded on the engagement's page)")

    def get_queryset(self, request):
        if not self.has_view_or_change_permission(request):
            return Finding.objects.none()
        return selectors.finding_list(user=request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("community"))
    def community_shown(self, finding):
        return redaction.display_name(finding.community)

    @admin.display(description=gettext_lazy("finding"))
    def value_shown(self, finding):
        if finding.value is None:
            return _("Not discussed")
        return _("%(label)s (%(value)d/5)") % {
            "label": finding.get_value_display(),
            "value": finding.value,
        }

    @admin.display(description=gettext_lazy("evidence"))
    def evidence_shown(self, finding):
        if not redaction.identity_visible(finding.community):
            return redaction.PROTECTED
        return finding.evidence or "—"
