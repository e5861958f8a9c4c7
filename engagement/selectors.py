"""Reads: which engagements, commitments and concerns a user may see, and whether they may
change them. Every page, count, register, admin list and export goes through here.

A restricted engagement, with everything that hangs on it, exists only for users cleared
at its site; a concern of an allegation type is restricted on its own. For anyone else
they are absent: not listed, not counted, not found (404).
"""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404

from engagement.models import Commitment, Concern, Engagement, member_of_site
from stakeholders import history
from stakeholders.models import EngagementObjective, SiteMembership, Stakeholder
from stakeholders.selectors import history_names as registry_history_names
from stakeholders.selectors import site_list

# The roles that may change any engagement of their sites, not only those they logged or
# whose lead function is theirs.
SITE_WIDE_EDITORS = ("Security manager", "Administrator")


def engagement_base(*, user):
    """The engagements the user may see, with what their pages show."""
    if not getattr(user, "is_authenticated", False):
        return Engagement.objects.none()
    return (
        Engagement.objects.visible_to(user)
        .select_related("site", "lead_function", "created_by", "updated_by")
        .prefetch_related(
            Prefetch(
                "stakeholders",
                queryset=Stakeholder.objects.with_identity_visibility(user).select_related(
                    "category"
                ),
            ),
            "objectives",
        )
    )


def engagement_get(*, user, pk):
    """One engagement the user may see, or 404: another site's, a restricted one for the
    uncleared and a missing one answer alike."""
    return get_object_or_404(engagement_base(user=user), pk=pk)


def engagement_list(*, user, site=None, stakeholder=None, lead_function=None):
    engagements = engagement_base(user=user)
    if site is not None:
        engagements = engagements.filter(site=site)
    if stakeholder is not None:
        engagements = engagements.filter(stakeholders=stakeholder)
    if lead_function is not None:
        engagements = engagements.filter(lead_function=lead_function)
    return engagements.order_by("-date", "-pk")


def cleared_at(*, user, site):
    """Whether the user is cleared at the site (superusers everywhere)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return SiteMembership.objects.filter(user=user, site=site, cleared=True).exists()


def can_change_engagement(*, user, engagement):
    """Whether the user may change an engagement: their role allows changes, they may see
    it (a restricted one only where cleared), and they logged it, lead its function at
    that site, or are a security manager or administrator there."""
    if not getattr(user, "is_authenticated", False):
        return False
    if not user.has_perm("engagement.change_engagement"):
        return False
    if user.is_superuser:
        return True
    membership = SiteMembership.objects.filter(user=user, site=engagement.site_id).first()
    if membership is None or (engagement.restricted and not membership.cleared):
        return False
    if engagement.created_by_id == user.pk:
        return True
    if membership.function_id and membership.function_id == engagement.lead_function_id:
        return True
    return user.groups.filter(name__in=SITE_WIDE_EDITORS).exists()


def commitment_list(*, user, site=None):
    """The commitments of the engagements the user may see, overdue first by due date."""
    commitments = Commitment.objects.filter(
        engagement__in=Engagement.objects.visible_to(user)
    ).select_related("engagement__site", "owner", "lead_function")
    if site is not None:
        commitments = commitments.filter(engagement__site=site)
    return commitments.order_by("due_on", "pk")


def concern_list(*, user, site=None):
    """The concerns the user may see: those of engagements they may see, allegations only
    where they are cleared at the engagement's site."""
    if not getattr(user, "is_authenticated", False):
        return Concern.objects.none()
    concerns = Concern.objects.filter(engagement__in=Engagement.objects.visible_to(user))
    if not user.is_superuser:
        concerns = concerns.filter(
            ~Q(type__in=Concern.ALLEGATIONS)
            | member_of_site(user, site_field="engagement__site", cleared=True)
        )
    if site is not None:
        concerns = concerns.filter(engagement__site=site)
    return (
        concerns.select_related("engagement__site")
        .prefetch_related(
            Prefetch("stakeholder", queryset=Stakeholder.objects.with_identity_visibility(user))
        )
        .order_by("-created_at", "-pk")
    )


def filed_allegation_list(*, user):
    """Allegations the user recorded but may no longer read (not cleared at the site): they
    see that they filed them, with the date and type, never the content."""
    if not getattr(user, "is_authenticated", False):
        return Concern.objects.none()
    visible = concern_list(user=user).filter(pk=OuterRef("pk"))
    return (
        Concern.objects.filter(created_by=user, type__in=Concern.ALLEGATIONS)
        .exclude(Exists(visible))
        .only("pk", "type", "created_at")
        .order_by("-created_at")
    )


def site_member_list(*, site, cleared=None):
    """The users who are members of a site (optionally only the cleared ones)."""
    memberships = SiteMembership.objects.filter(site=site)
    if cleared is not None:
        memberships = memberships.filter(cleared=cleared)
    return (
        get_user_model()
        .objects.filter(pk__in=memberships.values("user"), is_active=True)
        .order_by("username")
    )


def loggable_site_list(*, user):
    """The sites where the user may log engagements."""
    if not user.has_perm("engagement.add_engagement"):
        return site_list(user=user).none()
    return site_list(user=user)


def history_names(*, user):
    """Which related rows an engagement's history may name for this user: the registry's
    (`stakeholders.selectors.history_names`), stakeholders of the user's sites by `str()`
    (the placeholder for anyone at risk), objectives, and engagements they may see."""
    return {
        **registry_history_names(user=user),
        Stakeholder: Stakeholder.objects.visible_to(user),
        EngagementObjective: EngagementObjective.objects.all(),
        Engagement: Engagement.objects.visible_to(user),
    }


def history_sealed(*, user, record):
    """Which historical records of an engagement, commitment or concern were restricted
    from this user when written (a predicate), or None: an engagement's while it was
    restricted, a concern's while it was an allegation, unless the user is cleared at the
    site. Opening a record up does not open its restricted past."""
    engagement = record if isinstance(record, Engagement) else record.engagement
    if cleared_at(user=user, site=engagement.site):
        return None
    if isinstance(record, Engagement):
        return lambda old: old.confidentiality == Engagement.Confidentiality.RESTRICTED
    if isinstance(record, Concern):
        return lambda old: old.type in Concern.ALLEGATIONS
    return None


def engagement_history(*, user, engagement, limit=50):
    """The change history of an engagement the user may see (read through
    `engagement_get`), newest first, named and sealed as above."""
    records = engagement.history.select_related("history_user").order_by("-history_date", "-pk")
    return history.entries(
        records[: limit + 1],
        named=history_names(user=user),
        sealed=history_sealed(user=user, record=engagement),
        excluded=("created_by", "updated_by"),
    )[:limit]
