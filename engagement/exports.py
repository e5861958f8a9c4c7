"""What the review lists export: the rows of the list page, with its filters, as the
selectors let the exporter see them, one file row per record.

At-risk stakeholders are written as their placeholder, for everyone, unless a user cleared
at a site asks for names; even then only the stakeholders they are cleared for are named
(`redaction.display_name` reads the selectors' `identity_visible` annotation). Restricted
engagements and allegations are in a file only when they are on the exporter's page.

A file is read as plain values (`values()`), CHUNK_SIZE rows at a time in the list page's
order; what a row joins (the stakeholders met and their categories, the objectives, the
people, who raised a concern, a finding's community) is read once per chunk into dicts,
and choice labels are translated once per file. So a file of any length costs a few
queries per chunk, and memory stays flat.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from itertools import islice
from operator import itemgetter
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from engagement import selectors
from engagement.models import Commitment, Concern, Engagement, Finding
from stakeholders import redaction
from stakeholders.models import EngagementObjective, Stakeholder

# Rows fetched from the database at a time: memory stays flat however long the file.
CHUNK_SIZE = 2000


class Named(NamedTuple):
    """A stakeholder as the redaction helpers read it, with the selectors'
    `identity_visible` annotation."""

    pk: int
    name: str
    at_risk: bool
    identity_visible: bool


def stakeholder_name(stakeholder, *, names):
    """The name written for a stakeholder: its placeholder when at risk, unless names were
    asked for and this exporter may see this one's identity."""
    if stakeholder.at_risk and not names:
        return redaction.placeholder(stakeholder)
    return redaction.display_name(stakeholder)


class File:
    """What the rows of one file share: the exporter, whether names were asked for, and
    what is read or translated once per file."""

    def __init__(self, *, user, names):
        self.user = user
        self.names = names

    @cached_property
    def objectives(self):
        """Each objective's place in the objectives' order, with its text."""
        return {
            pk: (rank, text)
            for rank, (pk, text) in enumerate(
                EngagementObjective.objects.values_list("pk", "text")
            )
        }

    @cached_property
    def not_named(self):
        return gettext("Not named")

    @cached_property
    def protected(self):
        return str(redaction.PROTECTED)

    def met(self, engagement_ids):
        """Per engagement, its stakeholders as (name written, category), in the list pages'
        order (`selectors.met_stakeholders`): the shown ones by name, then the hidden ones
        by number, so that a placeholder's place among the names gives nothing away."""
        met = {}
        written = {}
        rows = (
            selectors.met_stakeholders(self.user)
            .filter(engagements__in=engagement_ids)
            .values_list(
                "engagements", "pk", "name", "at_risk", "identity_visible", "category__name"
            )
        )
        for engagement_id, pk, name, at_risk, visible, category in rows:
            if pk not in written:
                written[pk] = stakeholder_name(Named(pk, name, at_risk, visible), names=self.names)
            met.setdefault(engagement_id, []).append((written[pk], category))
        return met

    def addressed(self, engagement_ids):
        """Per engagement, the text of its objectives in their order, joined."""
        ranked = {}
        through = Engagement.objectives.through.objects.filter(engagement_id__in=engagement_ids)
        for engagement_id, objective_id in through.values_list(
            "engagement_id", "engagementobjective_id"
        ):
            ranked.setdefault(engagement_id, []).append(self.objectives[objective_id])
        return {
            pk: "; ".join(text for _rank, text in sorted(items)) for pk, items in ranked.items()
        }

    def stakeholders(self, pks):
        """These stakeholders, by id, annotated for the redaction helpers."""
        rows = (
            Stakeholder.objects.with_identity_visibility(self.user)
            .filter(pk__in=pks)
            .values_list("pk", "name", "at_risk", "identity_visible")
        )
        return {row[0]: Named(*row) for row in rows}

    def people(self, pks):
        """These users' names as a record shows who did something."""
        return {
            user.pk: user.get_full_name() or user.get_username()
            for user in get_user_model().objects.filter(pk__in=pks)
        }

    def join_met(self, rows, engagement_key):
        """The stakeholders met and their categories, on each row, as "; "-separated
        `met` and `categories`."""
        met = self.met({row[engagement_key] for row in rows})
        for row in rows:
            stakeholders = met.get(row[engagement_key], ())
            row["met"] = "; ".join(name for name, _category in stakeholders)
            row["categories"] = "; ".join(
                dict.fromkeys(category for _name, category in stakeholders)
            )


def join_engagements(rows, file):
    file.join_met(rows, "pk")
    addressed = file.addressed([row["pk"] for row in rows])
    people = file.people({row["created_by"] for row in rows})
    for row in rows:
        row["objectives"] = addressed.get(row["pk"], "")
        row["created_by"] = people[row["created_by"]]


def join_commitments(rows, file):
    file.join_met(rows, "engagement_id")
    people = file.people({row["owner"] for row in rows})
    for row in rows:
        row["owner"] = people[row["owner"]]


def join_concerns(rows, file):
    stakeholders = file.stakeholders({row["stakeholder"] for row in rows} - {None})
    for row in rows:
        raised_by = stakeholders.get(row["stakeholder"])
        row["raised_by"] = (
            file.not_named if raised_by is None else stakeholder_name(raised_by, names=file.names)
        )


def join_findings(rows, file):
    """Findings with a value (as the perceptions page counts them; "not discussed" is no
    figure). Evidence may describe the people met: hidden with a hidden community's name."""
    communities = file.stakeholders({row["community"] for row in rows})
    for row in rows:
        community = communities[row["community"]]
        shown = redaction.identity_visible(community) and (file.names or not community.at_risk)
        row["community"] = stakeholder_name(community, names=file.names)
        if not shown:
            row["evidence"] = file.protected


@dataclass(frozen=True)
class Export:
    """One kind of export: its file name, sheet title and columns, and how its rows are
    read: `fields` with `values()`, then `labels` (key, choice field: the label of the
    field's value, written under key) and `join` (adding the joined values to a chunk of
    rows). Each column is (header, key), the key one of those."""

    kind: str
    filename: str
    title: str
    model: type
    fields: tuple
    columns: tuple
    join: Callable
    labels: tuple = ()
    ordering: tuple = ()  # the file's own order, when not its list page's

    @property
    def header(self):
        return tuple(header for header, _key in self.columns)

    def rows(self, records, *, user, names):
        """The records as the file's rows (tuples of values), read a chunk at a time."""
        file = File(user=user, names=names)
        labels = [
            (key, name, {value: str(label) for value, label in self._choices(name)})
            for key, name in self.labels
        ]
        cells = itemgetter(*(key for _header, key in self.columns))
        if self.ordering:
            records = records.order_by(*self.ordering)
        values = records.prefetch_related(None).values(*self.fields)
        values = values.iterator(chunk_size=CHUNK_SIZE)
        while chunk := list(islice(values, CHUNK_SIZE)):
            for key, name, label_of in labels:
                for row in chunk:
                    row[key] = label_of.get(row[name], row[name])
            self.join(chunk, file)
            yield from map(cells, chunk)

    def _choices(self, name):
        return self.model._meta.get_field(name).flatchoices


ENGAGEMENTS = Export(
    kind="engagements",
    filename="engagements",
    title=_("Engagements"),
    model=Engagement,
    fields=(
        "pk",
        "date",
        "site__name",
        "format",
        "location",
        "lead_function__name",
        "attendance_total",
        "attendance_women",
        "purpose",
        "information_shared",
        "summary",
        "security_topics",
        "outcomes",
        "confidentiality",
        "created_by",
    ),
    labels=(("format", "format"), ("confidentiality", "confidentiality")),
    join=join_engagements,
    columns=(
        (_("Number"), "pk"),
        (_("Date"), "date"),
        (_("Site"), "site__name"),
        (_("Format"), "format"),
        (_("Location"), "location"),
        (_("Lead function"), "lead_function__name"),
        (_("Stakeholders met"), "met"),
        (_("Stakeholder categories"), "categories"),
        (_("Table 4E.2 objectives addressed"), "objectives"),
        (_("Attendance"), "attendance_total"),
        (_("Of which women"), "attendance_women"),
        (_("Purpose"), "purpose"),
        (_("Information shared"), "information_shared"),
        (_("Summary"), "summary"),
        (_("Security topics raised"), "security_topics"),
        (_("Outcomes"), "outcomes"),
        (_("Confidentiality"), "confidentiality"),
        (_("Logged by"), "created_by"),
    ),
)

COMMITMENTS = Export(
    kind="commitments",
    filename="commitments",
    title=_("Commitments"),
    model=Commitment,
    fields=(
        "pk",
        "engagement_id",
        "engagement__date",
        "engagement__site__name",
        "description",
        "owner",
        "lead_function__name",
        "due_on",
        "status",
        "is_overdue",
        "closed_on",
        "closing_note",
    ),
    labels=(("status", "status"),),
    join=join_commitments,
    columns=(
        (_("Number"), "pk"),
        (_("Engagement number"), "engagement_id"),
        (_("Engagement date"), "engagement__date"),
        (_("Site"), "engagement__site__name"),
        (_("Stakeholders met"), "met"),
        (_("What"), "description"),
        (_("Owner"), "owner"),
        (_("Lead function"), "lead_function__name"),
        (_("Due"), "due_on"),
        (_("Status"), "status"),
        (_("Overdue"), "is_overdue"),
        (_("Closed on"), "closed_on"),
        (_("Closing note"), "closing_note"),
    ),
)

CONCERNS = Export(
    kind="concerns",
    filename="concerns",
    title=_("Concerns"),
    model=Concern,
    fields=(
        "pk",
        "engagement_id",
        "engagement__date",
        "engagement__site__name",
        "type",
        "stakeholder",
        "description",
        "response",
        "satisfaction",
        "severity",
        "status",
        "referred_to",
        "referred_on",
        "outcome",
    ),
    labels=(
        ("type", "type"),
        ("satisfaction", "satisfaction"),
        ("severity", "severity"),
        ("status", "status"),
    ),
    join=join_concerns,
    columns=(
        (_("Number"), "pk"),
        (_("Engagement number"), "engagement_id"),
        (_("Engagement date"), "engagement__date"),
        (_("Site"), "engagement__site__name"),
        (_("Type"), "type"),
        (_("Raised by"), "raised_by"),
        (_("Description"), "description"),
        (_("Response given"), "response"),
        (_("Satisfaction with the response"), "satisfaction"),
        (_("Severity"), "severity"),
        (_("Status"), "status"),
        (_("Referred to"), "referred_to"),
        (_("Referred on"), "referred_on"),
        (_("Outcome"), "outcome"),
    ),
)

FINDINGS = Export(
    kind="findings",
    filename="findings",
    title=_("Perception findings"),
    model=Finding,
    fields=(
        "pk",
        "engagement_id",
        "engagement__date",
        "engagement__site__name",
        "community",
        "indicator",
        "value",
        "evidence",
    ),
    labels=(("indicator", "indicator"), ("value_in_words", "value")),
    join=join_findings,
    columns=(
        (_("Number"), "pk"),
        (_("Engagement number"), "engagement_id"),
        (_("Engagement date"), "engagement__date"),
        (_("Site"), "engagement__site__name"),
        (_("Community"), "community"),
        (_("Indicator"), "indicator"),
        (_("Finding (1 very negative to 5 very positive)"), "value"),
        (_("Finding in words"), "value_in_words"),
        (_("Evidence"), "evidence"),
    ),
    # Oldest engagement first.
    ordering=("engagement__date", "engagement_id", "community_id", "indicator"),
)
