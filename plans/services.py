"""Writes to the site's Stakeholder Engagement Plan, with their rules. The SEP pages, the
admin and `seed_demo` all come through here: an acting user is required, access is refused
with `PermissionDenied`, bad input with `ValidationError`, and either way nothing is
written. Every change keeps its history (who, when, what changed).

- Drafting (a new plan, a revision) needs `plans.add_plan`, changing or deleting a draft
  `plans.change_plan`, approving `plans.approve_plan`; and in each case membership of the
  plan's site (superusers act everywhere).
- Only a draft changes. An approved or superseded version is the record: read-only.
- Approving a draft records who and when. The first version of a period is in force from
  the period's start; a revision from the site's date of approval, when the version
  before it is superseded.
- Revising the approved version starts a new draft (version n + 1) that copies it, each
  line pointing at the line it copies (`copied_from`). One draft at a time.
- Periods of different plans at one site do not overlap; versions of one plan share
  their site and period, and only the first version's draft may change the period.
"""

import datetime
import zoneinfo
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from plans import selectors
from plans.models import Plan, PlannedEngagement
from stakeholders.history import recorded, stamp
from stakeholders.models import Site, Stakeholder
from stakeholders.services import apply_fields, require_actor

PLAN_FIELDS = {"title", "starts_on", "ends_on", "summary"}
LINE_FIELDS = {"category", "stakeholder", "lead_function", "format", "frequency", "note"}


# --- who may ----------------------------------------------------------------------------


def _check_site(actor, site):
    if not selectors.member_at(user=actor, site=site):
        raise PermissionDenied(_("You are not a member of this site."))


def _stored_plan(actor, plan, *, permission):
    """The plan as stored, locked, if the actor may see it and act at its site."""
    require_actor(actor, permission)
    stored = (
        selectors.plan_list(user=actor)
        .select_for_update(of=("self",))
        .select_related("site")
        .filter(pk=plan.pk)
        .first()
    )
    if stored is None:
        raise PermissionDenied(_("You cannot change this plan."))
    _check_site(actor, stored.site)
    return stored


def _require_draft(plan):
    if not plan.is_draft:
        raise ValidationError(
            _(
                "Version %(version)s is %(status)s and cannot be changed: revise it to start "
                "a new draft."
            )
            % {"version": plan.version, "status": plan.get_status_display().lower()}
        )


# --- rules of content -------------------------------------------------------------------


def _check_period(plan):
    """No other plan at the site has a period overlapping this one's. The versions of one
    plan share their period (and start): a revision is checked against other plans only."""
    if plan.ends_on <= plan.starts_on:
        raise ValidationError({"ends_on": _("The period must end after it starts.")})
    overlapping = Plan.objects.filter(
        site=plan.site_id, starts_on__lte=plan.ends_on, ends_on__gte=plan.starts_on
    )
    if plan.version > 1:
        overlapping = overlapping.exclude(starts_on=plan.starts_on)
    elif plan.pk is not None:
        overlapping = overlapping.exclude(pk=plan.pk)
    other = overlapping.order_by("starts_on", "version").first()
    if other is not None:
        raise ValidationError(
            {
                "starts_on": _(
                    "The period overlaps the plan “%(title)s” (%(start)s to %(end)s) at this "
                    "site: a site has one plan for any day."
                )
                % {
                    "title": other.title,
                    "start": other.starts_on.isoformat(),
                    "end": other.ends_on.isoformat(),
                }
            }
        )


def _check_line(*, actor, site, line, objectives, stakeholder_kept=False):
    """A line plans for a category or one stakeholder of the site's registry (whose
    identity the actor may see, unless kept as it was), with objectives of that category."""
    errors = {}
    if line.category_id is None and line.stakeholder_id is None:
        errors["category"] = _("Choose the category planned for, or one stakeholder.")
    elif line.category_id is not None and line.stakeholder_id is not None:
        errors["category"] = _("Plan for a category or for one stakeholder, not both.")
    elif line.stakeholder_id is not None and not stakeholder_kept:
        pickable = selectors.plannable_stakeholder_list(user=actor, site=site)
        if not pickable.filter(pk=line.stakeholder_id).exists():
            errors["stakeholder"] = _(
                "Choose a stakeholder of this site's registry whose identity you may see."
            )
    if not errors:
        category_id = (
            line.category_id
            if line.category_id is not None
            else Stakeholder.objects.filter(pk=line.stakeholder_id)
            .values_list("category_id", flat=True)
            .first()
        )
        if any(objective.category_id != category_id for objective in objectives):
            errors["objectives"] = _(
                "Choose only objectives of the category planned for (the stakeholder's category)."
            )
    if errors:
        raise ValidationError(errors)


def _hidden_from(actor, line):
    """Whether the line names a stakeholder whose identity the actor may not see (its note,
    about that stakeholder, is then theirs neither to read nor to change)."""
    return (
        line.stakeholder_id is not None
        and Stakeholder.objects.with_identity_visibility(actor)
        .filter(pk=line.stakeholder_id, identity_visible=False)
        .exists()
    )


class LineError(ValidationError):
    """A refusal of one line of a plan: `index` is its position in the lines given, so a
    page shows the error on that row. Nothing is written."""

    def __init__(self, error: ValidationError, *, index: int):
        super().__init__(error)
        self.index = index


def _save_lines(*, actor, plan, lines, replace):
    """Write the lines given (dicts of `LINE_FIELDS`, "objectives", and "line": the
    existing line of this plan a dict changes, if any). With `replace`, the plan's lines
    not given are deleted."""
    existing = {line.pk: line for line in plan.lines.select_for_update()}
    kept = set()
    for index, spec in enumerate(lines):
        spec = dict(spec)
        given = spec.pop("line", None)
        objectives = spec.pop("objectives", None)
        objectives = list(objectives) if objectives is not None else None
        try:
            if given is not None:
                line = existing.get(given.pk)
                if line is None:
                    raise ValidationError(_("This line is no longer part of the plan."))
                kept.add(line.pk)
                if "note" in spec and spec["note"] != line.note and _hidden_from(actor, line):
                    raise ValidationError(
                        {"note": _("This line's note is about a protected stakeholder.")}
                    )
                if spec or objectives is not None:
                    same_stakeholder = (
                        "stakeholder" not in spec
                        or getattr(spec["stakeholder"], "pk", spec["stakeholder"])
                        == line.stakeholder_id
                    )
                    apply_fields(line, spec, LINE_FIELDS)
                    line.full_clean(exclude=["plan", "copied_from"], validate_constraints=False)
                    if objectives is None:
                        objectives = list(line.objectives.all())
                    _check_line(
                        actor=actor,
                        site=plan.site,
                        line=line,
                        objectives=objectives,
                        stakeholder_kept=same_stakeholder,
                    )
                    line.validate_constraints()
                    with recorded(line, actor=actor):
                        line.save()
                        line.objectives.set(objectives)
            else:
                objectives = objectives or []
                line = PlannedEngagement(plan=plan, order=index)
                apply_fields(line, spec, LINE_FIELDS)
                line.full_clean(exclude=["plan", "copied_from"], validate_constraints=False)
                _check_line(actor=actor, site=plan.site, line=line, objectives=objectives)
                line.validate_constraints()
                with recorded(line, actor=actor, created=True):
                    line.save()
                    line.objectives.set(objectives)
        except ValidationError as error:
            raise LineError(error, index=index) from None
        if line.order != index:
            line.order = index
            stamp(line, actor=actor).save(update_fields=["order", "updated_at"])
    if replace:
        for pk, line in existing.items():
            if pk not in kept:
                stamp(line, actor=actor).delete()


# --- drafts -----------------------------------------------------------------------------


@transaction.atomic
def plan_create(
    *, actor, site: Site, data: Mapping[str, Any], lines: Iterable[Mapping[str, Any]] = ()
) -> Plan:
    """Draft version 1 of a new plan for a period at one of the actor's sites."""
    require_actor(actor, "plans.add_plan")
    _check_site(actor, site)
    Site.objects.select_for_update().filter(pk=site.pk).first()  # one writer per site
    plan = Plan(site=site, version=1, created_by=actor, updated_by=actor)
    apply_fields(plan, data, PLAN_FIELDS)
    plan.full_clean(validate_constraints=False)
    _check_period(plan)
    plan.validate_constraints()
    with recorded(plan, actor=actor, created=True):
        plan.save()
    _save_lines(actor=actor, plan=plan, lines=list(lines), replace=False)
    return plan


@transaction.atomic
def plan_update(
    *,
    actor,
    plan: Plan,
    data: Mapping[str, Any],
    lines: Iterable[Mapping[str, Any]] | None = None,
) -> Plan:
    """Change a draft: its fields and, when `lines` is given, its lines (those not given
    are removed). Only version 1 changes its period: the versions of a plan share it."""
    stored = _stored_plan(actor, plan, permission="plans.change_plan")
    _require_draft(stored)
    Site.objects.select_for_update().filter(pk=stored.site_id).first()
    period = (stored.starts_on, stored.ends_on)
    apply_fields(stored, data, PLAN_FIELDS)
    if stored.version != 1 and (stored.starts_on, stored.ends_on) != period:
        raise ValidationError(
            {"starts_on": _("A revision keeps the period of the plan it revises.")}
        )
    stored.updated_by = actor
    stored.full_clean(validate_constraints=False)
    _check_period(stored)
    stored.validate_constraints()
    with recorded(stored, actor=actor):
        stored.save()
    if lines is not None:
        _save_lines(actor=actor, plan=stored, lines=list(lines), replace=True)
    return stored


@transaction.atomic
def plan_delete(*, actor, plan: Plan) -> None:
    """Delete a draft (its lines with it); the history keeps them."""
    stored = _stored_plan(actor, plan, permission="plans.change_plan")
    _require_draft(stored)
    for line in stored.lines.all():
        stamp(line, actor=actor).delete()
    stamp(stored, actor=actor).delete()


# --- approval and revision --------------------------------------------------------------


@transaction.atomic
def plan_approve(*, actor, plan: Plan, approved_on: datetime.date | None = None) -> Plan:
    """Approve a draft: who and when are recorded, and the version before it (if any) is
    superseded on the day this one comes into force.

    `approved_on` (the site's today by default; never later) records an approval given
    on an earlier day, before it was entered here: the demo's year, a plan taken over
    from paper. The pages never pass it."""
    stored = _stored_plan(actor, plan, permission="plans.approve_plan")
    _require_draft(stored)
    if not stored.lines.exists():
        raise ValidationError(_("A plan needs at least one planned engagement to be approved."))
    previous = (
        Plan.objects.select_for_update()
        .filter(site=stored.site_id, starts_on=stored.starts_on, status=Plan.Status.APPROVED)
        .first()
    )
    ever_approved = Plan.objects.filter(
        site=stored.site_id,
        starts_on=stored.starts_on,
        status__in=[Plan.Status.APPROVED, Plan.Status.SUPERSEDED],
    ).exists()
    today = stored.site.today()
    if approved_on is not None:
        if approved_on > today:
            raise ValidationError(_("A plan cannot be approved on a future day."))
        today = approved_on
    if not ever_approved:
        in_force_from = stored.starts_on
    else:
        if today > stored.ends_on:
            raise ValidationError(
                _(
                    "The period ended on %(end)s: the approved version stays the record of "
                    "it. Delete this draft, or draft the next period's plan."
                )
                % {"end": stored.ends_on.isoformat()}
            )
        # Approved before its period starts, a revision replaces the version before it
        # from the start.
        in_force_from = max(today, stored.starts_on)
    if previous is not None and in_force_from < previous.in_force_from:
        raise ValidationError(
            _("A revision cannot come into force before the version it replaces.")
        )
    if previous is not None:
        previous.status = Plan.Status.SUPERSEDED
        previous.superseded_on = in_force_from
        previous.updated_by = actor
        with recorded(
            previous,
            actor=actor,
            reason=_("Superseded by version %(version)s") % {"version": stored.version},
        ):
            previous.save()
    stored.status = Plan.Status.APPROVED
    stored.approved_by = actor
    stored.approved_at = (
        timezone.now()
        if approved_on is None
        else datetime.datetime.combine(
            approved_on, datetime.time(12), tzinfo=zoneinfo.ZoneInfo(stored.site.time_zone)
        )
    )
    stored.in_force_from = in_force_from
    stored.updated_by = actor
    stored.full_clean()
    with recorded(stored, actor=actor, reason=_("Approved")):
        stored.save()
    return stored


@transaction.atomic
def plan_revise(*, actor, plan: Plan) -> Plan:
    """Start a new draft (version n + 1) copying the approved version: its title, period,
    summary and every line with its objectives."""
    stored = _stored_plan(actor, plan, permission="plans.add_plan")
    if stored.status != Plan.Status.APPROVED:
        raise ValidationError(_("Only the approved version of a plan is revised."))
    if Plan.objects.filter(
        site=stored.site_id, starts_on=stored.starts_on, status=Plan.Status.DRAFT
    ).exists():
        raise ValidationError(
            _("This plan already has a draft being revised: change that draft instead.")
        )
    latest = Plan.objects.filter(site=stored.site_id, starts_on=stored.starts_on).aggregate(
        latest=Max("version")
    )["latest"]
    draft = Plan(
        site=stored.site,
        title=stored.title,
        starts_on=stored.starts_on,
        ends_on=stored.ends_on,
        summary=stored.summary,
        version=latest + 1,
        revises=stored,
        created_by=actor,
        updated_by=actor,
    )
    draft.full_clean()
    with recorded(
        draft,
        actor=actor,
        created=True,
        reason=_("Revises version %(version)s") % {"version": stored.version},
    ):
        draft.save()
    for line in stored.lines.prefetch_related("objectives"):
        copy = PlannedEngagement(
            plan=draft,
            copied_from=line,
            **{name: getattr(line, name) for name in LINE_FIELDS},
            order=line.order,
        )
        with recorded(copy, actor=actor, created=True):
            copy.save()
            copy.objectives.set(line.objectives.all())
    return draft
