"""The admin's forms for engagements, commitments and concerns, with the choices one user
may pick: stakeholders whose identity they may see, members of their sites. The services
check the same rules again (the engagement's site, its categories, a cleared owner on a
restricted engagement); these forms only keep what cannot be picked out of sight."""

from django import forms
from django.contrib.auth import get_user_model
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
            self.fields["participants"].queryset = member_choices(user=self.user, site=site)
        if self.instance.pk:
            return
        if "lead_function" in self.fields:
            self.fields["lead_function"].required = False
            self.fields["lead_function"].help_text = _("Left empty, your function at the site.")
        if "confidentiality" in self.fields:
            field = self.fields["confidentiality"]
            field.required = False
            field.choices = [("", AUTOMATIC_CONFIDENTIALITY), *Engagement.Confidentiality.choices]
            field.help_text = _("Only users cleared at the site may restrict an engagement.")


class CommitmentAdminForm(forms.ModelForm):
    """A commitment: its owner a member of the engagement's site (cleared there, on a
    restricted engagement); its lead function, when left empty, the engagement's."""

    owner_choices = User.objects.none()  # set per request by the admin

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
            self.fields["owner"].queryset = self.owner_choices
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
        field.queryset = self.stakeholder_choices
        source = self.instance.stakeholder_id
        if source and not self.stakeholder_choices.filter(pk=source).exists():
            # Read without the visibility annotation: an at-risk source shows as its
            # placeholder. Disabled, so the posted value is ignored and nothing changes.
            field.queryset = Stakeholder.objects.filter(pk=source)
            field.disabled = True


def form_class(base, **attributes):
    """`base` with the per-request choices set as class attributes (the admin builds a
    form class per request, so nothing leaks from one user's request to another's)."""
    return type(base.__name__, (base,), attributes)
