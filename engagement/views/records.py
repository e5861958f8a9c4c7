from django.shortcuts import render
from django.views.decorators.http import require_safe

from engagement import selectors


@require_safe
def engagement_detail(request, pk):
    """One engagement with its commitments, the concerns the user may see and its history.
    Another site's, a restricted one for the uncleared and a missing one all answer 404."""
    engagement = selectors.engagement_get(user=request.user, pk=pk)
    return render(
        request,
        "engagement/engagement_detail.html",
        {
            "page": "engagements",
            "engagement": engagement,
            "commitments": selectors.commitment_list(user=request.user).filter(
                engagement=engagement
            ),
            "concerns": selectors.concern_list(user=request.user).filter(engagement=engagement),
            "history": selectors.engagement_history(user=request.user, engagement=engagement),
            "today": engagement.site.today(),
        },
    )
