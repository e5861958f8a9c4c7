"""Engagements, with their commitments and concerns inline, and their attachments and
perception findings listed."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from engagement import selectors, services
from engagement.admin.attachments import AttachmentInline
from engagement.admin.findings import FindingInline
from engagement.admin.forms import (
    CommitmentAdminForm,
    ConcernAdminForm,
    EngagementAdminForm,
    KnownAutocompleteSelect,
    KnownAutocompleteSelectMultiple,
    engagement_stakeholders,
    form_class,
    member_choices,
    pickable_stakeholders,
)
from engagement.admin.shared import (
    EngagementHistoryMixin,
    cleared_at,
    may_change_engagement,
    row_data,
)
from engagement.models import Attachment, Commitment, Concern, Engagement, Finding
from stakeholders import redaction
from stakeholders.admin.base import (
    CountsOnlyDeleteMixin,
    MySitesFilter,
    OwnSitesChoicesMixin,
    ScopedInlineFormSet,
    ScopedLookupsMixin,
    ServiceErrorsMixin,
    adopt,
    form_data,
    inline_rows,
)
from stakeholders.models import Function
from stakeholders.selectors import cleared_site_list

# How many stakeholders the engagement list names before it says how many more.
LISTED_STAKEHOLDERS = 3


def site_members(request, site=None, *, cleared=None):
    """`member_choices` for the signed-in user, one queryset a request for each site and
    clearance: an engagement's participants and its commitments' owners (the same people,
    unless it is restricted) are then read once for the page (`forms.offer`)."""
    members = request.__dict__.setdefault("_site_members", {})
    key = (site.pk if site is not None else None, cleared)
    if key not in members:
        members[key] = member_choices(user=request.user, site=site, cleared=cleared)
    return members[key]


class EngagementRowsInline(admin.StackedInline):
    """Rows of an engagement the user may change: only the engagement's own rows can be
    posted (ScopedInlineFormSet), none is deleted (a commitment is dropped, a concern
    closed), and the rows are written through the services by `EngagementAdmin`."""

    formset = ScopedInlineFormSet
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._may_change(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_change(request, obj)

    def _may_change(self, request, engagement):
        if engagement is None:
            return True
        return may_change_engagement(request, engagement)


class CommitmentInline(EngagementRowsInline):
    model = Commitment
    form = CommitmentAdminForm

    def get_queryset(self, request):
        if not self.has_view_or_change_permission(request):
            return Commitment.objects.none()
        return selectors.commitment_list(user=request.user)

    def get_formset(self, request, obj=None, **kwargs):
        if obj is None:
            owners = site_members(request)
        else:
            owners = site_members(request, obj.site, cleared=True if obj.restricted else None)
        kwargs["form"] = form_class(
            CommitmentAdminForm, owner_choices=owners, function_choices=Function.objects.all()
        )
        return super().get_formset(request, obj, **kwargs)


class ConcernInline(EngagementRowsInline):
    """An allegation is listed only to users cleared at the engagement's site
    (`selectors.concern_list`), and any id of a row not listed is refused as a missing
    one. An uncleared user may still record one: it is passed to cleared colleagues."""

    model = Concern
    form = ConcernAdminForm

    def get_queryset(self, request):
        if not self.has_view_or_change_permission(request):
            return Concern.objects.none()
        return selectors.concern_list(user=request.user)

    def get_formset(self, request, obj=None, **kwargs):
        """A concern's source is one of the engagement's stakeholders the user may see. On
        a new engagement those are not chosen yet: any the user may pick is offered
        through the Stakeholder admin's autocomplete (a site may have thousands), and the
        service checks it is one of those met."""
        if obj is None:
            choices = pickable_stakeholders(user=request.user)
        else:
            choices = engagement_stakeholders(user=request.user, engagement=obj)
        kwargs["form"] = form_class(ConcernAdminForm, stakeholder_choices=choices)
        formset = super().get_formset(request, obj, **kwargs)
        if obj is None:
            field = formset.form.base_fields["stakeholder"]
            field.widget = AutocompleteSelect(
                Concern._meta.get_field("stakeholder"), self.admin_site
            )
        return formset


@admin.register(Engagement)
class EngagementAdmin(
    ServiceErrorsMixin,
    ScopedLookupsMixin,
    EngagementHistoryMixin,
    OwnSitesChoicesMixin,
    CountsOnlyDeleteMixin,
    admin.ModelAdmin,
):
    form = EngagementAdminForm
    inlines = [CommitmentInline, ConcernInline, FindingInline, AttachmentInline]
    # Lookups through these would filter by rows the user may not see (another site's
    # stakeholder, an allegation) and the count would tell they exist.
    private_relations = (
        "site",
        "stakeholders",
        "participants",
        "commitments",
        "concerns",
        "attachments",
        "findings",
        "created_by",
        "updated_by",
    )
    # As the app's own lists: a page a slow link carries, drawn quickly.
    list_per_page = 25
    list_display = [
        "date",
        "format",
        "site",
        "lead_function",
        "confidentiality",
        "stakeholders_met",
    ]
    # By date through the filter's fixed periods, not a date hierarchy: the hierarchy
    # reads every visible engagement's year to draw its links (seconds with a million).
    list_filter = [
        MySitesFilter,
        ("date", admin.DateFieldListFilter),
        "format",
        "confidentiality",
        "lead_function",
    ]
    search_fields = ["purpose", "summary", "outcomes"]
    autocomplete_fields = ["stakeholders", "objectives", "lead_function"]
    filter_horizontal = ["participants"]
    readonly_fields = ["created_by", "created_at", "updated_by", "updated_at"]

    def get_queryset(self, request):
        return selectors.engagement_list(user=request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "lead_function":
            kwargs.setdefault(
                "widget",
                KnownAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using")),
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "objectives":
            kwargs.setdefault(
                "widget",
                KnownAutocompleteSelectMultiple(
                    db_field, self.admin_site, using=kwargs.get("using")
                ),
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # The rows each inline lists, by the engagement's name for them.
    INLINE_ROWS = {
        Commitment: "commitments",
        Concern: "concerns",
        Finding: "findings",
        Attachment: "attachments",
    }

    def get_object(self, request, object_id, from_field=None):
        """The engagement, with whether it has any row of each inline's at all (`has_…`),
        read with it: most engagements have no commitment, concern or attachment, and an
        inline with none is drawn without being read (`get_formset_kwargs`). Which rows the
        user may see is decided, where there are some, by each inline's own queryset."""
        engagements = self.get_queryset(request).annotate(
            **{
                f"has_{name}": Exists(model.objects.filter(engagement=OuterRef("pk")))
                for model, name in self.INLINE_ROWS.items()
            }
        )
        field = self.opts.pk if from_field is None else self.opts.get_field(from_field)
        try:
            return engagements.get(**{field.name: field.to_python(object_id)})
        except (Engagement.DoesNotExist, ValidationError, ValueError):
            return None

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        name = self.INLINE_ROWS.get(inline.model)
        if name is not None and getattr(obj, f"has_{name}", True) is False:
            kwargs["queryset"] = kwargs["queryset"].none()
        return kwargs

    def get_inlines(self, request, obj):
        """Attachments and findings are listed on a stored engagement's page (added on the
        engagement's own page), not on the page that logs a new one."""
        if obj is None:
            return [
                inline
                for inline in self.inlines
                if inline not in (AttachmentInline, FindingInline)
            ]
        return self.inlines

    def history_view(self, request, object_id, extra_context=None):
        """The engagement's own history, then its findings' (`selectors.finding_history`:
        a hidden community by its placeholder, its evidence "Protected"; what was written
        while the engagement was restricted from the user, sealed)."""
        obj = self.get_object(request, unquote(object_id))
        extra_context = dict(extra_context or {})
        if obj is not None and self.has_view_or_change_permission(request, obj):
            extra_context["finding_entries"] = selectors.finding_history(
                user=request.user, engagement=obj
            )
        response = super().history_view(request, object_id, extra_context=extra_context)
        response.template_name = "admin/engagement/engagement/vpsa_history.html"
        return response

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (
                None,
                {
                    "fields": [
                        "site",
                        "date",
                        "format",
                        "location",
                        "lead_function",
                        "confidentiality",
                    ]
                },
            ),
            (
                gettext_lazy("Who took part"),
                {
                    "fields": [
                        "stakeholders",
                        "participants",
                        "attendance_total",
                        "attendance_women",
                    ]
                },
            ),
            (
                gettext_lazy("What happened"),
                {
                    "fields": [
                        "objectives",
                        "purpose",
                        "information_shared",
                        "summary",
                        "security_topics",
                        "outcomes",
                    ]
                },
            ),
        ]
        if obj is not None:
            fieldsets.append((gettext_lazy("Record"), {"fields": self.readonly_fields}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        """The site is set once. The confidentiality is changed only by users cleared at
        the site (the service refuses anyone else)."""
        if obj is None:
            return self.readonly_fields
        fields = [*self.readonly_fields, "site"]
        if not cleared_at(request, obj.site):
            fields.append("confidentiality")
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = form_class(
            EngagementAdminForm,
            user=request.user,
            participant_choices=site_members(request, obj.site if obj is not None else None),
        )
        return super().get_form(request, obj, change=change, **kwargs)

    def get_changeform_initial_data(self, request):
        """A new engagement leaves its confidentiality to the service, and is at the
        user's only site if they have one."""
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("confidentiality", "")
        sites = list(selectors.loggable_site_list(user=request.user)[:2])
        if len(sites) == 1:
            initial.setdefault("site", sites[0].pk)
        return initial

    @admin.display(description=gettext_lazy("stakeholders met"))
    def stakeholders_met(self, engagement):
        """Names as the redaction shows them to this user (the placeholder for anyone at
        risk they may not see), read from the selector's prefetch."""
        stakeholders = list(engagement.stakeholders.all())
        names = ", ".join(redaction.display_name(s) for s in stakeholders[:LISTED_STAKEHOLDERS])
        more = len(stakeholders) - LISTED_STAKEHOLDERS
        if more > 0:
            names += " " + ngettext("and %(count)d more", "and %(count)d more", more) % {
                "count": more
            }
        return names

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or may_change_engagement(request, obj)
        )

    def has_delete_permission(self, request, obj=None):
        """Administrators delete an engagement only where they are cleared: it may carry
        an allegation they would otherwise destroy unseen."""
        return super().has_delete_permission(request, obj) and (
            obj is None or cleared_at(request, obj.site)
        )

    def get_deleted_objects(self, objs, request):
        """Commitments, concerns and attachments go with their engagement (deleted by
        `delete_model`, which keeps their history and removes the files), though neither
        register deletes a commitment or concern on its own. A
        bulk delete that includes an engagement where the user is not cleared is refused."""
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(Commitment._meta.verbose_name)
        perms_needed.discard(Concern._meta.verbose_name)
        perms_needed.discard(Attachment._meta.verbose_name)
        perms_needed.discard(Finding._meta.verbose_name)
        if not request.user.is_superuser:
            cleared = set(cleared_site_list(user=request.user).values_list("pk", flat=True))
            if any(engagement.site_id not in cleared for engagement in objs):
                perms_needed.add(gettext_lazy("engagements at sites where you are not cleared"))
        return deleted, model_count, perms_needed, protected

    def delete_model(self, request, obj):
        services.engagement_delete(actor=request.user, engagement=obj)

    def save_model(self, request, obj, form, change):
        """Saved with its commitments and concerns in `save_related`, once the inline
        forms are read."""

    def save_related(self, request, form, formsets, change):
        """Through the services: the engagement first (a new one with its commitments and
        concerns in one call), then each commitment and concern row that changed. The
        services keep what the user may not see (a hidden stakeholder) and refuse what
        they may not do, rolling the whole change back."""
        rows = {formset.model: formset for formset in formsets}
        commitments, concerns = rows.get(Commitment), rows.get(Concern)
        data = form_data(form, services.ENGAGEMENT_FIELDS)
        if not change:  # left empty: the service's defaults
            for name in ("lead_function", "confidentiality"):
                if data.get(name) in (None, ""):
                    data.pop(name, None)
        relations = form_data(form, ("stakeholders", "objectives", "participants"))
        if change:
            saved = services.engagement_update(
                actor=request.user, engagement=form.instance, data=data, **relations
            )
            new_concerns = self._save_rows(request, saved, commitments, concerns)
        else:
            new_commitments = inline_rows(commitments)[0] if commitments is not None else []
            new_concerns = inline_rows(concerns)[0] if concerns is not None else []
            saved = services.engagement_create(
                actor=request.user,
                site=form.cleaned_data["site"],
                data=data,
                commitments=[row_data(row, services.COMMITMENT_FIELDS) for row in new_commitments],
                concerns=[row_data(row, services.CONCERN_FIELDS) for row in new_concerns],
                **relations,
            )
            if commitments is not None:
                commitments.new_objects = list(saved.commitments.all())
            if concerns is not None:
                concerns.new_objects = list(saved.concerns.all())
        adopt(form.instance, saved)
        if any(row.is_allegation for row in new_concerns) and not selectors.cleared_at(
            user=request.user, site=saved.site
        ):
            self.message_user(
                request,
                _(
                    "The allegation was recorded and passed to colleagues cleared at the "
                    "site. You will not see it from now on."
                ),
                level=messages.INFO,
            )

    def _save_rows(self, request, engagement, commitments, concerns):
        """Create and change the inline rows of an engagement already saved; the new
        concerns, as recorded."""
        actor = request.user
        new_concerns = []
        if commitments is not None:
            new, changed, _deleted = inline_rows(commitments)
            for row, names in changed:
                fields = services.COMMITMENT_FIELDS.intersection(names)
                services.commitment_update(actor=actor, commitment=row, data=row_data(row, fields))
            commitments.new_objects = [
                services.commitment_create(
                    actor=actor,
                    engagement=engagement,
                    data=row_data(row, services.COMMITMENT_FIELDS),
                )
                for row in new
            ]
        if concerns is not None:
            new, changed, _deleted = inline_rows(concerns)
            for row, names in changed:
                fields = services.CONCERN_FIELDS.intersection(names)
                services.concern_update(actor=actor, concern=row, data=row_data(row, fields))
            new_concerns = concerns.new_objects = [
                services.concern_create(
                    actor=actor, engagement=engagement, data=row_data(row, services.CONCERN_FIELDS)
                )
                for row in new
            ]
        return new_concerns
