"""The list pages' filter fields and rows, drawn without their templates: the same markup
as crispy-forms and Django draw, the same answers, fewer queries."""

import copy

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.template import Context, Template
from django.test.html import parse_html

from engagement.filters import EngagementFilterSet
from engagement.models import Engagement
from engagement.selectors import engagement_review_list
from stakeholders.filters import ListedModelChoiceField, LookupSelect, StakeholderChoiceField
from stakeholders.models import Site, Stakeholder
from stakeholders.selectors import site_list, stakeholder_list
from stakeholders.templatetags.list_filters import filter_field
from tests.factories import EngagementFactory, SiteFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def sample_form(user, data=None):
    class Sample(forms.Form):
        q = forms.CharField(label="Search", max_length=100, required=False)
        note = forms.CharField(label="Note <b>", help_text="Say <em>why</em>")
        day = forms.DateField(
            label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
        )
        kind = forms.ChoiceField(
            label="Kind",
            required=False,
            choices=[("", "Any"), ("a", "A & B"), ("Group", [("g", "In a group")])],
        )
        site = ListedModelChoiceField(
            label="Site", queryset=site_list(user=user), empty_label="All my sites"
        )
        who = StakeholderChoiceField(
            label="Stakeholder",
            queryset=stakeholder_list(user=user),
            required=False,
            widget=LookupSelect,
        )
        overdue = forms.BooleanField(label="Overdue only", required=False)
        active = forms.BooleanField(label="Active", widget=forms.CheckboxInput)

    return Sample(data)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"q": "water", "note": "x", "day": "2026-01-02", "kind": "g", "overdue": "on"},
        {"q": "w" * 101, "day": "banana", "kind": "zzz", "site": "abc", "who": "999999"},
    ],
)
def test_a_field_is_drawn_as_crispy_forms_draws_it(member, site, defender, data):
    if data is not None:
        data = {**data, "site": data.get("site", str(site.pk)), "who": data.get("who", "")}
        data["who"] = data["who"] or str(defender.pk)
    ours, theirs = sample_form(member, data), sample_form(member, data)
    for name in ours.fields:
        assert parse_html(filter_field(ours[name])) == parse_html(as_crispy_field(theirs[name]))


def test_the_tag_keeps_the_ids_labels_and_errors_the_page_relies_on(member):
    form = sample_form(member, {"day": "banana", "site": "abc"})
    day = str(filter_field(form["day"]))
    assert '<label for="id_day" class="form-label">From</label>' in day
    assert 'aria-invalid="true" aria-describedby="id_day_error" id="id_day"' in day
    assert '<div id="id_day_error" class="invalid-feedback"><p id="error_1_id_day">' in day
    note = str(filter_field(form["note"]))
    assert "Note &lt;b&gt;" in note  # the label escaped, the help text as written
    assert '<div id="id_note_helptext" class="form-text">Say <em>why</em></div>' in note


class TestListedChoices:
    def field(self, user):
        return ListedModelChoiceField(queryset=site_list(user=user), required=False)

    def test_it_answers_as_django_does(self, member, site, other_site):
        django_field = forms.ModelChoiceField(queryset=site_list(user=member), required=False)
        for value in ["", None, str(site.pk), f"0{site.pk}", site.pk, site]:
            assert self.field(member).clean(value) == django_field.clean(value)
        for value in [str(other_site.pk), "abc", "1.5", "-1", "9" * 30, f"{site.pk}\x00"]:
            with pytest.raises(forms.ValidationError) as ours:
                self.field(member).clean(value)
            with pytest.raises(forms.ValidationError) as djangos:
                django_field.clean(value)
            assert ours.value.messages == djangos.value.messages

    def test_options_and_check_read_the_rows_once(self, member, site, django_assert_num_queries):
        SiteFactory.create_batch(3)
        field = self.field(member)
        with django_assert_num_queries(1):
            assert field.clean(str(site.pk)) == site
            assert list(field.choices)[1][1] == site.name
            assert len(field.choices) == 2
        copied = copy.deepcopy(field)  # as each form copies its fields
        with django_assert_num_queries(1):  # a form's copy reads its own
            assert [label for _value, label in copied.choices] == ["---------", site.name]

    def test_a_new_queryset_is_read_again(self, member, superuser, site, other_site):
        field = self.field(member)
        assert list(field.rows) == [site]
        field.queryset = Site.objects.all()
        assert set(field.rows) == {site, other_site}


def test_a_chosen_stakeholder_is_read_once(member, site, defender, django_assert_num_queries):
    queryset = engagement_review_list(user=member)
    filters = EngagementFilterSet({"stakeholder": str(defender.pk)}, queryset, user=member)
    with django_assert_num_queries(1):  # the check, which the option reuses
        assert filters.form.is_valid()
        html = str(filter_field(filters.form["stakeholder"]))
    assert f'<option value="{defender.pk}" selected>Protected stakeholder S-' in html
    missing = EngagementFilterSet({"stakeholder": "999999"}, queryset, user=member)
    with django_assert_num_queries(1):  # checked and not found: not looked for again
        assert not missing.form.is_valid()
        html = str(filter_field(missing.form["stakeholder"]))
    assert "selected" not in html


ROWS = Template(
    '{% load list_rows %}{{ engagement|choice_label:"format" }}|{% met_stakeholders engagement %}'
)


def test_a_row_shows_what_get_display_and_the_include_showed(member, site, defender):
    people = [StakeholderFactory(name=f"Council <{n}>", sites=[site]) for n in range(4)]
    engagement = EngagementFactory(
        site=site, format=Engagement.Format.FOCUS_GROUP, stakeholders=[defender, *people]
    )
    row = engagement_review_list(user=member).get(pk=engagement.pk)
    html = ROWS.render(Context({"engagement": row}))
    label, met = html.split("|")
    assert label == row.get_format_display() == "Focus group"
    names = [f"Council &lt;{n}&gt;" for n in range(4)]
    # Shown ones by name, the hidden one after them by its placeholder (the selector's order).
    assert met == (
        f"<span>{names[0]}</span>, <span>{names[1]}</span>, <span>{names[2]}</span> and 2 more"
    )
    only = EngagementFactory(site=site, stakeholders=[defender])
    row = engagement_review_list(user=member).get(pk=only.pk)
    html = ROWS.render(Context({"engagement": row}))
    assert html.endswith(
        f'|<span class="identity-protected">Protected stakeholder S-{defender.pk:04d}</span>'
    )
    assert "Baraka" not in html


LABEL = Template("{% load list_rows %}{{ record|choice_label:name }}")


def test_a_label_is_the_one_get_display_gives():
    for record, name in [
        (Engagement(format="carrier_pigeon"), "format"),  # unknown: the value itself
        (Engagement(format=Engagement.Format.LETTER), "format"),
        (Stakeholder(kind=Stakeholder.Kind.PERSON), "kind"),
    ]:
        html = LABEL.render(Context({"record": record, "name": name}))
        assert html == str(getattr(record, f"get_{name}_display")())
