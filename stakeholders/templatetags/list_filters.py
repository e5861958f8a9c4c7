"""`{% filter_field field %}`: a list filter's field in the markup of crispy-forms' Bootstrap
5 pack (`{{ field|as_crispy_field }}`: the wrapper, the label, the widget with Bootstrap's
classes and Django's `aria-invalid` / `aria-describedby`, the errors, the help text),
written here in Python.

The filters are drawn with every list page; through crispy's field template and Django's
widget templates (one per field, per option and per attribute list) they cost more than
the rest of the page. An input, a checkbox and a single select are drawn here; any other
widget (or a field that is hidden, unlabelled or a fieldset) is left to crispy-forms.
"""

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms, template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

# The Bootstrap class crispy-forms adds to each kind of widget (with "is-invalid" on error).
SELECT, CHECK, CONTROL = "form-select", "form-check-input", "form-control"


def _attributes(attrs):
    """Django's `attrs.html`: ` name="value"`, a bare name for True, nothing for False."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


def _kind(widget):
    if isinstance(widget, forms.CheckboxInput):
        return CHECK
    if isinstance(widget, forms.Select) and not widget.allow_multiple_selected:
        return SELECT
    if isinstance(widget, forms.widgets.Input) and not isinstance(widget, forms.FileInput):
        return CONTROL
    return None


def _widget_class(widget, bootstrap, invalid):
    """The class crispy-forms gives the widget: its own class, the widget's name in lower
    case, then Bootstrap's."""
    name = type(widget).__name__.lower()
    classes = widget.attrs.get("class", "")
    if not classes:
        classes = name
    elif name not in classes:
        classes += f" {name}"
    for extra in (bootstrap, "is-invalid") if invalid else (bootstrap,):
        if extra not in classes.split():
            classes += f" {extra}"
    return classes


def _widget(field, kind):
    """The widget as Django draws it (`BoundField.as_widget`), crispy's class added."""
    widget = field.field.widget
    attrs = field.build_widget_attrs(
        {**widget.attrs, "class": _widget_class(widget, kind, bool(field.errors))}, widget
    )
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    if kind != SELECT:
        value = context["value"]
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            context["type"],
            context["name"],
            "" if value is None else format_html(' value="{}"', str(value)),
            _attributes(context["attrs"]),
        )
    groups = []
    for group, choices, _index in context["optgroups"]:
        options = format_html_join(
            "",
            '\n  <option value="{}"{}>{}</option>',
            (
                (str(option["value"]), _attributes(option["attrs"]), option["label"])
                for option in choices
            ),
        )
        if group:
            options = format_html('\n  <optgroup label="{}">{}\n  </optgroup>', group, options)
        groups.append((options,))
    return format_html(
        '<select name="{}"{}>{}\n</select>',
        context["name"],
        _attributes(context["attrs"]),
        format_html_join("", "{}", groups),
    )


def _errors_and_help(field):
    errors = ""
    if field.errors:
        field_id = getattr(field.errors, "field_id", None) or field.auto_id
        errors = format_html(
            '<div id="{}_error" class="invalid-feedback">{}</div>',
            field_id,
            format_html_join(
                "",
                '<p id="error_{}_{}"><strong>{}</strong></p>',
                ((number, field.auto_id, error) for number, error in enumerate(field.errors, 1)),
            ),
        )
    help_text = ""
    if field.help_text:
        help_text = format_html(
            '<div {}class="form-text">{}</div>',
            format_html('id="{}_helptext" ', field.auto_id) if field.auto_id else "",
            # As crispy-forms draws it: a help text is the developer's, never user input.
            mark_safe(field.help_text),  # noqa: S308
        )
    return format_html("{}{}", errors, help_text)


def _required(field):
    if not field.field.required:
        return ""
    return format_html('<span class="asteriskField">{}</span>', "*")


@register.simple_tag
def filter_field(field):
    """`{% filter_field form.name %}`: the field as `{{ form.name|as_crispy_field }}` draws
    it, without its templates."""
    kind = _kind(field.field.widget)
    if kind is None or field.is_hidden or not field.label or field.use_fieldset:
        return as_crispy_field(field)
    css_classes = field.css_classes()
    wrapper = f" {css_classes}" if css_classes else ""
    required = " requiredField" if field.field.required else ""
    if kind == CHECK:
        return format_html(
            '<div class="mb-3"><div id="div_{}" class="form-check{}">{}'
            '<label for="{}" class="form-check-label{}">{}{}</label>{}</div></div>',
            field.auto_id,
            wrapper,
            _widget(field, kind),
            field.id_for_label,
            required,
            field.label,
            _required(field),
            _errors_and_help(field),
        )
    return format_html(
        '<div id="div_{}" class="mb-3{}"><label {}class="form-label{}">{}{}</label>{}{}</div>',
        field.auto_id,
        wrapper,
        format_html('for="{}" ', field.id_for_label) if field.id_for_label else "",
        required,
        field.label,
        _required(field),
        _widget(field, kind),
        _errors_and_help(field),
    )
