"""The VPs site report: a site's period, section by section, in the order companies report
on the Voluntary Principles each year (commitment and SEP; engagement with stakeholders;
community perceptions; public security; concerns and allegations; commitments; lessons
learned).

Every figure is counted in the database over what the reader may see: engagements through
`Engagement.objects.visible_to`, concerns through `engagement.selectors.concern_list`
(allegations only for the cleared), findings through `engagement.perceptions`. The version
for readers outside the company (`external`) names no at-risk stakeholder, no source of a
concern and no member of staff, and withholds small counts (`reports.suppression`).

A report is read in a fixed number of queries, whatever the site's size: the counts of every
section come back in one (`_read_figures`), and each list (the public security engagements,
the allegations) in one more.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Value,
    When,
)
from django.db.models.functions import Cast
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
from stakeholders.models import EngagementObjective, Stakeholder, StakeholderCategory
from stakeholders.selectors import cleared_site_list, site_list

PUBLIC_SECURITY = "public-security-providers"

# The public security section lists at most this many engagements (newest first); the
# rest are a link to the engagement list away.
PUBLIC_SECURITY_ROWS = 50

# Likewise the allegations listed one by one (the rest are in the concerns register).
ALLEGATION_ROWS = 100


def report_site_list(*, user):
    """The sites the user may report on: their own (every site for a superuser). Each says
    whether the user is cleared there (`viewer_cleared`) and for whom it was read
    (`listed_for`), so that the report need not ask either again (`_listed_for`)."""
    if not getattr(user, "is_authenticated", False):
        return site_list(user=user).none()
    return site_list(user=user).annotate(
        viewer_cleared=Exists(cleared_site_list(user=user).filter(pk=OuterRef("pk"))),
        listed_for=Value(user.pk, output_field=IntegerField()),
    )


def _listed_for(site, user):
    """Whether `site` was read through `report_site_list(user=user)`: one of the user's
    sites, carrying whether they are cleared there. Anything else is asked again."""
    return (
        getattr(user, "is_authenticated", False)
        and getattr(site, "listed_for", None) == user.pk
        and hasattr(site, "viewer_cleared")
    )


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
    if _listed_for(site, user):
        return True
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


@dataclass
class PublicSecurityRow:
    """An engagement of the public security section's list, as its row shows it."""

    engagement: Engagement  # its id, date and format: its link and label
    stakeholders: "Listed"  # those met, read through `met_stakeholders`, in its order
    objectives: list  # those addressed, in their order


class Listed(list):
    """Rows read for a list, which a template reads like a prefetched relation (`.all`), as
    `engagement/includes/_list_met.html` reads an engagement's stakeholders."""

    def all(self):
        return self


def _cells(values, *, external, threshold, total=None):
    if external:
        return suppress(values, total=total, threshold=threshold)
    return [Cell(value) for value in values], (Cell(total) if total is not None else None)


def site_report(*, user, site, start, end, external=False, threshold=DEFAULT_THRESHOLD):
    """The report of the site (one of the user's, see `report_site_get`) for the period
    [start, end], as this user may see it. A fixed number of queries."""
    if _listed_for(site, user):
        cleared = site.viewer_cleared
    else:
        cleared = engagement_selectors.cleared_at(user=user, site=site)
    report = SiteReport(
        site=site, start=start, end=end, external=external, threshold=threshold, cleared=cleared
    )
    options = {"external": external, "threshold": threshold}
    seen = Engagement.objects.visible_to(user).filter(site=site, date__gte=start, date__lte=end)
    # The public security engagements listed one by one (not outside the company).
    listed = None
    if not external:
        listed = (
            seen.filter(engagement_selectors.meets_category(code=PUBLIC_SECURITY))
            .order_by("-date", "-pk")
            .values("pk")[:PUBLIC_SECURITY_ROWS]
        )
    concerns = engagement_selectors.concern_list(user=user, site=site).filter(
        engagement__date__gte=start, engagement__date__lte=end
    )
    figures = _read_figures(
        site=site,
        seen=seen,
        listed=listed,
        concerns=concerns,
        today=site.today(),
    )
    _plan_section(report, user=user, site=site)
    _engagement_section(report, figures=figures, **options)
    _perception_section(report, user=user, site=site, **options)
    _public_security_section(report, figures=figures, user=user, listed=listed, **options)
    _concern_section(report, figures=figures, user=user, concerns=concerns, **options)
    _commitment_section(report, figures=figures, **options)
    report.lessons = lessons_get(site=site, start=start, end=end)
    return report


# --- the figures query -------------------------------------------------------------------
#
# Every count of the report, and the categories and objectives it is counted by, come back
# in one query: a UNION ALL of parts, each a query of its own (grouped where it counts). A
# part puts its values in the slots below, the rest NULL (typed, as PostgreSQL needs to
# match the parts' columns). Rows come back ordered by part, then by their `number1` and
# `text1` as the database sorts them (which orders the categories and the lead functions
# as their tables of the report list them).

FIGURE_SLOTS = {
    "number1": IntegerField(),
    "number2": IntegerField(),
    "number3": IntegerField(),
    "text1": CharField(),
    "text2": CharField(),
}


def _part(name, rows, **slots):
    """One part of the figures query: `rows` grouped by the expressions of `slots` that are
    not aggregates, and counted by those that are."""
    grouped = {slot: value for slot, value in slots.items() if not isinstance(value, Aggregate)}
    counted = {slot: value for slot, value in slots.items() if isinstance(value, Aggregate)}
    rows = rows.order_by().values(**grouped)
    if counted:
        rows = rows.annotate(**counted)
    unused = {
        slot: Cast(Value(None), output_field=kind)
        for slot, kind in FIGURE_SLOTS.items()
        if slot not in slots
    }
    return rows.annotate(part=Value(name), **unused).values_list("part", *FIGURE_SLOTS)


@dataclass
class _Figures:
    categories: list  # StakeholderCategory, by order and name
    objectives: list  # EngagementObjective with its category, by category, order and id
    functions: list  # (lead function name, engagements), by name
    met: list  # (category id, format, engagements meeting one of its stakeholders)
    addressed: dict  # objective id -> (engagements, public security engagements) addressing it
    concerns: dict  # (type, status) -> concerns
    commitments: list  # (status, overdue today, commitments)
    listed_objectives: dict  # engagement id -> objective ids, for the engagements listed


def _read_figures(*, site, seen, listed, concerns, today):
    """The report's counts over the engagements `seen` (visible to the reader, at the site
    in the period), the concerns (`concern_list`'s, in the period) and the commitments made
    in those engagements; with the Table 4E.2 categories and objectives. One query."""
    addressed = Engagement.objectives.through.objects.filter(engagement__in=seen.values("pk"))
    parts = [
        _part(
            "category",
            StakeholderCategory.objects,
            number1=F("order"),
            number2=F("pk"),
            text1=F("name"),
            text2=F("code"),
        ),
        _part(
            "objective",
            EngagementObjective.objects,
            number1=F("pk"),
            number2=F("category"),
            number3=F("order"),
            text1=F("text"),
        ),
        # Grouped by name, as the table lists them.
        _part("function", seen, text1=F("lead_function__name"), number2=Count("pk")),
        # By format too: each engagement has one, so the counts add up to the category's;
        # the public security category's are the section's formats. Read from the
        # engagements seen to their stakeholders (their format with them), not from the
        # stakeholders met back to their engagements.
        _part(
            "met",
            seen.filter(stakeholders__isnull=False),
            number1=F("stakeholders__category"),
            text1=F("format"),
            number2=Count("pk", distinct=True),
        ),
        # An engagement addresses an objective once (the pair is unique): counted without
        # `distinct`, which would sort them.
        _part(
            "addressed",
            addressed,
            number1=F("engagementobjective"),
            number2=Count("engagement"),
        ),
        # Those of the public security engagements, found by joining the stakeholders met
        # (one pass) rather than asking each engagement seen whether it met one.
        _part(
            "addressed_public",
            Engagement.objectives.through.objects.filter(
                engagement__in=seen.filter(stakeholders__category__code=PUBLIC_SECURITY).values(
                    "pk"
                )
            ),
            number1=F("engagementobjective"),
            number2=Count("engagement"),
        ),
        _part(
            "concern",
            concerns.prefetch_related(None),
            text1=F("type"),
            text2=F("status"),
            # Counted by their (never empty) engagement rather than their id: the index on
            # the site, type and status carries it, so the rows themselves are not read.
            number2=Count("engagement"),
        ),
        _part(
            "commitment",
            # Narrowed by the commitments' own copy of their engagement's site, to read
            # that index rather than every commitment.
            Commitment.objects.filter(site=site, engagement__in=seen.values("pk")),
            text1=F("status"),
            number1=Case(When(due_on__lt=today, then=Value(1)), default=Value(0)),
            # By their engagement, as the concerns: read from the index alone.
            number2=Count("engagement"),
        ),
    ]
    if listed is not None:
        parts.append(
            _part(
                "listed",
                Engagement.objectives.through.objects.filter(engagement__in=listed),
                number1=F("engagement"),
                number2=F("engagementobjective"),
            )
        )
    rows = {}
    query = parts[0].union(*parts[1:], all=True).order_by("part", "number1", "text1")
    for part, *values in query:
        rows.setdefault(part, []).append(values)
    categories = [
        StakeholderCategory(pk=pk, order=order, name=name, code=code)
        for order, pk, _n, name, code in rows.get("category", [])
    ]
    by_pk = {category.pk: category for category in categories}
    objectives = [
        EngagementObjective(pk=pk, category=by_pk[category], order=order, text=text)
        for pk, category, order, text, _t in rows.get("objective", [])
    ]
    objectives.sort(key=lambda o: (o.category.order, o.order, o.pk))
    public = {pk: n for pk, n, _n, _t1, _t2 in rows.get("addressed_public", [])}
    listed_objectives = {}
    for engagement, objective, _n, _t1, _t2 in rows.get("listed", []):
        listed_objectives.setdefault(engagement, []).append(objective)
    return _Figures(
        categories=categories,
        objectives=objectives,
        functions=[(name, n) for _n1, n, _n3, name, _t in rows.get("function", [])],
        met=[(category, fmt, n) for category, n, _n, fmt, _t in rows.get("met", [])],
        addressed={
            pk: (n, public.get(pk, 0)) for pk, n, _n, _t1, _t2 in rows.get("addressed", [])
        },
        concerns={(kind, status): n for _n1, n, _n3, kind, status in rows.get("concern", [])},
        commitments=[
            (status, bool(late), n) for late, n, _n, status, _t in rows.get("commitment", [])
        ],
        listed_objectives=listed_objectives,
    )


def _plan_section(report, *, user, site):
    """The approved version of the SEP in force at the end of the period (or today, if
    sooner), else the last one approved for a period overlapping it."""
    on = min(report.end, site.today())
    # The site's plans, every version, read once: the one to report on, and its versions
    # for its record. The latest first, as `plan_in_force` picks.
    plans = list(
        plan_selectors.plan_list(user=user)
        .filter(site=site)
        .select_related("site", "approved_by")
        .order_by("-starts_on", "-version")
    )
    in_force = [
        plan
        for plan in plans
        if plan.status == Plan.Status.APPROVED and plan.starts_on <= on <= plan.ends_on
    ]
    overlapping = [
        plan
        for plan in plans
        if plan.status != Plan.Status.DRAFT
        and plan.starts_on <= report.end
        and plan.ends_on >= report.start
    ]
    plan = next(iter(in_force or overlapping), None)
    if plan is None:
        return
    report.plan = plan
    versions = sorted(
        (version for version in plans if version.starts_on == plan.starts_on),
        key=lambda version: version.version,
    )
    # The report counts the objectives covered over its own period (`_engagement_section`),
    # not the plan's: the plan's record is read without them.
    report.plan_record = plan_selectors.plan_record(
        user=user, plan=plan, with_objectives=False, versions=versions, cleared=report.cleared
    )
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


def _engagement_section(report, *, figures, external, threshold):
    categories = figures.categories
    total = sum(n for _name, n in figures.functions)
    per_category = {}
    for category, _format, n in figures.met:
        per_category[category] = per_category.get(category, 0) + n
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
    functions = figures.functions
    cells, total_cell = _cells(
        [n for _name, n in functions], external=external, threshold=threshold, total=total
    )
    report.by_function = [
        Row(name, cell) for (name, _n), cell in zip(functions, cells, strict=True)
    ]
    report.by_function_total = total_cell
    addressed = {pk: n for pk, (n, _public) in figures.addressed.items()}
    grouped = {}
    for objective in figures.objectives:
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


def _public_security_section(report, *, figures, user, listed, external, threshold):
    """The engagements that met a public security provider: their number, formats and
    objectives of the category addressed; and, in the company's version, the latest ones."""
    category = {c.code: c for c in figures.categories}.get(PUBLIC_SECURITY)
    # The counts of the category met, by format, as the database sorts the formats; the
    # most frequent first (a stable sort keeps that order among equals).
    formats = sorted(
        ((fmt, n) for pk, fmt, n in figures.met if category is not None and pk == category.pk),
        key=lambda row: -row[1],
    )
    total = sum(n for _format, n in formats)
    report.public_security_total = _cells([total], external=external, threshold=threshold)[0][0]
    labels = dict(Engagement.Format.choices)
    cells, _total = _cells(
        [n for _format, n in formats], external=external, threshold=threshold, total=total
    )
    report.public_security_formats = [
        Row(str(labels.get(fmt, fmt)), cell)
        for (fmt, _n), cell in zip(formats, cells, strict=True)
    ]
    objectives = sorted(
        (o for o in figures.objectives if category is not None and o.category == category),
        key=lambda o: (o.order, o.pk),
    )
    cells, _total = _cells(
        [figures.addressed.get(o.pk, (0, 0))[1] for o in objectives],
        external=external,
        threshold=threshold,
    )
    report.public_security_objectives = [
        Row(o.text, cell) for o, cell in zip(objectives, cells, strict=True)
    ]
    if listed is not None:
        report.public_security_rows = _public_security_rows(
            user=user, listed=listed, figures=figures
        )
        report.public_security_more = max(total - len(report.public_security_rows), 0)


def _public_security_rows(*, user, listed, figures):
    """The engagements `listed`, newest first, each with its stakeholders met (as the
    engagement list shows them, `met_stakeholders`) and its objectives. Each one met a
    public security provider, so reading the stakeholders met reads every row: one query."""
    met = (
        engagement_selectors.met_stakeholders(user)
        .filter(engagements__in=listed)
        .annotate(
            listed_pk=F("engagements__pk"),
            listed_date=F("engagements__date"),
            listed_format=F("engagements__format"),
        )
    )
    objectives = {o.pk: o for o in figures.objectives}
    rows = {}
    for stakeholder in met:
        row = rows.get(stakeholder.listed_pk)
        if row is None:
            addressed = [
                objectives[pk] for pk in figures.listed_objectives.get(stakeholder.listed_pk, [])
            ]
            addressed.sort(key=lambda o: (o.category.order, o.order, o.pk))
            row = rows[stakeholder.listed_pk] = PublicSecurityRow(
                engagement=Engagement(
                    pk=stakeholder.listed_pk,
                    date=stakeholder.listed_date,
                    format=stakeholder.listed_format,
                ),
                stakeholders=Listed(),
                objectives=addressed,
            )
        row.stakeholders.append(stakeholder)
    return sorted(
        rows.values(), key=lambda row: (row.engagement.date, row.engagement.pk), reverse=True
    )


def _concern_section(report, *, figures, user, concerns, external, threshold):
    """Concerns by type, and for the cleared the allegations by status and one by one. In
    the external version the two allegation types are one row, and the status table is
    withheld with it when that row is: counted by both type and status, the two tables
    would otherwise give a withheld count back."""
    per_type, per_status = {}, {}
    for (kind, status), n in figures.concerns.items():
        per_type[kind] = per_type.get(kind, 0) + n
        if kind in Concern.ALLEGATIONS:
            per_status[status] = per_status.get(status, 0) + n
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
    statuses = list(Concern.Status.choices)
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
    # Their sources read with them: whether the reader may see each one's identity is
    # `with_identity_visibility`'s answer, carried over to the stakeholder read alongside.
    shown = Stakeholder.objects.with_identity_visibility(user).filter(
        pk=OuterRef("stakeholder"), identity_visible=True
    )
    allegations = (
        concerns.filter(type__in=Concern.ALLEGATIONS)
        .prefetch_related(None)
        .select_related("stakeholder")
        .annotate(source_shown=Exists(shown))
        .order_by("engagement__date", "pk")
    )
    for concern in allegations[:ALLEGATION_ROWS]:
        if concern.stakeholder is None:
            source = _("Not named in the record")
        else:
            concern.stakeholder.identity_visible = concern.source_shown
            source = redaction.display_name(concern.stakeholder)
        report.allegations.append((concern, source))


def _commitment_section(report, *, figures, external, threshold):
    counts = {"made": 0, "done": 0, "dropped": 0, "open": 0, "overdue": 0}
    for status, late, n in figures.commitments:
        counts["made"] += n
        if status == Commitment.Status.DONE:
            counts["done"] += n
        elif status == Commitment.Status.DROPPED:
            counts["dropped"] += n
        if status not in Commitment.CLOSED:
            counts["open"] += n
            if late:
                counts["overdue"] += n
    cells, made = _cells(
        [counts["done"], counts["dropped"], counts["open"]],
        external=external,
        threshold=threshold,
        total=counts["made"],
    )
    report.commitments_made = made
    report.commitments = [
        Row(_("done"), cells[0]),
        Row(_("dropped"), cells[1]),
        Row(_("open or in progress"), cells[2]),
    ]
    report.commitments_overdue = _cells(
        [counts["overdue"]], external=external, threshold=threshold
    )[0][0]


def lessons_get(*, site, start, end):
    return (
        LessonsLearned.objects.filter(site=site, starts_on=start, ends_on=end)
        .select_related("updated_by")
        .first()
    )
