"""What the review lists export: the rows of the list page, with its filters, as the
selectors let the exporter see them, one file row per record.

At-risk stakeholders are written as their placeholder, for everyone, unless a user cleared
at a site asks for names; even then only the stakeholders they are cleared for are named
(`redaction.display_name` reads the selectors' `identity_visible` annotation). Restricted
engagements and allegations are in a file only when they are on the exporter's page.
"""

from dataclasses import dataclass

from django.db.models import Case, Prefetch, Value, When
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from stakeholders import redaction
from stakeholders.models import Stakeholder

# Rows fetched from the database at a time: memory stays flat however long the file.
CHUNK_SIZE = 2000


def with_met_categories(engagements, *, user):
    """The engagements with their stakeholders' categories too, for the file's category
    column; the stakeholders shown first by name, the hidden ones after them by number, so
    that a placeholder's place among the names gives nothing away."""
    met = (
        Stakeholder.objects.with_identity_visibility(user)
        .select_related("category")
        .annotate(
            sort_name=Case(When(identity_visible=True, then=Lower("name")), default=Value(""))
        )
        .order_by("-identity_visible", "sort_name", "pk")
    )
    return engagements.prefetch_related(None).prefetch_related(
        Prefetch("stakeholders", queryset=met), "objectives"
    )


def stakeholder_name(stakeholder, *, names):
    """The name written for a stakeholder: its placeholder when at risk, unless names were
    asked for and this exporter may see this one's identity."""
    if stakeholder.at_risk and not names:
        return redaction.placeholder(stakeholder)
    return redaction.display_name(stakeholder)


def _met(engagement, *, names):
    return [stakeholder_name(s, names=names) for s in engagement.stakeholders.all()]


def _categories(engagement):
    seen = []
    for stakeholder in engagement.stakeholders.all():
        if stakeholder.category.name not in seen:
            seen.append(stakeholder.category.name)
    return seen


def _person(user):
    return (user.get_full_name() or user.get_username()) if user else ""


def engagement_rows(engagements, *, names):
    for engagement in engagements:
        yield [
            engagement.pk,
            engagement.date,
            engagement.site.name,
            engagement.get_format_display(),
            engagement.location,
            engagement.lead_function.name,
            "; ".join(_met(engagement, names=names)),
            "; ".join(_categories(engagement)),
            "; ".join(objective.text for objective in engagement.objectives.all()),
            engagement.attendance_total,
            engagement.attendance_women,
            engagement.purpose,
            engagement.information_shared,
            engagement.summary,
            engagement.security_topics,
            engagement.outcomes,
            engagement.get_confidentiality_display(),
            _person(engagement.created_by),
        ]


def commitment_rows(commitments, *, names):
    for commitment in commitments:
        engagement = commitment.engagement
        yield [
            commitment.pk,
            engagement.pk,
            engagement.date,
            engagement.site.name,
            "; ".join(_met(engagement, names=names)),
            commitment.description,
            _person(commitment.owner),
            commitment.lead_function.name,
            commitment.due_on,
            commitment.get_status_display(),
            getattr(commitment, "is_overdue", False),
            commitment.closed_on,
            commitment.closing_note,
        ]


def concern_rows(concerns, *, names):
    for concern in concerns:
        engagement = concern.engagement
        raised_by = (
            stakeholder_name(concern.stakeholder, names=names)
            if concern.stakeholder
            else _("Not named")
        )
        yield [
            concern.pk,
            engagement.pk,
            engagement.date,
            engagement.site.name,
            concern.get_type_display(),
            raised_by,
            concern.description,
            concern.response,
            concern.get_satisfaction_display(),
            concern.get_severity_display(),
            concern.get_status_display(),
            concern.referred_to,
            concern.referred_on,
            concern.outcome,
        ]


def finding_rows(findings, *, names):
    """Findings with a value (as the perceptions page counts them; "not discussed" is no
    figure)."""
    for finding in findings:
        engagement = finding.engagement
        community = finding.community
        shown = redaction.identity_visible(community) and (names or not community.at_risk)
        yield [
            finding.pk,
            engagement.pk,
            engagement.date,
            engagement.site.name,
            stakeholder_name(community, names=names),
            finding.get_indicator_display(),
            finding.value,
            finding.get_value_display(),
            # Evidence may describe the people met: hidden with a hidden community's name.
            finding.evidence if shown else str(redaction.PROTECTED),
        ]


def with_communities(findings, *, user):
    """The findings with what a file row names: the engagement and its site, and the
    community annotated for the redaction helpers; oldest engagement first."""
    return (
        findings.select_related("engagement__site")
        .prefetch_related(
            Prefetch("community", queryset=Stakeholder.objects.with_identity_visibility(user))
        )
        .order_by("engagement__date", "engagement_id", "community_id", "indicator")
    )


@dataclass(frozen=True)
class Export:
    """One kind of export: its file name, sheet title, header and rows."""

    kind: str
    filename: str
    title: str
    header: tuple
    rows: object
    site_field: str = "site"


ENGAGEMENTS = Export(
    kind="engagements",
    filename="engagements",
    title=_("Engagements"),
    header=(
        _("Number"),
        _("Date"),
        _("Site"),
        _("Format"),
        _("Location"),
        _("Lead function"),
        _("Stakeholders met"),
        _("Stakeholder categories"),
        _("Table 4E.2 objectives addressed"),
        _("Attendance"),
        _("Of which women"),
        _("Purpose"),
        _("Information shared"),
        _("Summary"),
        _("Security topics raised"),
        _("Outcomes"),
        _("Confidentiality"),
        _("Logged by"),
    ),
    rows=engagement_rows,
)

COMMITMENTS = Export(
    kind="commitments",
    filename="commitments",
    title=_("Commitments"),
    header=(
        _("Number"),
        _("Engagement number"),
        _("Engagement date"),
        _("Site"),
        _("Stakeholders met"),
        _("What"),
        _("Owner"),
        _("Lead function"),
        _("Due"),
        _("Status"),
        _("Overdue"),
        _("Closed on"),
        _("Closing note"),
    ),
    rows=commitment_rows,
    site_field="engagement__site",
)

CONCERNS = Export(
    kind="concerns",
    filename="concerns",
    title=_("Concerns"),
    header=(
        _("Number"),
        _("Engagement number"),
        _("Engagement date"),
        _("Site"),
        _("Type"),
        _("Raised by"),
        _("Description"),
        _("Response given"),
        _("Satisfaction with the response"),
        _("Severity"),
        _("Status"),
        _("Referred to"),
        _("Referred on"),
        _("Outcome"),
    ),
    rows=concern_rows,
    site_field="engagement__site",
)

FINDINGS = Export(
    kind="findings",
    filename="findings",
    title=_("Perception findings"),
    header=(
        _("Number"),
        _("Engagement number"),
        _("Engagement date"),
        _("Site"),
        _("Community"),
        _("Indicator"),
        _("Finding (1 very negative to 5 very positive)"),
        _("Finding in words"),
        _("Evidence"),
    ),
    rows=finding_rows,
    site_field="engagement__site",
)
