"""Reads: which engagements, commitments, concerns and findings a user may see, and
whether they may change them. Every page, count, register, admin list and export goes through here.

A restricted engagement, with everything that hangs on it, exists only for users cleared
at its site; a concern of an allegation type is restricted on its own. For anyone else
they are absent: not listed, not counted, not found (404).
"""

import datetime
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Lower
from django.shortcuts import get_object_or_404
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from engagement.models import (
    Attachment,
    Commitment,
    Concern,
    Engagement,
    Finding,
    member_of_site,
)
from stakeholders import history, redaction
from stakeholders.models import (
    EngagementObjective,
    Site,
    SiteMembership,
    Stakeholder,
    is_community,
)
from stakeholders.selectors import (
    cleared_site_list,
    history_names_read_once,
    may_have,
    site_list,
)
from stakeholders.selectors import history_names as registry_history_names

# The roles that may change any engagement of their sites, not only those they logged or
# whose lead function is theirs.
SITE_WIDE_EDITORS = ("Security manager", "Administrator")


def engagement_base(*, user):
    """The engagements the user may see, with what their pages show."""
    if not getattr(user, "is_authenticated", False):
        return Engagement.objects.none()
    return (
        Engagement.objects.visible_to(user)
        .select_related("site", "lead_function", "created_by", "updated_by")
        .prefetch_related(
            Prefetch(
                "stakeholders",
                queryset=met_stakeholders(user)
                .select_related("category")
                .annotate(carries_indicators=is_community()),
            ),
            # Each with its category, which the page names: one query, not one a row.
            Prefetch(
                "objectives", queryset=EngagementObjective.objects.select_related("category")
            ),
        )
    )


def engagement_get(*, user, pk):
    """One engagement the user may see, or 404: another site's, a restricted one for the
    uncleared and a missing one answer alike."""
    return get_object_or_404(engagement_base(user=user), pk=pk)


# The sections of an engagement's page, each with whether it has rows at all: read with
# the engagement (`engagement_detail`), so that an empty one costs no query.
_SECTIONS = {
    "has_commitments": lambda user: Commitment.objects.filter(engagement=OuterRef("pk")),
    "has_concerns": lambda user: Concern.objects.filter(engagement=OuterRef("pk")),
    "has_attachments": lambda user: Attachment.objects.filter(engagement=OuterRef("pk")),
    "has_findings": lambda user: Finding.objects.filter(engagement=OuterRef("pk")),
    "has_participants": lambda user: Engagement.participants.through.objects.filter(
        engagement=OuterRef("pk")
    ),
    "has_filed_allegations": lambda user: Concern.objects.filter(
        engagement=OuterRef("pk"), created_by=user, type__in=Concern.ALLEGATIONS
    ),
    "has_history": lambda user: Engagement.history.filter(id=OuterRef("pk")),
    "has_commitment_history": lambda user: Commitment.history.filter(engagement_id=OuterRef("pk")),
    "has_concern_history": lambda user: Concern.history.filter(engagement_id=OuterRef("pk")),
    "has_attachment_history": lambda user: Attachment.history.filter(engagement_id=OuterRef("pk")),
    "has_finding_history": lambda user: Finding.history.filter(engagement_id=OuterRef("pk")),
}


class EngagementDetail(NamedTuple):
    """What an engagement's page shows, as the selectors named give it to the user."""

    engagement: Engagement  # `engagement_get`
    access: "EngagementAccess"  # `engagement_access`
    participants: list  # the company participants
    commitments: list  # `commitment_list`
    owned_commitments: list  # `owned_commitment_list`
    concerns: list  # `concern_list`
    filed_allegations: list  # `filed_allegation_list`
    attachments: list  # `attachment_list`
    finding_groups: list  # `engagement_finding_groups`
    history: list  # `engagement_history`


def engagement_detail(*, user, pk):
    """An engagement the user may see (or 404, as `engagement_get`) with everything its
    page shows, each part exactly as the selector named in `EngagementDetail` gives it,
    each row read once and an empty section not at all: the page's queries do not grow
    with its commitments, concerns, findings, attachments or history."""
    engagements = engagement_base(user=user)  # nothing for anyone not signed in
    if getattr(user, "is_authenticated", False):
        engagements = engagements.annotate(
            **{flag: Exists(rows(user)) for flag, rows in _SECTIONS.items()}
        )
    engagement = get_object_or_404(engagements, pk=pk)
    access = engagement_access(user=user, engagement=engagement)
    # The stakeholders met, read with the engagement for the redaction filters: the
    # communities of its findings and the sources of its concerns are among them.
    met = {stakeholder.pk: stakeholder for stakeholder in engagement.stakeholders.all()}
    commitments = concerns = attachments = participants = filed = finding_groups = []
    if engagement.has_commitments:
        commitments = list(commitment_list(user=user).filter(engagement=engagement))
    if engagement.has_concerns:
        concerns = list(
            concern_list(user=user).filter(engagement=engagement).prefetch_related(None)
        )
        sources = stakeholders_by_pk(
            user=user, pks={c.stakeholder_id for c in concerns}, known=met
        )
        for concern in concerns:
            if concern.stakeholder_id is not None:
                concern.stakeholder = sources[concern.stakeholder_id]
    if engagement.has_attachments:
        attachments = list(attachment_list(user=user, engagement=engagement))
    if engagement.has_participants:
        participants = list(engagement.participants.all())
    # An allegation is out of its author's sight exactly where they are not cleared.
    if engagement.has_filed_allegations and not access.cleared:
        filed = list(filed_allegation_list(user=user).filter(engagement=engagement))
    if engagement.has_findings:
        finding_groups = engagement_finding_groups(
            user=user, engagement=engagement, known_stakeholders=met
        )
    return EngagementDetail(
        engagement=engagement,
        access=access,
        participants=participants,
        commitments=commitments,
        owned_commitments=[
            commitment for commitment in commitments if commitment.owner_id == user.pk
        ]
        if access.may_update_commitments
        else [],
        concerns=concerns,
        filed_allegations=filed,
        attachments=attachments,
        finding_groups=finding_groups,
        history=engagement_history(
            user=user,
            engagement=engagement,
            cleared=access.cleared,
            current={Commitment: commitments, Concern: concerns, Attachment: attachments},
            known_stakeholders=met,
            known=[
                engagement.site,
                engagement.lead_function,
                engagement.created_by,
                engagement.updated_by,
                *engagement.objectives.all(),
                *met.values(),
                *participants,
                *(row for c in commitments for row in (c.owner, c.lead_function)),
                *(attachment.uploaded_by for attachment in attachments),
            ],
        ),
    )


def engagement_list(*, user, site=None, stakeholder=None, lead_function=None):
    engagements = engagement_base(user=user)
    if site is not None:
        engagements = engagements.filter(site=site)
    if stakeholder is not None:
        engagements = engagements.filter(stakeholders=stakeholder)
    if lead_function is not None:
        engagements = engagements.filter(lead_function=lead_function)
    return engagements.order_by("-date", "-pk")


def cleared_at(*, user, site):
    """Whether the user is cleared at the site (superusers everywhere)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return SiteMembership.objects.filter(user=user, site=site, cleared=True).exists()


def may_export_names(*, user):
    """Whether the user may ask a list's download for protected names (`names=1`): they
    are cleared at one of their sites (superusers everywhere). The lists offer it, and the
    download refuses anyone else, by this one answer."""
    if not getattr(user, "is_authenticated", False):
        return False
    return cleared_site_list(user=user).exists()


def site_membership(*, user, site):
    """The user's membership at a site (None without one), with `site_wide_editor`: whether
    their role is one of SITE_WIDE_EDITORS. One query, for a page that asks several
    questions of it (`engagement_access`)."""
    return (
        SiteMembership.objects.filter(user=user, site=site)
        .order_by()  # one at most: no need for the default order's joins
        .annotate(site_wide_editor=Exists(user.groups.filter(name__in=SITE_WIDE_EDITORS)))
        .first()
    )


def can_change_engagement(*, user, engagement, membership=...):
    """Whether the user may change an engagement: their role allows changes, they may see
    it (a restricted one only where cleared), and they logged it, lead its function at
    that site, or are a security manager or administrator there. A caller that has read
    the user's membership at its site (`site_membership`; None: they have none) passes it
    as `membership`; one of another user or site is read afresh."""
    if not getattr(user, "is_authenticated", False):
        return False
    if not user.has_perm("engagement.change_engagement"):
        return False
    if user.is_superuser:
        return True
    if membership is ... or (
        membership is not None
        and (membership.user_id != user.pk or membership.site_id != engagement.site_id)
    ):
        membership = SiteMembership.objects.filter(user=user, site=engagement.site_id).first()
    if membership is None or (engagement.restricted and not membership.cleared):
        return False
    if engagement.created_by_id == user.pk:
        return True
    if membership.function_id and membership.function_id == engagement.lead_function_id:
        return True
    site_wide_editor = getattr(membership, "site_wide_editor", None)
    if site_wide_editor is None:
        return user.groups.filter(name__in=SITE_WIDE_EDITORS).exists()
    return site_wide_editor


class EngagementAccess(NamedTuple):
    """What one user may do with one engagement they may see, read once for its page."""

    cleared: bool  # at its site (`cleared_at`)
    may_change: bool  # `can_change_engagement`
    may_add_attachment: bool  # `can_add_attachment`
    may_update_commitments: bool  # their role changes commitments (`owned_commitment_list`)


def engagement_access(*, user, engagement):
    """The answers of `cleared_at`, `can_change_engagement` and `can_add_attachment` on
    an engagement the user may see, and whether their role updates commitments, from one
    read of their membership at its site (and of their permissions). Nothing for anyone
    not signed in."""
    if not getattr(user, "is_authenticated", False):
        return EngagementAccess(False, False, False, False)
    if user.is_superuser:
        membership = None
        cleared = True
    else:
        membership = site_membership(user=user, site=engagement.site_id)
        cleared = membership is not None and membership.cleared
    may_change = can_change_engagement(user=user, engagement=engagement, membership=membership)
    return EngagementAccess(
        cleared=cleared,
        may_change=may_change,
        may_add_attachment=may_change and user.has_perm("engagement.add_attachment"),
        may_update_commitments=user.has_perm("engagement.change_commitment"),
    )


def _their_engagements():
    """For a register: the engagements of the page of commitments or concerns shown, read
    for those rows only. Joined into the register's own query they are read for every row
    it sorts (PostgreSQL then read each of a site's engagements to show 25 rows)."""
    return Prefetch(
        "engagement", queryset=Engagement.objects.select_related("site", "lead_function")
    )


def commitment_list(*, user, site=None):
    """The commitments of the engagements the user may see, overdue first by due date."""
    commitments = Commitment.objects.visible_to(user).select_related(
        "engagement__site", "owner", "lead_function"
    )
    if site is not None:
        # Narrowed by the commitment's own copy of the site (its index); who may see it
        # was decided through its engagement, above.
        commitments = commitments.filter(site=site)
    return commitments.order_by("due_on", "pk")


def concern_list(*, user, site=None):
    """The concerns the user may see: those of engagements they may see, allegations only
    where they are cleared at the engagement's site."""
    if not getattr(user, "is_authenticated", False):
        return Concern.objects.none()
    concerns = Concern.objects.visible_to(user)
    if not user.is_superuser:
        concerns = concerns.filter(
            ~Q(type__in=Concern.ALLEGATIONS)
            | member_of_site(user, site_field="engagement__site", cleared=True)
        )
    if site is not None:
        concerns = concerns.filter(site=site)  # its own copy of the engagement's site
    return (
        concerns.select_related("engagement__site")
        .prefetch_related(
            Prefetch("stakeholder", queryset=Stakeholder.objects.with_identity_visibility(user))
        )
        .order_by("-created_at", "-pk")
    )


def filed_allegation_list(*, user):
    """Allegations the user recorded but may no longer read (not cleared at the site): they
    see that they filed them, with the date and the type they filed (`filed_type_label`,
    never a colleague's later reclassification), never the content."""
    if not getattr(user, "is_authenticated", False) or user.is_superuser:
        return Concern.objects.none()
    as_filed = Concern.history.filter(id=OuterRef("pk")).order_by("history_date", "history_id")
    return (
        Concern.objects.filter(created_by=user, type__in=Concern.ALLEGATIONS)
        # An allegation is out of sight exactly where its author is not cleared.
        .exclude(member_of_site(user, "engagement__site", cleared=True))
        .only("pk", "created_at")
        .annotate(
            # Its date is the one of its site's calendar.
            site_time_zone=F("engagement__site__time_zone"),
            filed_type=Coalesce(Subquery(as_filed.values("type")[:1]), "type"),
            filed_type_label=Case(
                *[
                    When(filed_type=value, then=Value(str(label)))
                    for value, label in Concern.Type.choices
                ],
                default=Value(""),
            ),
        )
        .order_by("-created_at")
    )


class FiledEngagement(NamedTuple):
    """What its author still sees of an engagement they may no longer see: no number to
    reach it by, nothing of its content."""

    date: datetime.date
    format: str  # its label
    site: str
    logged_at: datetime.datetime
    site_time_zone: str  # the logging date is the one of its site's calendar


def filed_engagement_list(*, user):
    """Restricted engagements the user logged but may not see (not cleared at the site:
    restricted by default as they logged it, or by a cleared colleague since), newest
    logged first, as `FiledEngagement`s: their date, format and site as the user last
    knew them (the latest state that was not restricted, else what they logged; never
    a change made out of their sight) and when they were logged. Nothing else, not even
    their numbers. One query."""
    if not getattr(user, "is_authenticated", False) or user.is_superuser:
        return []
    known = (
        Engagement.history.filter(id=OuterRef("pk"))
        .filter(~Q(confidentiality=Engagement.Confidentiality.RESTRICTED) | Q(history_type="+"))
        .order_by("-history_date", "-history_id")
    )

    def as_known(field, current):
        return Coalesce(Subquery(known.values(field)[:1]), F(current))

    rows = (
        Engagement.objects.filter(
            created_by=user, confidentiality=Engagement.Confidentiality.RESTRICTED
        )
        # A restricted engagement is out of sight exactly where its author is not cleared.
        .exclude(member_of_site(user, cleared=True))
        .annotate(
            known_date=as_known("date", "date"),
            known_format=as_known("format", "format"),
            known_site=as_known("site__name", "site__name"),
            known_zone=as_known("site__time_zone", "site__time_zone"),
        )
        .order_by("-created_at", "-pk")
        .values_list("known_date", "known_format", "known_site", "created_at", "known_zone")
    )
    formats = dict(Engagement.Format.choices)
    return [
        FiledEngagement(date, str(formats.get(format, format)), site, logged_at, zone)
        for date, format, site, logged_at, zone in rows
    ]


def site_member_list(*, site, cleared=None):
    """The users who are members of a site (optionally only the cleared ones)."""
    memberships = SiteMembership.objects.filter(site=site)
    if cleared is not None:
        memberships = memberships.filter(cleared=cleared)
    return (
        get_user_model()
        .objects.filter(pk__in=memberships.values("user"), is_active=True)
        .order_by("username")
    )


def loggable_site_list(*, user):
    """The sites where the user may log engagements."""
    if not user.has_perm("engagement.add_engagement"):
        return site_list(user=user).none()
    return site_list(user=user)


def history_names(*, user):
    """Which related rows an engagement's history may name for this user: the registry's
    (`stakeholders.selectors.history_names`), stakeholders of the user's sites by `str()`
    (the placeholder for anyone at risk), objectives, and engagements they may see."""
    return {
        **registry_history_names(user=user),
        Stakeholder: Stakeholder.objects.visible_to(user),
        EngagementObjective: EngagementObjective.objects.all(),
        Engagement: Engagement.objects.visible_to(user),
    }


def history_sealed(*, user, record, cleared=None):
    """Which historical records of an engagement, or of a commitment, concern or attachment
    of one, were restricted from this user when written (a predicate), or None: an
    engagement's while it was restricted; the others' while their engagement was, and a
    concern's while it was an allegation; nothing for the users cleared at the site.
    Opening a record up does not open its restricted past. A caller that knows whether
    the user is cleared at the engagement's site (`cleared_at`) passes it as `cleared`."""
    engagement = record if isinstance(record, Engagement) else record.engagement
    if cleared is None:
        cleared = cleared_at(user=user, site=engagement.site)
    if cleared:
        return None

    def restricted_then(old):
        return old.confidentiality == Engagement.Confidentiality.RESTRICTED

    if isinstance(record, Engagement):
        return restricted_then
    return _sealed_with(restricted_then, list(engagement.history.all()), type(record))


def engagement_history(
    *, user, engagement, limit=50, cleared=None, current=None, known_stakeholders=None, known=()
):
    """The change history of an engagement the user may see (read through
    `engagement_get`), with its commitments', concerns', attachments' and findings'
    (`finding_history`), newest first, named and sealed as above. For the uncleared, what
    was written about a commitment or concern while the engagement was restricted (or the
    concern an allegation) is sealed too, and a concern they may not see now (an
    allegation) leaves no entry at all.

    A page that has read them already passes `cleared` (`cleared_at` its site), `current`
    (`{Commitment: rows, Concern: rows, Attachment: rows}`: the engagement's commitments
    and attachments, and its concerns as `concern_list` lets the user see them) and
    `known_stakeholders` (by pk, as `with_identity_visibility` annotates them for the
    user), so that nothing is read twice. The rows the histories name are read once for
    all of them (`history_names_read_once`), and reference rows the page has read already
    (`known`: its lead function, its objectives) not at all."""
    if cleared is None:
        cleared = cleared_at(user=user, site=engagement.site)
    if current is None:
        current = {
            Commitment: engagement.commitments.all(),
            Concern: concern_list(user=user).filter(engagement=engagement),
            Attachment: engagement.attachments.all(),
        }
    own = []
    if may_have(engagement, "has_history"):
        own = list(
            engagement.history.select_related("history_user").order_by("-history_date", "-pk")
        )
    engagement_sealed = history_sealed(user=user, record=engagement, cleared=cleared)
    parts = []
    for model, subject in (
        (Commitment, _commitment_subject),
        (Concern, _concern_subject),
        (Attachment, _attachment_subject),
    ):
        rows = {row.pk: row for row in current[model]}
        records = []
        if may_have(engagement, f"has_{model._meta.model_name}_history"):
            records = model.history.filter(engagement_id=engagement.pk)
            if model is Concern:
                # A concern hidden now (an allegation, for the uncleared) leaves no trace;
                # one deleted leaves none either, as it may have been an allegation.
                records = records.filter(id__in=rows)
            records = list(
                records.select_related("history_user").order_by("-history_date", "-history_id")[
                    : limit * 3
                ]
            )
        parts.append((model, rows, subject, records))
    finding_records = _finding_records(engagement, limit)

    # What each history names, read once for all of them. Every history leaves out the
    # engagement they hang on, and the findings' their community (named in the subject):
    # those are not read at all.
    names = history_names(user=user)
    related = {model: rows for model, rows in names.items() if model is not Engagement}
    of_findings = {model: rows for model, rows in related.items() if model is not Stakeholder}
    named = history_names_read_once(
        names,
        [(own[: limit + 1], names)]
        + [(records, related) for *_rest, records in parts]
        + [(finding_records, of_findings)],
        known,
    )
    related = {model: named[model] for model in related}
    of_findings = {model: named[model] for model in of_findings}

    result = history.entries(
        own[: limit + 1],
        named=named,
        sealed=engagement_sealed,
        excluded=("created_by", "updated_by"),
    )[:limit]
    for model, rows, subject, records in parts:
        labels = {pk: subject(row) for pk, row in rows.items()}
        result += history.entries(
            records,
            named=related,
            sealed=_sealed_with(engagement_sealed, own, model),
            excluded=("engagement", "created_by", "uploaded_by", "file"),
            per_object=True,
            subject=lambda record, labels=labels, subject=subject: (
                labels.get(record.id) or subject(None)
            ),
        )
    result += finding_history(
        user=user,
        engagement=engagement,
        limit=limit,
        named=of_findings,
        sealed=_sealed_with(engagement_sealed, own, Finding),
        records=finding_records,
        known_stakeholders=known_stakeholders,
    )
    result.sort(key=lambda entry: entry.date, reverse=True)
    return result[:limit]


def _finding_records(engagement, limit):
    """The latest historical records of an engagement's findings, newest first."""
    if not may_have(engagement, "has_finding_history"):
        return []
    return list(
        Finding.history.filter(engagement_id=engagement.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[: limit * 3]
    )


def finding_history(
    *,
    user,
    engagement,
    limit=50,
    named=None,
    sealed=...,
    records=None,
    known_stakeholders=None,
):
    """The change history of the perception findings of an engagement the user may see,
    newest first, each entry naming the indicator and the community (its placeholder when
    the user may not see who it is). The evidence of a community whose identity is hidden
    from the user shows as "Protected", as its notes do; records written while the
    engagement was restricted from the user are sealed (`history_sealed`). Removed
    findings keep their entries. A caller that has read them passes the `records`
    (`_finding_records`) and the stakeholders it knows (`known_stakeholders`, by pk, as
    `with_identity_visibility` annotates them for the user): only the others are read."""
    if named is None:
        named = history_names(user=user)
    if sealed is ...:
        own = list(engagement.history.all())
        sealed = _sealed_with(history_sealed(user=user, record=engagement), own, Finding)
    if records is None:
        records = _finding_records(engagement, limit)
    if not records:
        return []
    communities = stakeholders_by_pk(
        user=user, pks={record.community_id for record in records}, known=known_stakeholders
    )
    shown = {pk for pk, community in communities.items() if redaction.identity_visible(community)}
    indicators = dict(Finding.Indicator.choices)

    def subject(record):
        community = communities.get(record.community_id)
        return _("finding on %(indicator)s: %(community)s") % {
            "indicator": str(indicators.get(record.indicator, record.indicator)).lower(),
            "community": redaction.display_name(community) if community else _("a community"),
        }

    # A finding's community never changes, so deciding by the record's is deciding per
    # finding, as `redacted_for` wants.
    return history.entries(
        records,
        named=named,
        sealed=sealed,
        redacted_for=lambda record: () if record.community_id in shown else ("evidence",),
        excluded=("engagement", "community", "indicator"),
        per_object=True,
        subject=subject,
    )[:limit]


def stakeholders_by_pk(*, user, pks, known=None):
    """{pk: stakeholder} for these pks, annotated by `with_identity_visibility` for the
    user (for the redaction filters; whoever they are, as a record names them): those in
    `known` (read so already, by pk) as they are, the others in one query."""
    known = known or {}
    found = {pk: known[pk] for pk in pks if pk in known}
    missing = {pk for pk in pks if pk is not None} - found.keys()
    if missing:
        found.update(
            (stakeholder.pk, stakeholder)
            for stakeholder in Stakeholder.objects.with_identity_visibility(user).filter(
                pk__in=missing
            )
        )
    return found


def _sealed_with(engagement_sealed, engagement_records, model):
    """A predicate sealing a commitment's or concern's record written while its engagement
    was restricted from the viewer, or while it was itself (an allegation). Nothing is
    sealed from the cleared (for whom the engagement's own predicate is None)."""
    if engagement_sealed is None:
        return None
    own_sealed = (lambda old: old.type in Concern.ALLEGATIONS) if model is Concern else None
    # The engagement's state at a moment: its latest record written at or before it.
    timeline = sorted(engagement_records, key=lambda record: record.history_date)

    def sealed(record):
        if own_sealed is not None and own_sealed(record):
            return True
        state = None
        for engagement_record in timeline:
            if engagement_record.history_date > record.history_date:
                break
            state = engagement_record
        return state is not None and engagement_sealed(state)

    return sealed


def _commitment_subject(commitment):
    if commitment is None:
        return _("a commitment since deleted")
    return _("commitment: %(what)s") % {"what": Truncator(commitment.description).chars(60)}


def _attachment_subject(attachment):
    if attachment is None:
        return _("an attachment since deleted")
    return _("attachment: %(name)s") % {"name": attachment.name}


def _concern_subject(concern):
    return _("concern: %(type)s") % {"type": concern.get_type_display()}


# --- perception findings ----------------------------------------------------------------


def finding_list(*, user, engagement=None):
    """The perception findings of the engagements the user may see (a restricted one's
    only where cleared at its site), each community read with whether its identity may be
    shown (`stakeholders.redaction`): a hidden community's name and evidence are not."""
    if not getattr(user, "is_authenticated", False):
        return Finding.objects.none()
    findings = Finding.objects.visible_to(user).prefetch_related(
        Prefetch("community", queryset=Stakeholder.objects.with_identity_visibility(user))
    )
    if engagement is not None:
        findings = findings.filter(engagement=engagement)
    return findings.order_by("engagement", "community", "indicator")


INDICATOR_ORDER = {value: position for position, value in enumerate(Finding.Indicator.values)}


class FindingGroup(NamedTuple):
    """One community's findings in an engagement, in the order of the indicators. When the
    viewer may not see who the community is, `hidden` is set and each finding's
    `evidence_shown` is None (evidence may identify people, as its notes would)."""

    community: Stakeholder
    hidden: bool
    findings: list


def engagement_finding_groups(*, user, engagement, known_stakeholders=None):
    """The findings of an engagement the user may see, per community: those the user may
    see by name first, then hidden ones by number (their place among the names gives
    nothing away). Two queries, whatever the number of findings; one when the caller
    passes the stakeholders it knows (`known_stakeholders`, by pk, as
    `with_identity_visibility` annotates them for the user: the stakeholders met) and
    each community is one of them."""
    findings = finding_list(user=user, engagement=engagement)
    if known_stakeholders is not None:
        findings = list(findings.prefetch_related(None))
        communities = stakeholders_by_pk(
            user=user, pks={finding.community_id for finding in findings}, known=known_stakeholders
        )
        for finding in findings:
            finding.community = communities[finding.community_id]
    groups = {}
    for finding in findings:
        community = finding.community
        hidden = not redaction.identity_visible(community)
        finding.evidence_shown = None if hidden else finding.evidence
        group = groups.setdefault(community.pk, FindingGroup(community, hidden, []))
        group.findings.append(finding)
    for group in groups.values():
        group.findings.sort(key=lambda finding: INDICATOR_ORDER.get(finding.indicator, 99))
    return sorted(
        groups.values(),
        key=lambda group: (
            group.hidden,
            "" if group.hidden else group.community.name.lower(),
            group.community.pk,
        ),
    )


def can_record_findings(*, user, engagement=None):
    """Whether the user's role records perception findings (adds or changes them); on an
    engagement, also whether they may change it."""
    if not getattr(user, "is_authenticated", False):
        return False
    if not (user.has_perm("engagement.add_finding") or user.has_perm("engagement.change_finding")):
        return False
    return engagement is None or can_change_engagement(user=user, engagement=engagement)


# --- stakeholder timeline ---
# What the stakeholder page shows of its engagements (through `EngagementConfig.
# stakeholder_sections`: `stakeholders` never imports `engagement`). Each is one query, or
# one per prefetch, whatever the number of engagements, commitments and concerns.


def stakeholder_engagement_list(*, user, stakeholder):
    """The engagements with a stakeholder that the user may see, newest first, each with
    the other stakeholders met in `others` (annotated for the redaction filters). A
    restricted engagement is there only for users cleared at its site."""
    return (
        Engagement.objects.visible_to(user)
        .filter(stakeholders=stakeholder)
        .select_related("site", "lead_function")
        .prefetch_related(
            Prefetch(
                "stakeholders",
                queryset=met_stakeholders(user).exclude(pk=stakeholder.pk),
                to_attr="others",
            )
        )
        .order_by("-date", "-pk")
    )


def stakeholder_open_commitment_list(*, user, stakeholder):
    """The open commitments (neither done nor dropped) of the engagements with a
    stakeholder that the user may see, earliest due first, each with `overdue`: due before
    today at its engagement's site."""
    commitments = list(
        commitment_list(user=user)
        .filter(engagement__stakeholders=stakeholder)
        .exclude(status__in=Commitment.CLOSED)
    )
    today = {}
    for commitment in commitments:
        site = commitment.engagement.site
        if site.pk not in today:
            today[site.pk] = site.today()
        commitment.overdue = commitment.due_on < today[site.pk]
    return commitments


def stakeholder_open_concern_list(*, user, stakeholder):
    """The concerns a stakeholder raised that are not closed, as `concern_list` lets the
    user see them (allegations only where cleared), newest first. Each names the
    stakeholder given (read through `stakeholders.selectors`, so annotated for the
    redaction filters) as the one who raised it, rather than reading it again."""
    concerns = list(
        concern_list(user=user)
        .filter(stakeholder=stakeholder)
        .exclude(status=Concern.Status.CLOSED)
        .prefetch_related(None)
    )
    for concern in concerns:
        concern.stakeholder = stakeholder
    return concerns


def objective_last_addressed_list(*, user, stakeholder):
    """The Table 4E.2 objectives of the stakeholder's category, each with
    `last_addressed`: the date of the latest engagement with this stakeholder that
    addressed it, among those the user may see (None: never). One query: a restricted
    engagement moves no date for the uncleared."""
    seen = Engagement.objects.visible_to(user).filter(stakeholders=stakeholder)
    # Per objective, from this stakeholder's own engagements (hundreds), never from every
    # engagement that addressed the objective (millions, at a company's scale).
    latest = seen.filter(objectives=OuterRef("pk")).order_by("-date").values("date")[:1]
    return EngagementObjective.objects.filter(category=stakeholder.category_id).annotate(
        last_addressed=Subquery(latest)
    )


# --- the engagement form ---
# What the "log an engagement" page and its edit page offer. The services check the same
# rules when the form comes back.


def loggable_site_get(*, user, pk):
    """One of the user's sites where they may log engagements: another site (or a missing
    one) answers 404, one of their sites where their role may not log answers 403."""
    site = get_object_or_404(site_list(user=user), pk=pk)
    if not loggable_site_list(user=user).filter(pk=site.pk).exists():
        raise PermissionDenied
    return site


def pickable_stakeholder_list(*, user, site):
    """The stakeholders the user may name as met at a site: of the site's registry, and
    only those whose identity they may see (the uncleared never pick an at-risk one). One
    query, whatever the size of the registry; with what the picker shows of each."""
    return (
        Stakeholder.objects.visible_to(user)
        .with_identity_visibility(user)
        .filter(identity_visible=True, sites=site)
        .only("pk", "name", "at_risk", "category_id")
        .order_by("name", "pk")
    )


def engagement_stakeholder_choices(*, user, site, engagement=None):
    """The stakeholders the engagement form offers: those the user may pick at the site
    and, when editing, those already met whose identity they may see (kept even when no
    longer in the site's registry). Hidden ones are never offered: the service keeps them.
    Each says whether it is a local community (`carries_indicators`): the form offers
    perception findings on those."""
    pickable = pickable_stakeholder_list(user=user, site=site)
    if engagement is None:
        return pickable.annotate(carries_indicators=is_community())
    return (
        Stakeholder.objects.with_identity_visibility(user)
        .filter(
            Q(pk__in=pickable.values("pk"))
            | Q(pk__in=engagement.stakeholders.values("pk"), identity_visible=True)
        )
        .only("pk", "name", "at_risk", "category_id")
        .annotate(carries_indicators=is_community())
        .order_by("name", "pk")
    )


def hidden_stakeholder_list(*, user, engagement):
    """The stakeholders met in an engagement whose identity the user may not see: shown
    as placeholders, kept as they are by an edit."""
    return [
        stakeholder
        for stakeholder in engagement.stakeholders.all()
        if not redaction.identity_visible(stakeholder)
    ]


def commitment_get(*, user, pk):
    """One commitment of an engagement the user may see, or 404."""
    return get_object_or_404(commitment_list(user=user), pk=pk)


def can_update_commitment(*, user, commitment):
    """Whether the user may update a commitment's progress: their role changes
    commitments, and they own it or may change its engagement."""
    if not user.has_perm("engagement.change_commitment"):
        return False
    return commitment.owner_id == user.pk or can_change_engagement(
        user=user, engagement=commitment.engagement
    )


def owned_commitment_list(*, user, engagement):
    """The commitments of an engagement (one the user may see) that the user owns and may
    update (`can_update_commitment`): none when their role may not change commitments."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm(
        "engagement.change_commitment"
    ):
        return Commitment.objects.none()
    return commitment_list(user=user).filter(engagement=engagement, owner=user)


# --- attachments ----------------------------------------------------------------------


def attachment_list(*, user, engagement=None):
    """The attachments of the engagements the user may see (a restricted one's only where
    cleared at its site), oldest first, with who uploaded them."""
    attachments = Attachment.objects.visible_to(user).select_related("uploaded_by")
    if engagement is not None:
        attachments = attachments.filter(engagement=engagement)
    return attachments.order_by("created_at", "pk")


def attachment_get(*, user, pk):
    """One attachment whose engagement the user may see, or 404 (another site's, a
    restricted engagement's for the uncleared and a missing one alike)."""
    return get_object_or_404(attachment_list(user=user).select_related("engagement"), pk=pk)


def can_add_attachment(*, user, engagement):
    """Whether the user may attach files to an engagement: their role allows it and they
    may change the engagement."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.has_perm("engagement.add_attachment")
        and can_change_engagement(user=user, engagement=engagement)
    )


# --- review lists ---
# The engagement list, "my function" and the commitments and concerns registers
# (`engagement.views.lists`, filtered by `engagement.filters`). Each is one query, or one
# per prefetch, whatever the number of rows; filters only narrow what these return.


def _open_commitments():
    return Commitment.objects.filter(engagement=OuterRef("pk")).exclude(
        status__in=Commitment.CLOSED
    )


def meets_category(category=None, *, code=None):
    """A condition on engagements, for `filter`: one of the stakeholders met is of the
    category (a `StakeholderCategory` or its id), or of the category with this `code`.
    The engagement list's "category met" filter and the site report count by it."""
    if (category is None) == (code is None):
        raise TypeError("meets_category() takes a category or a code, not both or neither")
    if code is None:
        of_category = {"stakeholder__category": category}
    else:
        of_category = {"stakeholder__category__code": code}
    return Exists(
        Engagement.stakeholders.through.objects.filter(engagement=OuterRef("pk"), **of_category)
    )


def met_stakeholders(user):
    """The stakeholders met, as a list row names them: annotated for the redaction
    filters, the shown ones by name, then the hidden ones by number, so that a
    placeholder's place among the names gives nothing away (as in the registry)."""
    return (
        Stakeholder.objects.with_identity_visibility(user)
        .annotate(
            sort_name=Case(When(identity_visible=True, then=Lower("name")), default=Value(""))
        )
        .order_by("-identity_visible", "sort_name", "pk")
    )


def has_open_commitments():
    """A condition on engagements, for `filter`: one of its commitments is neither done
    nor dropped (the engagement list's "open commitments" filter)."""
    return Exists(_open_commitments())


def engagement_review_list(*, user):
    """The engagements the user may see, newest first, each with `open_commitments` (those
    neither done nor dropped: fetched for the rows shown only, never computed over the
    whole list) and its stakeholders for the redaction filters."""
    return (
        engagement_list(user=user)
        .prefetch_related(None)
        .prefetch_related(
            Prefetch("stakeholders", queryset=met_stakeholders(user)),
            Prefetch(
                "commitments",
                queryset=Commitment.objects.exclude(status__in=Commitment.CLOSED).only(
                    "pk", "engagement"
                ),
                to_attr="open_commitments",
            ),
        )
    )


def function_membership_list(*, user):
    """The user's site memberships that name a function: "my function" at each site."""
    if not getattr(user, "is_authenticated", False):
        return SiteMembership.objects.none()
    return (
        SiteMembership.objects.filter(user=user, function__isnull=False)
        .select_related("site", "function")
        .order_by("site__name")
    )


def function_engagement_list(*, user, memberships=None):
    """The engagements of `engagement_review_list` led by the user's own function at their
    site: a user with different functions at different sites gets each site's; one with no
    function, none. `memberships`: their `function_membership_list`, if read already.

    Each (site, function) is a condition of its own, read by the engagements' index of
    both: a per-row `EXISTS` over the memberships had SQLite read every engagement."""
    if not getattr(user, "is_authenticated", False):
        return Engagement.objects.none()
    if memberships is None:
        memberships = function_membership_list(user=user)
    mine = Q()
    for membership in memberships:
        mine |= Q(site=membership.site_id, lead_function=membership.function_id)
    if not mine:
        return Engagement.objects.none()
    return engagement_review_list(user=user).filter(mine)


def register_owner_list(*, user):
    """The people the commitments register may offer as owners: members of the user's
    sites."""
    if not getattr(user, "is_authenticated", False):
        return get_user_model().objects.none()
    at_my_sites = SiteMembership.objects.filter(user=OuterRef("pk"), site__in=site_list(user=user))
    return (
        get_user_model()
        .objects.filter(Exists(at_my_sites))
        .order_by("first_name", "last_name", "username")
    )


def _overdue(*, user, due_field, site_field):
    """A condition: due before today at the row's site, reckoned once per time zone of the
    user's sites (each site's `today()`). None when the user has no site."""
    zones = site_list(user=user).order_by().values_list("time_zone", flat=True).distinct()
    condition = None
    for zone in zones:
        today = Site(time_zone=zone).today()
        due = Q(**{f"{site_field}__time_zone": zone, f"{due_field}__lt": today})
        condition = due if condition is None else condition | due
    return condition


def commitment_register(*, user):
    """The commitments the user may see (those of the engagements they may see), each
    with `is_overdue` (not closed and due before today at its site) and its engagement's
    stakeholders for the redaction filters: overdue first, then open ones, then closed
    ones, each by due date."""
    if not getattr(user, "is_authenticated", False):
        return Commitment.objects.none()
    overdue = _overdue(user=user, due_field="due_on", site_field="site")
    not_closed = ~Q(status__in=Commitment.CLOSED)
    if overdue is None:
        is_overdue = Value(False, output_field=BooleanField())
    else:
        is_overdue = Case(
            When(not_closed & overdue, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    return (
        commitment_list(user=user)
        .select_related(None)
        .select_related("owner", "lead_function")
        .prefetch_related(
            _their_engagements(),
            Prefetch("engagement__stakeholders", queryset=met_stakeholders(user)),
        )
        .annotate(is_overdue=is_overdue)
        .annotate(
            register_rank=Case(
                When(is_overdue=True, then=Value(0)),
                When(not_closed, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("register_rank", "due_on", "pk")
    )


def concern_register(*, user):
    """The concerns the user may see (`concern_list`: allegations only where cleared at
    the site): allegations first, then those not closed, newest engagement first; each
    with its engagement and the stakeholder who raised it (for the redaction filters)."""
    return (
        concern_list(user=user)
        .select_related(None)
        .prefetch_related(_their_engagements())
        .annotate(
            allegation_first=Case(
                When(type__in=Concern.ALLEGATIONS, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            closed_last=Case(
                When(status=Concern.Status.CLOSED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .order_by("allegation_first", "closed_last", "-engagement__date", "-pk")
    )


def participant_choice_list(*, site, engagement=None):
    """The company participants the engagement form offers: the site's members and, when
    editing, those already named (kept even after they left the site)."""
    members = site_member_list(site=site)
    if engagement is None:
        return members
    return (
        get_user_model()
        .objects.filter(
            Q(pk__in=members.values("pk")) | Q(pk__in=engagement.participants.values("pk"))
        )
        .order_by("username")
    )


def engagement_people(*, site, engagement=None):
    """The people the engagement form names, in one read: the participants it offers
    (`participant_choice_list`), each with `owner`: whether `owner_choice_list` offers them
    as a commitment's owner, and `named`: whether they took part in the engagement."""
    owners = owner_choice_list(site=site, engagement=engagement)
    named = (
        Exists(
            Engagement.participants.through.objects.filter(
                engagement=engagement, user=OuterRef("pk")
            )
        )
        if engagement is not None
        else Value(False, output_field=BooleanField())
    )
    return participant_choice_list(site=site, engagement=engagement).annotate(
        owner=Exists(owners.filter(pk=OuterRef("pk"))), named=named
    )


def with_permission(permission):
    """A condition on users: those whose roles (groups) or own grants give `permission`
    ("app_label.codename"), and superusers, as `user.has_perm` answers for active users.
    Subqueries, so a list filtered by it stays one query on SQLite and PostgreSQL."""
    app_label, codename = permission.split(".")
    granted = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    User = get_user_model()
    by_role = User.groups.through.objects.filter(
        user=OuterRef("pk"), group__permissions__in=granted
    )
    by_grant = User.user_permissions.through.objects.filter(
        user=OuterRef("pk"), permission__in=granted
    )
    return Q(is_superuser=True) | Exists(by_role) | Exists(by_grant)


def owner_choice_list(*, site, engagement=None):
    """Who may own a commitment of an engagement at the site: its members whose role may
    update commitments (`engagement.change_commitment`; superusers too), only the cleared
    ones on a restricted engagement. An owner is offered the commitment to update, so one
    who could not update it is never offered (and the services refuse them)."""
    restricted = engagement is not None and engagement.restricted
    return site_member_list(site=site, cleared=True if restricted else None).filter(
        with_permission("engagement.change_commitment")
    )


class LoggerAtSite(NamedTuple):
    """What the "log an engagement" form asks of the user at a site."""

    cleared: bool  # `cleared_at`
    function: object  # their function at the site (None without one): the default lead


def logger_at(*, user, site):
    """Whether the user is cleared at the site (as `cleared_at` answers) and their function
    there (an engagement's lead function by default), from one read of their membership.
    Nothing for anyone not signed in."""
    if not getattr(user, "is_authenticated", False):
        return LoggerAtSite(False, None)
    membership = (
        SiteMembership.objects.filter(user=user, site=site).select_related("function").first()
    )
    cleared = user.is_superuser or (membership is not None and membership.cleared)
    return LoggerAtSite(cleared, membership.function if membership else None)
