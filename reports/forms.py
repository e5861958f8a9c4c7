import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from reports.models import LessonsLearned
from reports.suppression import DEFAULT_THRESHOLD

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# A report covers at most this long a period (ten years and their leap days).
MAX_PERIOD = datetime.timedelta(days=366 * 10)


class ReportForm(forms.Form):
    """Which report: the site (one of the user's), the period, and for whom."""

    INTERNAL = "internal"
    EXTERNAL = "external"

    site = forms.ModelChoiceField(queryset=None, label=_("Site"), empty_label=None)
    date_from = forms.DateField(label=_("From"), widget=DATE_INPUT)
    date_to = forms.DateField(label=_("To"), widget=DATE_INPUT)
    version = forms.ChoiceField(
        label=_("Version"),
        choices=[
            (INTERNAL, _("For the company")),
            (EXTERNAL, _("To share outside the company")),
        ],
        initial=INTERNAL,
        required=False,
        help_text=_(
            "Shared outside the company, the report names no at-risk stakeholder, no source "
            "of a concern and no member of staff, and withholds small counts."
        ),
    )
    threshold = forms.IntegerField(
        label=_("Withhold counts below"),
        min_value=2,
        max_value=50,
        initial=DEFAULT_THRESHOLD,
        required=False,
        help_text=_("In the version shared outside the company."),
    )

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if end < start:
                raise ValidationError(_("The period must not end before it starts."))
            if end - start > MAX_PERIOD:
                raise ValidationError(_("A report covers at most ten years."))
        data["version"] = data.get("version") or self.INTERNAL
        data["threshold"] = data.get("threshold") or DEFAULT_THRESHOLD
        return data


class LessonsForm(forms.ModelForm):
    class Meta:
        model = LessonsLearned
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 10})}
