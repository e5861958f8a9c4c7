"""Forms of the engagement pages. They validate and normalise what was typed; the rules of
what may be written live in `engagement.services`, whose refusals the views show on these
forms with `stakeholders.forms.add_service_errors`."""

import html
import re
from typing import NamedTuple

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms import BaseModelFormSet, modelformset_factory
from django.forms.formsets import INITIAL_FORM_COUNT, TOTAL_FORM_COUNT, ManagementForm
from django.forms.models import ModelChoiceIterator
from django.forms.utils import ErrorDict
from django.template.defaultfilters import filesizeformat
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from engagement import attachments, selectors
from engagement.models import Attachment, Commitment, Concern, Engagement, Finding
from engagement.services import (
    COMMITMENT_FIELDS,
    CONCERN_FIELDS,
    ENGAGEMENT_FIELDS,
    RowError,
)
from stakeholders import redaction
from stakeholders.forms import add_service_errors
from stakeholders.models import EngagementObjective, Function

# How many commitments or concerns one page takes at most, whatever a form says.
MAX_ROWS = 200

# The largest row number any database here holds (a 64-bit integer): a larger one sent is
# a made-up one, refused as an unknown choice rather than sent to the database.
LARGEST_ID = 2**63 - 1


def row_id(value):
    """`value` (as sent) as a row number, or None when it cannot be one: not a whole
    number (including digits such as "²" that `str.isdigit` accepts), or out of range."""
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if 0 < number <= LARGEST_ID else None


class ReadAtOnce(ModelChoiceIterator):
    """Choices read by one plain query. Django reads them through a server-side cursor,
    for which PostgreSQL plans to return the first rows soon rather than all of them:
    a site's 2,500 stakeholders took 60 ms instead of 12. A form offers one site's rows,
    so they are read whole."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class RecordChoices(forms.ModelMultipleChoiceField):
    """A `<select multiple>` of rows whose values are checked as row numbers before the
    database sees them: one that no row can have is an invalid choice, like any other
    unknown one (Django's own check lets a number too large for the database through to
    a crash). Its choices are read `ReadAtOnce`."""

    iterator = ReadAtOnce

    def _check_values(self, value):
        for pk in value:
            looks_like_a_number = str(pk).strip().lstrip("-").isdigit()
            if looks_like_a_number and row_id(pk) is None:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


def person_name(user):
    return user.get_full_name() or user.get_username()


def date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def text_area(rows=3):
    return forms.Textarea(attrs={"rows": rows})


class CategoryOptionsMixin:
    """Each option says the Table 4E.2 category it belongs to in `data-category`: a
    stakeholder's category, an objective's. The page's script shows the objectives of the
    categories of the stakeholders chosen (the server checks the same rule)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-category"] = instance.category_id
            if getattr(instance, "carries_indicators", False):
                option["attrs"]["data-community"] = True
        return option


class StakeholderRow(NamedTuple):
    """What the picker writes of a stakeholder: enough for `redaction.display_name`."""

    pk: int
    name: str
    category_id: int | None
    at_risk: bool
    identity_visible: bool
    carries_indicators: bool


class StakeholderPicker(forms.SelectMultiple):
    """The stakeholders met: a plain `<select multiple>`, made searchable by Tom Select
    (static/js/engagement-form.js) where JavaScript runs. Each option says its category
    (`data-category`), and a local community's says so (`data-community`): the script
    shows its findings grid when it is chosen.

    Written here rather than through Django's option template, which costs a template
    include per option (a site's 2,500 stakeholders took 300 ms to draw), and with the
    standard library's escaping, not Django's lazy-aware one (100 ms more). The markup is
    `django/forms/widgets/select.html`'s, with `CategoryOptionsMixin`'s attributes.

    The options come from the field's queryset (annotated as
    `selectors.engagement_stakeholder_choices` gives it) read as plain rows, each written
    straight to its markup: 2,500 model instances and option dicts, alive while the page
    was drawn, were enough to have Python's cyclic garbage collector make a full pass
    (tens of milliseconds) every few requests."""

    def render(self, name, value, attrs=None, renderer=None):
        # Django's `Select` context without its options (`optgroups`), drawn below.
        widget = forms.Widget.get_context(self, name, value, attrs)["widget"]
        widget["attrs"]["multiple"] = True
        chosen = set(widget["value"])
        # Plain tuples, which the collector stops tracking once it sees them; each named
        # only for as long as its option is written.
        rows = self.choices.queryset.values_list(*StakeholderRow._fields)
        options = "\n".join(_stakeholder_option(StakeholderRow(*row), chosen) for row in rows)
        # Every value written went through `_escape`, as Django's templates would escape it.
        return mark_safe(  # noqa: S308
            f'<select name="{_escape(widget["name"])}"{_attributes(widget["attrs"])}>\n'
            f"{options}\n</select>"
        )


def _stakeholder_option(row, chosen):
    """One stakeholder's `<option>`, its attributes in the order Django's widget and
    `CategoryOptionsMixin` write them."""
    value = str(row.pk)
    selected = " selected" if value in chosen else ""
    category = "" if row.category_id is None else f' data-category="{row.category_id}"'
    community = " data-community" if row.carries_indicators else ""
    label = _escape(redaction.display_name(row))
    return f'<option value="{value}"{selected}{category}{community}>{label}</option>'


def _escape(value):
    return html.escape(str(value), quote=True)


def _attributes(attrs):
    """HTML attributes as `flatatt` writes them: True alone, False and None left out."""
    return "".join(
        f" {_escape(name)}" if value is True else f' {_escape(name)}="{_escape(value)}"'
        for name, value in attrs.items()
        if value is not False and value is not None
    )


class ObjectiveCheckboxes(CategoryOptionsMixin, forms.CheckboxSelectMultiple):
    """The objectives, one checkbox each, rendered grouped by category
    (`EngagementForm.objective_groups`)."""


class EngagementForm(forms.ModelForm):
    """An engagement at one site (the site comes from the page's address, never from the
    form). Stakeholders offered are those the user may pick there; stakeholders met whose
    identity the user may not see are not offered and are kept by the service.

    Confidentiality is offered to users cleared at the site only; for anyone else it is
    shown read-only, and a value sent anyway goes to the service, which refuses it."""

    confidentiality = forms.ChoiceField(
        label=_("Confidentiality"), choices=Engagement.Confidentiality.choices
    )
    # Declared rather than taken from `Meta.fields`, as the model would give it: its initial
    # value comes with the people offered (`selectors.engagement_people`), not from a query
    # of the engagement's participants of its own.
    participants = Engagement._meta.get_field("participants").formfield(
        form_class=RecordChoices,
        widget=forms.SelectMultiple(attrs={"size": 6, "data-picker": "people"}),
    )

    class Meta:
        model = Engagement
        fields = [
            "date",
            "format",
            "location",
            "lead_function",
            "stakeholders",
            "attendance_total",
            "attendance_women",
            "objectives",
            "purpose",
            "information_shared",
            "summary",
            "security_topics",
            "outcomes",
        ]
        field_classes = {
            "stakeholders": RecordChoices,
            "objectives": RecordChoices,
        }
        widgets = {
            "date": date_input(),
            "stakeholders": StakeholderPicker(attrs={"size": 10, "data-picker": "stakeholders"}),
            "objectives": ObjectiveCheckboxes(attrs={"class": "form-check-input"}),
            "attendance_total": forms.NumberInput(attrs={"min": 0}),
            "attendance_women": forms.NumberInput(attrs={"min": 0}),
            "purpose": text_area(2),
            "information_shared": text_area(),
            "summary": text_area(5),
            "security_topics": text_area(),
            "outcomes": text_area(),
        }

    def __init__(
        self, *args, user, site, cleared=None, function_choices=None, people=None, **kwargs
    ):
        """`cleared` (at the site), `function_choices` ((pk, name) of every function) and
        `people` (`selectors.engagement_people`, read) where the page has read them
        already; else they are read here."""
        super().__init__(*args, **kwargs)
        self.site = site
        editing = self.instance.pk is not None
        engagement = self.instance if editing else None
        # A new engagement's lead function is the user's own by default.
        logger = None if editing else selectors.logger_at(user=user, site=site)
        if cleared is None:
            cleared = logger.cleared if logger else selectors.cleared_at(user=user, site=site)
        self.cleared = cleared

        self.hidden_stakeholders = (
            selectors.hidden_stakeholder_list(user=user, engagement=engagement) if editing else []
        )
        stakeholders = self.fields["stakeholders"]
        stakeholders.queryset = selectors.engagement_stakeholder_choices(
            user=user, site=site, engagement=engagement
        )
        stakeholders.label_from_instance = redaction.display_name
        stakeholders.required = not self.hidden_stakeholders
        stakeholders.help_text = _(
            "From the registry of %(site)s. Type a name to search; without JavaScript, hold "
            "Ctrl (⌘ on a Mac) to choose several."
        ) % {"site": site}

        if people is None:
            people = list(selectors.engagement_people(site=site, engagement=engagement))
        participants = self.fields["participants"]
        # What comes back is checked on the queryset; the options are the people read.
        participants.queryset = selectors.participant_choice_list(site=site, engagement=engagement)
        participants.widget.choices = [(person.pk, person_name(person)) for person in people]
        self.initial.setdefault("participants", [person.pk for person in people if person.named])
        participants.help_text = _("Members of %(site)s who took part.") % {"site": site}

        lead_function = self.fields["lead_function"]
        lead_function.queryset = Function.objects.all()  # what comes back is checked on it
        if function_choices is not None:
            empty = [] if lead_function.empty_label is None else [("", lead_function.empty_label)]
            lead_function.widget.choices = [*empty, *function_choices]
        if logger is not None and self.initial.get("lead_function") is None:
            self.initial["lead_function"] = logger.function
        self.fields["date"].widget.attrs["max"] = site.today().isoformat()
        self.fields["date"].help_text = _("Not in the future (today at %(site)s: %(today)s).") % {
            "site": site,
            "today": site.today().isoformat(),
        }

        objectives = self.fields["objectives"]
        objectives.queryset = EngagementObjective.objects.select_related("category")
        objectives.label_from_instance = lambda objective: objective.text

        confidentiality = self.fields["confidentiality"]
        if editing:
            self.initial["confidentiality"] = self.instance.confidentiality
        else:
            confidentiality.choices = [
                ("", _("Automatic: restricted if an at-risk stakeholder is met, else internal")),
                *Engagement.Confidentiality.choices,
            ]
            confidentiality.required = False
        # The uncleared see it and cannot set it: nothing of theirs is sent, and whatever
        # is sent anyway is the service's to refuse.
        self.confidentiality_locked = not self.cleared
        if self.confidentiality_locked:
            confidentiality.required = False

    @property
    def confidentiality_shown(self):
        """What the read-only confidentiality says to the uncleared."""
        if self.instance.pk:
            return self.instance.get_confidentiality_display()
        return _("Internal, or restricted if an at-risk stakeholder is met")

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date and date > self.site.today():
            raise forms.ValidationError(
                _("An engagement cannot be dated in the future (today at %(site)s).")
                % {"site": self.site}
            )
        return date

    def clean(self):
        data = super().clean()
        total, women = data.get("attendance_total"), data.get("attendance_women")
        if total is not None and women is not None and women > total:
            self.add_error(
                "attendance_women", _("Women cannot be more than the total attendance.")
            )
        return data

    def objective_groups(self):
        """The objectives' checkboxes grouped by category: [(category, [checkbox, ...])]."""
        groups = {}
        for checkbox in self["objectives"]:
            category = checkbox.data["value"].instance.category
            groups.setdefault(category, []).append(checkbox)
        return list(groups.items())

    def kept_categories(self):
        """The categories of the stakeholders kept out of sight: their objectives stay
        offered."""
        return sorted({stakeholder.category_id for stakeholder in self.hidden_stakeholders})

    def service_data(self):
        data = {
            name: value for name, value in self.cleaned_data.items() if name in ENGAGEMENT_FIELDS
        }
        if not data.get("confidentiality"):
            data.pop("confidentiality", None)  # the service's default, or unchanged
        return {
            "data": data,
            "stakeholders": list(self.cleaned_data["stakeholders"]),
            "objectives": list(self.cleaned_data["objectives"]),
            "participants": list(self.cleaned_data["participants"]),
        }


class CachedChoicesMixin:
    """Rows of a formset render their people and functions from lists read once for the
    page (`choices`), not once a row; the field's queryset still validates what comes back."""

    def use_choices(self, name, choices, *, empty_label="---------"):
        field = self.fields[name]
        field.widget.choices = [("", empty_label), *choices]


class ClosingMixin:
    """A commitment done or dropped needs a closing note, and closes today at the site
    unless a date is given. Open or in progress (reopened), it has no closing date: one
    still in the field is dropped, as the service drops it (its note is kept)."""

    def clean(self):
        data = super().clean()
        if data.get("status") in Commitment.CLOSED:
            if not data.get("closing_note"):
                self.add_error(
                    "closing_note", _("A commitment done or dropped needs a closing note.")
                )
            elif not data.get("closed_on") and "closed_on" not in self.errors:
                data["closed_on"] = self.site.today()
        elif data.get("status"):
            data["closed_on"] = None
            self.errors.pop("closed_on", None)  # a date it will not have cannot be wrong
        return data


class CommitmentForm(ClosingMixin, CachedChoicesMixin, forms.ModelForm):
    class Meta:
        model = Commitment
        fields = [
            "description",
            "owner",
            "lead_function",
            "due_on",
            "status",
            "closing_note",
            "closed_on",
        ]
        widgets = {
            "description": text_area(2),
            "due_on": date_input(),
            "closing_note": text_area(2),
            "closed_on": date_input(),
        }
        help_texts = {
            "closing_note": _("Needed when it is done or dropped."),
            "closed_on": _(
                "Left empty: today, when it is done or dropped. Reopened, it has none."
            ),
        }

    def __init__(self, *args, site, owners, owner_choices, function_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site
        owner = self.fields["owner"]
        owner_choices = list(owner_choices)
        current = self.instance.owner if self.instance.owner_id else None
        if current is not None and current.pk not in {pk for pk, _label in owner_choices}:
            # Kept on the row (the service asks for another when the row is changed).
            owner_choices.append((current.pk, person_name(current)))
            owners = owners | type(current).objects.filter(pk=current.pk)
        owner.queryset = owners
        owner.help_text = _(
            "A member of the site whose role may update commitments; on a restricted "
            "engagement, a cleared one."
        )
        self.use_choices("owner", owner_choices)
        lead_function = self.fields["lead_function"]
        lead_function.queryset = Function.objects.all()
        lead_function.required = False
        lead_function.help_text = _("Left empty: the engagement's lead function.")
        self.use_choices("lead_function", function_choices)


class ConcernForm(CachedChoicesMixin, forms.ModelForm):
    """A concern raised. Its source is one of the stakeholders met or nobody; a source the
    user may not see is shown as its placeholder and kept as it is."""

    class Meta:
        model = Concern
        fields = [
            "stakeholder",
            "type",
            "description",
            "response",
            "satisfaction",
            "severity",
            "status",
            "referred_to",
            "referred_on",
            "outcome",
        ]
        widgets = {
            "stakeholder": forms.Select(attrs={"data-raised-by": ""}),
            "description": text_area(2),
            "response": text_area(2),
            "referred_on": date_input(),
            "outcome": text_area(2),
        }
        help_texts = {
            "stakeholder": _("One of the stakeholders met, or not named."),
            "outcome": _("An allegation is closed only with its outcome."),
        }

    def __init__(self, *args, cleared, stakeholders, raised_by, **kwargs):
        super().__init__(*args, **kwargs)
        self.hidden_source = None
        source = self.instance.stakeholder if self.instance.stakeholder_id else None
        if source is not None and not redaction.identity_visible(source):
            self.hidden_source = redaction.display_name(source)
            del self.fields["stakeholder"]
        else:
            field = self.fields["stakeholder"]
            field.queryset = stakeholders
            choices = list(raised_by)
            if source is not None and source.pk not in {pk for pk, _label in choices}:
                choices.append((source.pk, redaction.display_name(source)))
            self.use_choices("stakeholder", choices, empty_label=_("Not named"))
        if not cleared:
            self.fields["type"].help_text = _(
                "An allegation is passed to colleagues cleared at the site: afterwards you "
                "see that you filed it, not its content."
            )

    def clean(self):
        data = super().clean()
        if (
            data.get("type") in Concern.ALLEGATIONS
            and data.get("status") == Concern.Status.CLOSED
            and not data.get("outcome")
        ):
            self.add_error("outcome", _("An allegation cannot be closed without its outcome."))
        return data


class CommitmentProgressForm(ClosingMixin, forms.ModelForm):
    """What a commitment's owner updates: its status and closing."""

    class Meta:
        model = Commitment
        fields = ["status", "closing_note", "closed_on"]
        widgets = {"closing_note": text_area(3), "closed_on": date_input()}
        help_texts = CommitmentForm.Meta.help_texts

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site

    def service_data(self):
        return {name: self.cleaned_data[name] for name in self.changed_data}


# --- perception findings ----------------------------------------------------------------

# A finding row's fields as the page sends them: findings-<community>-<indicator>-<field>.
FINDING_FIELD_NAME = re.compile(r"^findings-([^-]+)-([a-z_]+)-(value|evidence)$")


def finding_prefix(community_pk, indicator):
    return f"findings-{community_pk}-{indicator}"


class FindingForm(forms.Form):
    """What a community thought on one indicator: a value on the five-point scale or "not
    discussed", and the evidence in words (needed with a value). The row's community and
    indicator come from the page, never from what is sent."""

    value = forms.TypedChoiceField(
        choices=[
            ("", _("Not discussed")),
            *[
                (value, _("%(value)d · %(label)s") % {"value": value, "label": label})
                for value, label in Finding.Value.choices
            ],
        ],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    evidence = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"})
    )

    def __init__(self, *args, community, indicator, existing=None, **kwargs):
        if existing is not None:
            kwargs["initial"] = {"value": existing.value, "evidence": existing.evidence}
        super().__init__(*args, **kwargs)
        self.community, self.indicator, self.existing = community, indicator, existing
        self.indicator_label = Finding.Indicator(indicator).label
        self.fields["value"].label = self.indicator_label
        self.fields["evidence"].label = _("Evidence")

    def clean(self):
        data = super().clean()
        if data.get("value") is not None and not data.get("evidence"):
            self.add_error("evidence", _("A finding needs the evidence for it in words."))
        return data

    def widget(self, name):
        """The field's widget, marked invalid and pointing at its errors when it has
        some (read when the page is drawn, after the services' refusals are added)."""
        field = self[name]
        attrs = {}
        if field.errors:
            css = field.field.widget.attrs.get("class", "")
            attrs = {
                "class": f"{css} is-invalid".strip(),
                "aria-invalid": "true",
                "aria-describedby": f"{field.auto_id}_error",
            }
        return field.as_widget(attrs=attrs)

    def value_widget(self):
        return self.widget("value")

    def evidence_widget(self):
        return self.widget("evidence")

    def service_row(self):
        """The row as `services` takes it when it asks for a change: a finding new or
        different from the one stored (not discussed and empty removes it); else None
        (also for a row that did not come back)."""
        if not self.is_bound:
            return None
        value, evidence = self.cleaned_data.get("value"), self.cleaned_data.get("evidence", "")
        if self.existing is None:
            if value is None and not evidence:
                return None
        elif (self.existing.value, self.existing.evidence) == (value, evidence):
            return None
        return {
            "community": self.community,
            "indicator": self.indicator,
            "value": value,
            "evidence": evidence,
        }


class FindingGrid:
    """The four indicators of one community on the page, in the order of Table 4E.2.
    `removed`: the community is no longer among the stakeholders chosen while something
    is typed (or stored) for it, so the grid stays in sight until it is cleared."""

    def __init__(self, data, *, community, name, existing, removed=False):
        self.community, self.name, self.removed = community, name, removed
        self.pk = getattr(community, "pk", community)
        self.rows = []
        for indicator in Finding.Indicator.values:
            prefix = finding_prefix(self.pk, indicator)
            # A row that did not come back (its grid was not on the page sent) is shown as
            # stored and changes nothing: only what is sent is written.
            sent = data is not None and any(
                f"{prefix}-{name}" in data for name in ("value", "evidence")
            )
            self.rows.append(
                FindingForm(
                    data if sent else None,
                    prefix=prefix,
                    community=community,
                    indicator=indicator,
                    existing=existing.get(indicator),
                )
            )

    @property
    def element_id(self):
        return f"findings-{self.pk}"


class RowManagementForm(ManagementForm):
    """A formset's counts of rows sent and of existing rows among them: whole numbers, not
    negative, no more existing rows than rows. Anything else was not sent by the page
    (altered, or cut short), and the formset refuses it as a whole."""

    TOTAL_FORMS = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    INITIAL_FORMS = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def clean(self):
        data = super().clean()
        if data[INITIAL_FORM_COUNT] > data[TOTAL_FORM_COUNT]:
            self.add_error(None, _("More existing rows than rows."))
        if self.errors:
            # As Django does for a missing count: no row is read from what was sent.
            data[TOTAL_FORM_COUNT] = data[INITIAL_FORM_COUNT] = 0
        return data


class RowFormSet(BaseModelFormSet):
    """The rows of one kind on the page. A row sent as an existing one that is not among
    those shown (removed since, out of the user's sight now, or made up) is refused on its
    row, in the same words whatever the reason: the row numbers checked are only those of
    the page's own rows, so no answer tells whether another row exists.

    Counts of rows that the page cannot have sent (`RowManagementForm`) refuse the whole
    page with a message asking to reload it, and no row is read."""

    default_error_messages = {
        **BaseModelFormSet.default_error_messages,
        "missing_management_form": _(
            "This part of the page came back incomplete or altered. Reload the page and "
            "enter the rows again."
        ),
    }

    @cached_property
    def management_form(self):
        if not self.is_bound:
            return super().management_form
        form = RowManagementForm(
            self.data, auto_id=self.auto_id, prefix=self.prefix, renderer=self.renderer
        )
        form.full_clean()
        return form

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields[self.model._meta.pk.name].queryset = self.get_queryset()

    def clean(self):
        super().clean()
        pk_name = self.model._meta.pk.name
        initial = set(self.initial_forms)
        for form in self.forms:
            if pk_name in form.errors or (form in initial and form.instance.pk is None):
                form.errors.pop(pk_name, None)
                form.add_error(
                    None,
                    _("This row is no longer one you can change here. Reload the page."),
                )


def _formset(form, *, extra):
    return modelformset_factory(
        Commitment if form is CommitmentForm else Concern,
        form=form,
        formset=RowFormSet,
        extra=extra,
        can_delete=False,
        max_num=MAX_ROWS,
        absolute_max=MAX_ROWS,
        validate_max=True,
    )


def _quiet(form):
    """Bound to what was typed, without validating it: the page only grew a row."""
    form._errors = ErrorDict()


class EngagementPage:
    """Everything the "log an engagement" page and its edit page submit at once: the
    engagement, its commitments and its concerns (formsets, prefixes "commitments" and
    "concerns"), and the perception findings on the communities met (`FindingGrid`s, one
    per community, for users whose role records findings). Only rows typed into are
    written; rows the user may not see (an allegation, for the uncleared; the findings on
    a community whose identity is hidden from them) are not on the page at all. Nothing
    here writes: the view hands `service_kwargs()` to the services and their refusals to
    `add_service_error`.

    A submit named `add_commitment` or `add_concern` (the "add a row" buttons without
    JavaScript) asks for the page again with one more empty row, keeping what was typed;
    one named `show_findings`, with the findings of the communities now chosen.
    """

    ADD = {
        "add_commitment": "commitments",
        "add_concern": "concerns",
        "show_findings": "findings",
    }

    def __init__(self, data=None, *, user, site, engagement=None, cleared=None):
        """`cleared`: whether the user is cleared at the site, where already read."""
        self.user, self.site, self.engagement = user, site, engagement
        editing = engagement is not None
        functions = [(function.pk, str(function)) for function in Function.objects.all()]
        people = list(selectors.engagement_people(site=site, engagement=engagement))
        self.form = EngagementForm(
            data,
            user=user,
            site=site,
            cleared=cleared,
            function_choices=functions,
            people=people,
            instance=engagement or Engagement(site=site),
        )
        owners = selectors.owner_choice_list(site=site, engagement=engagement)
        self.commitments = _formset(CommitmentForm, extra=0 if editing else 1)(
            data,
            prefix="commitments",
            queryset=(
                selectors.commitment_list(user=user).filter(engagement=engagement)
                if editing
                else Commitment.objects.none()
            ),
            form_kwargs={
                "site": site,
                "owners": owners,
                "owner_choices": [
                    (person.pk, person_name(person)) for person in people if person.owner
                ],
                "function_choices": functions,
            },
        )
        stakeholders = self.form.fields["stakeholders"].queryset
        self.chosen = self._chosen_stakeholders(stakeholders)
        self.concerns = _formset(ConcernForm, extra=0 if editing else 1)(
            data,
            prefix="concerns",
            queryset=self._concerns() if editing else Concern.objects.none(),
            form_kwargs={
                "cleared": self.form.cleared,
                "stakeholders": stakeholders,
                "raised_by": [
                    (stakeholder.pk, redaction.display_name(stakeholder))
                    for stakeholder in self.chosen
                ],
            },
        )
        self._rows = {"commitments": [], "concerns": [], "findings": []}
        self.records_findings = selectors.can_record_findings(user=user)
        self.finding_grids, self.kept_finding_communities = [], []
        self.findings_error = None
        if self.records_findings:
            self._build_finding_grids(data, stakeholders)

    def _concerns(self):
        """The engagement's concerns the user may see, read here with their sources (as
        `concern_list` annotates them) from the stakeholders met where they are among
        them. The formset takes the rows read: it uses an ordered queryset as it is."""
        concerns = (
            selectors.concern_list(user=self.user)
            .filter(engagement=self.engagement)
            .prefetch_related(None)
        )
        sources = selectors.stakeholders_by_pk(
            user=self.user,
            pks={concern.stakeholder_id for concern in concerns},
            known={
                stakeholder.pk: stakeholder for stakeholder in self.engagement.stakeholders.all()
            },
        )
        for concern in concerns:
            if concern.stakeholder_id is not None:
                concern.stakeholder = sources[concern.stakeholder_id]
        return concerns

    def _chosen_stakeholders(self, offered):
        """The stakeholders met as the page now stands: those typed in, or the
        engagement's own (those the user may see) before anything was typed."""
        if self.form.is_bound:
            pks = {row_id(value) for value in self.form["stakeholders"].value()} - {None}
            return list(offered.filter(pk__in=pks)) if pks else []
        if self.engagement is not None:
            return [
                stakeholder
                for stakeholder in self.engagement.stakeholders.all()
                if redaction.identity_visible(stakeholder)
            ]
        return []

    def _build_finding_grids(self, data, offered):
        """One grid per community whose findings the page shows: each community chosen
        among the stakeholders met, each with findings stored (that the user may see), and
        each whose rows came back with something typed (kept, even if no longer chosen,
        so nothing typed is lost). Findings on a community hidden from the user are kept
        out of sight and untouched (`kept_finding_communities`, by placeholder)."""
        existing = {}
        if self.engagement is not None:
            # The communities of its findings are among the stakeholders met, read with it.
            groups = selectors.engagement_finding_groups(
                user=self.user,
                engagement=self.engagement,
                known_stakeholders={s.pk: s for s in self.engagement.stakeholders.all()},
            )
            for group in groups:
                if group.hidden:
                    self.kept_finding_communities.append(group.community)
                else:
                    existing[group.community.pk] = {f.indicator: f for f in group.findings}
        shown = {s.pk: s for s in self.chosen if getattr(s, "carries_indicators", False)}
        chosen = {s.pk for s in self.chosen}
        for finding_rows in existing.values():
            community = next(iter(finding_rows.values())).community
            shown.setdefault(community.pk, community)
        if data is not None:
            typed = self._typed_communities(data)
            unknown = typed - {s.pk for s in offered.filter(pk__in=typed)}
            for stakeholder in offered.filter(pk__in=typed - set(shown)):
                shown[stakeholder.pk] = stakeholder
            if unknown or self._unreadable_rows(data):
                self.findings_error = _(
                    "Findings came back for a community this page does not offer. Reload "
                    "the page and enter them again."
                )
        ordered = sorted(shown.values(), key=lambda s: (s.name.lower(), s.pk))
        self.finding_grids = [
            FindingGrid(
                data,
                community=community,
                name=redaction.display_name(community),
                existing=existing.get(community.pk, {}),
                removed=self.form.is_bound and community.pk not in chosen,
            )
            for community in ordered
        ]

    @staticmethod
    def _typed_communities(data):
        """The communities (row numbers) whose finding rows came back with something
        typed in them."""
        found = set()
        for name in data:
            match = FINDING_FIELD_NAME.match(name)
            if match and any(value.strip() for value in data.getlist(name)):
                pk = row_id(match.group(1))
                if pk is not None:
                    found.add(pk)
        return found

    @staticmethod
    def _unreadable_rows(data):
        """Whether finding rows came back that no page draws: a community that is no row
        number, an indicator that is not one."""
        for name in data:
            match = FINDING_FIELD_NAME.match(name)
            if match and any(value.strip() for value in data.getlist(name)):
                if row_id(match.group(1)) is None:
                    return True
                if match.group(2) not in Finding.Indicator.values:
                    return True
        return False

    @property
    def finding_forms(self):
        return [row for grid in self.finding_grids for row in grid.rows]

    def finding_template(self):
        """The grid the page's script copies for a community chosen (its number and name
        filled in by the script)."""
        return FindingGrid(None, community="__community__", name="", existing={})

    @property
    def formsets(self):
        return {"commitments": self.commitments, "concerns": self.concerns}

    @classmethod
    def row_requested(cls, data):
        """Which part asked to be shown again ("commitments" or "concerns" for one more
        row, "findings" for the grids of the communities chosen), or None."""
        return next((rows for name, rows in cls.ADD.items() if name in data), None)

    @classmethod
    def with_added_row(cls, data, *, rows, **kwargs):
        """The page again from what was typed, with one more empty row in `rows` (none for
        "findings": the grids follow the communities chosen), and no errors shown:
        nothing was submitted for saving. Counts of rows the page cannot have sent are
        left as they came, for the formset to refuse (its message shown)."""
        data = data.copy()
        if rows in ("commitments", "concerns"):
            sent = RowManagementForm(data, prefix=rows)
            if sent.is_valid():
                total = min(sent.cleaned_data[TOTAL_FORM_COUNT], MAX_ROWS - 1) + 1
                data[f"{rows}-{TOTAL_FORM_COUNT}"] = str(total)
        page = cls(data, **kwargs)
        for form in [
            page.form,
            *page.commitments.forms,
            *page.concerns.forms,
            *page.finding_forms,
        ]:
            _quiet(form)
        for formset in page.formsets.values():
            if formset.management_form.is_valid():
                formset._errors, formset._non_form_errors = [], formset.error_class()
        if rows == "findings":
            if page.finding_grids:
                page.finding_grids[0].rows[0].fields["value"].widget.attrs["autofocus"] = True
            return page
        added = page.formsets[rows]
        if added.management_form.is_valid() and added.forms:
            first = next(iter(added.forms[-1].fields.values()))
            first.widget.attrs["autofocus"] = True  # where the user asked for a row
        return page

    def is_valid(self):
        results = [
            self.form.is_valid(),
            self.commitments.is_valid(),
            self.concerns.is_valid(),
            *[row.is_valid() for row in self.finding_forms if row.is_bound],
        ]
        return all(results) and self.findings_error is None

    def has_errors(self):
        return self.form.is_bound and (
            bool(self.form.errors)
            or any(formset.total_error_count() for formset in self.formsets.values())
            or any(row.errors for row in self.finding_forms)
            or self.findings_error is not None
        )

    def _row_data(self, rows, fields, *, editing):
        """The rows typed into, as the services take them, remembered in order so that a
        refusal finds its row: new ones with all their fields; when editing, changed ones
        too, with the fields that changed."""
        found = []
        self._rows[rows] = []
        for form in self.formsets[rows].forms:
            if not form.has_changed():
                continue
            existing = form.instance if form.instance.pk else None
            names = form.changed_data if existing else form.cleaned_data
            data = {name: form.cleaned_data[name] for name in names if name in fields}
            if existing is not None and not data:
                continue
            self._rows[rows].append(form)
            found.append((existing, data) if editing else data)
        return found

    def _finding_data(self):
        """The findings typed or changed, as the services take them, remembered in order
        so that a refusal finds its row."""
        found = []
        self._rows["findings"] = []
        for row in self.finding_forms:
            data = row.service_row()
            if data is not None:
                self._rows["findings"].append(row)
                found.append(data)
        return found

    def service_kwargs(self):
        """Keyword arguments for `services.engagement_create` (with the site) or
        `services.engagement_update` (with the engagement)."""
        editing = self.engagement is not None
        return {
            **self.form.service_data(),
            "commitments": self._row_data("commitments", COMMITMENT_FIELDS, editing=editing),
            "concerns": self._row_data("concerns", CONCERN_FIELDS, editing=editing),
            "findings": self._finding_data(),
        }

    def add_service_error(self, error):
        """A service's refusal on the field of the form (or row) it names."""
        if isinstance(error, RowError):
            add_service_errors(self._rows[error.rows][error.index], error)
        else:
            add_service_errors(self.form, error)

    def allegation_filed(self):
        """Whether the rows written record an allegation (a new one, or one made so)."""
        return any(
            form.cleaned_data.get("type") in Concern.ALLEGATIONS
            and (not form.instance.pk or "type" in form.changed_data)
            for form in self._rows["concerns"]
        )


class AttachmentForm(forms.Form):
    """A file to attach on an engagement's page. What is accepted (the type, told from the
    content; the size) is decided by `services.attachment_create`; the field only hints at
    it, so the browser offers the right files first."""

    file = forms.FileField(
        label=_("File"),
        widget=forms.FileInput(attrs={"accept": attachments.ACCEPT}),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Attachment.Kind.choices)
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        help_text=_("Optional, e.g. “Signed attendance sheet, morning session”."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("%(types)s, up to %(limit)s.") % {
            "types": attachments.accepted_types_text(),
            "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES),
        }
