"""The Django admin: where administrators keep the registry and the reference data.

Staff who are not superusers get the same scoping as on the pages: only their sites, and
only the at-risk stakeholders they are cleared for (the others are not listed, searched,
exported, offered in autocompletes nor openable). Delete confirmations show them counts,
not the names of related rows, which may belong to other sites or be at risk.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportModelAdmin

from stakeholders import history, redaction, services
from stakeholders.forms import (
    RecordedPasswordChangeForm,
    SiteMembershipAdminForm,
    StakeholderAdminForm,
)
from stakeholders.models import (
    Assessment,
    Contact,
    EngagementObjective,
    Function,
    Site,
    SiteMembership,
    Stakeholder,
    StakeholderCategory,
    VulnerableGroup,
)
from stakeholders.resources import HEADERS, StakeholderResource
from stakeholders.selectors import (
    assignable_group_list,
    colleague_list,
    manageable_user_list,
    membership_list,
    site_list,
    stakeholder_admin_queryset,
    stakeholder_other_sites,
    user_list,
)
from stakeholders.spreadsheets import SignedConfirmImportForm

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
        return queryset.filter(**{f"{self.site_lookup}__in": sites}).distinct()


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
    """Refuse query-string lookups through relations that reach other sites (`?sites=2`,
    `?site_memberships=7`): they would filter by records the user cannot see, and the
    count of what came back would tell that those exist. The site filter offered in the
    sidebar (`?site=`) is the way to choose a site. A refused lookup answers 400, whatever
    the id."""

    private_relations = ()

    def lookup_allowed(self, lookup, value, request=None):
        own_filters = {
            list_filter.parameter_name
            for list_filter in self.list_filter
            if isinstance(list_filter, type) and issubclass(list_filter, admin.SimpleListFilter)
        }
        if lookup not in own_filters and lookup.split("__")[0] in self.private_relations:
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
            window, redacted=self.history_redacted, named=history_names(request.user)
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


def history_names(user):
    """Which related rows a history shown to this user may name."""
    return {
        Site: site_list(user=user),
        StakeholderCategory: StakeholderCategory.objects.all(),
        Function: Function.objects.all(),
        VulnerableGroup: VulnerableGroup.objects.all(),
        Group: Group.objects.all(),
        User: colleague_list(user=user),
    }


def adopt(obj, saved):
    """Make the admin's own instance the row a service saved, so the admin's messages,
    log and redirect that follow use it."""
    obj.pk = saved.pk
    obj._state.adding = False
    obj._state.db = saved._state.db


def form_data(form, fields):
    return {name: form.cleaned_data[name] for name in fields if name in form.cleaned_data}


class ReferenceDataAdmin(HistoryMixin, CountsOnlyDeleteMixin, admin.ModelAdmin):
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


@admin.register(Site)
class SiteAdmin(HistoryMixin, CountsOnlyDeleteMixin, admin.ModelAdmin):
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


def inline_rows(formset):
    """What an inline's rows ask for, as Django itself picks them (new rows only from its
    extra forms, existing rows only among its own), without saving anything: the new, the
    changed (with their changed fields) and the deleted instances. The admin's change
    message reads the same lists."""
    formset.save(commit=False)
    return formset.new_objects, formset.changed_objects, formset.deleted_objects


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

    def get_confirm_form_kwargs(self, request, import_form=None):
        """The confirm form signs the preview's file name for this user, and checks it."""
        return {**super().get_confirm_form_kwargs(request, import_form), "user": request.user}

    def import_action(self, request, **kwargs):
        """The import page, with what each column accepts for this user."""
        response = super().import_action(request, **kwargs)
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

    def get_deleted_objects(self, objs, request):
        """A stakeholder that other sites share is theirs too: only a superuser deletes it."""
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if (
            not request.user.is_superuser
            and stakeholder_other_sites(stakeholders=objs, user=request.user).exists()
        ):
            perms_needed.add(_("stakeholders shared with sites you are not a member of"))
        return deleted, model_count, perms_needed, protected

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


class SiteMembershipInline(OwnSitesChoicesMixin, admin.TabularInline):
    model = SiteMembership
    formset = ScopedInlineFormSet
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
class VpsaUserAdmin(
    ServiceErrorsMixin, ScopedLookupsMixin, HistoryMixin, CountsOnlyDeleteMixin, UserAdmin
):
    """Users with their site memberships.

    An administrator who is not a superuser sees the members of their own sites and users
    not yet placed at any site, and edits (password, username, e-mail, active and staff
    flags, roles, memberships) only those `manageable_user_list` allows: never themselves,
    a superuser, someone who also works at another site, holds a clearance they lack or a
    right they lack. They cannot grant superuser status or single permissions, and hand
    out only roles that grant nothing they lack themselves."""

    inlines = [SiteMembershipInline]
    private_relations = ("site_memberships",)
    change_password_form = RecordedPasswordChangeForm

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

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = assignable_group_list(user=request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_formset(self, request, form, formset, change):
        """Memberships go through the services, with their clearance rules."""
        if formset.model is not SiteMembership:
            return super().save_formset(request, form, formset, change)
        new, changed, deleted = inline_rows(formset)
        for membership in deleted:
            services.membership_delete(actor=request.user, membership=membership)
        for membership, fields in changed:
            services.membership_update(
                actor=request.user,
                membership=membership,
                data={name: getattr(membership, name) for name in fields},
            )
        formset.new_objects = [
            services.membership_create(
                actor=request.user,
                data={
                    "user": form.instance,
                    "site": membership.site,
                    "function": membership.function,
                    "cleared": membership.cleared,
                },
            )
            for membership in new
        ]
