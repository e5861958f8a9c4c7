"""The SEP pages: the list of plans, a plan held against the record, drafting and editing
a draft, and the approve, revise and delete actions (POST only). Who may see and do what
is decided by `plans.selectors` and `plans.services`."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from plans import schedule, selectors, services
from plans.forms import PlanPage
from plans.models import PlannedEngagement
from stakeholders.filters import PAGE_SIZE


@require_safe
def plan_list(request):
    """The plans of the user's sites, each with its versions."""
    page = Paginator(selectors.plan_overview(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for plan in page.object_list:
        plan.versions = selectors.versions_of(plan, plan.site.all_versions)
    return render(
        request,
        "plans/plan_list.html",
        {
            "page": "plans",
            "page_obj": page,
            "may_draft": selectors.draftable_site_list(user=request.user).exists(),
        },
    )


@require_safe
def plan_detail(request, pk):
    """One version of a plan held against the record, filtered by line status
    (`?status=overdue|due_soon|all`), with its history."""
    user = request.user
    plan = selectors.plan_detail_get(user=user, pk=pk)
    # Read once for the page: the versions of its period, and what the user may do.
    versions = selectors.plan_versions(plan=plan)
    access = selectors.plan_access(user=user, plan=plan, versions=versions)
    record = selectors.plan_record(user=user, plan=plan, versions=versions, cleared=access.cleared)
    status = request.GET.get("status", "all")
    if status not in selectors.STATUS_FILTERS:
        status = "all"
    lines = [item.line for item in record.lines]
    return render(
        request,
        "plans/plan_detail.html",
        {
            "page": "plans",
            "plan": plan,
            "record": record,
            "lines": record.lines_with(status),
            "status": status,
            "statuses": [
                ("all", _("All lines")),
                ("overdue", _("Overdue")),
                ("due_soon", _("Due soon")),
            ],
            "versions": versions,
            "history": selectors.plan_history(
                user=user,
                plan=plan,
                # Read with the lines: not read again to name them.
                known=[
                    row
                    for line in lines
                    for row in (line.category, line.lead_function, *line.objectives.all())
                ],
                known_stakeholders={
                    line.stakeholder_id: line.stakeholder for line in lines if line.stakeholder_id
                },
            ),
            "may_edit": access.may_edit,
            "may_approve": access.may_approve,
            "may_revise": access.may_revise,
            "frequencies": PlannedEngagement.Frequency,
            "due_soon_days": schedule.DUE_SOON_DAYS,
        },
    )


# --- drafting ---------------------------------------------------------------------------


@require_safe
def plan_add(request):
    """Where to draft a plan: straight to the form of the user's one site, or a choice of
    their sites. Nobody whose role may not draft gets further (403)."""
    sites = list(selectors.draftable_site_list(user=request.user))
    if not sites:
        raise PermissionDenied
    if len(sites) == 1:
        return redirect("plans:add_at", site_pk=sites[0].pk)
    return render(
        request,
        "plans/plan_form.html",
        {"page": "plans", "sites": sites, "title": _("Draft a new plan")},
    )


@require_http_methods(["GET", "POST"])
def plan_draft(request, site_pk):
    site = selectors.draftable_site_get(user=request.user, pk=site_pk)
    return _plan_page(request, site=site)


@require_http_methods(["GET", "POST"])
def plan_edit(request, pk):
    """Edit a draft; 404 where the user may not see the plan, 403 where they may see but
    not change it (an approved version, or a role that reads only)."""
    plan = selectors.plan_get(user=request.user, pk=pk)
    if not selectors.can_edit_plan(user=request.user, plan=plan):
        raise PermissionDenied
    return _plan_page(request, site=plan.site, plan=plan)


def _plan_page(request, *, site, plan=None):
    title = (
        _("Edit the draft: %(plan)s") % {"plan": plan}
        if plan
        else _("Draft a plan for %(site)s") % {"site": site}
    )
    kwargs = {"user": request.user, "site": site, "plan": plan}
    if request.method == "POST" and PlanPage.row_requested(request.POST):
        page = PlanPage.with_added_row(request.POST, **kwargs)
    else:
        page = PlanPage(request.POST or None, **kwargs)
        if page.form.is_bound and page.is_valid():
            try:
                if plan is None:
                    saved = services.plan_create(
                        actor=request.user,
                        site=site,
                        data=page.form.service_data(),
                        lines=page.service_lines(),
                    )
                else:
                    saved = services.plan_update(
                        actor=request.user,
                        plan=plan,
                        data=page.form.service_data(),
                        lines=page.service_lines(),
                    )
            except ValidationError as error:
                page.add_service_error(error)
            else:
                messages.success(request, _("Draft saved.") if plan else _("Draft created."))
                return redirect(saved)
    return render(
        request,
        "plans/plan_form.html",
        {
            "page": "plans",
            "title": title,
            "site": site,
            "plan": plan,
            "forms": page,
            "form": page.form,
            "several_sites": plan is None
            and selectors.draftable_site_list(user=request.user).count() > 1,
        },
    )


# --- actions ----------------------------------------------------------------------------


def _act(request, pk, *, allowed, action, done):
    plan = selectors.plan_get(user=request.user, pk=pk)
    if not allowed(user=request.user, plan=plan):
        raise PermissionDenied
    try:
        result = action(actor=request.user, plan=plan)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(plan)
    messages.success(request, done)
    return redirect(result or "plans:list")


@require_http_methods(["GET", "POST"])
def plan_approve(request, pk):
    """Asks to confirm (GET), then approves the draft (POST)."""
    if request.method == "GET":
        return _confirm(request, pk, allowed=selectors.can_approve_plan, action="approve")
    return _act(
        request,
        pk,
        allowed=selectors.can_approve_plan,
        action=services.plan_approve,
        done=_("Plan approved: this version is now the record, read-only."),
    )


@require_POST
def plan_revise(request, pk):
    return _act(
        request,
        pk,
        allowed=selectors.can_revise_plan,
        action=services.plan_revise,
        done=_("A new draft copying the approved version was started."),
    )


@require_http_methods(["GET", "POST"])
def plan_delete(request, pk):
    """Asks to confirm (GET), then deletes the draft (POST); the history keeps it."""
    if request.method == "GET":
        return _confirm(request, pk, allowed=selectors.can_edit_plan, action="delete")
    return _act(
        request,
        pk,
        allowed=selectors.can_edit_plan,
        action=services.plan_delete,
        done=_("Draft deleted."),
    )


def _confirm(request, pk, *, allowed, action):
    plan = selectors.plan_get(user=request.user, pk=pk)
    if not allowed(user=request.user, plan=plan):
        raise PermissionDenied
    return render(
        request,
        "plans/plan_confirm.html",
        {"page": "plans", "plan": plan, "action": action, "line_count": plan.lines.count()},
    )
