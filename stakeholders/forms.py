from django import forms
from django.utils.translation import gettext_lazy as _

from stakeholders.models import Function, Stakeholder, StakeholderCategory
from stakeholders.selectors import site_list


class RegistryFilterForm(forms.Form):
    """The registry list's search and filters (GET). Sites offered are the user's own."""

    YES_NO = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=StakeholderCategory.objects.all(),
        required=False,
        empty_label=_("All categories"),
    )
    site = forms.ModelChoiceField(
        label=_("Site"), queryset=None, required=False, empty_label=_("All my sites")
    )
    function = forms.ModelChoiceField(
        label=_("Lead function"),
        queryset=Function.objects.all(),
        required=False,
        empty_label=_("All functions"),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("All kinds")), *Stakeholder.Kind.choices],
        required=False,
    )
    at_risk = forms.ChoiceField(label=_("At risk"), choices=YES_NO, required=False)
    active = forms.ChoiceField(label=_("Active"), choices=YES_NO, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = site_list(user=user)

    def clean_q(self):
        return self.cleaned_data["q"].strip()

    def filters(self):
        """Keyword arguments for `selectors.stakeholder_list`."""
        data = self.cleaned_data
        as_bool = {"yes": True, "no": False, "": None}
        return {
            "search": data["q"],
            "category": data["category"],
            "site": data["site"],
            "lead_function": data["function"],
            "kind": data["kind"],
            "at_risk": as_bool[data["at_risk"]],
            "active": as_bool[data["active"]],
        }
