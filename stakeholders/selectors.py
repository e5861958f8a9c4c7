"""Reads: what may this user see. Every page, export, count and admin path goes through here."""

from django.contrib.auth import get_user_model
from django.db.models import Case, Exists, F, OuterRef, Prefetch, Q, Value, When
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404

from stakeholders.models import Contact, Site, SiteMembership, Stakeholder


def site_list(*, user):
    """The sites the user belongs to (every site for a superuser)."""
    if user.is_superuser:
        return Site.objects.all()
    return Site.objects.filter(memberships__user=user)


def stakeholder_base(*, user):
    """Stakeholders of the user's sites, annotated with whether their identity may be shown,
    with the sites shown limited to the user's own."""
    return (
        Stakeholder.objects.visible_to(user)
        .with_identity_visibility(user)
        .select_related("category", "lead_function")
        .prefetch_related(Prefetch("sites", queryset=site_list(user=user)))
    )


def stakeholder_list(
    *,
    user,
    search="",
    category=None,
    site=None,
    lead_function=None,
    kind="",
    at_risk=None,
    active=None,
):
    """The registry as this user may see it, filtered and ordered.

    Search matches identity fields (name, location, notes, contacts) only on stakeholders
    whose identity the user may see, and hidden stakeholders sort after the others by
    number, so neither a search hit nor a position in the list gives a hidden name away.
    """
    stakeholders = stakeholder_base(user=user)
    if category is not None:
        stakeholders = stakeholders.filter(category=category)
    if site is not None:
        stakeholders = stakeholders.filter(
            Exists(Stakeholder.sites.through.objects.filter(stakeholder=OuterRef("pk"), site=site))
        )
    if lead_function is not None:
        stakeholders = stakeholders.filter(lead_function=lead_function)
    if kind:
        stakeholders = stakeholders.filter(kind=kind)
    if at_risk is not None:
        stakeholders = stakeholders.filter(at_risk=at_risk)
    if active is not None:
        stakeholders = stakeholders.filter(active=active)
    if search:
        contact_match = Exists(
            Contact.objects.filter(stakeholder=OuterRef("pk")).filter(
                Q(name__icontains=search) | Q(role__icontains=search)
            )
        )
        identity_match = (
            Q(name__icontains=search)
            | Q(location__icontains=search)
            | Q(notes__icontains=search)
            | contact_match
        )
        stakeholders = stakeholders.filter(Q(identity_visible=True) & identity_match)
    return stakeholders.annotate(
        sort_name=Case(When(identity_visible=True, then=Lower("name")), default=Value(""))
    ).order_by(F("identity_visible").desc(), "sort_name", "pk")


def stakeholder_get(*, user, pk):
    """One stakeholder the user may see, or 404 (never 403: another site's records do not
    exist for this user)."""
    return get_object_or_404(stakeholder_base(user=user), pk=pk)


def stakeholder_admin_queryset(*, user):
    """What the Django admin lists and edits: a staff member maintains only the stakeholders
    whose identity they may see. At-risk stakeholders are maintained by cleared users."""
    return stakeholder_base(user=user).filter(identity_visible=True)


def cleared_site_list(*, user):
    """The sites where the user is cleared (every site for a superuser)."""
    if user.is_superuser:
        return Site.objects.all()
    return Site.objects.filter(memberships__user=user, memberships__cleared=True)


def user_list(*, user):
    """The accounts an administrator sees: every one for a superuser; otherwise the
    members of their sites and users placed at no site yet, superusers excluded."""
    User = get_user_model()
    if user.is_superuser:
        return User.objects.all()
    at_my_sites = SiteMembership.objects.filter(user=OuterRef("pk"), site__in=site_list(user=user))
    anywhere = SiteMembership.objects.filter(user=OuterRef("pk"))
    return User.objects.filter(is_superuser=False).filter(Exists(at_my_sites) | ~Exists(anywhere))


def manageable_user_list(*, user):
    """The accounts an administrator may edit: every one for a superuser; otherwise other
    users who are not superusers and belong to no site outside the administrator's own
    (users placed at no site yet included, so they can be brought in). A user who also
    works at another site is that site's business too, and is left to a superuser."""
    User = get_user_model()
    if user.is_superuser:
        return User.objects.all()
    elsewhere = SiteMembership.objects.filter(user=OuterRef("pk")).exclude(
        site__in=site_list(user=user)
    )
    return User.objects.filter(is_superuser=False).exclude(pk=user.pk).exclude(Exists(elsewhere))


def stakeholder_other_sites(*, stakeholders, user):
    """The sites of these stakeholders that the user is not part of, in one query. Queried
    afresh: a stakeholder read through `stakeholder_base` has its sites prefetched down to
    the user's own."""
    return (
        Site.objects.filter(stakeholders__in=stakeholders)
        .exclude(pk__in=site_list(user=user))
        .distinct()
    )
