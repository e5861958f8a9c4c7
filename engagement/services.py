"""Writes to engagements, commitments, concerns and perception findings, with their
rules. The pages, the admin and `seed_demo` all come through here, as the registry's
writes go through `stakeholders.services`: an acting user is required, access is refused
with `PermissionDenied`, bad input with `ValidationError`, and either way nothing is
written.
Every change keeps its history (who, when, what changed).
"""

import logging
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from engagement import attachments, selectors
from engagement.models import Attachment, Commitment, Concern, Engagement, Finding
from stakeholders import redaction
from stakeholders.history import recorded, stamp
from stakeholders.models import (
    EngagementObjective,
    Site,
    SiteMembership,
    Stakeholder,
    is_community,
)
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
# What a row of findings names: the community and the indicator it is about, then the
# finding itself.
FINDING_FIELDS = {"community", "indicator", "value", "evidence"}


# --- engagements ----------------------------------------------------------------------


class RowError(ValidationError):
    """A refusal of one of the commitments, concerns or findings written with an
    engagement: `rows` names the list ("commitments", "concerns" or "findings") and `index`
    the row's position in it, so a page shows the error on the row that caused it. Nothing
    is written."""

    def __init__(self, error: ValidationError, *, rows: str, index: int):
        super().__init__(error)
        self.rows = rows
        self.index = index


def _check_engagement(
    *,
    actor,
    engagement,
    stakeholders,
    objectives,
    participants,
    hidden,
    kept=(),
    kept_participants=(),
):
    """The rules of an engagement's content; `hidden` are the stakeholders it keeps that
    the actor cannot see (never offered, never removed by them); `kept` and
    `kept_participants` those of `stakeholders` and `participants` it already had, kept
    even when no longer in the site's registry or among its members (only new ones must
    be)."""
    site = engagement.site
    errors = {}
    if engagement.date and engagement.date > site.today():
        errors["date"] = _("An engagement cannot be dated in the future (today at %(site)s).") % {
            "site": site
        }
    if not stakeholders and not hidden:
        errors["stakeholders"] = _("Choose at least one stakeholder met.")
    kept_pks = {s.pk for s in kept}
    added = {s.pk for s in stakeholders if s.pk not in kept_pks}
    pickable = selectors.pickable_stakeholder_list(user=actor, site=site)
    if len(pickable.filter(pk__in=added)) != len(added):
        errors["stakeholders"] = _("Choose stakeholders of this site's registry.")
    kept_pks = {p.pk for p in kept_participants}
    added = {p.pk for p in participants if p.pk not in kept_pks}
    members = selectors.site_member_list(site=site)
    if len(members.filter(pk__in=added)) != len(added):
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
    findings: Iterable[Mapping[str, Any]] = (),
) -> Engagement:
    """Log an engagement at one of the actor's sites, with its commitments, concerns and
    perception findings (rows as `_findings_write` takes them).

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
    for index, commitment_data in enumerate(commitments):
        with _row(rows="commitments", index=index):
            _commitment_save(actor, Commitment(engagement=engagement), commitment_data)
    for index, concern_data in enumerate(concerns):
        with _row(rows="concerns", index=index):
            _concern_save(actor, Concern(engagement=engagement, created_by=actor), concern_data)
    _findings_write(actor, engagement, findings)
    return engagement


@contextmanager
def _row(*, rows, index):
    """A row's `ValidationError` raised as a `RowError` naming the row."""
    try:
        yield
    except RowError:
        raise
    except ValidationError as error:
        raise RowError(error, rows=rows, index=index) from error


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
    commitments: Iterable[tuple[Commitment | None, Mapping[str, Any]]] = (),
    concerns: Iterable[tuple[Concern | None, Mapping[str, Any]]] = (),
    findings: Iterable[Mapping[str, Any]] = (),
) -> Engagement:
    """Change an engagement, and with it, in the same transaction, its commitments,
    concerns and findings: each commitment or concern a pair `(existing row or None for a
    new one, data)`, written through `commitment_update` / `commitment_create` and
    `concern_update` / `concern_create` and their rules; findings as `_findings_write`
    takes them. A refusal of a row is a `RowError` naming it.

    A community met cannot leave the stakeholders met while it has findings here: they
    are cleared first (in the same change, or before), so none is lost unseen.

    Stakeholders the actor cannot see (an at-risk one, for the uncleared) are kept, as
    the registry keeps the sites an editor is not a member of; stakeholders and
    participants it already had stay allowed even if they have left the site's registry
    or membership since. Rows not given (an allegation the actor may not see) are left
    alone."""
    require_actor(actor, "engagement.change_engagement")
    stored = editable_engagement(actor=actor, pk=engagement.pk)
    before = stored.confidentiality
    apply_fields(stored, data, ENGAGEMENT_FIELDS)
    stored.updated_by = actor
    _check_confidentiality(
        actor=actor, site=stored.site, before=before, after=stored.confidentiality
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
    current_participants = list(stored.participants.all())
    participants = list(participants) if participants is not None else current_participants
    _check_engagement(
        actor=actor,
        engagement=stored,
        stakeholders=stakeholders,
        objectives=objectives,
        participants=participants,
        hidden=hidden,
        kept=[s for s in stakeholders if s in current],
        kept_participants=[p for p in participants if p in current_participants],
    )
    with recorded(stored, actor=actor):
        stored.save()
        stored.stakeholders.set([*stakeholders, *hidden])
        stored.objectives.set(objectives)
        stored.participants.set(participants)
    for index, (row, row_data) in enumerate(commitments):
        with _row(rows="commitments", index=index):
            if row is None:
                commitment_create(actor=actor, engagement=stored, data=row_data)
            elif row.engagement_id != stored.pk:
                raise PermissionDenied(_("You cannot change this commitment."))
            else:
                commitment_update(actor=actor, commitment=row, data=row_data)
    for index, (row, row_data) in enumerate(concerns):
        with _row(rows="concerns", index=index):
            if row is None:
                concern_create(actor=actor, engagement=stored, data=row_data)
            elif row.engagement_id != stored.pk:
                raise PermissionDenied(_("You cannot change this concern."))
            else:
                concern_update(actor=actor, concern=row, data=row_data)
    _findings_write(actor, stored, findings)
    _check_findings_kept(actor, stored)
    if stored.restricted and before != stored.confidentiality:
        # Checked once the rows given are written: a commitment handed to a cleared
        # member in the same change counts.
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
    return stored


@transaction.atomic
def engagement_delete(*, actor, engagement: Engagement) -> None:
    """Delete an engagement with its commitments, concerns and findings, each leaving a history
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
    for finding in stored.findings.all():
        stamp(finding, actor=actor).delete()
    _attachments_delete(actor, stored.attachments.all())
    stamp(stored, actor=actor).delete()


# --- perception findings --------------------------------------------------------------


NOT_MET = gettext_lazy("Findings are recorded for communities among the stakeholders met.")


def _findings_write(actor, engagement, rows):
    """Write the perception findings given for an engagement just saved (its stakeholders
    set). Each row is a mapping: `community` (a stakeholder met), `indicator` (one of
    `Finding.Indicator`), `value` (1 to 5, or None: not discussed) and `evidence` (words).

    - A finding is only for a community among the stakeholders met (its category carries
      the Table 4E.2 indicators), one whose identity the actor may see: a hidden one is
      refused in the same words as one not met, so nothing tells it is there; its
      findings are kept as they are.
    - A value needs its evidence; at most one row per community and indicator.
    - Not discussed with no evidence stores nothing, and removes the finding there was
      (its history keeps it), also on a community taken out of the stakeholders met in
      the same change. Not discussed with evidence is kept, as said.
    - Recording needs `engagement.add_finding`, changing or removing one
      `engagement.change_finding` (the engagement itself was checked by the caller).

    A refused row is a `RowError` ("findings", its index); the caller's transaction
    writes nothing then."""
    rows = list(rows)
    if not rows:
        return
    met = {
        stakeholder.pk: stakeholder
        for stakeholder in Stakeholder.objects.with_identity_visibility(actor)
        .filter(engagements=engagement)
        .annotate(carries_indicators=is_community())
    }
    existing = {
        (finding.community_id, finding.indicator): finding
        for finding in Finding.objects.select_for_update().filter(engagement=engagement)
    }
    # Communities with findings here that are no longer met: theirs may still be cleared.
    recorded_on = {
        stakeholder.pk: stakeholder
        for stakeholder in Stakeholder.objects.with_identity_visibility(actor).filter(
            pk__in={pk for pk, _indicator in existing if pk not in met}
        )
    }
    seen = set()
    for index, row in enumerate(rows):
        with _row(rows="findings", index=index):
            unknown = set(row) - FINDING_FIELDS
            if unknown:
                raise ValueError(f"Not fields of a finding row: {', '.join(sorted(unknown))}")
            community = row.get("community")
            community_pk = getattr(community, "pk", community)
            stakeholder = met.get(community_pk) or recorded_on.get(community_pk)
            if stakeholder is None or not redaction.identity_visible(stakeholder):
                raise ValidationError(NOT_MET)
            indicator = row.get("indicator")
            if indicator not in Finding.Indicator.values:
                raise ValidationError(_("Choose one of the four community indicators."))
            if (community_pk, indicator) in seen:
                raise ValidationError(
                    _("This community already has a finding on this indicator here.")
                )
            seen.add((community_pk, indicator))
            value = row.get("value")
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5
            ):
                raise ValidationError(
                    {
                        "value": _(
                            "A finding is from 1 (very negative) to 5 (very positive), or "
                            "not discussed."
                        )
                    }
                )
            evidence = row.get("evidence") or ""
            if not isinstance(evidence, str):
                raise ValidationError({"evidence": _("The evidence is words.")})
            evidence = evidence.strip()
            if value is not None and not evidence:
                raise ValidationError(
                    {"evidence": _("A finding needs the evidence for it in words.")}
                )
            finding = existing.get((community_pk, indicator))
            if value is None and not evidence:
                if finding is not None:
                    require_actor(actor, "engagement.change_finding")
                    stamp(finding, actor=actor).delete()
                continue
            if community_pk not in met:
                raise ValidationError(NOT_MET)
            if not stakeholder.carries_indicators:
                raise ValidationError(
                    _(
                        "%(name)s is not a local community: findings are recorded for local "
                        "communities only."
                    )
                    % {"name": stakeholder.name}
                )
            if finding is None:
                require_actor(actor, "engagement.add_finding")
                finding = Finding(
                    engagement=engagement, community=stakeholder, indicator=indicator
                )
            elif finding.value == value and finding.evidence == evidence:
                continue
            else:
                require_actor(actor, "engagement.change_finding")
            finding.value, finding.evidence = value, evidence
            finding.full_clean()
            stamp(finding, actor=actor).save()


def _check_findings_kept(actor, engagement):
    """Every finding of the engagement is on one of its stakeholders met: a community
    taken out of them must have its findings cleared first (refused otherwise, naming
    it). Only communities the actor may see can be taken out; hidden ones are kept."""
    gone = Finding.objects.filter(engagement=engagement).exclude(
        community__in=engagement.stakeholders.all()
    )
    communities = Stakeholder.objects.with_identity_visibility(actor).filter(
        pk__in=gone.values("community")
    )
    names = sorted(redaction.display_name(community) for community in communities)
    if names:
        raise ValidationError(
            {
                "stakeholders": _(
                    "%(names)s: findings are recorded for it in this engagement. Set each of "
                    "them to “Not discussed” and clear its evidence first, or keep it among "
                    "the stakeholders met."
                )
                % {"names": ", ".join(names)}
            }
        )


# --- commitments ----------------------------------------------------------------------


def _commitment_save(actor, commitment, data):
    """Write a commitment. Done or dropped, it closes today unless a date is given; open
    or in progress (reopened), it has no closing date, and keeps its closing note as
    written (the pages show it only once closed). Its owner is someone who may update
    it: a member of the site (cleared there, on a restricted engagement) whose role may
    change commitments."""
    apply_fields(commitment, data, COMMITMENT_FIELDS)
    engagement = commitment.engagement
    if commitment.lead_function_id is None:
        commitment.lead_function_id = engagement.lead_function_id
    today = engagement.site.today()
    if not commitment.is_closed:
        commitment.closed_on = None
    elif commitment.closed_on is None:
        commitment.closed_on = today
    if commitment.closed_on and commitment.closed_on > today:
        raise ValidationError({"closed_on": _("A commitment cannot be closed in the future.")})
    owners = selectors.owner_choice_list(site=engagement.site, engagement=engagement)
    if commitment.owner_id and not owners.filter(pk=commitment.owner_id).exists():
        members = selectors.site_member_list(
            site=engagement.site, cleared=True if engagement.restricted else None
        )
        if members.filter(pk=commitment.owner_id).exists():
            message = _(
                "The owner's role may not update commitments: choose someone whose role may."
            )
        elif engagement.restricted:
            message = _("The owner must be a member cleared at the site.")
        else:
            message = _("The owner must be a member of the site.")
        raise ValidationError({"owner": message})
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
    date is given); reopened, it loses its closing date. Its owner, without rights on the
    engagement, updates its progress only: status, closing note and date."""
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


# --- attachments ----------------------------------------------------------------------

logger = logging.getLogger(__name__)


@transaction.atomic
def attachment_create(
    *, actor, engagement: Engagement, upload, kind: str, description: str = ""
) -> Attachment:
    """Attach a file to an engagement the actor may change. Its type is told from its
    content (`engagement.attachments`), an image is saved again without its metadata, and
    it is stored under a random name in the attachments storage, offered for download
    under its uploaded name made safe. A type not accepted, a file over
    `settings.ATTACHMENT_MAX_BYTES` or a bad kind is refused, and nothing is written: no
    row, no file. (A caller that rolls back an enclosing transaction after this returns
    leaves the file on disk without its row, unreferenced and never served: such callers,
    like `seed_demo --dry-run`, store no files.)"""
    require_actor(actor, "engagement.add_attachment")
    stored = editable_engagement(actor=actor, pk=engagement.pk)
    checked = attachments.check(upload, max_bytes=settings.ATTACHMENT_MAX_BYTES)
    attachment = Attachment(
        engagement=stored,
        kind=kind,
        description=(description or "").strip(),
        name=attachments.safe_name(getattr(upload, "name", ""), checked.file_type),
        content_type=checked.file_type.content_type,
        size=checked.size,
        uploaded_by=actor,
    )
    attachment.full_clean(exclude=["file"])
    attachment.file.save("upload", checked.content, save=False)
    try:
        stamp(attachment, actor=actor).save()
    except BaseException:
        attachment.file.delete(save=False)
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, actor, attachment: Attachment) -> None:
    """Delete an attachment and its file, leaving a history entry by the actor. As with
    `engagement_delete`, only administrators cleared at the engagement's site may."""
    require_actor(actor, "engagement.delete_attachment")
    stored = (
        selectors.attachment_list(user=actor)
        .select_for_update(of=("self",))
        .select_related("engagement__site")
        .filter(pk=attachment.pk)
        .first()
    )
    if stored is None or not selectors.cleared_at(user=actor, site=stored.engagement.site):
        raise PermissionDenied(_("You cannot delete this attachment."))
    _attachments_delete(actor, [stored])


def _attachments_delete(actor, rows):
    """Delete attachment rows, each leaving a history entry by the actor. Their files go
    once the transaction commits, and stay if it is rolled back."""
    storage = Attachment._meta.get_field("file").storage
    names = []
    for attachment in rows:
        names.append(attachment.file.name)
        stamp(attachment, actor=actor).delete()

    def remove_files():
        for name in names:
            try:
                storage.delete(name)
            except OSError:
                logger.exception("Attachment file %s could not be removed.", name)

    if names:
        transaction.on_commit(remove_files)
