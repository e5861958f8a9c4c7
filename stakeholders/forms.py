from django import forms
from django.utils.translation import gettext_lazy as _

from stakeholders.models import Function, SiteMembership, Stakeholder, StakeholderCategory
from stakeholders.selectors import cleared_site_list, site_list


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
        """Keyword arguments for `selectors.stakeholder_list` from the valid fields; a field
        with an error is left out (the page says which)."""
        if not self.is_bound or (not self.is_valid() and not self.cleaned_data):
            return {}
        data = self.cleaned_data
        as_bool = {"yes": True, "no": False}
        return {
            "search": data.get("q", ""),
            "category": data.get("category"),
            "site": data.get("site"),
            "lead_function": data.get("function"),
            "kind": data.get("kind", ""),
            "at_risk": as_bool.get(data.get("at_risk")),
            "active": as_bool.get(data.get("active")),
        }


class SiteMembershipAdminForm(forms.ModelForm):
    """A site membership as an administrator edits it. `editor` is the user at the
    keyboard, set by the admin for each request.

    Clearance opens at-risk identities, so it is granted or withdrawn only by someone
    cleared at that site, and nobody changes their own memberships but a superuser.
    """

    editor = None

    class Meta:
        model = SiteMembership
        fields = ["user", "site", "function", "cleared"]

    def clean(self):
        data = super().clean()
        editor = self.editor
        if editor is None or editor.is_superuser:
            return data
        user = data.get("user") or getattr(self.instance, "user", None)
        if user is not None and user.pk == editor.pk:
            raise forms.ValidationError(
                _("You cannot change your own site memberships; ask another administrator.")
            )
        site = data.get("site")
        # Moving a cleared membership to another site grants clearance there too.
        changes_clearance = "cleared" in self.changed_data or (
            data.get("cleared") and "site" in self.changed_data
        )
        may_clear = site is not None and cleared_site_list(user=editor).filter(pk=site.pk).exists()
        if changes_clearance and not may_clear:
            self.add_error(
                "cleared",
                _("Only a user cleared at %(site)s can grant or withdraw clearance there.")
                % {"site": site or _("this site")},
            )
        return data
