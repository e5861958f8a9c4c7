"""The review pages: the engagement list and its "my function" view, the commitments
register and the concerns register. What a user sees is decided by the selectors; the
filters (`engagement.filters`) only narrow it."""

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


def _export(user, kind):
    """The download box of a list: which export, and whether protected names may be
    asked for (by a user cleared at one of their sites)."""
    return {"export_kind": kind, "export_names": selectors.may_export_names(user=user)}


def _may_log(user):
    """Whether to offer "Log an engagement": the user may log at one of their sites."""
    return selectors.loggable_site_list(user=user).exists()


@require_safe
def engagement_list(request):
    filterset = EngagementFilterSet(
        request.GET,
        queryset=selectors.engagement_review_list(user=request.user),
        user=request.user,
    )
    return render(
        request,
        "engagement/engagement_list.html",
        {
            "page": "engagements",
            "mine": False,
            **filtered_page(request, filterset),
            **_export(request.user, "engagements"),
            "may_add": _may_log(request.user),
            "filed": selectors.filed_engagement_list(user=request.user),
        },
    )


@require_safe
def function_engagement_list(request):
    """The engagements led by the user's own function at each of their sites."""
    filterset = FunctionEngagementFilterSet(
        request.GET,
        queryset=selectors.function_engagement_list(user=request.user),
        user=request.user,
    )
    return render(
        request,
        "engagement/engagement_list.html",
        {
            "page": "engagements",
            "mine": True,
            "functions": selectors.function_membership_list(user=request.user),
            **filtered_page(request, filterset),
            **_export(request.user, "my-function"),
            "may_add": _may_log(request.user),
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
            **_export(request.user, "commitments"),
        },
    )


@require_safe
def concern_list(request):
    filterset = ConcernFilterSet(
        request.GET,
        queryset=selectors.concern_register(user=request.user),
        user=request.user,
    )
    return render(
        request,
        "engagement/concern_list.html",
        {
            "page": "concerns",
            **filtered_page(request, filterset),
            **_export(request.user, "concerns"),
            "filed": selectors.filed_allegation_list(user=request.user),
        },
    )
