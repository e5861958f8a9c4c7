from django.apps import apps
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from stakeholders import redaction, selectors, services
from stakeholders.filters import StakeholderFilterSet, filtered_page
from stakeholders.forms import (
    AssessmentForm,
    ContactForm,
    MapFilterForm,
    StakeholderForm,
    add_service_errors,
)
from stakeholders.models import Contact, EngagementObjective

PAGE_SIZE = 25

# A lookup's search is cut to this many characters (a stakeholder's name is at most 200).
LOOKUP_MAX_CHARS = 200


def _get_stakeholder_for_user(request, pk):
    """The stakeholder, if one of the user's sites has it (404 otherwise: another site's
    records do not exist for this user), and whether the user may change it."""
    stakeholder = selectors.stakeholder_get(user=request.user, pk=pk)
    return stakeholder, selectors.can_change_stakeholder(
        user=request.user, stakeholder=stakeholder
    )


def _get_rw_stakeholder_for_user(request, pk):
    """As above, for a change: a user who may only read it gets 403."""
    stakeholder, rw = _get_stakeholder_for_user(request, pk)
    if not rw:
        raise PermissionDenied
    return stakeholder


@require_safe
def stakeholder_list(request):
    filterset = StakeholderFilterSet(
        request.GET, queryset=selectors.stakeholder_list(user=request.user), user=request.user
    )
    return render(
        request,
        "stakeholders/stakeholder_list.html",
        {
            "page": "registry",
            **filtered_page(request, filterset, per_page=PAGE_SIZE),
            "may_add": request.user.has_perm("stakeholders.add_stakeholder"),
        },
    )


@require_safe
def stakeholder_lookup(request):
    """Search-as-you-type for the list filters' stakeholder fields
    (`stakeholders.filters.LookupSelect`): the first stakeholders of the user's registry
    matching `q`, by the name the user may see, as JSON. Never cached: it is one user's."""
    results = selectors.stakeholder_lookup(
        user=request.user,
        search=request.GET.get("q", "").strip()[:LOOKUP_MAX_CHARS],
        communities=request.GET.get("communities") == "1",
        # A malformed number is no site; one that is not the user's answers nothing.
        site=selectors.parse_id(request.GET.get("site")),
    )
    response = JsonResponse(
        {"results": [{"value": s.pk, "text": redaction.display_name(s)} for s in results]}
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _stakeholder_sections(request, stakeholder):
    """What other apps add to the stakeholder page, in app order: each app config with a
    `stakeholder_sections(*, request, stakeholder)` method returns a list of sections,
    each `{"template": ..., "context": {...}}`, optionally with `"replaces": [...]`, the
    page's own blocks it stands in for ("objectives"), and `"scripts": [...]`, the static
    paths of the scripts it needs, loaded once in the page's scripts block. The apps are
    found through the app registry, never imported: they build on `stakeholders`, not the
    reverse. A section's template renders columns of the page's grid row; what this user
    may see in it is decided by that app's selectors."""
    return [
        section
        for config in apps.get_app_configs()
        if hasattr(config, "stakeholder_sections")
        for section in config.stakeholder_sections(request=request, stakeholder=stakeholder)
    ]


@require_safe
def stakeholder_detail(request, pk):
    # Read with its contacts and groups, and whether it has assessments and history.
    stakeholder = selectors.stakeholder_page_get(user=request.user, pk=pk)
    rw = selectors.can_change_stakeholder(user=request.user, stakeholder=stakeholder)
    sections = _stakeholder_sections(request, stakeholder)
    replaced = {block for section in sections for block in section.get("replaces", ())}
    objectives = None
    if "objectives" not in replaced:
        objectives = EngagementObjective.objects.filter(category=stakeholder.category_id)
    return render(
        request,
        "stakeholders/stakeholder_detail.html",
        {
            "page": "registry",
            "stakeholder": stakeholder,
            "may_change": rw,
            "may_assess": rw and request.user.has_perm("stakeholders.add_assessment"),
            "may_add_contact": rw and request.user.has_perm("stakeholders.add_contact"),
            "assessments": selectors.assessment_list(user=request.user, stakeholder=stakeholder),
            "history": selectors.stakeholder_history(
                user=request.user,
                stakeholder=stakeholder,
                # Read already: not read again to name them.
                known=[
                    stakeholder.category,
                    stakeholder.lead_function,
                    *stakeholder.vulnerable_groups.all(),
                ],
            ),
            "objectives": objectives,
            "sections": sections,
            # Each script once, however many sections ask for it.
            "section_scripts": list(
                dict.fromkeys(path for section in sections for path in section.get("scripts", ()))
            ),
        },
    )


@require_http_methods(["GET", "POST"])
def stakeholder_add(request):
    if not request.user.has_perm("stakeholders.add_stakeholder"):
        raise PermissionDenied
    form = StakeholderForm(request.POST or None, user=request.user)
    if form.is_valid():
        try:
            stakeholder = services.stakeholder_create(actor=request.user, **form.service_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Stakeholder added to the registry."))
            return redirect(stakeholder)
    return render(
        request,
        "stakeholders/stakeholder_form.html",
        {"page": "registry", "form": form, "title": _("Add a stakeholder")},
    )


@require_http_methods(["GET", "POST"])
def stakeholder_edit(request, pk):
    stakeholder = _get_rw_stakeholder_for_user(request, pk)
    form = StakeholderForm(request.POST or None, instance=stakeholder, user=request.user)
    if form.is_valid():
        try:
            services.stakeholder_update(
                actor=request.user, stakeholder=stakeholder, **form.service_data()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            if not selectors.stakeholder_base(user=request.user).filter(pk=pk).exists():
                # Handed over to the other sites that share it: its page is theirs now.
                messages.info(request, _("It is no longer at any of your sites."))
                return redirect("stakeholders:list")
            return redirect(stakeholder)
    return render(
        request,
        "stakeholders/stakeholder_form.html",
        {
            "page": "registry",
            "form": form,
            "stakeholder": stakeholder,
            "title": _("Edit %(name)s") % {"name": redaction.display_name(stakeholder)},
        },
    )


@require_http_methods(["GET", "POST"])
def assessment_add(request, pk):
    stakeholder = _get_rw_stakeholder_for_user(request, pk)
    if not request.user.has_perm("stakeholders.add_assessment"):
        raise PermissionDenied
    form = AssessmentForm(
        request.POST or None,
        initial={"influence": stakeholder.influence, "interest": stakeholder.interest},
    )
    if form.is_valid():
        try:
            services.assessment_create(
                actor=request.user, stakeholder=stakeholder, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Assessment recorded."))
            return redirect(stakeholder)
    return render(
        request,
        "stakeholders/assessment_form.html",
        {"page": "registry", "form": form, "stakeholder": stakeholder},
    )


def _get_contact(stakeholder, contact_pk):
    return get_object_or_404(stakeholder.contacts, pk=contact_pk)


@require_http_methods(["GET", "POST"])
def contact_add(request, pk):
    stakeholder = _get_rw_stakeholder_for_user(request, pk)
    if not request.user.has_perm("stakeholders.add_contact"):
        raise PermissionDenied
    form = ContactForm(request.POST or None, instance=Contact(stakeholder=stakeholder))
    if form.is_valid():
        try:
            services.contact_create(
                actor=request.user, stakeholder=stakeholder, data=form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Contact added."))
            return redirect(stakeholder)
    return render(
        request,
        "stakeholders/contact_form.html",
        {"page": "registry", "form": form, "stakeholder": stakeholder},
    )


@require_http_methods(["GET", "POST"])
def contact_edit(request, pk, contact_pk):
    stakeholder = _get_rw_stakeholder_for_user(request, pk)
    if not request.user.has_perm("stakeholders.change_contact"):
        raise PermissionDenied
    contact = _get_contact(stakeholder, contact_pk)
    form = ContactForm(request.POST or None, instance=contact)
    if form.is_valid():
        try:
            services.contact_update(actor=request.user, contact=contact, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Contact saved."))
            return redirect(stakeholder)
    return render(
        request,
        "stakeholders/contact_form.html",
        {
            "page": "registry",
            "form": form,
            "stakeholder": stakeholder,
            "contact": contact,
            "may_delete": request.user.has_perm("stakeholders.delete_contact"),
        },
    )


@require_POST
def contact_delete(request, pk, contact_pk):
    stakeholder = _get_rw_stakeholder_for_user(request, pk)
    if not request.user.has_perm("stakeholders.delete_contact"):
        raise PermissionDenied
    services.contact_delete(actor=request.user, contact=_get_contact(stakeholder, contact_pk))
    messages.success(request, _("Contact removed."))
    return redirect(stakeholder)


@require_safe
def stakeholder_map(request):
    form = MapFilterForm(request.GET or None, user=request.user)
    site, category, function = form.choices()
    grid = None
    if site is not None:
        grid = selectors.stakeholder_map(
            user=request.user, site=site, category=category, lead_function=function
        )
    return render(
        request,
        "stakeholders/stakeholder_map.html",
        {"page": "map", "form": form, "site": site, "grid": grid},
    )
