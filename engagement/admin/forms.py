"""The admin's forms for engagements, commitments and concerns, with the choices one user
may pick: stakeholders whose identity they may see, members of their sites. The services
check the same rules again (the engagement's site, its categories, a cleared owner on a
restricted engagement); these forms only keep what cannot be picked out of sight."""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.auth import get_user_model
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from engagement import selectors
from engagement.models import Commitment, Concern, Engagement
from stakeholders import redaction
from stakeholders.models import SiteMembership, Stakeholder
from stakeholders.selectors import site_list, stakeholder_admin_queryset

User = get_user_model()

AUTOMATIC_CONFIDENTIALITY = _("Automatic: restricted when an at-risk stakeholder is met")


class StakeholderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return redaction.display_name(obj)


class StakeholderMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return redaction.display_name(obj)


class SharedChoiceIterator(ModelChoiceIterator):
    """A select's choices read from the queryset its form class carries, which the admin
    sets per request and every row of an inline shares: iterated itself, it is read once
    and then from its cache, where a select reads its field's own copy each time it is
    drawn (a query for each row's owner, function and source). What is posted is still
    checked against the field's own copy."""

    def __init__(self, field, rows):
        super().__init__(field)
        self.rows = rows

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.rows:
            yield self.choice(obj)

    def __len__(self):
        return len(self.rows) + (self.field.empty_label is not None)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.rows)


def offer(field, rows):
    """Let the select `field` accept `rows` (a queryset shared by the form class) and
    draw them, read once for every form that shares them (`SharedChoiceIterator`)."""
    field.queryset = rows
    field.choices = SharedChoiceIterator(field, rows)


class KnownSelectionMixin:
    """An autocomplete that draws the options already chosen from objects the form read
    with its instance (`known`), rather than reading them again by their keys: the
    engagement's lead function and objectives, which its page reads anyway. A value with
    any other key (a posted one) is read as Django reads it. Not for stakeholders, whose
    options are the ones the user may pick, decided by the field's queryset."""

    known = None

    def optgroups(self, name, value, attr=None):
        chosen = {str(key) for key in value if str(key) not in self.choices.field.empty_values}
        known = {str(obj.pk): obj for obj in self.known or ()}
        if not chosen or not chosen <= known.keys():
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required and not self.allow_multiple_selected:
            options.append(self.create_option(name, "", "", False, 0))
        label = self.choices.field.label_from_instance
        for key, obj in known.items():
            if key in chosen:
                options.append(self.create_option(name, obj.pk, label(obj), True, len(options)))
        return [(None, options, 0)]


class KnownAutocompleteSelect(KnownSelectionMixin, AutocompleteSelect):
    pass


class KnownAutocompleteSelectMultiple(KnownSelectionMixin, AutocompleteSelectMultiple):
    pass


def pickable_stakeholders(*, user, site=None):
    """The stakeholders a user may pick: of their sites (of `site`, when known), and only
    those whose identity they may see, as the Stakeholder admin's autocomplete offers."""
    stakeholders = stakeholder_admin_queryset(user=user).prefetch_related(None)
    if site is not None:
        stakeholders = stakeholders.filter(sites=site)
    return stakeholders


def engagement_stakeholders(*, user, engagement):
    """The stakeholders of an engagement whose identity the user may see."""
    return (
        Stakeholder.objects.with_identity_visibility(user)
        .filter(engagements=engagement, identity_visible=True)
        .order_by("name", "pk")
    )


def member_choices(*, user, site=None, cleared=None):
    """The active members of `site`, or before a site is chosen of any of the user's
    sites (the service then checks the engagement's own)."""
    if site is not None:
        return selectors.site_member_list(site=site, cleared=cleared)
    memberships = SiteMembership.objects.filter(site__in=site_list(user=user))
    return User.objects.filter(pk__in=memberships.values("user"), is_active=True).order_by(
        "username"
    )


class EngagementAdminForm(forms.ModelForm):
    """The engagement's own fields. On a new engagement the lead function and the
    confidentiality may be left to the service's defaults (the user's function at the
    site; restricted when an at-risk stakeholder is met)."""

    user = None  # set per request by the admin
    # Set per request by the admin: the site's members, shared with its commitments' owners.
    participant_choices = None

    class Meta:
        model = Engagement
        fields = [
            "site",
            "date",
            "format",
            "location",
            "lead_function",
            "confidentiality",
            "stakeholders",
            "participants",
            "attendance_total",
            "attendance_women",
            "objectives",
            "purpose",
            "information_shared",
            "summary",
            "security_topics",
            "outcomes",
        ]
        field_classes = {"stakeholders": StakeholderMultipleChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        site = self.instance.site if self.instance.pk else None
        if "stakeholders" in self.fields:
            self.fields["stakeholders"].queryset = pickable_stakeholders(user=self.user, site=site)
        if "participants" in self.fields:
            members = self.participant_choices
            if members is None:
                members = member_choices(user=self.user, site=site)
            offer(self.fields["participants"], members)
        if self.instance.pk:
            if not self.is_bound:
                self.known_selection()
            return
        if "lead_function" in self.fields:
            self.fields["lead_function"].required = False
            self.fields["lead_function"].help_text = _("Left empty, your function at the site.")
        if "confidentiality" in self.fields:
            field = self.fields["confidentiality"]
            field.required = False
            field.choices = [("", AUTOMATIC_CONFIDENTIALITY), *Engagement.Confidentiality.choices]
            field.help_text = _("Only users cleared at the site may restrict an engagement.")

    def known_selection(self):
        """The engagement's lead function and objectives, read with it, for their
        autocompletes to draw (`KnownSelectionMixin`)."""
        instance = self.instance
        for name, known in (
            ("lead_function", [instance.lead_function] if instance.lead_function_id else []),
            ("objectives", instance.objectives.all()),
        ):
            if name in self.fields:
                widget = self.fields[name].widget
                widget = getattr(widget, "widget", widget)  # inside the admin's links
                if isinstance(widget, KnownSelectionMixin):
                    widget.known = known


class CommitmentAdminForm(forms.ModelForm):
    """A commitment: its owner a member of the engagement's site (cleared there, on a
    restricted engagement); its lead function, when left empty, the engagement's."""

    owner_choices = User.objects.none()  # set per request by the admin
    function_choices = None  # set per request by an inline, whose rows share them

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
            "description": forms.Textarea(attrs={"rows": 2}),
            "closing_note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:
            offer(self.fields["owner"], self.owner_choices)
        if "lead_function" in self.fields and self.function_choices is not None:
            offer(self.fields["lead_function"], self.function_choices)
        if "lead_function" in self.fields and not self.instance.pk:
            self.fields["lead_function"].required = False
            self.fields["lead_function"].help_text = _(
                "Left empty, the engagement's lead function."
            )


class ConcernAdminForm(forms.ModelForm):
    """A concern: raised by one of the engagement's stakeholders the user may see, or by
    nobody named. A source the user may not see stays as it is, shown by its placeholder."""

    stakeholder_choices = Stakeholder.objects.none()  # set per request by the admin

    class Meta:
        model = Concern
        fields = [
            "type",
            "stakeholder",
            "description",
            "response",
            "satisfaction",
            "severity",
            "status",
            "referred_to",
            "referred_on",
            "outcome",
        ]
        field_classes = {"stakeholder": StakeholderChoiceField}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "response": forms.Textarea(attrs={"rows": 2}),
            "outcome": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("stakeholder")
        if field is None:
            return
        offer(field, self.stakeholder_choices)
        source = self.instance.stakeholder_id
        if source and source not in {choice.pk for choice in self.stakeholder_choices}:
            # Read without the visibility annotation: an at-risk source shows as its
            # placeholder. Disabled, so the posted value is ignored and nothing changes.
            offer(field, Stakeholder.objects.filter(pk=source))
            field.disabled = True


def form_class(base, **attributes):
    """`base` with the per-request choices set as class attributes (the admin builds a
    form class per request, so nothing leaks from one user's request to another's)."""
    return type(base.__name__, (base,), attributes)
