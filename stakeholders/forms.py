from django import forms
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stakeholders import services
from stakeholders.models import (
    RATING_MAX,
    RATING_MIN,
    Assessment,
    Contact,
    Function,
    Site,
    SiteMembership,
    Stakeholder,
    StakeholderCategory,
)
from stakeholders.selectors import site_list

RATINGS = [(value, str(value)) for value in range(RATING_MIN, RATING_MAX + 1)]
STAKEHOLDER_FIELDS = [
    "name",
    "kind",
    "category",
    "sites",
    "lead_function",
    "location",
    "influence",
    "interest",
    "vulnerable_groups",
    "vulnerable_group_note",
    "at_risk",
    "active",
    "notes",
]


def add_service_errors(form, error: ValidationError):
    """Show a service's refusal on the form: on its field where it names one the form has,
    above the form otherwise."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error)


class VulnerableGroupsRuleMixin:
    """Shows the service's vulnerable-group rule on the form's fields before saving."""

    def clean(self):
        data = super().clean()
        if "vulnerable_groups" in data and "vulnerable_group_note" in data:
            try:
                services.check_vulnerable_groups(
                    note=data["vulnerable_group_note"], groups=data["vulnerable_groups"]
                )
            except ValidationError as error:
                add_service_errors(self, error)
        return data


class StakeholderForm(VulnerableGroupsRuleMixin, forms.ModelForm):
    """A registry entry as the people of its sites add and edit it. Only the user's own sites
    are offered; the service keeps the stakeholder's other sites. Influence and interest are
    asked when the stakeholder is added (its first assessment) and re-assessed afterwards on
    their own form, with a date and a reason."""

    class Meta:
        model = Stakeholder
        fields = STAKEHOLDER_FIELDS
        widgets = {
            "sites": forms.CheckboxSelectMultiple,
            "vulnerable_groups": forms.CheckboxSelectMultiple,
            "influence": forms.Select(choices=RATINGS),
            "interest": forms.Select(choices=RATINGS),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = site_list(user=user)
        self.fields["sites"].help_text = _(
            "Your sites. Sites of other teams that share this stakeholder are kept."
        )
        self.fields["at_risk"].help_text = _(
            "Identification could endanger them (human rights defenders, informants, critics). "
            "Name, contacts, location and notes are then shown only to users cleared at its "
            "site, and only they can change it or lift the flag."
        )
        if self.instance.pk:
            # Re-assessed on its own form, with a date and a reason.
            del self.fields["influence"], self.fields["interest"]
            self.fields["sites"].required = False
        elif len(self.fields["sites"].queryset) == 1:
            self.initial.setdefault("sites", list(self.fields["sites"].queryset))

    def service_data(self):
        """What the services take: the fields, and the sites and groups apart."""
        data = dict(self.cleaned_data)
        return {
            "sites": data.pop("sites"),
            "vulnerable_groups": data.pop("vulnerable_groups"),
            "data": data,
        }


class StakeholderAdminForm(VulnerableGroupsRuleMixin, forms.ModelForm):
    """The admin's stakeholder form: the services' rules shown on its fields."""

    class Meta:
        model = Stakeholder
        fields = STAKEHOLDER_FIELDS


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "role", "phone", "email"]


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = Assessment
        fields = ["assessed_on", "influence", "interest", "reason"]
        widgets = {
            "assessed_on": forms.DateInput(attrs={"type": "date"}),
            "influence": forms.Select(choices=RATINGS),
            "interest": forms.Select(choices=RATINGS),
        }

    def clean_assessed_on(self):
        assessed_on = self.cleaned_data["assessed_on"]
        if assessed_on > timezone.localdate():
            raise ValidationError(_("An assessment cannot be dated in the future."))
        return assessed_on


class MapFilterForm(forms.Form):
    """The stakeholder map's choices: which of the user's sites, and optionally one
    category or lead function."""

    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none(), required=False)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=StakeholderCategory.objects.all(),
        required=False,
        empty_label=_("All categories"),
    )
    function = forms.ModelChoiceField(
        label=_("Lead function"),
        queryset=Function.objects.all(),
        required=False,
        empty_label=_("All functions"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        sites = site_list(user=user)
        self.fields["site"].queryset = sites
        self.fields["site"].empty_label = None
        self.default_site = sites.first()

    def choices(self):
        """(site, category, lead function); a bad value is left out, the page says which."""
        data = {}
        if self.is_bound:
            self.is_valid()  # keeps the valid fields in cleaned_data
            data = self.cleaned_data
        return (
            data.get("site") or self.default_site,
            data.get("category"),
            data.get("function"),
        )


class SiteMembershipAdminForm(forms.ModelForm):
    """A site membership as an administrator edits it. `editor` is the user at the
    keyboard, set by the admin for each request; the rules are the services'
    (`services.check_membership_change`), shown here on the form's fields."""

    editor = None

    class Meta:
        model = SiteMembership
        fields = ["user", "site", "function", "cleared"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        after = SiteMembership(
            pk=self.instance.pk,
            user=data.get("user") or getattr(self.instance, "user", None),
            site=data.get("site") or getattr(self.instance, "site", None),
            function=data.get("function"),
            cleared=data.get("cleared", False),
        )
        before = SiteMembership.objects.filter(pk=self.instance.pk).first()
        services.require_actor(self.editor)
        try:
            services.check_membership_change(actor=self.editor, before=before, after=after)
        except ValidationError as error:
            add_service_errors(self, error)
        return data


class RecordedPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's password form; the user's history records that (never what) it was
    changed, and by whom."""

    def save(self, commit=True):
        self.user._change_reason = _("Password changed")
        return super().save(commit)
