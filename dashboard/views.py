"""The home page after login: the dashboard of one of the user's sites."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from dashboard import selectors, services
from plans import schedule


@require_safe
def dashboard(request):
    """The dashboard of the site asked for (`?site=`: one of the user's, else 404; looking
    at it does not remember it), else of the site the user chose last, else of their
    first site. A user with no site is told so, with no figure."""
    user = request.user
    sites = list(selectors.dashboard_site_list(user=user))
    if "site" in request.GET:
        site = selectors.dashboard_site_get(user=user, pk=request.GET["site"], sites=sites)
    else:
        site = selectors.dashboard_site(user=user, sites=sites)
    context = {"page": "dashboard", "site": site}
    if site is not None:
        context.update(
            sites=sites,
            dashboard=selectors.dashboard_get(user=user, site=site),
            plan_due_soon_days=schedule.DUE_SOON_DAYS,
            commitments_due_soon_days=selectors.COMMITMENTS_DUE_SOON_DAYS,
        )
    return render(request, "dashboard/dashboard.html", context)


@require_POST
def dashboard_choose_site(request):
    """Show and remember one of the user's sites (404 for any other, and nothing is
    remembered)."""
    site = selectors.dashboard_site_get(user=request.user, pk=request.POST.get("site", ""))
    services.dashboard_site_choose(user=request.user, site=site)
    return redirect("home")
