"""CSV/XLSX import and export of the registry (django-import-export), scoped to a user.

Related rows are named as people write them (category, function and site names), and an
unknown name is an error on its row, never silently dropped. With
IMPORT_EXPORT_USE_TRANSACTIONS a file with any bad row imports nothing.

Files carry readable headers ("Lead function"); an import also takes the field names
("lead_function"), in any case. Inside the resource columns are known by field name.
Exported text that a spreadsheet would run as a formula starts with a `'`
(`spreadsheets.escape_formula`), taken off again on import.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from stakeholders import services
from stakeholders.models import Function, Site, Stakeholder, StakeholderCategory
from stakeholders.selectors import site_list, stakeholder_admin_queryset
from stakeholders.spreadsheets import YesNoWidget, escape_formula, prepare_dataset

# The headers of an exported file, by field name. They are the file's format, so they are
# not translated: a file imports whatever the language of the person importing it.
HEADERS = {
    "id": "ID",
    "name": "Name",
    "kind": "Kind",
    "category": "Category",
    "sites": "Sites",
    "lead_function": "Lead function",
    "location": "Location",
    "influence": "Influence",
    "interest": "Interest",
    "at_risk": "At risk",
    "active": "Active",
    "notes": "Notes",
}


class NamedForeignKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key given by name, with a readable error listing the names allowed."""

    def __init__(self, model, **kwargs):
        super().__init__(model, field="name", **kwargs)

    def clean(self, value, row=None, **kwargs):
        name = (value or "").strip()
        if not name:
            return None
        try:
            return self.get_queryset(value, row, **kwargs).get(name__iexact=name)
        except self.model.DoesNotExist:
            allowed = ", ".join(self.get_queryset(value, row).values_list("name", flat=True))
            raise ValueError(
                _("Unknown %(model)s “%(name)s”. Use one of: %(allowed)s.")
                % {"model": self.model._meta.verbose_name, "name": name, "allowed": allowed}
            ) from None


class ChoiceWidget(widgets.Widget):
    """A choice given by its stored value or its label, in any case."""

    def __init__(self, choices, **kwargs):
        self.choices = choices
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        word = str(value or "").strip().lower()
        for stored, label in self.choices:
            if word in (stored.lower(), str(label).lower()):
                return stored
        raise ValueError(
            _("“%(value)s” is not one of: %(allowed)s.")
            % {"value": value, "allowed": ", ".join(stored for stored, _label in self.choices)}
        )

    def render(self, value, obj=None, **kwargs):
        return value or ""


class SitesWidget(widgets.ManyToManyWidget):
    """Site names separated by “;”, each one a site the importing user belongs to."""

    def __init__(self, sites=(), **kwargs):
        self.sites = sites
        super().__init__(model=Site, separator=";", field="name", **kwargs)

    def clean(self, value, row=None, **kwargs):
        names = [name.strip() for name in str(value or "").split(self.separator) if name.strip()]
        if not names:
            raise ValueError(_("Name at least one site."))
        by_name = {site.name.lower(): site for site in self.sites}
        unknown = [name for name in names if name.lower() not in by_name]
        if unknown:
            raise ValueError(
                _("Unknown site(s) %(unknown)s. Sites you can import to: %(allowed)s.")
                % {
                    "unknown": ", ".join(f"“{name}”" for name in unknown),
                    "allowed": ", ".join(site.name for site in self.sites),
                }
            )
        return [by_name[name.lower()] for name in names]

    def render(self, value, obj=None, **kwargs):
        return self.separator.join(site.name for site in value.all()) if value is not None else ""


class StakeholderResource(resources.ModelResource):
    category = fields.Field(
        attribute="category",
        column_name="category",
        widget=NamedForeignKeyWidget(StakeholderCategory),
    )
    lead_function = fields.Field(
        attribute="lead_function",
        column_name="lead_function",
        widget=NamedForeignKeyWidget(Function),
    )
    kind = fields.Field(
        attribute="kind", column_name="kind", widget=ChoiceWidget(Stakeholder.Kind.choices)
    )
    sites = fields.Field(attribute="sites", column_name="sites", widget=SitesWidget())
    # An empty spreadsheet cell is an empty text, not a NULL the database refuses.
    location = fields.Field(
        attribute="location", column_name="location", widget=widgets.CharWidget(allow_blank=True)
    )
    notes = fields.Field(
        attribute="notes", column_name="notes", widget=widgets.CharWidget(allow_blank=True)
    )
    # An empty cell leaves the value as it is: the model's default on a new stakeholder,
    # the current one on an update (a blank cell never lifts an at-risk flag).
    at_risk = fields.Field(
        attribute="at_risk", column_name="at_risk", widget=YesNoWidget(), saves_null_values=False
    )
    active = fields.Field(
        attribute="active", column_name="active", widget=YesNoWidget(), saves_null_values=False
    )

    def __init__(self, *, user=None, **kwargs):
        """Without a user (the export form only asks for the column names) nothing is
        visible and no site is allowed."""
        super().__init__(**kwargs)
        self.user = user
        self.sites = list(site_list(user=user)) if user is not None else []
        self.fields["sites"].widget.sites = self.sites

    class Meta:
        model = Stakeholder
        fields = (
            "id",
            "name",
            "kind",
            "category",
            "sites",
            "lead_function",
            "location",
            "influence",
            "interest",
            "at_risk",
            "active",
            "notes",
        )
        clean_model_instances = True
        # An unchanged row is not saved again, so it writes no history.
        skip_unchanged = True

    def get_export_headers(self, selected_fields=None):
        return [
            HEADERS.get(field.column_name, field.column_name)
            for field in self.get_export_fields(selected_fields)
        ]

    def export_resource(self, instance, selected_fields=None, **kwargs):
        """Every exported cell, whatever its column, goes out formula-escaped."""
        row = super().export_resource(instance, selected_fields, **kwargs)
        return [escape_formula(value) for value in row]

    def before_import(self, dataset, **kwargs):
        """Readable or field-name headers, in any case, become field names; escaped
        formula cells lose their `'`."""
        prepare_dataset(dataset, HEADERS)
        super().before_import(dataset, **kwargs)

    def after_import(self, dataset, result, **kwargs):
        """The preview's columns and the bad rows' reasons under readable headers. Only
        once every row is read: the library looks the bad rows' values up by field name."""
        super().after_import(dataset, result, **kwargs)
        result.diff_headers = [HEADERS.get(header, header) for header in result.diff_headers]
        for row in result.invalid_rows:
            row.error_dict = {
                HEADERS.get(key, key): value for key, value in row.error_dict.items()
            }

    def get_queryset(self):
        if self.user is None:
            return Stakeholder.objects.none()
        return stakeholder_admin_queryset(user=self.user)

    def get_instance(self, instance_loader, row):
        instance = super().get_instance(instance_loader, row)
        if instance is None and str(row.get("id") or "").strip():
            # Another site's stakeholder, a hidden one, or none at all: the same answer.
            raise ValidationError(
                {"id": _("No stakeholder with id %(id)s among those you can edit.") % row}
            )
        return instance

    def import_instance(self, instance, row, **kwargs):
        """Check the sites with the other fields, so a bad site is a validation error on its
        row like any other (the library would otherwise only look at it after saving)."""
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if "sites" in row:
            try:
                self.fields["sites"].clean(row)
            except ValueError as exc:
                errors["sites"] = ValidationError(str(exc))
        elif instance.pk is None:
            errors["sites"] = ValidationError(_("A new stakeholder needs a “sites” column."))
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        """Every row goes through the services, as the pages and the admin do: they keep the
        sites the importer is not a member of, apply the clearance rules, record a new
        assessment when the ratings change, and write one history entry per row changed,
        naming the import. Refusals land on the row."""
        reason = _("Import of %(file)s") % {"file": kwargs.get("file_name") or _("a file")}
        sites = self.fields["sites"].clean(row) if "sites" in row else None
        data = {
            name: getattr(instance, name)
            for name in services.STAKEHOLDER_FIELDS
            if name in self.fields and self.fields[name].column_name in row
        }
        try:
            if is_create:
                saved = services.stakeholder_create(
                    actor=self.user, sites=sites, data=data, reason=reason
                )
            else:
                saved = services.stakeholder_update(
                    actor=self.user, stakeholder=instance, data=data, sites=sites, reason=reason
                )
        except PermissionDenied as refusal:
            raise ValidationError({"id": str(refusal)}) from None
        instance.pk = saved.pk
        instance._state.adding = False

    def save_m2m(self, instance, row, **kwargs):
        """The sites were saved with the stakeholder, by its service."""
