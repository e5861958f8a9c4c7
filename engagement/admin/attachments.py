"""Attachments in the admin: read-only, listed on their engagement's page and in a list of
their own, each linking to the access-checked download (`engagement:attachment_download`);
files are uploaded on the engagement's page, which goes through the service. Deleting one
is for administrators cleared at its engagement's site, through
`services.attachment_delete`, which removes the file and keeps the history."""

from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from engagement import selectors, services
from engagement.admin.shared import EngagementHistoryMixin, EngagementSitesFilter, cleared_at
from engagement.models import Attachment
from stakeholders.admin.base import CountsOnlyDeleteMixin, ScopedLookupsMixin, ServiceErrorsMixin
from stakeholders.selectors import cleared_site_list


def download_link(attachment):
    return format_html(
        '<a href="{}">{}</a>',
        reverse("engagement:attachment_download", args=[attachment.pk]),
        attachment.name,
    )


def uploader(attachment):
    person = attachment.uploaded_by
    return person.get_full_name() or person.get_username()


class ReadOnlyInlineFormSet(BaseInlineFormSet):
    """The rows of a read-only inline: shown, never read back from a POST (nothing of them
    can be changed there), so a change of the engagement is never refused over them."""

    def __init__(self, data=None, files=None, *args, **kwargs):
        super().__init__(None, None, *args, **kwargs)
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []

    def is_valid(self):
        return True


class AttachmentInline(admin.TabularInline):
    """The engagement's attachments, read-only, among those the user may see."""

    model = Attachment
    formset = ReadOnlyInlineFormSet
    fields = ["download", "kind", "description", "size_shown", "uploaded", "created_at", "delete"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = _("attachments (uploaded on the engagement's page)")

    def get_queryset(self, request):
        if not self.has_view_or_change_permission(request):
            return Attachment.objects.none()
        return selectors.attachment_list(user=request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("file"))
    def download(self, attachment):
        return download_link(attachment)

    @admin.display(description=_("size"))
    def size_shown(self, attachment):
        return filesizeformat(attachment.size)

    @admin.display(description=_("uploaded by"))
    def uploaded(self, attachment):
        return uploader(attachment)

    @admin.display(description=_("delete"))
    def delete(self, attachment):
        """A link to the attachment's delete page, for those who may delete it."""
        if not getattr(self, "_may_delete", False):
            return "—"
        return format_html(
            '<a href="{}" class="deletelink">{}</a>',
            reverse("admin:engagement_attachment_delete", args=[attachment.pk]),
            _("Delete"),
        )

    def get_formset(self, request, obj=None, **kwargs):
        """Whether the delete links are offered is decided once for the engagement: by the
        attachment admin's rule (an administrator cleared at its site)."""
        model_admin = self.admin_site._registry.get(Attachment)
        self._may_delete = bool(
            obj is not None
            and model_admin is not None
            and model_admin.has_delete_permission(request)
            and cleared_at(request, obj.site)
        )
        return super().get_formset(request, obj, **kwargs)


@admin.register(Attachment)
class AttachmentAdmin(
    ServiceErrorsMixin,
    ScopedLookupsMixin,
    EngagementHistoryMixin,
    CountsOnlyDeleteMixin,
    admin.ModelAdmin,
):
    """Every attachment the user may see across their sites, read-only."""

    private_relations = ("engagement", "uploaded_by")
    list_display = [
        "name",
        "kind",
        "engagement",
        "site",
        "size_shown",
        "uploaded",
        "created_at",
    ]
    list_filter = ["kind", EngagementSitesFilter]
    search_fields = ["name", "description"]
    date_hierarchy = "created_at"
    fields = [
        "download",
        "engagement",
        "site",
        "kind",
        "description",
        "content_type",
        "size_shown",
        "uploaded",
        "created_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return selectors.attachment_list(user=request.user).select_related("engagement__site")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        """Administrators cleared at the engagement's site (the service's rule)."""
        return super().has_delete_permission(request, obj) and (
            obj is None or cleared_at(request, obj.engagement.site)
        )

    def get_deleted_objects(self, objs, request):
        """A bulk delete that includes an attachment where the user is not cleared is
        refused as a whole."""
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if not request.user.is_superuser:
            cleared = set(cleared_site_list(user=request.user).values_list("pk", flat=True))
            if any(attachment.engagement.site_id not in cleared for attachment in objs):
                perms_needed.add(_("attachments at sites where you are not cleared"))
        return deleted, model_count, perms_needed, protected

    def delete_model(self, request, obj):
        services.attachment_delete(actor=request.user, attachment=obj)

    @admin.display(description=_("file"))
    def download(self, attachment):
        return download_link(attachment)

    @admin.display(description=_("site"), ordering="engagement__site__name")
    def site(self, attachment):
        return attachment.engagement.site

    @admin.display(description=_("size"), ordering="size")
    def size_shown(self, attachment):
        return filesizeformat(attachment.size)

    @admin.display(description=_("uploaded by"), ordering="uploaded_by__username")
    def uploaded(self, attachment):
        return uploader(attachment)
