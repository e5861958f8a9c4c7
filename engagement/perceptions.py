"""Reads for community perceptions: the quarterly trend of the findings on the four Table
4E.2 community indicators, per community and for a whole site, as one user may see them.

The rule every figure keeps: a finding counts only where its engagement is one the user
may see (`Engagement.objects.visible_to`: a restricted engagement's findings only for
users cleared at its site) and its community is a stakeholder of the user's sites whose
category carries the indicators. "Not discussed" (no value) is never counted. A quarter is
the calendar quarter of the engagement's date; its figure is the mean of its findings with
their number, computed in the database (one grouped query per series, whatever the rows).
A community whose identity is hidden from the user is named by its placeholder.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Avg, BooleanField, Case, Count, Value, When
from django.db.models.functions import ExtractQuarter, ExtractYear
from django.urls import reverse
from django.utils.translation import gettext as _

from engagement.models import Finding
from stakeholders import redaction
from stakeholders.models import (
    EngagementObjective,
    Stakeholder,
    is_community,
    stakeholder_of_member_site,
)
from stakeholders.selectors import stakeholder_list

# A change smaller than this (on the five-point scale) reads as steady.
STEADY_BELOW = 0.25
# The perceptions page's default period: this many quarters up to the site's today.
DEFAULT_QUARTERS = 8
# A longer period is drawn with only the quarters that have findings.
MAX_AXIS_QUARTERS = 12
# A stakeholder page shows its community's latest quarters with findings, this many.
STAKEHOLDER_QUARTERS = 8

UP, DOWN, STEADY = "up", "down", "steady"
# Drawn beside a trend in words (`IndicatorSummary.trend_text`), never in its place.
ARROWS = {UP: "↑", DOWN: "↓", STEADY: "→"}


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter: `Quarter(2026, 3)` is July to September 2026."""

    year: int
    number: int

    @classmethod
    def of(cls, date):
        return cls(date.year, (date.month - 1) // 3 + 1)

    def shifted(self, quarters):
        index = self.year * 4 + self.number - 1 + quarters
        return Quarter(index // 4, index % 4 + 1)

    @property
    def first_day(self):
        return datetime.date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self):
        return self.shifted(1).first_day - datetime.timedelta(days=1)

    @property
    def label(self):
        return _("%(year)s Q%(quarter)s") % {"year": self.year, "quarter": self.number}

    def __str__(self):
        return self.label


def default_period(today):
    """The perceptions page's period when none is asked for: the first day of the quarter
    `DEFAULT_QUARTERS - 1` before today's, to today."""
    return Quarter.of(today).shifted(1 - DEFAULT_QUARTERS).first_day, today


@dataclass(frozen=True)
class Point:
    """One quarter of a series: the mean of its findings and how many there were."""

    quarter: Quarter
    mean: float
    count: int

    @property
    def display(self):
        return _("%(mean)s (n=%(count)s)") % {"mean": f"{self.mean:.1f}", "count": self.count}


@dataclass
class Trend:
    """A series by quarter, oldest first, with its latest quarter and the change from the
    quarter with findings before it."""

    points: list = field(default_factory=list)

    @property
    def by_quarter(self):
        return {point.quarter: point for point in self.points}

    @property
    def latest(self):
        return self.points[-1] if self.points else None

    @property
    def previous(self):
        return self.points[-2] if len(self.points) > 1 else None

    @property
    def change(self):
        """The change between the two means as they are shown (to one decimal), so that
        it reads true beside them: 3.24 to 3.46 shows "3.2", "3.5" and "+0.3"."""
        if self.previous is None:
            return None
        return round(round(self.latest.mean, 1) - round(self.previous.mean, 1), 1)

    @property
    def direction(self):
        return direction(self.change)

    @property
    def change_display(self):
        return f"{self.change:+.1f}" if self.change is not None else ""

    def cells(self, axis):
        """The points along an axis of quarters (None where a quarter has no finding)."""
        by_quarter = self.by_quarter
        return [by_quarter.get(quarter) for quarter in axis]


def direction(change):
    """ "up", "down" or "steady" (|change| under `STEADY_BELOW`); None without a change."""
    if change is None:
        return None
    if abs(change) < STEADY_BELOW:
        return STEADY
    return UP if change > 0 else DOWN


def counted_finding_list(*, user, site=None, community=None):
    """The findings that count in this user's figures (see the module's rule), at one site
    or at all of theirs, or of one `community` only. Only findings with a value: "not
    discussed" is no figure. (The findings an engagement's page lists are
    `engagement.selectors.finding_list`.)"""
    if not getattr(user, "is_authenticated", False):
        return Finding.objects.none()
    findings = Finding.objects.visible_to(user).filter(value__isnull=False)
    if site is not None:
        findings = findings.filter(site=site)  # the finding's copy of its engagement's
    if community is None:
        return findings.filter(_counted_community(user))
    # A community's few dozen findings: its stakeholder checked on each of them, cheaper
    # than the list of all the user's communities `_counted_community` reads.
    findings = findings.filter(community=community)
    if not user.is_superuser:
        findings = findings.filter(stakeholder_of_member_site(user, "community"))
    return findings.filter(is_community("community__category"))


def _counted_community(user):
    """The condition on a finding that its community counts for the user: a stakeholder
    whose category carries the indicators (`is_community`) and, but for a superuser, of
    one of the user's sites. Read as one uncorrelated list of such stakeholders, matched
    by each finding's `community_id`: no join to the stakeholder and no subquery per
    finding (SQLite ran two for each of a site's ten thousand findings a period).

    Wrapped in a `CASE` so that it stays a check per finding: PostgreSQL otherwise makes
    the list a join and may start from it, reading every finding of the site's thousands
    of communities to keep a quarter's."""
    communities = Stakeholder.objects.filter(
        category__in=EngagementObjective.objects.exclude(indicator="").values("category")
    )
    if not user.is_superuser:
        communities = communities.visible_to(user)
    return Case(
        When(community__in=communities.values("pk"), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def in_period(findings, *, date_from=None, date_to=None):
    if date_from is not None:
        findings = findings.filter(date__gte=date_from)
    if date_to is not None:
        findings = findings.filter(date__lte=date_to)
    return findings


class _YearOf(ExtractYear):
    """The year of a date. On SQLite, read from the stored text by SQLite itself: Django's
    own extraction calls back into Python for every row (a third of the perceptions page's
    time with ten years of a site's findings)."""

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        return f"CAST(substr({sql}, 1, 4) AS integer)", params


class _QuarterOf(ExtractQuarter):
    """The calendar quarter (1–4) of a date; on SQLite as `_YearOf`."""

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        return f"((CAST(substr({sql}, 6, 2) AS integer) + 2) / 3)", params


def quarterly(findings, *by):
    """Group findings by `by` (e.g. "community"), indicator and quarter, in one query:
    {(*by values, indicator): Trend}."""
    rows = (
        findings.annotate(year=_YearOf("date"), quarter=_QuarterOf("date"))
        .values(*by, "indicator", "year", "quarter")
        .annotate(mean=Avg("value"), count=Count("value"))
        .order_by(*by, "indicator", "year", "quarter")
    )
    series = {}
    for row in rows:
        key = (*(row[name] for name in by), row["indicator"])
        series.setdefault(key, Trend()).points.append(
            Point(Quarter(row["year"], row["quarter"]), float(row["mean"]), row["count"])
        )
    return series


def community_list(*, user, site):
    """The communities of a site this user may see (stakeholders whose category carries
    the indicators), annotated for the redaction filters: the shown ones by name, then the
    hidden ones by number, so that a placeholder's place gives no name away."""
    return stakeholder_list(user=user, site=site).prefetch_related(None).filter(is_community())


def communities_with_findings(*, user, site, findings):
    """The site's communities (as `community_list`) that have one of these findings (read
    through `counted_finding_list`, narrowed by the page's filters)."""
    return community_list(user=user, site=site).filter(pk__in=findings.values("community"))


def community_pks_with_findings(*, user, site, findings):
    """The pks of `communities_with_findings`, in its order: one read gives a page's
    communities and their number (a paginated queryset reads the findings twice)."""
    communities = communities_with_findings(user=user, site=site, findings=findings)
    # Tuples rather than a thousand stakeholders built to read their pks; the annotations
    # the order is by stay selected (PostgreSQL refuses a superuser's constant
    # `identity_visible` in an ORDER BY of its own).
    rows = communities.select_related(None).values_list("pk", "identity_visible", "sort_name")
    return [pk for pk, _visible, _name in rows]


def communities_by_pk(*, user, site, pks):
    """The communities (as `community_list`) with these pks, in the order given."""
    found = community_list(user=user, site=site).in_bulk(pks)
    return [found[pk] for pk in pks if pk in found]


@dataclass
class Line:
    """One line of an indicator's chart and one row of its table."""

    label: str
    trend: Trend
    hidden: bool = False  # a community shown under its placeholder
    overall: bool = False  # all communities together
    community: object = None


@dataclass
class IndicatorReport:
    indicator: str
    label: str
    axis: list
    lines: list

    @property
    def has_findings(self):
        return any(line.trend.points for line in self.lines)

    @property
    def rows(self):
        """The table's rows: each line with its cells along the axis."""
        return [(line, line.trend.cells(self.axis)) for line in self.lines]


def _axis(quarters, *, date_from=None, date_to=None):
    """The quarters of the period (bounded by the findings where the period is open); only
    those with findings if that makes more than `MAX_AXIS_QUARTERS`."""
    present = sorted(set(quarters))
    if not present and (date_from is None or date_to is None):
        return []
    first = Quarter.of(date_from) if date_from is not None else present[0]
    last = Quarter.of(date_to) if date_to is not None else present[-1]
    axis = []
    quarter = first
    while quarter <= last and len(axis) <= MAX_AXIS_QUARTERS:
        axis.append(quarter)
        quarter = quarter.shifted(1)
    if len(axis) > MAX_AXIS_QUARTERS:
        return [quarter for quarter in present if first <= quarter <= last]
    return axis


def perception_report(*, user, site, communities, date_from=None, date_to=None):
    """The perceptions page for a site: per indicator (in Indicator order), the quarterly
    line of each of `communities` (a page of `communities_with_findings`, their findings
    in the period) and of all the site's communities together, first. Two queries."""
    findings = in_period(
        counted_finding_list(user=user, site=site), date_from=date_from, date_to=date_to
    )
    overall = quarterly(findings)
    per_community = quarterly(
        findings.filter(community__in=[community.pk for community in communities]), "community"
    )
    axis = _axis(
        [point.quarter for trend in overall.values() for point in trend.points],
        date_from=date_from,
        date_to=date_to,
    )
    visible = set(axis)
    reports = []
    for code, label in Finding.Indicator.choices:
        lines = [
            Line(
                _("All communities"),
                _within(overall.get((code,)), visible),
                overall=True,
            )
        ]
        for community in communities:
            lines.append(
                Line(
                    redaction.display_name(community),
                    _within(per_community.get((community.pk, code)), visible),
                    hidden=not redaction.identity_visible(community),
                    community=community,
                )
            )
        reports.append(IndicatorReport(code, str(label), axis, lines))
    return reports


def _within(trend, quarters):
    return Trend([point for point in (trend.points if trend else []) if point.quarter in quarters])


def chart_data(reports):
    """What the charts draw (for `json_script`): the same figures as the tables."""
    data = {
        "scale": {str(value): str(label) for value, label in Finding.Value.choices},
        "charts": [],
    }
    for report in reports:
        data["charts"].append(
            {
                "indicator": report.indicator,
                "title": report.label,
                "labels": [quarter.label for quarter in report.axis],
                "series": [
                    {
                        "label": line.label,
                        "overall": line.overall,
                        "means": [
                            round(point.mean, 2) if point else None
                            for point in line.trend.cells(report.axis)
                        ],
                        "counts": [
                            point.count if point else 0 for point in line.trend.cells(report.axis)
                        ],
                    }
                    for line in report.lines
                ],
            }
        )
    return data


def community_trend(*, user, stakeholder, community=None):
    """A community's own trend for its stakeholder page: one line per indicator over its
    latest `STAKEHOLDER_QUARTERS` quarters with findings the user may count, as an
    `IndicatorReport` whose lines are the indicators. None when the stakeholder is no
    community (its category carries no indicators): `community` says whether it is, when
    the caller knows; otherwise one query asks. One query for the trend."""
    if community is None:
        community = (
            EngagementObjective.objects.filter(category=stakeholder.category_id)
            .exclude(indicator="")
            .exists()
        )
    if not community:
        return None
    series = quarterly(counted_finding_list(user=user, community=stakeholder))
    present = sorted({point.quarter for trend in series.values() for point in trend.points})
    axis = present[-STAKEHOLDER_QUARTERS:]
    visible = set(axis)
    lines = [
        Line(str(label), _within(series.get((code,)), visible))
        for code, label in Finding.Indicator.choices
    ]
    return IndicatorReport("", _("Perception trend"), axis, lines)


@dataclass(frozen=True)
class IndicatorSummary:
    """The latest site-wide perception on one indicator, for the dashboard: in words and
    as n/5, with its trend in words beside the arrow."""

    indicator: str
    label: str
    latest_mean: float | None
    latest_count: int
    latest_quarter: str | None
    previous_mean: float | None
    previous_quarter: str | None
    change: float | None
    trend: str | None
    url: str

    @property
    def mean_display(self):
        """The latest mean as n/5 shows it: "3.4"."""
        return f"{self.latest_mean:.1f}" if self.latest_mean is not None else ""

    @property
    def words(self):
        """The scale's word nearest the latest mean (3.4: "Neither positive nor negative")."""
        if self.latest_mean is None:
            return ""
        nearest = min(max(int(self.latest_mean + 0.5), 1), 5)
        return Finding.Value(nearest).label

    @property
    def arrow(self):
        return ARROWS.get(self.trend, "")

    @property
    def trend_text(self):
        """The trend in words, for beside the arrow: never by the arrow alone."""
        if self.trend is None:
            return _("No earlier quarter with findings to compare.")
        words = {
            UP: _("Up from %(mean)s in %(quarter)s"),
            DOWN: _("Down from %(mean)s in %(quarter)s"),
            STEADY: _("Steady: %(mean)s in %(quarter)s"),
        }[self.trend]
        return words % {"mean": f"{self.previous_mean:.1f}", "quarter": self.previous_quarter}


def indicator_summary(*, user, site, today=None):
    """Per indicator (in Indicator order), the site-wide mean of the latest quarter with
    findings this user may count, up to `today` (the site's today by default), and its
    change from the quarter with findings before it: `IndicatorSummary`s. One query, or
    two when an indicator has no findings in this quarter or the last."""
    today = today or site.today()
    findings = counted_finding_list(user=user, site=site).filter(date__lte=today)
    # Most sites have findings in this quarter or the last: reading those two quarters
    # answers without walking years of findings; only when an indicator lacks two
    # quarters there is the whole history read.
    series = quarterly(findings.filter(date__gte=Quarter.of(today).shifted(-1).first_day))
    if any(len(series.get((code,), Trend()).points) < 2 for code in Finding.Indicator.values):
        series = quarterly(findings)
    url = f"{reverse('engagement:perceptions')}?site={site.pk}"
    summaries = []
    for code, label in Finding.Indicator.choices:
        trend = series.get((code,), Trend())
        latest, previous = trend.latest, trend.previous
        summaries.append(
            IndicatorSummary(
                indicator=code,
                label=str(label),
                latest_mean=latest.mean if latest else None,
                latest_count=latest.count if latest else 0,
                latest_quarter=latest.quarter.label if latest else None,
                previous_mean=previous.mean if previous else None,
                previous_quarter=previous.quarter.label if previous else None,
                change=trend.change,
                trend=trend.direction,
                url=url,
            )
        )
    return summaries
