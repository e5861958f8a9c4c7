"""The VPs site report: a site's period, section by section, in the order companies report
on the Voluntary Principles each year (commitment and SEP; engagement with stakeholders;
community perceptions; public security; concerns and allegations; commitments; lessons
learned).

Every figure is counted in the database over what the reader may see: engagements through
`Engagement.objects.visible_to`, concerns through `engagement.selectors.concern_list`
(allegations only for the cleared), findings through `engagement.perceptions`. The version
for readers outside the company (`external`) names no at-risk stakeholder, no source of a
concern and no member of staff, and withholds small counts (`reports.suppression`).
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from engagement import perceptions
from engagement import selectors as engagement_selectors
from engagement.models import Commitment, Concern, Engagement
from plans import schedule
from plans import selectors as plan_selectors
from plans.models import Plan
from reports import charts
from reports.models import LessonsLearned
from reports.suppression import DEFAULT_THRESHOLD, Cell, suppress
from reports.suppression import cell as suppression_cell
from stakeholders import redaction
from stakeholders.models import EngagementObjective, StakeholderCategory
from stakeholders.selectors import site_list

PUBLIC_SECURITY = "public-security-providers"

# The public security section lists at most this many engagements (newest first); the
# rest are a link to the engagement list away.
PUBLIC_SECURITY_ROWS = 50

# Likewise the allegations listed one by one (the rest are in the concerns register).
ALLEGATION_ROWS = 100


def report_site_list(*, user):
    if not getattr(user, "is_authenticated", False):
        return site_list(user=user).none()
    return site_list(user=user)


def report_site_get(*, user, pk):
    """One of the user's sites, or 404 (another site's and a missing one alike)."""
    return get_object_or_404(report_site_list(user=user), pk=pk)


def default_period(*, user, site):
    """The period a report opens on: the approved SEP in force's, else the calendar year
    of the site's today."""
    plan = plan_selectors.plan_in_force(user=user, site=site)
    if plan is not None:
        return plan.starts_on, plan.ends_on
    today = site.today()
    return today.replace(month=1, day=1), today.replace(month=12, day=31)


def can_write_lessons(*, user, site):
    """Security managers and administrators of the site (their roles may change the
    lessons learned) write them; superusers too."""
    if not getattr(user, "is_authenticated", False):
        return False
    if not user.has_perm("reports.change_lessonslearned"):
        return False
    return report_site_list(user=user).filter(pk=site.pk).exists()


# --- the report --------------------------------------------------------------------------


@dataclass
class Row:
    """A labelled figure (a Cell, withheld or not) with an optional link."""

    label: str
    cell: Cell
    url: str = ""


@dataclass
class SiteReport:
    site: object
    start: datetime.date
    end: datetime.date
    external: bool
    threshold: int
    cleared: bool
    plan: object = None
    plan_record: object = None
    plan_status: list = field(default_factory=list)
    plan_lines: list = field(default_factory=list)  # [(LineRecord, label, logged Cell)]
    engagements_total: Cell = None
    by_category: list = field(default_factory=list)
    by_function: list = field(default_factory=list)
    by_function_total: Cell = None
    category_chart: str = ""
    objectives: list = field(default_factory=list)  # [(category, [Row]), ...]
    uncovered: list = field(default_factory=list)  # [(category, [objective]), ...]
    perceptions: list = field(default_factory=list)  # [(label, [(quarter, Cell mean, n)])]
    perception_chart: str = ""
    perceptions_recorded: bool = False  # findings in the period, even if all withheld
    perception_quarters: list = field(default_factory=list)
    public_security_total: Cell = None
    public_security_formats: list = field(default_factory=list)
    public_security_objectives: list = field(default_factory=list)
    public_security_rows: list = field(default_factory=list)
    public_security_more: int = 0
    concerns_by_type: list = field(default_factory=list)
    concerns_total: Cell = None
    allegations: list = field(default_factory=list)
    allegations_more: int = 0
    allegations_by_status: list = field(default_factory=list)
    commitments: list = field(default_factory=list)
    commitments_made: Cell = None
    commitments_overdue: Cell = None
    lessons: object = None


def _cells(values, *, external, threshold, total=None):
    if external:
        return suppress(values, total=total, threshold=threshold)
    return [Cell(value) for value in values], (Cell(total) if total is not None else None)


def site_report(*, user, site, start, end, external=False, threshold=DEFAULT_THRESHOLD):
    """The report of the site (one of the user's, see `report_site_get`) for the period
    [start, end], as this user may see it. A fixed number of queries."""
    cleared = engagement_selectors.cleared_at(user=user, site=site)
    report = SiteReport(
        site=site, start=start, end=end, external=external, threshold=threshold, cleared=cleared
    )
    options = {"external": external, "threshold": threshold}
    seen = Engagement.objects.visible_to(user).filter(site=site, date__gte=start, date__lte=end)
    categories = list(StakeholderCategory.objects.order_by("order", "name"))
    _plan_section(report, user=user, site=site)
    _engagement_section(report, seen=seen, categories=categories, **options)
    _perception_section(report, user=user, site=site, **options)
    _public_security_section(report, seen=seen, user=user, **options)
    _concern_section(report, user=user, site=site, **options)
    _commitment_section(report, seen=seen, today=site.today(), **options)
    report.lessons = lessons_get(site=site, start=start, end=end)
    return report


def _plan_section(report, *, user, site):
    """The approved version of the SEP in force at the end of the period (or today, if
    sooner), else the last one approved for a period overlapping it."""
    on = min(report.end, site.today())
    plan = plan_selectors.plan_in_force(user=user, site=site, on=on)
    if plan is None:
        plan = (
            plan_selectors.plan_list(user=user)
            .filter(site=site, starts_on__lte=report.end, ends_on__gte=report.start)
            .exclude(status=Plan.Status.DRAFT)
            .order_by("-starts_on", "-version")
            .first()
        )
    if plan is None:
        return
    report.plan = plan
    # The report counts the objectives covered over its own period (`_engagement_section`),
    # not the plan's: the plan's record is read without them.
    report.plan_record = plan_selectors.plan_record(user=user, plan=plan, with_objectives=False)
    for line in report.plan_record.lines:
        stakeholder = line.line.stakeholder
        logged = Cell(line.schedule.logged)
        if report.external:
            if stakeholder is not None and stakeholder.at_risk:
                continue  # outside the company, not even a placeholder says they exist
            logged = suppression_cell(line.schedule.logged, threshold=report.threshold)
        report.plan_lines.append((line, line.label, logged))
    # Counted over the lines shown: a count over hidden ones would say they exist.
    statuses = [line.status for line, _label, _logged in report.plan_lines]
    report.plan_status = [
        (_("overdue"), statuses.count("overdue")),
        (_due_soon_label(), statuses.count("due_soon")),
        (_("on track"), statuses.count("on_track")),
        (_("done for the period"), statuses.count("done")),
    ]


def _due_soon_label():
    days = schedule.DUE_SOON_DAYS
    label = ngettext("due in the next %(days)s day", "due in the next %(days)s days", days)
    return label % {"days": days}


def _engagement_section(report, *, seen, categories, external, threshold):
    total = seen.count()
    met = (
        Engagement.stakeholders.through.objects.filter(engagement__in=seen.values("pk"))
        .values("stakeholder__category")
        .annotate(n=Count("engagement", distinct=True))
    )
    per_category = {row["stakeholder__category"]: row["n"] for row in met}
    # An engagement may meet several categories: the category counts do not add up to the
    # total, so each is withheld on its own, not as a group with the total.
    cells, _total = _cells(
        [per_category.get(c.pk, 0) for c in categories], external=external, threshold=threshold
    )
    report.engagements_total = _cells([total], external=external, threshold=threshold)[0][0]
    report.by_category = [
        Row(category.name, cell) for category, cell in zip(categories, cells, strict=True)
    ]
    report.category_chart = charts.bar_chart(
        [(row.label, row.cell.value) for row in report.by_category],
        title=_("Engagements by Table 4E.2 category"),
        description=_("The same figures as the table beside it."),
    )
    functions = list(
        seen.order_by()
        .values("lead_function__name")
        .annotate(n=Count("pk"))
        .order_by("lead_function__name")
    )
    cells, total_cell = _cells(
        [row["n"] for row in functions], external=external, threshold=threshold, total=total
    )
    report.by_function = [
        Row(row["lead_function__name"], cell) for row, cell in zip(functions, cells, strict=True)
    ]
    report.by_function_total = total_cell
    addressed = dict(
        Engagement.objectives.through.objects.filter(engagement__in=seen.values("pk"))
        .values("engagementobjective")
        .annotate(n=Count("engagement", distinct=True))
        .values_list("engagementobjective", "n")
    )
    objectives = EngagementObjective.objects.select_related("category").order_by(
        "category__order", "order", "pk"
    )
    grouped = {}
    for objective in objectives:
        grouped.setdefault(objective.category, []).append(objective)
    for category in categories:
        items = grouped.get(category, [])
        cells, _total = _cells(
            [addressed.get(o.pk, 0) for o in items], external=external, threshold=threshold
        )
        report.objectives.append(
            (category, [Row(o.text, cell) for o, cell in zip(items, cells, strict=True)])
        )
        uncovered = [o for o in items if not addressed.get(o.pk)]
        if uncovered:
            report.uncovered.append((category, uncovered))


def _perception_section(report, *, user, site, external, threshold):
    indicators = perceptions.perception_report(
        user=user, site=site, communities=[], date_from=report.start, date_to=report.end
    )
    quarters = indicators[0].axis if indicators else []
    report.perception_quarters = [quarter.label for quarter in quarters]
    series = []
    for indicator in indicators:
        overall = indicator.lines[0].trend
        cells = []
        for point in overall.cells(quarters):
            if point is None:
                cells.append((None, 0))
            elif external and point.count < threshold:
                cells.append((Cell(None, withheld=True), None))
            else:
                cells.append((Cell(round(point.mean, 1)), point.count))
        report.perceptions.append((indicator.label, cells))
        report.perceptions_recorded |= any(cell is not None for cell, _count in cells)
        series.append((indicator.label, [cell.value if cell else None for cell, _count in cells]))
    if any(value is not None for _label, values in series for value in values):
        report.perception_chart = charts.line_chart(
            series,
            categories=report.perception_quarters,
            title=_("Community perceptions by quarter, all communities"),
            description=_(
                "Mean of the findings, from 1 (very negative) to 5 (very positive); the "
                "same figures as the table."
            ),
        )


def _public_security_section(report, *, seen, user, external, threshold):
    engagements = seen.filter(engagement_selectors.meets_category(code=PUBLIC_SECURITY))
    total = engagements.count()
    report.public_security_total = _cells([total], external=external, threshold=threshold)[0][0]
    formats = list(
        engagements.order_by().values("format").annotate(n=Count("pk")).order_by("-n", "format")
    )
    labels = dict(Engagement.Format.choices)
    cells, _total = _cells(
        [row["n"] for row in formats], external=external, threshold=threshold, total=total
    )
    report.public_security_formats = [
        Row(str(labels.get(row["format"], row["format"])), cell)
        for row, cell in zip(formats, cells, strict=True)
    ]
    addressed = dict(
        Engagement.objectives.through.objects.filter(
            engagement__in=engagements.values("pk"),
            engagementobjective__category__code=PUBLIC_SECURITY,
        )
        .values("engagementobjective")
        .annotate(n=Count("engagement", distinct=True))
        .values_list("engagementobjective", "n")
    )
    objectives = list(
        EngagementObjective.objects.filter(category__code=PUBLIC_SECURITY).order_by("order", "pk")
    )
    cells, _total = _cells(
        [addressed.get(o.pk, 0) for o in objectives], external=external, threshold=threshold
    )
    report.public_security_objectives = [
        Row(o.text, cell) for o, cell in zip(objectives, cells, strict=True)
    ]
    if not external:
        rows = list(
            engagement_selectors.engagement_review_list(user=user)
            .filter(pk__in=engagements.values("pk"))
            .prefetch_related("objectives")
            .order_by("-date", "-pk")[:PUBLIC_SECURITY_ROWS]
        )
        report.public_security_rows = rows
        report.public_security_more = max(total - len(rows), 0)


def _concern_section(report, *, user, site, external, threshold):
    """Concerns by type, and for the cleared the allegations by status and one by one. In
    the external version the two allegation types are one row, and the status table is
    withheld with it when that row is: counted by both type and status, the two tables
    would otherwise give a withheld count back."""
    concerns = engagement_selectors.concern_list(user=user, site=site).filter(
        engagement__date__gte=report.start, engagement__date__lte=report.end
    )
    per_type = dict(
        concerns.order_by().values("type").annotate(n=Count("pk")).values_list("type", "n")
    )
    rows = [
        (str(label), per_type.get(value, 0))
        for value, label in Concern.Type.choices
        if value not in Concern.ALLEGATIONS or (report.cleared and not external)
    ]
    allegations_count = sum(per_type.get(value, 0) for value in Concern.ALLEGATIONS)
    if report.cleared and external:
        rows.append(
            (_("Allegations of human rights abuse by security providers"), allegations_count)
        )
    values = [count for _label, count in rows]
    cells, total_cell = _cells(values, external=external, threshold=threshold, total=sum(values))
    report.concerns_by_type = [
        Row(label, cell) for (label, _count), cell in zip(rows, cells, strict=True)
    ]
    report.concerns_total = total_cell
    if not report.cleared:
        return
    allegations = concerns.filter(type__in=Concern.ALLEGATIONS)
    statuses = list(Concern.Status.choices)
    per_status = dict(
        allegations.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    values = [per_status.get(value, 0) for value, _label in statuses]
    cells, _total = _cells(values, external=external, threshold=threshold, total=sum(values))
    if external and cells and report.concerns_by_type[-1].cell.withheld:
        cells = [Cell(None, withheld=True) if value else Cell(0) for value in values]
    report.allegations_by_status = [
        Row(str(label), cell) for (_value, label), cell in zip(statuses, cells, strict=True)
    ]
    if external:
        return
    report.allegations_more = max(allegations_count - ALLEGATION_ROWS, 0)
    for concern in allegations.order_by("engagement__date", "pk")[:ALLEGATION_ROWS]:
        if concern.stakeholder is None:
            source = _("Not named in the record")
        else:
            source = redaction.display_name(concern.stakeholder)
        report.allegations.append((concern, source))


def _commitment_section(report, *, seen, today, external, threshold):
    closed = Q(status__in=Commitment.CLOSED)
    figures = Commitment.objects.filter(engagement__in=seen.values("pk")).aggregate(
        made=Count("pk"),
        done=Count("pk", filter=Q(status=Commitment.Status.DONE)),
        dropped=Count("pk", filter=Q(status=Commitment.Status.DROPPED)),
        open=Count("pk", filter=~closed),
        overdue=Count("pk", filter=~closed & Q(due_on__lt=today)),
    )
    cells, made = _cells(
        [figures["done"], figures["dropped"], figures["open"]],
        external=external,
        threshold=threshold,
        total=figures["made"],
    )
    report.commitments_made = made
    report.commitments = [
        Row(_("done"), cells[0]),
        Row(_("dropped"), cells[1]),
        Row(_("open or in progress"), cells[2]),
    ]
    report.commitments_overdue = _cells(
        [figures["overdue"]], external=external, threshold=threshold
    )[0][0]


def lessons_get(*, site, start, end):
    return LessonsLearned.objects.filter(site=site, starts_on=start, ends_on=end).first()
