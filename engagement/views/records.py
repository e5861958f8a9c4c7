from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from engagement import selectors, services
from engagement.forms import AttachmentForm, CommitmentProgressForm, EngagementPage
from stakeholders.forms import add_service_errors


@require_safe
def engagement_detail(request, pk):
    """One engagement with its commitments, the concerns the user may see, the community
    perception findings (a hidden community by its placeholder, without its evidence) and
    its history. Another site's, a restricted one for the uncleared and a missing one all
    answer 404. Everything is read by `selectors.engagement_detail`, each row once."""
    detail = selectors.engagement_detail(user=request.user, pk=pk)
    engagement = detail.engagement
    return render(
        request,
        "engagement/engagement_detail.html",
        {
            "page": "engagements",
            "engagement": engagement,
            "participants": detail.participants,
            "commitments": detail.commitments,
            "concerns": detail.concerns,
            "finding_groups": detail.finding_groups,
            "meets_community": any(
                getattr(stakeholder, "carries_indicators", False)
                for stakeholder in engagement.stakeholders.all()
            ),
            "history": detail.history,
            "today": engagement.site.today(),
            "may_change": detail.access.may_change,
            "filed_allegations": detail.filed_allegations,
            "owned_commitments": detail.owned_commitments,
            "attachments": detail.attachments,
            "attachment_form": AttachmentForm() if detail.access.may_add_attachment else None,
        },
    )


# --- log and edit -----------------------------------------------------------------------


@require_safe
def engagement_add(request):
    """Where to log an engagement: straight to the form of the user's one site, or a
    choice of their sites. Nobody whose role may not log anywhere gets further (403)."""
    sites = list(selectors.loggable_site_list(user=request.user))
    if not sites:
        raise PermissionDenied
    if len(sites) == 1:
        return redirect("engagement:add_at", site_pk=sites[0].pk)
    return render(
        request,
        "engagement/engagement_form.html",
        {"page": "engagements", "sites": sites, "title": _("Log an engagement")},
    )


@require_http_methods(["GET", "POST"])
def engagement_log(request, site_pk):
    """Log an engagement at one of the user's sites (another site answers 404; a site
    where their role may not log, 403)."""
    site = selectors.loggable_site_get(user=request.user, pk=site_pk)
    return _engagement_page(request, site=site)


@require_http_methods(["GET", "POST"])
def engagement_edit(request, pk):
    """Edit an engagement on the same page; 404 where the user may not see it, 403 where
    they may see but not change it."""
    engagement = selectors.engagement_get(user=request.user, pk=pk)
    access = selectors.engagement_access(user=request.user, engagement=engagement)
    if not access.may_change:
        raise PermissionDenied
    return _engagement_page(
        request, site=engagement.site, engagement=engagement, cleared=access.cleared
    )


def _engagement_page(request, *, site, engagement=None, cleared=None):
    name = str(engagement) if engagement else ""  # as saved, whatever is typed
    title = (
        _("Edit: %(engagement)s") % {"engagement": name}
        if engagement
        else _("Log an engagement at %(site)s") % {"site": site}
    )
    kwargs = {"user": request.user, "site": site, "engagement": engagement, "cleared": cleared}
    rows = EngagementPage.row_requested(request.POST)
    if request.method == "POST" and rows:
        page = EngagementPage.with_added_row(request.POST, rows=rows, **kwargs)
    else:
        page = EngagementPage(request.POST or None, **kwargs)
        if page.form.is_bound and page.is_valid():
            try:
                if engagement is None:
                    saved = services.engagement_create(
                        actor=request.user, site=site, **page.service_kwargs()
                    )
                else:
                    saved = services.engagement_update(
                        actor=request.user, engagement=engagement, **page.service_kwargs()
                    )
            except ValidationError as error:
                page.add_service_error(error)
            else:
                return _saved(request, saved, page, created=engagement is None)
    return render(
        request,
        "engagement/engagement_form.html",
        {
            "page": "engagements",
            "title": title,
            "site": site,
            "engagement": engagement,
            "engagement_name": name,
            "forms": page,
            "form": page.form,
            "several_sites": engagement is None
            and selectors.loggable_site_list(user=request.user).count() > 1,
        },
    )


def _saved(request, engagement, page, *, created):
    """Say what became of it, and go where the user can see it: an engagement they may
    no longer see (restricted, where they are not cleared) was passed to those who may."""
    if not selectors.engagement_base(user=request.user).filter(pk=engagement.pk).exists():
        messages.success(
            request,
            _(
                "The engagement was saved and passed to colleagues cleared at the site: it is "
                "restricted, so you will not see it from now on."
            ),
        )
        return redirect("engagement:list")
    messages.success(request, _("Engagement logged.") if created else _("Changes saved."))
    if page.allegation_filed() and not selectors.cleared_at(
        user=request.user, site=engagement.site
    ):
        messages.info(
            request,
            _(
                "The allegation was passed to colleagues cleared at the site. You will see "
                "that you filed it, not its content."
            ),
        )
    return redirect(engagement)


@require_http_methods(["GET", "POST"])
def commitment_progress(request, pk):
    """A commitment's owner (or anyone who may change its engagement) updates its status
    and closing. 404 for a commitment the user may not see, 403 for one they may only
    read."""
    commitment = selectors.commitment_get(user=request.user, pk=pk)
    if not selectors.can_update_commitment(user=request.user, commitment=commitment):
        raise PermissionDenied
    engagement = commitment.engagement
    form = CommitmentProgressForm(request.POST or None, instance=commitment, site=engagement.site)
    if form.is_valid():
        try:
            services.commitment_update(
                actor=request.user, commitment=commitment, data=form.service_data()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Commitment updated."))
            return redirect(engagement)
    return render(
        request,
        "engagement/commitment_progress.html",
        {"page": "engagements", "form": form, "commitment": commitment, "engagement": engagement},
    )
