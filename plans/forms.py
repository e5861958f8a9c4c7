"""Forms of the SEP pages: the plan's fields and its lines (a formset, prefix "lines").
They validate and normalise what was typed; what may be written is decided by
`plans.services`, whose refusals the view shows on the form or on the line they name."""

from django import forms
from django.db.models import Prefetch
from django.forms import modelformset_factory
from django.forms.formsets import TOTAL_FORM_COUNT
from django.forms.models import ModelChoiceIteratorValue
from django.utils.translation import gettext_lazy as _

from engagement.forms import (
    MAX_ROWS,
    CategoryOptionsMixin,
    RowFormSet,
    RowManagementForm,
    _quiet,
    date_input,
    text_area,
)
from plans import selectors
from plans.models import Plan, PlannedEngagement
from plans.services import LINE_FIELDS, PLAN_FIELDS, LineError
from stakeholders import redaction
from stakeholders.forms import add_service_errors
from stakeholders.models import EngagementObjective, Function, Stakeholder, StakeholderCategory


class PlanForm(forms.ModelForm):
    """The plan's own fields. A revision keeps its plan's period: shown, not changed."""

    class Meta:
        model = Plan
        fields = ["title", "starts_on", "ends_on", "summary"]
        widgets = {
            "starts_on": date_input(),
            "ends_on": date_input(),
            "summary": text_area(3),
        }
        help_texts = {
            "starts_on": _("Usually a year; the periods of a site's plans do not overlap."),
            "ends_on": _("The last day of the period, included."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.version > 1:
            for name in ("starts_on", "ends_on"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("A revision keeps the period of its plan.")

    def service_data(self):
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name in PLAN_FIELDS and not self.fields[name].disabled
        }


class CategoryChoice(forms.Select):
    """The category select: each option names itself in `data-category`, for the script
    that shows the objectives of the chosen category."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value not in ("", None):
            option["attrs"]["data-category"] = str(value)
        return option


class StakeholderChoice(CategoryOptionsMixin, forms.Select):
    """The stakeholder select: each option says its category in `data-category`."""


class ObjectiveCheckboxes(CategoryOptionsMixin, forms.CheckboxSelectMultiple):
    pass


class LineForm(forms.ModelForm):
    """One planned engagement: a category or one stakeholder of the site's registry (whose
    identity the user may see; a hidden one already on the line is kept, shown as its
    placeholder), the lead function, the objectives of that category, the method, how
    often, a note."""

    class Meta:
        model = PlannedEngagement
        fields = [
            "category",
            "stakeholder",
            "lead_function",
            "objectives",
            "format",
            "frequency",
            "note",
        ]
        widgets = {
            "category": CategoryChoice(attrs={"data-line-category": ""}),
            "stakeholder": StakeholderChoice(attrs={"data-line-stakeholder": ""}),
            "objectives": ObjectiveCheckboxes(attrs={"class": "form-check-input"}),
        }
        help_texts = {
            "category": _("Plan for a Table 4E.2 category, or for one stakeholder instead."),
            "stakeholder": _("Or one stakeholder of the site's registry."),
            "format": _("Left empty, any method counts."),
            "objectives": _("Objectives of the category planned for."),
        }

    def __init__(self, *args, user, site, stakeholders, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.hidden_stakeholder = self.hidden_category = None
        current = self.instance.stakeholder if self.instance.stakeholder_id else None
        if current is not None and not redaction.identity_visible(current):
            self.hidden_stakeholder = redaction.display_name(current)
            self.hidden_category = current.category_id
            # The note is about the stakeholder: hidden with it, and kept as it is.
            del self.fields["stakeholder"]
            del self.fields["note"]
        else:
            field = self.fields["stakeholder"]
            queryset = stakeholders
            if current is not None:
                queryset = queryset | type(current).objects.filter(pk=current.pk)
            field.queryset = queryset
            offered = list(choices["stakeholder"])
            if current is not None and current.pk not in {v.value for v, _l in offered}:
                label = redaction.display_name(current)
                offered.append((ModelChoiceIteratorValue(current.pk, current), label))
            field.widget.choices = [("", _("— none: a category —")), *offered]
        self.fields["category"].queryset = StakeholderCategory.objects.all()
        self.fields["category"].widget.choices = [
            ("", _("— none: one stakeholder —")),
            *choices["category"],
        ]
        self.fields["lead_function"].queryset = Function.objects.all()
        self.fields["lead_function"].widget.choices = [("", "---------"), *choices["function"]]
        objectives = self.fields["objectives"]
        objectives.queryset = EngagementObjective.objects.all()
        objectives.widget.choices = choices["objectives"]
        self.fields["format"].choices = [("", _("Any method")), *self.fields["format"].choices[1:]]

    def clean(self):
        data = super().clean()
        category = data.get("category")
        stakeholder = data.get("stakeholder")
        if self.hidden_stakeholder is not None:
            if category is not None:
                self.add_error("category", _("This line plans for a stakeholder already."))
            category_id = self.hidden_category
        elif category is None and stakeholder is None:
            self.add_error("category", _("Choose the category planned for, or one stakeholder."))
            return data
        elif category is not None and stakeholder is not None:
            self.add_error("category", _("Plan for a category or for one stakeholder, not both."))
            return data
        else:
            category_id = category.pk if category is not None else stakeholder.category_id
        if any(o.category_id != category_id for o in data.get("objectives") or []):
            self.add_error(
                "objectives",
                _("Choose only objectives of the category planned for (the stakeholder's)."),
            )
        return data

    def objective_groups(self):
        groups = {}
        for checkbox in self["objectives"]:
            category = checkbox.data["value"].instance.category
            groups.setdefault(category, []).append(checkbox)
        return list(groups.items())

    def service_data(self):
        data = {name: value for name, value in self.cleaned_data.items() if name in LINE_FIELDS}
        data["objectives"] = list(self.cleaned_data.get("objectives") or [])
        return data


def line_choices(stakeholders):
    """The options of every line's selects, read once for the page (not once a row): the
    fields' querysets still check what comes back."""

    def options(rows, label=str):
        return [(ModelChoiceIteratorValue(row.pk, row), label(row)) for row in rows]

    return {
        "category": options(StakeholderCategory.objects.all()),
        "function": options(Function.objects.all()),
        "objectives": options(
            EngagementObjective.objects.select_related("category"), lambda o: o.text
        ),
        "stakeholder": options(stakeholders, redaction.display_name),
    }


def _line_formset(*, extra):
    return modelformset_factory(
        PlannedEngagement,
        form=LineForm,
        formset=RowFormSet,
        extra=extra,
        can_delete=True,
        max_num=MAX_ROWS,
        absolute_max=MAX_ROWS,
        validate_max=True,
    )


class PlanPage:
    """The plan and its lines, submitted at once. A submit named `add_line` (the "add a
    line" button without JavaScript) asks for the page again with one more empty row,
    keeping what was typed. A row ticked "remove" is left out of the plan; rows left empty
    are ignored."""

    ADD = "add_line"

    def __init__(self, data=None, *, user, site, plan=None):
        self.user, self.site, self.plan = user, site, plan
        editing = plan is not None
        self.form = PlanForm(data, instance=plan or Plan(site=site))
        stakeholders = selectors.plannable_stakeholder_list(user=user, site=site)
        if editing:
            # The lines' stakeholders, annotated for the redaction rule.
            queryset = (
                plan.lines.select_related("category")
                .prefetch_related(
                    Prefetch(
                        "stakeholder", queryset=Stakeholder.objects.with_identity_visibility(user)
                    ),
                    "objectives",
                )
                .order_by("order", "pk")
            )
        else:
            queryset = PlannedEngagement.objects.none()
        self.lines = _line_formset(extra=0 if editing else 1)(
            data,
            prefix="lines",
            queryset=queryset,
            form_kwargs={
                "user": user,
                "site": site,
                "stakeholders": stakeholders,
                "choices": line_choices(stakeholders),
            },
        )
        self._rows = []

    @classmethod
    def row_requested(cls, data):
        return cls.ADD in data

    @classmethod
    def with_added_row(cls, data, **kwargs):
        data = data.copy()
        sent = RowManagementForm(data, prefix="lines")
        if sent.is_valid():
            total = min(sent.cleaned_data[TOTAL_FORM_COUNT], MAX_ROWS - 1) + 1
            data[f"lines-{TOTAL_FORM_COUNT}"] = str(total)
        page = cls(data, **kwargs)
        for form in [page.form, *page.lines.forms]:
            _quiet(form)
        if page.lines.management_form.is_valid():
            page.lines._errors, page.lines._non_form_errors = [], page.lines.error_class()
            if page.lines.forms:
                first = next(iter(page.lines.forms[-1].fields.values()))
                first.widget.attrs["autofocus"] = True
        return page

    def is_valid(self):
        return all([self.form.is_valid(), self.lines.is_valid()])

    def has_errors(self):
        return self.form.is_bound and (
            bool(self.form.errors) or bool(self.lines.total_error_count())
        )

    def service_lines(self):
        """The lines as `plans.services` takes them, in order: new rows typed into, and
        the plan's own rows not removed (with their fields when changed)."""
        self._rows = []
        specs = []
        for form in self.lines.forms:
            existing = form.instance if form.instance.pk else None
            if self.lines.can_delete and self.lines._should_delete_form(form):
                continue
            if existing is None and not form.has_changed():
                continue
            spec = {"line": existing} if existing is not None else {}
            if existing is None or form.has_changed():
                spec.update(form.service_data())
            self._rows.append(form)
            specs.append(spec)
        return specs

    def add_service_error(self, error):
        if isinstance(error, LineError) and error.index < len(self._rows):
            add_service_errors(self._rows[error.index], error)
        else:
            add_service_errors(self.form, error)
