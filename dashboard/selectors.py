"""Reads for the dashboard: which site a user sees, and the figures of its panels.

Every figure is counted in the database (conditional `Count`s, distinct engagements) from
the same selectors the lists read (`Engagement.objects.visible_to`,
`engagement.selectors.commitment_register`, `engagement.selectors.concern_list`), and
comes with the URL of the filtered list whose count it is: the figure and the list agree
because they count the same rows under the same rules. A restricted engagement, and
everything on it, counts only for users cleared at the site; allegations are counted only
for them. The number of queries is the same whatever the number of records.
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from dashboard.models import DashboardChoice
from engagement import perceptions
from engagement import selectors as engagement_selectors
from engagement.filters import CommitmentFilterSet, ConcernFilterSet
from engagement.models import Commitment, Concern, Engagement
from plans import selectors as plan_selectors
from stakeholders.models import EngagementObjective, Site, StakeholderCategory
from stakeholders.selectors import cleared_site_list, parse_id, site_list

# Calendar quarters, as the perceptions page reckons them.
Quarter = perceptions.Quarter

# "Due soon" for commitments: due from the site's today to this many days ahead.
COMMITMENTS_DUE_SOON_DAYS = 14

# The statuses of an allegation still being followed (not closed), in the order shown.
OPEN_CONCERN_STATUSES = (
    Concern.Status.OPEN,
    Concern.Status.REFERRED,
    Concern.Status.UNDER_INVESTIGATION,
)


# --- which site ---------------------------------------------------------------------------


def dashboard_site_list(*, user):
    """The sites a user may see a dashboard of: their own (every site for a superuser),
    by name, each with `chosen`: whether it is the one they chose last, and `cleared`:
    whether the user is cleared there (as `engagement.selectors.cleared_at` answers, read
    with the sites rather than by a query of its own)."""
    if not getattr(user, "is_authenticated", False):
        return Site.objects.none()
    choice = DashboardChoice.objects.filter(user=user.pk, site=OuterRef("pk"))
    cleared = Exists(cleared_site_list(user=user).filter(pk=OuterRef("pk")))
    return site_list(user=user).annotate(chosen=Exists(choice), cleared=cleared)


def dashboard_site_get(*, user, pk, sites=None):
    """One of the user's sites by its id, or 404: another site's, a missing one and a
    malformed id answer alike. `sites`: the user's `dashboard_site_list`, if read."""
    pk = parse_id(str(pk))
    if pk is None:
        raise Http404
    if sites is None:
        site = dashboard_site_list(user=user).filter(pk=pk).first()
    else:
        site = next((site for site in sites if site.pk == pk), None)
    if site is None:
        raise Http404
    return site


def dashboard_site(*, user, sites=None):
    """The site the dashboard shows when none is asked for: the one the user chose last,
    if they are still a member of it (a choice is checked on every read, failing closed),
    else their first site by name; None for a user with no site. `sites`: the user's
    `dashboard_site_list`, if read."""
    sites = list(dashboard_site_list(user=user) if sites is None else sites)
    return next((site for site in sites if site.chosen), None) or next(iter(sites), None)


# --- periods ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The period objective coverage is reckoned over, up to the site's today: the
    approved SEP in force's period so far (as the plan's own page reckons its uncovered
    objectives), or the calendar year to date when no plan is in force."""

    start: datetime.date
    end: datetime.date
    plan: object = None  # plans.models.Plan

    @classmethod
    def for_site(cls, *, plan, today):
        if plan is not None:
            return cls(plan.starts_on, min(plan.ends_on, today), plan)
        return cls(today.replace(month=1, day=1), today)


def _url(name, **params):
    """A list page's URL with its filters (dates as ISO dates, objects by pk)."""
    query = {
        key: value.isoformat() if isinstance(value, datetime.date) else getattr(value, "pk", value)
        for key, value in params.items()
    }
    return f"{reverse(name)}?{urlencode(query)}"


def change_text(change):
    """A change in words, never by colour or sign alone: "up 2", "down 1", "no change"."""
    if change > 0:
        return _("up %(n)s") % {"n": change}
    if change < 0:
        return _("down %(n)s") % {"n": -change}
    return _("no change")


# --- the Table 4E.2 categories and objectives ---------------------------------------------


def category_list():
    """The Table 4E.2 categories in their order, each with `objective_list`: its objectives
    in their order. One query, each category joined to its objectives (a category with
    none on a row of its own), where reading the two tables took two."""
    category_fields = [field.attname for field in StakeholderCategory._meta.concrete_fields]
    objective_fields = [field.attname for field in EngagementObjective._meta.concrete_fields]
    rows = StakeholderCategory.objects.order_by(
        "order", "name", "pk", "objectives__order", "objectives__pk"
    ).values_list(*category_fields, *(f"objectives__{name}" for name in objective_fields))
    categories = {}
    for row in rows:
        values, objective_values = row[: len(category_fields)], row[len(category_fields) :]
        category = categories.get(values[0])
        if category is None:
            category = StakeholderCategory.from_db(rows.db, category_fields, values)
            category.objective_list = []
            categories[category.pk] = category
        if objective_values[0] is not None:
            objective = EngagementObjective.from_db(rows.db, objective_fields, objective_values)
            objective.category = category
            category.objective_list.append(objective)
    return list(categories.values())


# --- engagements this quarter, by category ------------------------------------------------


@dataclass
class CategoryEngagements:
    """The engagements with a category's stakeholders in this quarter and the last."""

    category: StakeholderCategory
    this_quarter: int
    last_quarter: int
    this_url: str
    last_url: str

    @property
    def change(self):
        return self.this_quarter - self.last_quarter

    @property
    def change_text(self):
        return change_text(self.change)


@dataclass
class EngagementsPanel:
    quarter: Quarter
    last: Quarter
    rows: list
    total: int
    total_last: int
    total_url: str
    total_last_url: str

    @property
    def change(self):
        return self.total - self.total_last

    @property
    def change_text(self):
        return change_text(self.change)


def _seen_at(*, user, site, start, end):
    """The engagements at the site the user may see, dated within [start, end]."""
    return Engagement.objects.visible_to(user).filter(site=site, date__gte=start, date__lte=end)


def engagements_by_category(*, user, site, today, categories):
    """Per Table 4E.2 category, how many distinct engagements the user may see at the site
    met at least one stakeholder of that category, in the calendar quarter of the site's
    today and in the one before (as the engagement list's "category met" filter counts
    them), with the totals. One query: the two quarters' engagements joined to the
    categories of the stakeholders they met (an engagement that met none kept for the
    totals), every figure a count of distinct engagements over those rows."""
    quarter = Quarter.of(today)
    last = quarter.shifted(-1)
    seen = _seen_at(user=user, site=site, start=last.first_day, end=quarter.last_day)
    this_q = Q(date__gte=quarter.first_day)
    last_q = Q(date__lte=last.last_day)
    counts = {}
    for category in categories:
        met = Q(stakeholders__category=category.pk)
        counts[f"this_{category.pk}"] = Count("pk", filter=this_q & met, distinct=True)
        counts[f"last_{category.pk}"] = Count("pk", filter=last_q & met, distinct=True)
    figures = seen.order_by().aggregate(
        **counts,
        this_quarter=Count("pk", filter=this_q, distinct=True),
        last_quarter=Count("pk", filter=last_q, distinct=True),
    )

    def url(period, **params):
        return _url(
            "engagement:list",
            site=site,
            date_from=period.first_day,
            date_to=period.last_day,
            **params,
        )

    rows = [
        CategoryEngagements(
            category=category,
            this_quarter=figures[f"this_{category.pk}"],
            last_quarter=figures[f"last_{category.pk}"],
            this_url=url(quarter, category=category),
            last_url=url(last, category=category),
        )
        for category in categories
    ]
    return EngagementsPanel(
        quarter=quarter,
        last=last,
        rows=rows,
        total=figures["this_quarter"],
        total_last=figures["last_quarter"],
        total_url=url(quarter),
        total_last_url=url(last),
    )


# --- Table 4E.2 objectives covered in the period ----------------------------------------


@dataclass
class ObjectiveCoverage:
    objective: EngagementObjective
    engagements: int
    url: str

    @property
    def covered(self):
        return self.engagements > 0


@dataclass
class CategoryCoverage:
    category: StakeholderCategory
    objectives: list = field(default_factory=list)

    @property
    def total(self):
        return len(self.objectives)

    @property
    def covered(self):
        return sum(row.covered for row in self.objectives)

    @property
    def uncovered(self):
        return [row.objective for row in self.objectives if not row.covered]


@dataclass
class CoveragePanel:
    period: Period
    categories: list

    @property
    def covered(self):
        return sum(row.covered for row in self.categories)

    @property
    def total(self):
        return sum(row.total for row in self.categories)


def objective_coverage(*, user, site, period, categories):
    """Each Table 4E.2 objective, by category (`categories` read with
    `category_list`), with how many distinct engagements the user may see at the site
    addressed it in the period (as the engagement list's objective filter counts them):
    covered when at least one did. One query."""
    seen = _seen_at(user=user, site=site, start=period.start, end=period.end)
    counts = dict(
        Engagement.objectives.through.objects.filter(engagement__in=seen.values("pk"))
        .order_by()
        .values("engagementobjective")
        .annotate(engagements=Count("engagement", distinct=True))
        .values_list("engagementobjective", "engagements")
    )
    coverage = []
    for category in categories:
        row = CategoryCoverage(category)
        for objective in category.objective_list:
            row.objectives.append(
                ObjectiveCoverage(
                    objective=objective,
                    engagements=counts.get(objective.pk, 0),
                    url=_url(
                        "engagement:list",
                        site=site,
                        objective=objective,
                        date_from=period.start,
                        date_to=period.end,
                    ),
                )
            )
        if row.objectives:
            coverage.append(row)
    return CoveragePanel(period=period, categories=coverage)


# --- commitments overdue and due soon -----------------------------------------------------


@dataclass
class CommitmentsPanel:
    overdue: int
    due_soon: int
    due_until: datetime.date
    overdue_url: str
    due_soon_url: str


def commitment_figures(*, user, site, today):
    """The unresolved commitments (neither done nor dropped) of the engagements the user
    may see at the site: overdue (the register's own `is_overdue`: due before the site's
    today) and due from today to `COMMITMENTS_DUE_SOON_DAYS` ahead. One query."""
    due_until = today + datetime.timedelta(days=COMMITMENTS_DUE_SOON_DAYS)
    # The register's `is_overdue` at one site: due before that site's today.
    # Read as the statuses still open, up to the last day counted: a range of the site's
    # (site, status, due_on) index rather than all of its ten years of commitments.
    unresolved_statuses = [s for s in Commitment.Status.values if s not in Commitment.CLOSED]
    figures = (
        engagement_selectors.commitment_list(user=user, site=site)
        .filter(status__in=unresolved_statuses, due_on__lte=due_until)
        .aggregate(
            overdue=Count("pk", filter=Q(due_on__lt=today)),
            due_soon=Count("pk", filter=Q(due_on__gte=today, due_on__lte=due_until)),
        )
    )
    register = "engagement:commitments"
    unresolved = CommitmentFilterSet.UNRESOLVED
    return CommitmentsPanel(
        overdue=figures["overdue"],
        due_soon=figures["due_soon"],
        due_until=due_until,
        overdue_url=_url(register, site=site, status=unresolved, overdue="on"),
        due_soon_url=_url(
            register, site=site, status=unresolved, due_from=today, due_to=due_until
        ),
    )


# --- allegations --------------------------------------------------------------------------


@dataclass
class AllegationStatus:
    status: str
    label: str
    count: int
    url: str


def allegation_figures(*, user, site, cleared):
    """The allegations at the site that are not closed, by status, as the concerns
    register shows them to the user; None for a user not cleared at the site (they see
    no allegation, and are not shown a count). One query."""
    if not cleared:
        return None
    figures = (
        engagement_selectors.concern_list(user=user, site=site)
        .filter(type__in=Concern.ALLEGATIONS)
        .order_by()
        .aggregate(
            **{status: Count("pk", filter=Q(status=status)) for status in OPEN_CONCERN_STATUSES}
        )
    )
    return [
        AllegationStatus(
            status=status,
            label=Concern.Status(status).label,
            count=figures[status],
            url=_url(
                "engagement:concerns", site=site, type=ConcernFilterSet.ALLEGATIONS, status=status
            ),
        )
        for status in OPEN_CONCERN_STATUSES
    ]


# --- the whole page -----------------------------------------------------------------------


@dataclass
class Dashboard:
    site: object
    today: datetime.date
    cleared: bool
    engagements: EngagementsPanel
    coverage: CoveragePanel
    commitments: CommitmentsPanel
    allegations: list | None
    plan_lines: dict
    perceptions: list  # engagement.perceptions.IndicatorSummary, one per indicator
    plans_url: str


def dashboard_get(*, user, site):
    """The figures of a site's dashboard for a user who belongs to it (read it with
    `dashboard_site` or `dashboard_site_get`). A fixed number of queries."""
    today = site.today()
    cleared = getattr(site, "cleared", None)  # as `dashboard_site_list` reads it
    if cleared is None:
        cleared = engagement_selectors.cleared_at(user=user, site=site)
    categories = category_list()
    plan_lines = plan_selectors.line_status_counts(
        user=user, site=site, today=today, cleared=cleared
    )
    plan = plan_lines["plan"]
    return Dashboard(
        site=site,
        today=today,
        cleared=cleared,
        engagements=engagements_by_category(
            user=user, site=site, today=today, categories=categories
        ),
        coverage=objective_coverage(
            user=user,
            site=site,
            period=Period.for_site(plan=plan, today=today),
            categories=categories,
        ),
        commitments=commitment_figures(user=user, site=site, today=today),
        allegations=allegation_figures(user=user, site=site, cleared=cleared),
        plan_lines=plan_lines,
        perceptions=perceptions.indicator_summary(user=user, site=site, today=today),
        plans_url=reverse("plans:list"),
    )
