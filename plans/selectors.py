"""Reads of the site's Stakeholder Engagement Plan: which plans a user may see, whether they
may draft, change, approve or revise one, and the plan held against the record.

Plan against record. An engagement *matches* a planned line when it is
- at the plan's site, dated within the period and not after today;
- with at least one stakeholder of the line's category (or the line's stakeholder);
- led by the line's lead function;
- of the line's method (format), when the line names one;
- one the viewer may see (`Engagement.objects.visible_to`: a restricted engagement counts
  only for users cleared at the site);
- and dated while the line's version was in force: an engagement dated in version v's
  window [in force from, superseded on) counts for v's line, and for the lines of later
  versions that copy it (`copied_from`), so a line carried over keeps its count; a line new
  in a revision counts from the day the revision came into force.

Objectives are covered by the matching engagements that addressed them. The counts are
computed in the database, in a fixed number of queries whatever the number of lines,
versions and engagements.
"""

import datetime
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    Count,
    Exists,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from engagement import selectors as engagement_selectors
from engagement.models import Engagement
from plans import schedule
from plans.models import Plan, PlannedEngagement
from stakeholders import history, redaction
from stakeholders.models import (
    EngagementObjective,
    Site,
    SiteMembership,
    Stakeholder,
    StakeholderCategory,
)
from stakeholders.selectors import history_names_read_once, may_have, site_list

ONE_DAY = datetime.timedelta(days=1)

STATUS_FILTERS = ("overdue", "due_soon", "all")


# --- which plans, and who may do what ---------------------------------------------------


def member_at(*, user, site):
    """Whether the user is a member of the site (superusers everywhere)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return SiteMembership.objects.filter(user=user, site=site).exists()


def plan_list(*, user):
    """The plans (every version) of the user's sites, for a role that may read them."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("plans.view_plan"):
        return Plan.objects.none()
    return Plan.objects.filter(site__in=site_list(user=user))


def plan_get(*, user, pk):
    """One plan version the user may see, or 404 (another site's and a missing one alike)."""
    return get_object_or_404(
        plan_list(user=user).select_related("site", "approved_by", "created_by", "revises"),
        pk=pk,
    )


def plan_detail_get(*, user, pk):
    """`plan_get` for the plan's page: with whether it and its lines have any history
    (`has_history`, `has_line_history`: `plan_history` reads none where there is none)."""
    return get_object_or_404(
        plan_list(user=user)
        .select_related("site", "approved_by", "created_by", "revises")
        .annotate(
            has_history=Exists(Plan.history.filter(id=OuterRef("pk"))),
            has_line_history=Exists(PlannedEngagement.history.filter(plan_id=OuterRef("pk"))),
        ),
        pk=pk,
    )


def plan_versions(*, plan):
    """Every version of a plan's period (the plan read through `plan_get`), by version:
    all at its site, so all the user may see."""
    return list(
        Plan.objects.filter(site=plan.site_id, starts_on=plan.starts_on)
        .select_related("approved_by")
        .order_by("version")
    )


def plan_overview(*, user):
    """The plans of the user's sites, one row per plan (its latest version first), newest
    period first, each with `versions`: all its versions, latest first."""
    plans = plan_list(user=user)
    latest = plans.filter(site=OuterRef("site"), starts_on=OuterRef("starts_on")).order_by(
        "-version"
    )
    return (
        plans.filter(pk=Subquery(latest.values("pk")[:1]))
        .select_related("site")
        .prefetch_related(
            Prefetch(
                "site__plans",
                queryset=Plan.objects.select_related("approved_by").order_by(
                    "-starts_on", "-version"
                ),
                to_attr="all_versions",
            )
        )
        .order_by("-starts_on", "site__name")
    )


def versions_of(plan, versions):
    """The plan's versions among `versions` (a site's plans), latest first."""
    return [v for v in versions if v.starts_on == plan.starts_on]


def draftable_site_list(*, user):
    """The sites where the user may draft a plan: their own (every site for a superuser),
    with a role that drafts."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("plans.add_plan"):
        return Site.objects.none()
    return site_list(user=user)


def draftable_site_get(*, user, pk):
    """One of the user's sites where they may draft a plan: another site (or a missing one)
    answers 404, one of theirs where their role may not draft, 403."""
    site = get_object_or_404(site_list(user=user), pk=pk)
    if not draftable_site_list(user=user).filter(pk=site.pk).exists():
        raise PermissionDenied
    return site


def _member(user, plan, member):
    """`member_at` the plan's site, unless the caller read it already (`member`)."""
    return member_at(user=user, site=plan.site) if member is None else member


def can_edit_plan(*, user, plan, member=None):
    """Whether the user may change (or delete) this version: a draft, their role changes
    plans, and they are a member of its site (`member_at`; a caller that read it already
    passes it as `member`)."""
    return (
        plan.is_draft
        and getattr(user, "is_authenticated", False)
        and user.has_perm("plans.change_plan")
        and _member(user, plan, member)
    )


def can_approve_plan(*, user, plan, member=None):
    """Whether the user may approve this version: a draft, their role approves plans
    (security managers and administrators), and they are a member of its site (`member`
    as for `can_edit_plan`)."""
    return (
        plan.is_draft
        and getattr(user, "is_authenticated", False)
        and user.has_perm("plans.approve_plan")
        and _member(user, plan, member)
    )


def can_revise_plan(*, user, plan, member=None, versions=None):
    """Whether the user may start a revision of this version: the approved one, their role
    drafts plans, they are a member of its site (`member` as for `can_edit_plan`), and no
    draft is under way (among `versions`, every version of its period, when the caller
    has read them)."""
    if versions is None:
        drafting = Plan.objects.filter(
            site=plan.site_id, starts_on=plan.starts_on, status=Plan.Status.DRAFT
        ).exists
    else:

        def drafting():
            return any(version.status == Plan.Status.DRAFT for version in versions)

    return (
        plan.status == Plan.Status.APPROVED
        and getattr(user, "is_authenticated", False)
        and user.has_perm("plans.add_plan")
        and _member(user, plan, member)
        and not drafting()
    )


class PlanAccess(NamedTuple):
    """What one user may do with one plan version they may see, read once for its page."""

    cleared: bool  # at its site (`engagement.selectors.cleared_at`)
    may_edit: bool  # `can_edit_plan`
    may_approve: bool  # `can_approve_plan`
    may_revise: bool  # `can_revise_plan`


def plan_access(*, user, plan, versions):
    """The answers of `cleared_at`, `can_edit_plan`, `can_approve_plan` and
    `can_revise_plan` on a plan the user may see, from one read of their membership at its
    site; `versions`: every version of its period (`plan_versions`)."""
    if not getattr(user, "is_authenticated", False):
        return PlanAccess(False, False, False, False)
    membership = None
    if not user.is_superuser:
        membership = SiteMembership.objects.filter(user=user, site=plan.site_id).order_by().first()
    # As `member_at` and `cleared_at` answer.
    member = user.is_active and (user.is_superuser or membership is not None)
    cleared = user.is_superuser or (membership is not None and membership.cleared)
    return PlanAccess(
        cleared=cleared,
        may_edit=can_edit_plan(user=user, plan=plan, member=member),
        may_approve=can_approve_plan(user=user, plan=plan, member=member),
        may_revise=can_revise_plan(user=user, plan=plan, member=member, versions=versions),
    )


def plannable_stakeholder_list(*, user, site):
    """The stakeholders a line may name: of the site's registry, whose identity the user
    may see (as the engagement form offers them)."""
    return engagement_selectors.pickable_stakeholder_list(user=user, site=site)


def plan_in_force(*, user, site, on=None):
    """The approved plan at the site whose period contains `on` (default: the site's
    today), if the user may see it; else None."""
    on = on or site.today()
    return (
        plan_list(user=user)
        .filter(site=site, status=Plan.Status.APPROVED, starts_on__lte=on, ends_on__gte=on)
        .select_related("site")
        .first()
    )


# --- plan against record ----------------------------------------------------------------


@dataclass
class ObjectiveCover:
    objective: EngagementObjective
    covered: bool


@dataclass
class LineRecord:
    line: PlannedEngagement
    label: str
    hidden: bool  # the line names a stakeholder whose identity the viewer may not see
    schedule: schedule.LineSchedule
    objectives: list = field(default_factory=list)  # ObjectiveCover, in order
    effective_from: datetime.date | None = None

    @property
    def status(self):
        return self.schedule.status


@dataclass
class PlanRecord:
    plan: Plan
    as_of: datetime.date  # the day the figures are for
    mode: str  # "in_force", "draft" (as if approved today), "superseded" (as it stood)
    cleared: bool  # the viewer counts restricted engagements too
    lines: list  # LineRecord
    uncovered: list  # [(category, [objective, ...])], categories with none left out
    windows: dict  # plan id -> (first day, day after the last) it counts engagements

    def lines_with(self, status):
        if status == "overdue":
            return [line for line in self.lines if line.schedule.overdue]
        if status == "due_soon":
            return [line for line in self.lines if line.schedule.due_soon]
        return list(self.lines)

    @property
    def overdue(self):
        return len(self.lines_with("overdue"))

    @property
    def due_soon(self):
        return len(self.lines_with("due_soon"))


def _windows(plan, versions, today):
    """{plan id: (first day, day after the last)} during which each version counts
    engagements, and the day the figures are for. A draft is reckoned as if approved
    today; a superseded version as it stood on the day it was superseded."""
    period_end = plan.ends_on + ONE_DAY
    windows = {}
    for version in versions:
        if version.status != Plan.Status.DRAFT and version.in_force_from:
            windows[version.pk] = [version.in_force_from, version.superseded_on or period_end]
    mode = "in_force"
    as_of = today
    if plan.is_draft:
        mode = "draft"
        approved = [v for v in versions if v.status == Plan.Status.APPROVED]
        start = max(today, plan.starts_on) if windows else plan.starts_on
        for version in approved:
            windows[version.pk][1] = start
        windows[plan.pk] = [start, period_end]
    elif plan.status == Plan.Status.SUPERSEDED:
        mode = "superseded"
        as_of = min(today, plan.superseded_on)
    last = min(period_end, as_of + ONE_DAY)
    clipped = {}
    for pk, (first, after) in windows.items():
        first, after = max(first, plan.starts_on), min(after, last)
        if first < after:
            clipped[pk] = (first, after)
    return clipped, as_of, mode


def _chains(lines):
    """{line id: [line id, its original, the original's original, ...]} from rows of
    (id, copied_from_id)."""
    parent = dict(lines)
    chains = {}
    for pk in parent:
        chain, current = [], pk
        while current is not None and current not in chain:
            chain.append(current)
            current = parent.get(current)
        chains[pk] = chain
    return chains


def _generations(pk, chains, criteria, windows):
    """The conditions of each generation of a line (itself, what it copies, ...) whose
    version counts engagements: [(window, lead function, format or "", category,
    stakeholder)]."""
    generations = []
    for ancestor in chains[pk]:
        plan_id, category, stakeholder, function, fmt = criteria[ancestor]
        if plan_id in windows:
            generations.append((windows[plan_id], function, fmt, category, stakeholder))
    return generations


def _matching(generations):
    """The condition on an engagement, read through `_per_engagement`, that it matches one
    generation of a line in that generation's window (None: none can)."""
    condition = None
    for (first, after), function, fmt, category, stakeholder in generations:
        clause = Q(on__gte=first, on__lt=after, led_by=function)
        if fmt:
            clause &= Q(method=fmt)
        if category is not None:
            clause &= Q(**{f"meets_category_{category}": 1})
        else:
            clause &= Q(**{f"meets_stakeholder_{stakeholder}": 1})
        condition = clause if condition is None else condition | clause
    return condition


def _flag(lookup, value):
    """1 for an engagement with a related row where `lookup` is `value`, else 0."""
    return Max(Case(When(**{lookup: value}, then=Value(1)), default=Value(0)))


def _per_engagement(engagements, *, categories, stakeholders, objectives):
    """The engagements, one row each (`on` its date, `led_by` its lead function, by its
    `method`), with whether each met a stakeholder of each of `categories`
    (`meets_category_<pk>`), each of `stakeholders` (`meets_stakeholder_<pk>`) and
    addressed each of `objectives` (`addresses_<pk>`): what the lines' conditions read, so
    that every line is counted in one pass over the period's engagements rather than one
    pass per line. Grouped by the engagement alone (its own columns carried as their
    `Max`): grouped by its date too, SQLite would walk every site's engagements in date
    order rather than read the site's."""
    return (
        engagements.order_by()
        .values("pk")
        .annotate(
            on=Max("date"),
            led_by=Max("lead_function"),
            method=Max("format"),
            **{f"meets_category_{pk}": _flag("stakeholders__category", pk) for pk in categories},
            **{f"meets_stakeholder_{pk}": _flag("stakeholders", pk) for pk in stakeholders},
            **{f"addresses_{pk}": _flag("objectives", pk) for pk in objectives},
        )
    )


def _period_engagements(*, user, plan, as_of):
    last = min(plan.ends_on, as_of)
    return Engagement.objects.visible_to(user).filter(
        site=plan.site_id, date__gte=plan.starts_on, date__lte=last
    )


def plan_record(*, user, plan, today=None, with_objectives=True, versions=None, cleared=None):
    """The plan (one version the user may see, read through `plan_get`) against the
    record, as `PlanRecord`: each line's engagements due so far, matching ones logged, the
    next due date, overdue or due soon, and its objectives covered; and the Table 4E.2
    objectives of each category no engagement covered in the period. Only engagements the
    user may see are counted. A fixed number of queries: the figures of every line and
    objective come back in one, a count per line, per objective of a line and per
    objective over the period's engagements (`_per_engagement`).

    Without objectives, the lines' objectives are not read either. A caller that has read
    them already passes `versions` (every version of the plan's period, by version) and
    `cleared` (`engagement.selectors.cleared_at` the plan's site), each a query fewer."""
    today = today or plan.site.today()
    if versions is None:
        versions = list(
            Plan.objects.filter(site=plan.site_id, starts_on=plan.starts_on).order_by("version")
        )
    windows, as_of, mode = _windows(plan, versions, today)
    # Every version's lines in one read: this version's to show, and the lines they copy.
    every = list(
        PlannedEngagement.objects.filter(plan__in={plan.pk, *(v.pk for v in versions)})
        .select_related("category", "lead_function")
        .order_by("order", "pk")
    )
    criteria = {
        line.pk: (
            line.plan_id,
            line.category_id,
            line.stakeholder_id,
            line.lead_function_id,
            line.format,
        )
        for line in every
    }
    chains = _chains([(line.pk, line.copied_from_id) for line in every])
    lines = [line for line in every if line.plan_id == plan.pk]
    prefetches = [
        Prefetch("stakeholder", queryset=Stakeholder.objects.with_identity_visibility(user))
    ]
    if with_objectives:
        prefetches.append(
            Prefetch("objectives", queryset=EngagementObjective.objects.order_by("order", "pk"))
        )
    prefetch_related_objects(lines, *prefetches)
    conditions = {
        line.pk: _matching(_generations(line.pk, chains, criteria, windows)) for line in lines
    }
    counts = {
        f"logged_{pk}": Count("pk", filter=condition)
        for pk, condition in conditions.items()
        if condition is not None
    }
    planned = set()
    for line in lines if with_objectives else []:
        if conditions[line.pk] is not None:
            for objective in line.objectives.all():
                planned.add(objective.pk)
                counts[f"covered_{line.pk}_{objective.pk}"] = Count(
                    "pk", filter=conditions[line.pk] & Q(**{f"addresses_{objective.pk}": 1})
                )
    generations = [criteria[pk] for line in lines for pk in chains[line.pk]]
    engagements = _period_engagements(user=user, plan=plan, as_of=as_of)
    figures = {}
    if counts:
        figures = _per_engagement(
            engagements,
            categories={category for _p, category, *_rest in generations if category},
            stakeholders={stakeholder for _p, _c, stakeholder, *_r in generations if stakeholder},
            objectives=planned,
        ).aggregate(**counts)
    records = []
    for line in lines:
        first_plan = criteria[chains[line.pk][-1]][0]
        effective_from = windows.get(first_plan, (None, None))[0]
        if effective_from == plan.starts_on:
            effective_from = None
        line_schedule = schedule.schedule(
            starts_on=plan.starts_on,
            ends_on=plan.ends_on,
            months=PlannedEngagement.FREQUENCY_MONTHS[line.frequency],
            logged=figures.get(f"logged_{line.pk}", 0),
            today=as_of,
            effective_from=effective_from,
        )
        hidden = line.stakeholder is not None and not redaction.identity_visible(line.stakeholder)
        records.append(
            LineRecord(
                line=line,
                label=line_label(line),
                hidden=hidden,
                schedule=line_schedule,
                objectives=[
                    ObjectiveCover(
                        objective, bool(figures.get(f"covered_{line.pk}_{objective.pk}"))
                    )
                    for objective in (line.objectives.all() if with_objectives else [])
                ],
                effective_from=effective_from,
            )
        )
    return PlanRecord(
        plan=plan,
        as_of=as_of,
        mode=mode,
        cleared=engagement_selectors.cleared_at(user=user, site=plan.site)
        if cleared is None
        else cleared,
        lines=records,
        uncovered=_uncovered_objectives(engagements) if with_objectives else [],
        windows=windows,
    )


def _uncovered_objectives(engagements):
    """The Table 4E.2 objectives, by category, that none of `engagements` addressed:
    [(category, [objective])], categories all covered left out. One query: the objectives
    addressed are read once (an uncorrelated `NOT IN`), not looked for objective by
    objective."""
    addressed = Engagement.objectives.through.objects.filter(
        engagement__in=engagements.values("pk")
    ).values("engagementobjective")
    objectives = (
        EngagementObjective.objects.select_related("category")
        .exclude(pk__in=addressed)
        .order_by("category__order", "category__name", "order", "pk")
    )
    groups = {}
    for objective in objectives:
        groups.setdefault(objective.category, []).append(objective)
    return list(groups.items())


def line_label(line):
    """What a line plans for: its category, or its stakeholder as the viewer may see it
    (the placeholder for a hidden one; read the stakeholder with `identity_visible`)."""
    if line.stakeholder_id is not None:
        return redaction.display_name(line.stakeholder)
    return str(line.category)


def line_status_counts(*, user, site, today=None, cleared=None):
    """For the dashboard: the plan in force at the site today, and how many of its lines
    are overdue and due soon, with the links to the plan's page filtered to those lines.
    A caller that has read the user's clearance at the site passes it (`cleared`) rather
    than have `plan_record` read it again."""
    today = today or site.today()
    plan = plan_in_force(user=user, site=site, on=today)
    if plan is None:
        return {"plan": None, "overdue": 0, "due_soon": 0, "overdue_url": "", "due_soon_url": ""}
    record = plan_record(user=user, plan=plan, today=today, with_objectives=False, cleared=cleared)
    url = reverse("plans:detail", args=[plan.pk])
    return {
        "plan": plan,
        "overdue": record.overdue,
        "due_soon": record.due_soon,
        "overdue_url": f"{url}?status=overdue",
        "due_soon_url": f"{url}?status=due_soon",
    }


# --- history ----------------------------------------------------------------------------


def history_names(*, user):
    """Which related rows a plan's history may name: as an engagement's history does,
    and the plans and lines the user may see."""
    plans = plan_list(user=user)
    return {
        **engagement_selectors.history_names(user=user),
        Plan: plans,
        PlannedEngagement: PlannedEngagement.objects.filter(plan__in=plans),
    }


def plan_history(*, user, plan, limit=50, known=(), known_stakeholders=None):
    """The change history of a plan version (read through `plan_get`) and its lines,
    newest first. A line names its category, or its stakeholder by `str()` (the
    placeholder for anyone at risk). The rows the entries name are read once for the plan
    and its lines (`history_names_read_once`); a page that has read its lines passes their
    reference rows (`known`: categories, functions, objectives) and their stakeholders
    (`known_stakeholders`, by pk, as `with_identity_visibility` annotates them for the
    user), not read again. A plan read by `plan_detail_get` without history reads none."""
    names = history_names(user=user)
    own = []
    if may_have(plan, "has_history"):
        own = list(
            plan.history.select_related("history_user").order_by("-history_date", "-history_id")[
                : limit + 1
            ]
        )
    records = []
    if may_have(plan, "has_line_history"):
        records = list(
            PlannedEngagement.history.filter(plan_id=plan.pk)
            .select_related("history_user")
            .order_by("-history_date", "-history_id")[: limit * 3]
        )
    # A line's history leaves out its plan: not read to be named.
    of_lines = {model: rows for model, rows in names.items() if model is not Plan}
    named = history_names_read_once(names, [(own, names), (records, of_lines)], known)
    of_lines = {model: named[model] for model in of_lines}
    result = history.entries(own, named=named, excluded=("created_by", "updated_by"))[:limit]
    categories = {
        category.pk: category.name
        for category in named[StakeholderCategory].filter(
            pk__in={r.category_id for r in records if r.category_id}
        )
    }
    read = engagement_selectors.stakeholders_by_pk(
        user=user,
        pks={r.stakeholder_id for r in records if r.stakeholder_id},
        known=known_stakeholders,
    ).values()
    stakeholders = {s.pk: redaction.display_name(s) for s in read}
    stakeholders_shown = {s.pk for s in read if redaction.identity_visible(s)}

    def subject(record):
        if record.stakeholder_id:
            what = stakeholders.get(record.stakeholder_id, history.NOT_SHOWN)
        else:
            what = categories.get(record.category_id, history.NOT_SHOWN)
        return _("line: %(what)s") % {"what": what}

    # A line's note is about its stakeholder: "Protected" where that one's identity is, in
    # every version of a line that ever named a hidden one.
    hidden = {r.stakeholder_id for r in records if r.stakeholder_id} - stakeholders_shown
    hidden_lines = {r.id for r in records if r.stakeholder_id in hidden}
    result += history.entries(
        records,
        named=of_lines,
        redacted_for=lambda record: ("note",) if record.id in hidden_lines else (),
        excluded=("plan", "order"),
        per_object=True,
        subject=subject,
    )
    result.sort(key=lambda entry: entry.date, reverse=True)
    return result[:limit]
