"""Writes to the registry, with their rules. Pages, the admin, the import and `seed_demo`
all come through here, so each rule lives once.

Every service takes the acting user, refuses without one (nothing fails open), checks the
actor's role permission and place (sites, clearance), validates with `full_clean()` and
keeps the change history: who, when, why, what changed. A refusal of access raises
`PermissionDenied`; bad input raises `ValidationError`; either way nothing is written.
"""

from collections.abc import Iterable, Mapping
from copy import copy
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stakeholders import redaction, selectors
from stakeholders.history import recorded, stamp
from stakeholders.models import (
    Assessment,
    Contact,
    Site,
    SiteMembership,
    Stakeholder,
    VulnerableGroup,
)

STAKEHOLDER_FIELDS = {
    "name",
    "kind",
    "category",
    "lead_function",
    "location",
    "influence",
    "interest",
    "vulnerable_group_note",
    "at_risk",
    "active",
    "notes",
}
CONTACT_FIELDS = {"name", "role", "phone", "email"}
SITE_FIELDS = {"name", "country", "region", "time_zone"}
MEMBERSHIP_FIELDS = {"user", "site", "function", "cleared"}


# --- the acting user ------------------------------------------------------------------


def require_actor(actor, permission=None):
    """The actor must be a signed-in, active user holding `permission` (app.codename)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("No acting user was given, so nothing was changed."))
    if permission and not actor.has_perm(permission):
        raise PermissionDenied(_("Your role does not allow this change."))


def apply_fields(instance, data, allowed):
    """Set `data` on the instance; a name outside `allowed` is a programming error."""
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"Not fields this service sets: {', '.join(sorted(unknown))}")
    for name, value in data.items():
        setattr(instance, name, value)


# --- sites ----------------------------------------------------------------------------


@transaction.atomic
def site_create(*, actor, data: Mapping[str, Any]) -> Site:
    """Only a superuser opens a new site."""
    require_actor(actor, "stakeholders.add_site")
    if not actor.is_superuser:
        raise PermissionDenied(_("New sites are created by a superuser."))
    site = Site()
    apply_fields(site, data, SITE_FIELDS)
    site.full_clean()
    stamp(site, actor=actor).save()
    return site


@transaction.atomic
def site_update(*, actor, site: Site, data: Mapping[str, Any]) -> Site:
    require_actor(actor, "stakeholders.change_site")
    site = _locked(selectors.site_list(user=actor), site.pk)
    if not actor.is_superuser and data.get("name", site.name) != site.name:
        # Names are unique across sites: a refused rename would tell that a site of that
        # name exists elsewhere.
        raise PermissionDenied(_("A site is renamed by a superuser."))
    apply_fields(site, data, SITE_FIELDS)
    site.full_clean()
    stamp(site, actor=actor).save()
    return site


def _locked(queryset, pk):
    """Read the row under a lock, from what the actor may see: the rules below compare with
    what is stored, never with what a form has already put on an instance."""
    try:
        return queryset.select_for_update(of=("self",)).get(pk=pk)
    except queryset.model.DoesNotExist:
        raise PermissionDenied(_("You cannot change this record.")) from None


# --- memberships and clearance --------------------------------------------------------


def check_membership_change(*, actor, before: SiteMembership | None, after: SiteMembership):
    """The rules of site membership, for a create (`before` None), a change or a delete
    (`after` None). Raises ValidationError with a message a form can show.

    - Nobody but a superuser changes their own memberships, or those of a user they may
      not manage (`selectors.manageable_user_list`).
    - Memberships are kept at the actor's own sites only.
    - Clearance opens at-risk identities and restricted records: any change that leaves a
      cleared membership at a site, or takes one away, needs an actor cleared at that site,
      whoever the membership belongs to.
    """
    if actor.is_superuser:
        return
    states = [state for state in (before, after) if state is not None]
    for state in states:
        if state.user_id == actor.pk:
            raise PermissionDenied(
                _("You cannot change your own site memberships; ask another administrator.")
            )
    manageable = selectors.manageable_user_list(user=actor)
    own_sites = selectors.site_list(user=actor)
    cleared_sites = selectors.cleared_site_list(user=actor)
    errors = {}
    for state in states:
        if state.user_id and not manageable.filter(pk=state.user_id).exists():
            errors.setdefault("user", []).append(
                _("You may not manage this user's memberships; a superuser can.")
            )
        if state.site_id and not own_sites.filter(pk=state.site_id).exists():
            errors.setdefault("site", []).append(_("You are not a member of this site."))
        if state.cleared and not cleared_sites.filter(pk=state.site_id).exists():
            errors.setdefault("cleared", []).append(
                _("Only a user cleared at %(site)s can grant or withdraw clearance there.")
                % {"site": own_sites.filter(pk=state.site_id).first() or _("this site")}
            )
    if errors:
        raise ValidationError({field: sorted(set(messages)) for field, messages in errors.items()})


@transaction.atomic
def membership_create(*, actor, data: Mapping[str, Any]) -> SiteMembership:
    require_actor(actor, "stakeholders.add_sitemembership")
    membership = SiteMembership()
    apply_fields(membership, data, MEMBERSHIP_FIELDS)
    check_membership_change(actor=actor, before=None, after=membership)
    membership.full_clean()
    stamp(membership, actor=actor).save()
    return membership


@transaction.atomic
def membership_update(
    *, actor, membership: SiteMembership, data: Mapping[str, Any]
) -> SiteMembership:
    require_actor(actor, "stakeholders.change_sitemembership")
    before = _locked(selectors.membership_list(user=actor), membership.pk)
    after = copy(before)
    apply_fields(after, data, MEMBERSHIP_FIELDS)
    check_membership_change(actor=actor, before=before, after=after)
    after.full_clean()
    stamp(after, actor=actor).save()
    return after


@transaction.atomic
def membership_delete(*, actor, membership: SiteMembership) -> None:
    require_actor(actor, "stakeholders.delete_sitemembership")
    before = _locked(selectors.membership_list(user=actor), membership.pk)
    check_membership_change(actor=actor, before=before, after=None)
    stamp(before, actor=actor).delete()


# --- accounts -------------------------------------------------------------------------


@transaction.atomic
def users_deactivate(*, actor, users) -> tuple[int, int]:
    """Make inactive those of `users` the actor may manage (`manageable_user_list`; a
    superuser, anyone), never the actor: accounts are deactivated, never deleted, so every
    record keeps its author. Each is saved on its own, so its history records who did it.
    Returns how many were deactivated and how many were left as they were."""
    require_actor(actor, "auth.change_user")
    users = list(users)
    manageable = selectors.manageable_user_list(user=actor) if not actor.is_superuser else None
    chosen = [user.pk for user in users if user.pk != actor.pk]
    allowed = get_user_model().objects.filter(pk__in=chosen)
    if manageable is not None:
        allowed = allowed.filter(pk__in=manageable.values("pk"))
    allowed = list(allowed.select_for_update())
    deactivated = 0
    for user in allowed:
        if user.is_active:
            user.is_active = False
            stamp(user, actor=actor).save(update_fields=["is_active"])
            deactivated += 1
    return deactivated, len(users) - len(allowed)


# --- stakeholders ---------------------------------------------------------------------


def editable_stakeholder(*, actor, pk, lock=False) -> Stakeholder:
    """The stakeholder, if this actor may change it: one of their sites', and, when at
    risk, only for a user cleared at one of its sites. With `lock`, its row stays locked
    until the transaction ends, so the rules and the write see the same row."""
    stakeholders = Stakeholder.objects.visible_to(actor).with_identity_visibility(actor)
    if lock:
        stakeholders = stakeholders.select_for_update(of=("self",))
    stakeholder = stakeholders.filter(pk=pk).first()
    if stakeholder is None:
        raise PermissionDenied(_("You cannot change this stakeholder."))
    if not redaction.identity_visible(stakeholder):
        raise PermissionDenied(
            _("Only users cleared at its site may change an at-risk stakeholder.")
        )
    return stakeholder


def _check_sites(actor, sites):
    if actor.is_superuser:
        return
    own = set(selectors.site_list(user=actor).values_list("pk", flat=True))
    if any(site.pk not in own for site in sites):
        raise ValidationError({"sites": _("Choose only sites you are a member of.")})


def check_vulnerable_groups(*, note: str, groups: Iterable[VulnerableGroup]):
    """“Other” needs a note saying which group, and a note needs “Other”."""
    has_other = any(group.code == VulnerableGroup.OTHER for group in groups)
    if has_other and not note.strip():
        raise ValidationError(
            {"vulnerable_group_note": _("Say which group, since “Other” is marked.")}
        )
    if note.strip() and not has_other:
        raise ValidationError(
            {"vulnerable_group_note": _("Mark “Other” as well, or leave this empty.")}
        )


@transaction.atomic
def stakeholder_create(
    *,
    actor,
    sites: Iterable[Site],
    data: Mapping[str, Any],
    vulnerable_groups: Iterable[VulnerableGroup] = (),
    contacts: Iterable[Mapping[str, Any]] = (),
    reason: str = "",
) -> Stakeholder:
    """Create a stakeholder at one or more of the actor's sites, with its first assessment
    (the influence and interest given, 3 and 3 by default) and its contacts."""
    require_actor(actor, "stakeholders.add_stakeholder")
    sites = list(sites)
    if not sites:
        raise ValidationError({"sites": _("A stakeholder belongs to at least one site.")})
    _check_sites(actor, sites)
    vulnerable_groups = list(vulnerable_groups)
    stakeholder = Stakeholder()
    apply_fields(stakeholder, data, STAKEHOLDER_FIELDS)
    stakeholder.full_clean()
    check_vulnerable_groups(note=stakeholder.vulnerable_group_note, groups=vulnerable_groups)
    with recorded(stakeholder, actor=actor, reason=reason, created=True):
        stakeholder.save()
        stakeholder.sites.set(sites)
        stakeholder.vulnerable_groups.set(vulnerable_groups)
    Assessment.objects.create(
        stakeholder=stakeholder,
        influence=stakeholder.influence,
        interest=stakeholder.interest,
        author=actor,
        reason=reason or _("First assessment"),
    )
    for contact_data in contacts:
        contact = Contact(stakeholder=stakeholder)
        apply_fields(contact, contact_data, CONTACT_FIELDS)
        contact.full_clean()
        stamp(contact, actor=actor, reason=reason).save()
    return stakeholder


@transaction.atomic
def stakeholder_update(
    *,
    actor,
    stakeholder: Stakeholder,
    data: Mapping[str, Any],
    sites: Iterable[Site] | None = None,
    vulnerable_groups: Iterable[VulnerableGroup] | None = None,
    reason: str = "",
) -> Stakeholder:
    """Change a stakeholder. `sites`, when given, replaces the actor's own sites among the
    stakeholder's and keeps the others. A change of influence or interest is a new
    assessment, dated today."""
    require_actor(actor, "stakeholders.change_stakeholder")
    stored = editable_stakeholder(actor=actor, pk=stakeholder.pk, lock=True)
    ratings = (stored.influence, stored.interest)
    apply_fields(stored, data, STAKEHOLDER_FIELDS)
    stored.full_clean()
    if vulnerable_groups is not None:
        vulnerable_groups = list(vulnerable_groups)
    check_vulnerable_groups(
        note=stored.vulnerable_group_note,
        groups=vulnerable_groups
        if vulnerable_groups is not None
        else stored.vulnerable_groups.all(),
    )
    if sites is not None:
        sites = list(sites)
        _check_sites(actor, sites)
        others = list(selectors.stakeholder_other_sites(stakeholders=[stored], user=actor))
        if not sites and not others:
            raise ValidationError({"sites": _("A stakeholder belongs to at least one site.")})
    with recorded(stored, actor=actor, reason=reason):
        stored.save()
        if sites is not None:
            stored.sites.set([*sites, *others])
        if vulnerable_groups is not None:
            stored.vulnerable_groups.set(vulnerable_groups)
    if (stored.influence, stored.interest) != ratings:
        Assessment.objects.create(
            stakeholder=stored,
            influence=stored.influence,
            interest=stored.interest,
            author=actor,
            reason=reason,
        )
    return stored


@transaction.atomic
def stakeholder_delete(*, actor, stakeholder: Stakeholder, reason: str = "") -> None:
    """A stakeholder is part of the record: it is made inactive, not deleted. Only a
    superuser, who sees every site and every restricted record, deletes one (a mistake,
    a duplicate), and only while no record of another app (an engagement, a concern) refers
    to it. Whether one does may not be told to anyone else: a restricted engagement or an
    allegation would show through the refusal."""
    require_actor(actor, "stakeholders.delete_stakeholder")
    if not actor.is_superuser:
        raise PermissionDenied(_("Stakeholders are made inactive, not deleted; ask a superuser."))
    stored = editable_stakeholder(actor=actor, pk=stakeholder.pk, lock=True)
    if referring_records(stored):
        raise PermissionDenied(
            _("Engagements or concerns refer to this stakeholder: make it inactive instead.")
        )
    for contact in stored.contacts.all():
        stamp(contact, actor=actor, reason=reason).delete()
    stamp(stored, actor=actor, reason=reason).delete()


def referring_records(stakeholder):
    """Whether rows of other apps (engagements, concerns) refer to the stakeholder. Found
    through the model's relations, so the registry imports none of those apps."""
    for relation in Stakeholder._meta.related_objects:
        if relation.related_model._meta.app_label == Stakeholder._meta.app_label:
            continue
        accessor = relation.get_accessor_name()
        if accessor and getattr(stakeholder, accessor).exists():
            return True
    return False


@transaction.atomic
def assessment_create(
    *,
    actor,
    stakeholder: Stakeholder,
    influence: int,
    interest: int,
    assessed_on: date | None = None,
    reason: str = "",
) -> Assessment:
    """Record a dated assessment; the stakeholder's ratings become those of its latest."""
    require_actor(actor, "stakeholders.add_assessment")
    stored = editable_stakeholder(actor=actor, pk=stakeholder.pk, lock=True)
    assessment = Assessment(
        stakeholder=stored,
        influence=influence,
        interest=interest,
        assessed_on=assessed_on or timezone.localdate(),
        reason=reason,
        author=actor,
    )
    assessment.full_clean()
    if assessment.assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": _("An assessment cannot be dated in the future.")})
    assessment.save()
    latest = stored.assessments.order_by("-assessed_on", "-pk").first()
    if (latest.influence, latest.interest) != (stored.influence, stored.interest):
        stored.influence, stored.interest = latest.influence, latest.interest
        with recorded(stored, actor=actor, reason=reason or _("New assessment")):
            stored.save(update_fields=["influence", "interest", "updated_at"])
    return assessment


# --- contacts -------------------------------------------------------------------------


@transaction.atomic
def contact_create(*, actor, stakeholder: Stakeholder, data: Mapping[str, Any]) -> Contact:
    require_actor(actor, "stakeholders.add_contact")
    stored = editable_stakeholder(actor=actor, pk=stakeholder.pk)
    contact = Contact(stakeholder=stored)
    apply_fields(contact, data, CONTACT_FIELDS)
    contact.full_clean()
    stamp(contact, actor=actor).save()
    return contact


@transaction.atomic
def contact_update(*, actor, contact: Contact, data: Mapping[str, Any]) -> Contact:
    require_actor(actor, "stakeholders.change_contact")
    stored = _stored_contact(actor, contact)
    apply_fields(stored, data, CONTACT_FIELDS)
    stored.full_clean()
    stamp(stored, actor=actor).save()
    return stored


@transaction.atomic
def contact_delete(*, actor, contact: Contact) -> None:
    require_actor(actor, "stakeholders.delete_contact")
    stamp(_stored_contact(actor, contact), actor=actor).delete()


def _stored_contact(actor, contact):
    """The stored contact, locked, if the actor may change its stakeholder as stored (never
    the stakeholder an instance passed in claims)."""
    stored = Contact.objects.select_for_update().filter(pk=contact.pk).first()
    if stored is None:
        raise PermissionDenied(_("You cannot change this contact."))
    editable_stakeholder(actor=actor, pk=stored.stakeholder_id, lock=True)
    return stored
