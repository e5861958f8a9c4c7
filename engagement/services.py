"""Writes to engagements, commitments and concerns, with their rules. The pages, the admin
and `seed_demo` all come through here, as the registry's writes go through
`stakeholders.services`: an acting user is required, access is refused with
`PermissionDenied`, bad input with `ValidationError`, and either way nothing is written.
Every change keeps its history (who, when, what changed).
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from engagement import selectors
from engagement.models import Commitment, Concern, Engagement
from stakeholders import redaction
from stakeholders.history import recorded, stamp
from stakeholders.models import EngagementObjective, Site, SiteMembership, Stakeholder
from stakeholders.selectors import site_list
from stakeholders.services import apply_fields, require_actor

ENGAGEMENT_FIELDS = {
    "date",
    "format",
    "location",
    "lead_function",
    "attendance_total",
    "attendance_women",
    "purpose",
    "information_shared",
    "summary",
    "security_topics",
    "outcomes",
    "confidentiality",
}
COMMITMENT_FIELDS = {
    "description",
    "owner",
    "lead_function",
    "due_on",
    "status",
    "closing_note",
    "closed_on",
}
CONCERN_FIELDS = {
    "stakeholder",
    "type",
    "description",
    "response",
    "satisfaction",
    "severity",
    "status",
    "referred_to",
    "referred_on",
    "outcome",
}


# --- engagements ----------------------------------------------------------------------


def _check_engagement(*, actor, engagement, stakeholders, objectives, participants, hidden):
    """The rules of an engagement's content; `hidden` are the stakeholders it keeps that
    the actor cannot see (never offered, never removed by them)."""
    site = engagement.site
    errors = {}
    if engagement.date and engagement.date > site.today():
        errors["date"] = _("An engagement cannot be dated in the future (today at %(site)s).") % {
            "site": site
        }
    if not stakeholders and not hidden:
        errors["stakeholders"] = _("Choose at least one stakeholder met.")
    pickable = (
        Stakeholder.objects.visible_to(actor)
        .with_identity_visibility(actor)
        .filter(identity_visible=True, sites=site)
    )
    if len(pickable.filter(pk__in=[s.pk for s in stakeholders])) != len(set(stakeholders)):
        errors["stakeholders"] = _("Choose stakeholders of this site's registry.")
    members = selectors.site_member_list(site=site)
    if len(members.filter(pk__in=[p.pk for p in participants])) != len(set(participants)):
        errors["participants"] = _("Company participants must be members of this site.")
    categories = {s.category_id for s in [*stakeholders, *hidden]}
    if any(objective.category_id not in categories for objective in objectives):
        errors["objectives"] = _(
            "Choose only objectives of the categories of the stakeholders met."
        )
    if errors:
        raise ValidationError(errors)


def _check_confidentiality(*, actor, site, before, after):
    """Only users cleared at the site mark an engagement restricted or lift it."""
    if before != after and not selectors.cleared_at(user=actor, site=site):
        raise ValidationError(
            {"confidentiality": _("Only users cleared at the site can restrict or open it.")}
        )


@transaction.atomic
def engagement_create(
    *,
    actor,
    site: Site,
    data: Mapping[str, Any],
    stakeholders: Iterable[Stakeholder],
    objectives: Iterable[EngagementObjective] = (),
    participants: Iterable = (),
    commitments: Iterable[Mapping[str, Any]] = (),
    concerns: Iterable[Mapping[str, Any]] = (),
) -> Engagement:
    """Log an engagement at one of the actor's sites, with its commitments and concerns.

    The lead function defaults to the actor's function at the site. An engagement with an
    at-risk stakeholder is restricted unless `confidentiality` says otherwise (which only
    the cleared can pick them, and say).
    """
    require_actor(actor, "engagement.add_engagement")
    if not site_list(user=actor).filter(pk=site.pk).exists():
        raise PermissionDenied(_("You are not a member of this site."))
    stakeholders, objectives, participants = (
        list(stakeholders),
        list(objectives),
        list(participants),
    )
    data = dict(data)
    if "lead_function" not in data or data["lead_function"] is None:
        membership = SiteMembership.objects.filter(user=actor, site=site).first()
        data["lead_function"] = membership.function if membership else None
        if data["lead_function"] is None:
            raise ValidationError(
                {"lead_function": _("Choose the lead function: you have none at this site.")}
            )
    default = (
        Engagement.Confidentiality.RESTRICTED
        if any(stakeholder.at_risk for stakeholder in stakeholders)
        else Engagement.Confidentiality.INTERNAL
    )
    data.setdefault("confidentiality", default)
    engagement = Engagement(site=site, created_by=actor, updated_by=actor)
    apply_fields(engagement, data, ENGAGEMENT_FIELDS)
    engagement.full_clean()
    _check_engagement(
        actor=actor,
        engagement=engagement,
        stakeholders=stakeholders,
        objectives=objectives,
        participants=participants,
        hidden=[],
    )
    # The uncleared keep the default (a restricted one too: they know what they typed);
    # only the cleared depart from it either way.
    _check_confidentiality(
        actor=actor, site=site, before=default, after=engagement.confidentiality
    )
    with recorded(engagement, actor=actor, created=True):
        engagement.save()
        engagement.stakeholders.set(stakeholders)
        engagement.objectives.set(objectives)
        engagement.participants.set(participants)
    for commitment_data in commitments:
        _commitment_save(actor, Commitment(engagement=engagement), commitment_data)
    for concern_data in concerns:
        _concern_save(actor, Concern(engagement=engagement, created_by=actor), concern_data)
    return engagement


def editable_engagement(*, actor, pk) -> Engagement:
    """The engagement, locked, if the actor may see and change it."""
    engagement = (
        Engagement.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("site")
        .filter(pk=pk)
        .first()
    )
    if engagement is None or not selectors.can_change_engagement(
        user=actor, engagement=engagement
    ):
        raise PermissionDenied(_("You cannot change this engagement."))
    return engagement


@transaction.atomic
def engagement_update(
    *,
    actor,
    engagement: Engagement,
    data: Mapping[str, Any],
    stakeholders: Iterable[Stakeholder] | None = None,
    objectives: Iterable[EngagementObjective] | None = None,
    participants: Iterable | None = None,
) -> Engagement:
    """Change an engagement. Stakeholders the actor cannot see (an at-risk one, for the
    uncleared) are kept, as the registry keeps the sites an editor is not a member of."""
    require_actor(actor, "engagement.change_engagement")
    stored = editable_engagement(actor=actor, pk=engagement.pk)
    before = stored.confidentiality
    apply_fields(stored, data, ENGAGEMENT_FIELDS)
    stored.updated_by = actor
    _check_confidentiality(
        actor=actor, site=stored.site, before=before, after=stored.confidentiality
    )
    if stored.restricted and before != stored.confidentiality:
        cleared = selectors.site_member_list(site=stored.site, cleared=True)
        if stored.commitments.exclude(owner__in=cleared).exists():
            raise ValidationError(
                {
                    "confidentiality": _(
                        "Some of its commitments are owned by members not cleared at the site, "
                        "who could no longer see them: give them to cleared members first."
                    )
                }
            )
    stored.full_clean()
    current = list(stored.stakeholders.all())
    hidden = [
        stakeholder
        for stakeholder in Stakeholder.objects.with_identity_visibility(actor).filter(
            pk__in=[s.pk for s in current]
        )
        if not redaction.identity_visible(stakeholder)
    ]
    stakeholders = (
        list(stakeholders)
        if stakeholders is not None
        else [s for s in current if s.pk not in {h.pk for h in hidden}]
    )
    objectives = list(objectives) if objectives is not None else list(stored.objectives.all())
    participants = (
        list(participants) if participants is not None else list(stored.participants.all())
    )
    _check_engagement(
        actor=actor,
        engagement=stored,
        stakeholders=stakeholders,
        objectives=objectives,
        participants=participants,
        hidden=hidden,
    )
    with recorded(stored, actor=actor):
        stored.save()
        stored.stakeholders.set([*stakeholders, *hidden])
        stored.objectives.set(objectives)
        stored.participants.set(participants)
    return stored


@transaction.atomic
def engagement_delete(*, actor, engagement: Engagement) -> None:
    """Delete an engagement with its commitments and concerns, each leaving a history
    entry by the actor (the history keeps what was deleted). Only administrators cleared
    at the engagement's site delete one: it may carry an allegation nobody else may see,
    and the pages delete nothing."""
    require_actor(actor, "engagement.delete_engagement")
    stored = (
        Engagement.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("site")
        .filter(pk=engagement.pk)
        .first()
    )
    if stored is None or not selectors.cleared_at(user=actor, site=stored.site):
        raise PermissionDenied(_("You cannot delete this engagement."))
    for commitment in stored.commitments.all():
        stamp(commitment, actor=actor).delete()
    for concern in stored.concerns.all():
        stamp(concern, actor=actor).delete()
    stamp(stored, actor=actor).delete()


# --- commitments ----------------------------------------------------------------------


def _commitment_save(actor, commitment, data):
    apply_fields(commitment, data, COMMITMENT_FIELDS)
    engagement = commitment.engagement
    if commitment.lead_function_id is None:
        commitment.lead_function_id = engagement.lead_function_id
    today = engagement.site.today()
    if commitment.is_closed and commitment.closed_on is None:
        commitment.closed_on = today
    if commitment.closed_on and commitment.closed_on > today:
        raise ValidationError({"closed_on": _("A commitment cannot be closed in the future.")})
    owners = selectors.site_member_list(
        site=engagement.site, cleared=True if engagement.restricted else None
    )
    if commitment.owner_id and not owners.filter(pk=commitment.owner_id).exists():
        raise ValidationError(
            {
                "owner": _("The owner must be a member cleared at the site.")
                if engagement.restricted
                else _("The owner must be a member of the site.")
            }
        )
    commitment.full_clean()
    stamp(commitment, actor=actor).save()
    return commitment


def editable_commitment(*, actor, pk) -> Commitment:
    """The commitment, locked, if the actor may change its engagement or owns it."""
    commitment = (
        selectors.commitment_list(user=actor).select_for_update(of=("self",)).filter(pk=pk).first()
    )
    if commitment is None:
        raise PermissionDenied(_("You cannot change this commitment."))
    if commitment.owner_id != actor.pk and not selectors.can_change_engagement(
        user=actor, engagement=commitment.engagement
    ):
        raise PermissionDenied(_("You cannot change this commitment."))
    return commitment


@transaction.atomic
def commitment_create(*, actor, engagement: Engagement, data: Mapping[str, Any]) -> Commitment:
    require_actor(actor, "engagement.add_commitment")
    stored = editable_engagement(actor=actor, pk=engagement.pk)
    return _commitment_save(actor, Commitment(engagement=stored), data)


# What a commitment's owner may change when they may not change its engagement.
OWNER_FIELDS = {"status", "closing_note", "closed_on"}


@transaction.atomic
def commitment_update(*, actor, commitment: Commitment, data: Mapping[str, Any]) -> Commitment:
    """Change a commitment; done or dropped needs a closing note (closed today unless a
    date is given). Its owner, without rights on the engagement, updates its progress only:
    status, closing note and date."""
    require_actor(actor, "engagement.change_commitment")
    stored = editable_commitment(actor=actor, pk=commitment.pk)
    if not selectors.can_change_engagement(user=actor, engagement=stored.engagement):
        beyond = {name for name, value in data.items() if getattr(stored, name) != value}
        if beyond - OWNER_FIELDS:
            raise PermissionDenied(
                _("As its owner you update a commitment's progress: status and closing.")
            )
    return _commitment_save(actor, stored, data)


# --- concerns -------------------------------------------------------------------------


def _concern_save(actor, concern, data):
    source_before = concern.stakeholder_id
    apply_fields(concern, data, CONCERN_FIELDS)
    if concern.stakeholder_id and concern.stakeholder_id != source_before:
        # Met in this engagement, and one whose identity the actor may see; refused in the
        # same words either way, so nothing tells that a hidden stakeholder exists.
        source = (
            Stakeholder.objects.with_identity_visibility(actor)
            .filter(pk=concern.stakeholder_id, engagements=concern.engagement)
            .first()
        )
        if source is None or not redaction.identity_visible(source):
            raise ValidationError(
                {"stakeholder": _("Choose one of the stakeholders met, or leave it empty.")}
            )
    concern.full_clean()
    stamp(concern, actor=actor).save()
    return concern


@transaction.atomic
def concern_create(*, actor, engagement: Engagement, data: Mapping[str, Any]) -> Concern:
    """Record a concern raised in an engagement the actor may change. Anyone who may may
    record an allegation, cleared or not: it is restricted from then on, and an uncleared
    author sees only that they filed it."""
    require_actor(actor, "engagement.add_concern")
    stored = editable_engagement(actor=actor, pk=engagement.pk)
    return _concern_save(actor, Concern(engagement=stored, created_by=actor), data)


@transaction.atomic
def concern_update(*, actor, concern: Concern, data: Mapping[str, Any]) -> Concern:
    """Change a concern the actor may see (an allegation only where cleared) on an
    engagement they may change. An allegation is closed only with its outcome."""
    require_actor(actor, "engagement.change_concern")
    stored = (
        selectors.concern_list(user=actor).select_for_update(of=("self",)).filter(pk=concern.pk)
    ).first()
    if stored is None or not selectors.can_change_engagement(
        user=actor, engagement=stored.engagement
    ):
        raise PermissionDenied(_("You cannot change this concern."))
    return _concern_save(actor, stored, data)
