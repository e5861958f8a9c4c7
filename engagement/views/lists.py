"""The review pages: the engagement list and its "my function" view, the commitments
register and the concerns register. What a user sees is decided by the selectors; the
filters (`engagement.filters`) only narrow it.

What a page asks about the user more than once (cleared at one of their sites? their
sites?) is asked once and handed to what needs it: the filters' options, the download box
and "Log an engagement" then read the same answer."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from engagement import selectors
from engagement.filters import (
    CommitmentFilterSet,
    ConcernFilterSet,
    EngagementFilterSet,
    FunctionEngagementFilterSet,
)
from stakeholders.filters import filtered_page


def _export(kind, export_names):
    """The download box of a list: which export, and whether protected names may be
    asked for (`selectors.may_export_names`: by a user cleared at one of their sites)."""
    return {"export_kind": kind, "export_names": export_names}


def _may_log(user, filterset):
    """Whether to offer "Log an engagement": the user may log at one of their sites
    (`selectors.loggable_site_list`: their sites, when their role may log). Their sites
    are the site filter's options (`selectors.site_list`), read for it already."""
    return bool(filterset.form.fields["site"].rows) and user.has_perm("engagement.add_engagement")


def _engagement_page(request, filterset_class, queryset, export_names, kind):
    filterset = filterset_class(
        request.GET, queryset=queryset, user=request.user, cleared_somewhere=export_names
    )
    return {
        "page": "engagements",
        **filtered_page(request, filterset),
        **_export(kind, export_names),
        "may_add": _may_log(request.user, filterset),
    }


@require_safe
def engagement_list(request):
    user = request.user
    return render(
        request,
        "engagement/engagement_list.html",
        {
            "mine": False,
            **_engagement_page(
                request,
                EngagementFilterSet,
                selectors.engagement_review_list(user=user),
                selectors.may_export_names(user=user),
                "engagements",
            ),
            "filed": selectors.filed_engagement_list(user=user),
        },
    )


@require_safe
def function_engagement_list(request):
    """The engagements led by the user's own function at each of their sites."""
    user = request.user
    functions = list(selectors.function_membership_list(user=user))
    return render(
        request,
        "engagement/engagement_list.html",
        {
            "mine": True,
            "functions": functions,
            **_engagement_page(
                request,
                FunctionEngagementFilterSet,
                selectors.function_engagement_list(user=user, memberships=functions),
                selectors.may_export_names(user=user),
                "my-function",
            ),
        },
    )


@require_safe
def commitment_list(request):
    filterset = CommitmentFilterSet(
        request.GET,
        queryset=selectors.commitment_register(user=request.user),
        user=request.user,
    )
    return render(
        request,
        "engagement/commitment_list.html",
        {
            "page": "commitments",
            **filtered_page(request, filterset),
            **_export("commitments", selectors.may_export_names(user=request.user)),
        },
    )


@require_safe
def concern_list(request):
    export_names = selectors.may_export_names(user=request.user)
    filterset = ConcernFilterSet(
        request.GET,
        queryset=selectors.concern_register(user=request.user),
        user=request.user,
        cleared_somewhere=export_names,
    )
    return render(
        request,
        "engagement/concern_list.html",
        {
            "page": "concerns",
            **filtered_page(request, filterset),
            **_export("concerns", export_names),
            "filed": selectors.filed_allegation_list(user=request.user),
        },
    )
