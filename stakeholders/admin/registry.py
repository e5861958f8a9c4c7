"""Sites, site memberships and the stakeholder registry."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.signals import post_export

from stakeholders import history, redaction, services
from stakeholders.admin.base import (
    CountsOnlyDeleteMixin,
    HistoryMixin,
    MySitesFilter,
    OwnSitesChoicesMixin,
    ScopedInlineFormSet,
    ScopedLookupsMixin,
    ServiceErrorsMixin,
    StakeholderSitesFilter,
    adopt,
    form_data,
    inline_rows,
)
from stakeholders.exports import (
    csv_response,
    log_export,
    registry_csv_cell,
    registry_rows,
    registry_xlsx_cell,
    xlsx_response,
)
from stakeholders.forms import (
    SiteMembershipAdminForm,
    StakeholderAdminForm,
)
from stakeholders.models import (
    Assessment,
    Contact,
    ExportLog,
    Function,
    Site,
    SiteMembership,
    Stakeholder,
    StakeholderCategory,
)
from stakeholders.resources import HEADERS, StakeholderResource
from stakeholders.selectors import (
    colleague_list,
    manageable_user_list,
    membership_list,
    site_list,
    stakeholder_admin_queryset,
)
from stakeholders.spreadsheets import SignedConfirmImportForm


@admin.register(Site)
class SiteAdmin(ScopedLookupsMixin, HistoryMixin, CountsOnlyDeleteMixin, admin.ModelAdmin):
    """Sites are shared by every site's people (stakeholders of several sites, users
    working at more than one): only a superuser opens or deletes one."""

    list_display = ["name", "country", "region"]
    list_filter = ["country"]
    search_fields = ["name", "country", "region"]

    def get_queryset(self, request):
        return site_list(user=request.user)

    def get_readonly_fields(self, request, obj=None):
        """A site's name is unique across all sites: renaming one would tell whether another
        site of that name exists. Names are a superuser's to change."""
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ["name"]

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        data = form_data(form, services.SITE_FIELDS)
        if change:
            adopt(obj, services.site_update(actor=request.user, site=obj, data=data))
        else:
            adopt(obj, services.site_create(actor=request.user, data=data))


def membership_form_for(editor):
    return type("SiteMembershipForm", (SiteMembershipAdminForm,), {"editor": editor})


def save_membership_form(request, form):
    """Create or change the membership of the admin's form through the services."""
    data = form_data(form, services.MEMBERSHIP_FIELDS)
    if form.instance.pk:
        return services.membership_update(actor=request.user, membership=form.instance, data=data)
    return services.membership_create(actor=request.user, data=data)


@admin.register(SiteMembership)
class SiteMembershipAdmin(
    ServiceErrorsMixin,
    ScopedLookupsMixin,
    HistoryMixin,
    OwnSitesChoicesMixin,
    CountsOnlyDeleteMixin,
    admin.ModelAdmin,
):
    private_relations = ("user", "site")
    list_display = ["user", "site", "function", "cleared"]
    list_filter = [MySitesFilter, "cleared", "function"]
    list_select_related = ["user", "site", "function"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "site__name"]
    autocomplete_fields = ["user", "site", "function"]

    def get_queryset(self, request):
        return membership_list(user=request.user).select_related("user", "site", "function")

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
        """Nobody but a superuser edits their own memberships or those of a user they may
        not manage (`selectors.manageable_user_list`)."""
        if membership is None or request.user.is_superuser:
            return True
        return manageable_user_list(user=request.user).filter(pk=membership.user_id).exists()

    def save_model(self, request, obj, form, change):
        adopt(obj, save_membership_form(request, form))

    def delete_model(self, request, obj):
        services.membership_delete(actor=request.user, membership=obj)


class ContactInline(admin.TabularInline):
    model = Contact
    formset = ScopedInlineFormSet
    fields = ["name", "role", "phone", "email"]
    extra = 0


class AssessmentInline(admin.TabularInline):
    """The stakeholder's dated assessments, read only: a change of influence or interest on
    the form above is a new assessment, dated today."""

    model = Assessment
    fields = ["assessed_on", "influence", "interest", "reason", "assessed_by"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = _("assessments (newest first)")

    def get_queryset(self, request):
        colleagues = colleague_list(user=request.user).filter(pk=OuterRef("author_id"))
        return (
            super()
            .get_queryset(request)
            .select_related("author")
            .annotate(author_shown=Exists(colleagues))
        )

    @admin.display(description=_("assessed by"))
    def assessed_by(self, assessment):
        return history.person(assessment.author, shown=assessment.author_shown)


def contact_data(contact, fields=services.CONTACT_FIELDS):
    return {name: getattr(contact, name) for name in fields if name in services.CONTACT_FIELDS}


def save_contacts(request, stakeholder, formset):
    """Save an inline of contacts through the services."""
    new, changed, deleted = inline_rows(formset)
    for contact in deleted:
        services.contact_delete(actor=request.user, contact=contact)
    for contact, fields in changed:
        services.contact_update(
            actor=request.user, contact=contact, data=contact_data(contact, fields)
        )
    formset.new_objects = [
        services.contact_create(
            actor=request.user, stakeholder=stakeholder, data=contact_data(contact)
        )
        for contact in new
    ]


# Above this many rows the registry's XLSX is refused: the workbook is written whole before
# it is sent. CSV streams any number.
XLSX_MAX_ROWS = 100_000


@admin.register(Stakeholder)
class StakeholderAdmin(
    ServiceErrorsMixin,
    ScopedLookupsMixin,
    HistoryMixin,
    OwnSitesChoicesMixin,
    CountsOnlyDeleteMixin,
    ImportExportModelAdmin,
):
    form = StakeholderAdminForm
    private_relations = ("sites", "contacts", "assessments")
    # As the app's own lists: a page a slow link carries, drawn quickly.
    list_per_page = 25
    list_display = [
        "identity",
        "kind",
        "category",
        "lead_function",
        "ratings",
        "at_risk",
        "active",
    ]
    list_filter = [
        StakeholderSitesFilter,
        "category",
        "kind",
        "lead_function",
        "vulnerable_groups",
        "at_risk",
        "active",
    ]
    search_fields = ["name", "location", "contacts__name"]
    autocomplete_fields = ["category", "sites", "lead_function"]
    inlines = [ContactInline, AssessmentInline]
    resource_classes = [StakeholderResource]
    import_template_name = "admin/stakeholders/stakeholder/import.html"
    confirm_form_class = SignedConfirmImportForm
    fieldsets = [
        (None, {"fields": ["name", "kind", "category", "sites", "lead_function", "location"]}),
        (
            _("Mapping"),
            {
                "fields": ["influence", "interest"],
                "description": _(
                    "A change here is recorded as a new assessment dated today; "
                    "back-dated assessments with a reason are made on the stakeholder's page."
                ),
            },
        ),
        (
            _("Participation and risk"),
            {
                "fields": [
                    "vulnerable_groups",
                    "vulnerable_group_note",
                    "at_risk",
                    "active",
                    "notes",
                ]
            },
        ),
    ]

    @admin.display(description=_("name"), ordering="name")
    def identity(self, stakeholder):
        return redaction.display_name(stakeholder)

    @admin.display(description=_("influence / interest"), ordering="influence")
    def ratings(self, stakeholder):
        return f"{stakeholder.influence} / {stakeholder.interest}"

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "vulnerable_groups":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_queryset(self, request):
        return stakeholder_admin_queryset(user=request.user)

    def get_valid_export_item_pks(self, request):
        """The ids the export action accepts: only what the user may export (the library's
        default takes every id in the table, so another site's id would pass where a
        missing one fails)."""
        return self.get_export_queryset(request).values_list("pk", flat=True)

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {**super().get_resource_kwargs(request, *args, **kwargs), "user": request.user}

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        """Every file of the export page and the export action. django-import-export's
        own builds the whole file in memory, reading the stakeholders page by page with
        OFFSET; here the rows are read by keyset batches of plain values
        (`exports.registry_rows`), in the resource's columns as chosen on the form: a CSV
        streams whatever the number, an XLSX (written whole before it is sent) is refused
        above XLSX_MAX_ROWS with a message on the export page.

        Every file is logged first, like the app's own downloads; the entry says whether it
        names at-risk stakeholders (the admin's queryset holds only those whose identity the
        user may see)."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        extension = file_format.get_extension()
        if extension not in ("csv", "xlsx"):
            raise ValueError(_("Only CSV and XLSX files can be exported."))
        row_count = queryset.count()
        if extension == "xlsx" and row_count > XLSX_MAX_ROWS:
            # The library shows a ValueError's message on the export page.
            raise ValueError(
                _(
                    "%(count)s rows are too many for a spreadsheet download (at most %(max)s): "
                    "narrow the filters or download CSV."
                )
                % {"count": f"{row_count:,}", "max": f"{XLSX_MAX_ROWS:,}"}
            )
        resource = self.choose_export_resource_class(export_form, request)(
            **self.get_export_resource_kwargs(request)
        )
        chosen = self.get_export_resource_fields_from_form(export_form)
        fields = [resource.get_field_name(field) for field in resource.get_export_fields(chosen)]
        log_export(
            request=request,
            kind=ExportLog.Kind.STAKEHOLDERS,
            format=extension,
            sites=site_list(user=request.user),
            names_included=Stakeholder.objects.with_identity_visibility(request.user)
            .filter(pk__in=queryset.values("pk"), at_risk=True, identity_visible=True)
            .exists(),
            row_count=row_count,
        )
        rows = registry_rows(queryset, user=request.user, fields=fields)
        header = resource.get_export_headers(chosen)
        filename = self.get_export_filename(request, queryset, file_format).rsplit(".", 1)[0]
        post_export.send(sender=None, model=self.model)
        if extension == "csv":
            return csv_response(
                filename=filename,
                header=header,
                rows=rows,
                cell=registry_csv_cell,
                byte_order_mark=False,
            )
        return xlsx_response(
            filename=filename,
            title=str(self.model._meta.verbose_name_plural),
            header=header,
            rows=rows,
            cell=registry_xlsx_cell,
        )

    def get_confirm_form_kwargs(self, request, import_form=None):
        """The confirm form signs the preview's file name for this user, and checks it."""
        return {**super().get_confirm_form_kwargs(request, import_form), "user": request.user}

    def import_action(self, request, **kwargs):
        """The import page, with what each column accepts for this user. An uploaded file
        that cannot be confirmed (its rows have errors) is not kept waiting."""
        response = super().import_action(request, **kwargs)
        if isinstance(response, TemplateResponse) and "confirm_form" not in response.context_data:
            form = response.context_data.get("form")
            upload = getattr(form, "cleaned_data", {}).get("import_file")
            if getattr(upload, "tmp_storage_name", None):
                self.get_tmp_storage_class()(name=upload.tmp_storage_name).remove()
        if isinstance(response, TemplateResponse):
            response.context_data["import_guide"] = {
                "headers": HEADERS,
                "kinds": Stakeholder.Kind.choices,
                "categories": StakeholderCategory.objects.values_list("name", flat=True),
                "functions": Function.objects.values_list("name", flat=True),
                "sites": site_list(user=request.user).values_list("name", flat=True),
            }
        return response

    def process_import(self, request, **kwargs):
        """A confirmation that is not this user's own preview is refused (400) before any
        file is read or deleted; a preview whose file has gone (already imported) says so."""
        try:
            response = super().process_import(request, **kwargs)
        except FileNotFoundError:
            self.message_user(
                request,
                _("That preview has already been imported or has expired. Upload the file again."),
                level="error",
            )
            return HttpResponseRedirect(reverse("admin:stakeholders_stakeholder_import"))
        if isinstance(response, TemplateResponse):
            response.status_code = 400
        return response

    def has_delete_permission(self, request, obj=None):
        """Stakeholders are made inactive, not deleted: only a superuser deletes one, so no
        delete page counts (or refuses because of) records the user may not see."""
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        """Saved with its contacts in `save_related`, once the inline forms are read."""

    def save_related(self, request, form, formsets, change):
        """Through the services, which keep the sites the user is not a member of, record
        the history and a new assessment when the ratings change. Contacts are written
        before the stakeholder's own change and a new one's come with it, so marking a
        stakeholder at risk and editing its contacts in one go is allowed to whoever may
        mark it (afterwards only the cleared may edit it)."""
        contacts = None
        for formset in formsets:
            if formset.model is Contact:
                contacts = formset
            else:  # the read-only assessments
                formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        kwargs = {
            "sites": form.cleaned_data["sites"],
            "vulnerable_groups": form.cleaned_data["vulnerable_groups"],
            "data": form_data(form, services.STAKEHOLDER_FIELDS),
        }
        if change:
            if contacts is not None:
                save_contacts(request, form.instance, contacts)
            saved = services.stakeholder_update(
                actor=request.user, stakeholder=form.instance, **kwargs
            )
        else:
            new = inline_rows(contacts)[0] if contacts is not None else []
            saved = services.stakeholder_create(
                actor=request.user, contacts=[contact_data(contact) for contact in new], **kwargs
            )
            if contacts is not None:
                contacts.new_objects = list(saved.contacts.all())
        adopt(form.instance, saved)

    def delete_model(self, request, obj):
        services.stakeholder_delete(actor=request.user, stakeholder=obj)
