"""Engagements with stakeholders, and what came of them: commitments and concerns.

Who may see what is decided by the querysets below and `engagement.selectors`; what may be
written, by `engagement.services`. A restricted engagement, and a concern of an allegation
type whatever its engagement, exist only for users cleared at the engagement's site.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from engagement import attachments
from stakeholders.history import AuditedHistory
from stakeholders.models import (
    EngagementObjective,
    Function,
    Site,
    SiteMembership,
    Stakeholder,
    TimeStampedModel,
)


def member_of_site(user, site_field="site", **membership):
    """Whether the user has a membership (with these extra conditions) at the site the row
    names through `site_field`, as a condition for `filter`.

    It is an uncorrelated `IN (subquery)` over the user's memberships, not an `EXISTS` per
    row: the database reads the user's few sites once and then uses the rows' site indexes,
    which is what keeps the lists fast with millions of engagements."""
    return Q(**{f"{site_field}__in": SiteMembership.objects.site_ids(user, **membership)})


def visible_engagement(user, path=""):
    """The condition for an engagement (reached through `path`, e.g. "engagement__") to be
    visible to the user: at one of their sites, and internal or at a site where they are
    cleared. None for a superuser (everything); callers fail closed on anonymous users
    before asking."""
    if user.is_superuser:
        return None
    return member_of_site(user, f"{path}site") & (
        Q(**{f"{path}confidentiality": Engagement.Confidentiality.INTERNAL})
        | member_of_site(user, f"{path}site", cleared=True)
    )


class EngagementQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Engagements of the user's sites; a restricted one only where the user is
        cleared. Everything for a superuser; nothing for anyone not signed in."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        condition = visible_engagement(user)
        return self.all() if condition is None else self.filter(condition)


class ThroughEngagementQuerySet(models.QuerySet):
    """For the records that hang on an engagement (commitments, concerns, findings)."""

    def visible_to(self, user):
        """Those whose engagement the user may see (`EngagementQuerySet.visible_to`),
        through a join on the engagement rather than an `IN` over every visible one."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        condition = visible_engagement(user, "engagement__")
        return self.all() if condition is None else self.filter(condition)


class Engagement(TimeStampedModel):
    """One interaction with one or more stakeholders of a site."""

    class Format(models.TextChoices):
        MEETING = "meeting", _("Meeting")
        SITE_VISIT = "site_visit", _("Site visit")
        PHONE_CALL = "phone_call", _("Phone call")
        WORKSHOP = "workshop", _("Workshop")
        FOCUS_GROUP = "focus_group", _("Focus group")
        COMMUNITY_MEETING = "community_meeting", _("Community meeting")
        LETTER = "letter", _("Letter or e-mail")
        SURVEY = "survey", _("Survey")

    class Confidentiality(models.TextChoices):
        INTERNAL = "internal", _("Internal: everyone at the site")
        RESTRICTED = "restricted", _("Restricted: users cleared at the site only")

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="engagements", verbose_name=_("site")
    )
    date = models.DateField(_("date"))
    format = models.CharField(_("format"), max_length=30, choices=Format.choices)
    location = models.CharField(_("location"), max_length=200, blank=True)
    lead_function = models.ForeignKey(
        Function,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lead function"),
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="engagements_attended",
        verbose_name=_("company participants"),
    )
    stakeholders = models.ManyToManyField(
        Stakeholder, related_name="engagements", verbose_name=_("stakeholders met")
    )
    attendance_total = models.PositiveIntegerField(
        _("attendance"), null=True, blank=True, help_text=_("How many people took part.")
    )
    attendance_women = models.PositiveIntegerField(_("of which women"), null=True, blank=True)
    objectives = models.ManyToManyField(
        EngagementObjective,
        blank=True,
        related_name="engagements",
        verbose_name=_("Table 4E.2 objectives addressed"),
    )
    purpose = models.TextField(_("purpose"))
    information_shared = models.TextField(_("information shared"), blank=True)
    summary = models.TextField(_("summary"))
    security_topics = models.TextField(_("security topics raised"), blank=True)
    outcomes = models.TextField(_("outcomes"), blank=True)
    confidentiality = models.CharField(
        _("confidentiality"),
        max_length=20,
        choices=Confidentiality.choices,
        default=Confidentiality.INTERNAL,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("logged by"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("last changed by"),
    )

    objects = EngagementQuerySet.as_manager()
    history = AuditedHistory(m2m_fields=["participants", "stakeholders", "objectives"])

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        constraints = [
            models.CheckConstraint(
                condition=Q(attendance_women__isnull=True)
                | Q(attendance_total__isnull=True)
                | Q(attendance_women__lte=F("attendance_total")),
                name="engagement_women_within_attendance",
                violation_error_message=_("Women cannot be more than the total attendance."),
            ),
        ]
        indexes = [
            # Engagement list: a site's engagements, newest first; and counting what a user
            # may see there from the index alone (the visibility rule reads only the site
            # and the confidentiality).
            # On PostgreSQL it also carries the id (`include`; SQLite's indexes always do),
            # so that the visibility check of a site's commitments, concerns and findings
            # joins their engagements from the index alone.
            models.Index(
                fields=["site", "-date", "confidentiality"],
                include=["id"],
                name="engagement_site_date_idx",
            ),
            # Engagement list across sites (a superuser's) and the admin changelist.
            models.Index(fields=["-date", "-id"], name="engagement_date_idx"),
            # Engagement list: the restricted engagements a user logged but may not see.
            models.Index(
                fields=["created_by", "confidentiality"], name="engagement_author_conf_idx"
            ),
            # Engagement list: the "my function" view and the lead function filter.
            models.Index(
                fields=["site", "lead_function", "-date"], name="engagement_function_idx"
            ),
        ]

    def __str__(self):
        return _("%(format)s on %(date)s") % {
            "format": self.get_format_display(),
            "date": self.date.isoformat() if self.date else "—",
        }

    def get_absolute_url(self):
        return reverse("engagement:detail", args=[self.pk])

    @property
    def restricted(self):
        return self.confidentiality == self.Confidentiality.RESTRICTED

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # The site and date as stored: `save` updates the copies on the commitments,
        # concerns and findings only when they changed (or were not read: to be sure).
        instance._stored_place = (instance.__dict__.get("site_id"), instance.__dict__.get("date"))
        return instance

    def save(self, *args, **kwargs):
        place = (self.site_id, self.date)
        moved = not self._state.adding and getattr(self, "_stored_place", None) != place
        super().save(*args, **kwargs)
        if moved:
            for model in (Commitment, Concern):
                model.objects.filter(engagement=self).exclude(site=self.site_id).update(
                    site=self.site_id
                )
            Finding.objects.filter(engagement=self).update(site=self.site_id, date=self.date)
        self._stored_place = place


class Commitment(TimeStampedModel):
    """A follow-up action promised or needed after an engagement."""

    objects = ThroughEngagementQuerySet.as_manager()

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    CLOSED = (Status.DONE, Status.DROPPED)

    engagement = models.ForeignKey(
        Engagement,
        on_delete=models.CASCADE,
        related_name="commitments",
        verbose_name=_("engagement"),
    )
    # The engagement's site, copied (kept by `save` here and by the engagement's own
    # `save` when it moves), so that a site's register and its counts read this table's
    # own index rather than every engagement of the site. Who may see the row is still
    # decided through its engagement (`visible_to`); the history leaves it out.
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", editable=False, verbose_name=_("site")
    )
    description = models.TextField(_("what"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="commitments",
        verbose_name=_("owner"),
    )
    lead_function = models.ForeignKey(
        Function,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lead function"),
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    closing_note = models.TextField(_("closing note"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    history = AuditedHistory(excluded_fields=["site"])

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["done", "dropped"])
                | (~Q(closing_note="") & Q(closed_on__isnull=False)),
                name="commitment_closed_with_a_note",
                violation_error_message=_(
                    "A commitment done or dropped needs a closing note and the date it closed."
                ),
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(status__in=["done", "dropped"]),
                name="commitment_closed_on_only_when_closed",
                violation_error_message=_("Only a commitment done or dropped has a closing date."),
            ),
        ]
        indexes = [
            # Commitments register and dashboard: open ones by due date.
            models.Index(fields=["status", "due_on"], name="commitment_status_due_idx"),
            # The same at one site: its register, its count and the dashboard's figures.
            models.Index(
                fields=["site", "status", "due_on"],
                include=["engagement"],
                name="commitment_site_status_idx",
            ),
            # Commitments register: one owner's.
            models.Index(fields=["owner", "status"], name="commitment_owner_status_idx"),
            # The admin's register at the user's sites, in its order (due date, then id):
            # a page read from the index, the count without reading the rows (their
            # engagement, which decides who sees them, is in it).
            models.Index(
                fields=["site", "due_on", "id", "engagement"], name="commitment_site_due_idx"
            ),
            # The same across every site (a superuser's), rather than sorting them all.
            models.Index(fields=["due_on", "id"], name="commitment_due_idx"),
        ]

    def __str__(self):
        return _("Commitment due %(date)s") % {"date": self.due_on}

    def save(self, *args, **kwargs):
        self.site_id = self.engagement.site_id
        super().save(*args, **kwargs)

    @property
    def is_closed(self):
        return self.status in self.CLOSED


class Concern(TimeStampedModel):
    """An issue a stakeholder raised in an engagement, and what was done about it. An
    allegation of human rights abuse by security providers is restricted on its own and
    tracked until its referral and investigation are closed."""

    objects = ThroughEngagementQuerySet.as_manager()

    class Type(models.TextChoices):
        ALLEGATION_PUBLIC = (
            "allegation_public_security",
            _("Allegation of human rights abuse by public security"),
        )
        ALLEGATION_PRIVATE = (
            "allegation_private_security",
            _("Allegation of human rights abuse by private security"),
        )
        SECURITY_CONDUCT = "security_conduct", _("Conduct of security personnel")
        LAND_ACCESS = "land_access", _("Land and access")
        ENVIRONMENT = "environment", _("Environment (dust, water, noise)")
        EMPLOYMENT = "employment", _("Employment and procurement")
        COMMUNITY_SAFETY = "community_safety", _("Community health and safety")
        OTHER = "other", _("Other")

    ALLEGATIONS = (Type.ALLEGATION_PUBLIC, Type.ALLEGATION_PRIVATE)

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        PARTLY = "partly", _("Partly satisfied")
        NOT_SATISFIED = "not_satisfied", _("Not satisfied")
        UNKNOWN = "unknown", _("Not known yet")

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        REFERRED = "referred", _("Referred")
        UNDER_INVESTIGATION = "under_investigation", _("Under investigation")
        CLOSED = "closed", _("Closed")

    engagement = models.ForeignKey(
        Engagement,
        on_delete=models.CASCADE,
        related_name="concerns",
        verbose_name=_("engagement"),
    )
    # The engagement's site, copied (kept by `save` here and by the engagement's own
    # `save` when it moves), so that a site's register and its counts read this table's
    # own index rather than every engagement of the site. Who may see the row is still
    # decided through its engagement (`visible_to`); the history leaves it out.
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", editable=False, verbose_name=_("site")
    )
    stakeholder = models.ForeignKey(
        Stakeholder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="concerns",
        verbose_name=_("raised by"),
        help_text=_("May stay empty: an allegation's source need not be named."),
    )
    type = models.CharField(_("type"), max_length=40, choices=Type.choices)
    description = models.TextField(_("description"))
    response = models.TextField(_("response given"), blank=True)
    satisfaction = models.CharField(
        _("satisfaction with the response"),
        max_length=20,
        choices=Satisfaction.choices,
        default=Satisfaction.UNKNOWN,
    )
    severity = models.CharField(
        _("severity"), max_length=20, choices=Severity.choices, default=Severity.MEDIUM
    )
    status = models.CharField(
        _("status"), max_length=30, choices=Status.choices, default=Status.OPEN
    )
    referred_to = models.CharField(_("referred to"), max_length=200, blank=True)
    referred_on = models.DateField(_("referred on"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    history = AuditedHistory(excluded_fields=["site"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        constraints = [
            models.CheckConstraint(
                condition=~Q(
                    type__in=["allegation_public_security", "allegation_private_security"],
                    status="closed",
                )
                | ~Q(outcome=""),
                name="concern_allegation_closed_with_outcome",
                violation_error_message=_("An allegation cannot be closed without its outcome."),
            ),
        ]
        indexes = [
            # Concerns register: open ones by type, allegations first.
            models.Index(fields=["type", "status"], name="concern_type_status_idx"),
            # The same at one site: its register, its count, the dashboard's allegations.
            models.Index(
                fields=["site", "type", "status"],
                include=["engagement"],
                name="concern_site_type_idx",
            ),
        ]

    def __str__(self):
        return self.get_type_display()

    def save(self, *args, **kwargs):
        self.site_id = self.engagement.site_id
        super().save(*args, **kwargs)

    @property
    def is_allegation(self):
        return self.type in self.ALLEGATIONS


class Attachment(TimeStampedModel):
    """A file kept with an engagement: minutes, an attendance sheet, a photo of a flip
    chart. Its type is checked by its content and images are stripped of their metadata
    (`engagement.attachments`); it is stored under a random name outside every served
    folder and downloaded only through `engagement:attachment_download`, by those who may
    see its engagement."""

    objects = ThroughEngagementQuerySet.as_manager()

    class Kind(models.TextChoices):
        MINUTES = "minutes", _("Minutes")
        ATTENDANCE = "attendance", _("Attendance sheet")
        PHOTO = "photo", _("Photo")
        PRESENTATION = "presentation", _("Presentation or handout")
        OTHER = "other", _("Other")

    engagement = models.ForeignKey(
        Engagement,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("engagement"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    description = models.CharField(_("description"), max_length=200, blank=True)
    file = models.FileField(
        _("stored file"),
        upload_to=attachments.stored_name,
        storage=attachments.attachment_storage,
        max_length=200,
    )
    name = models.CharField(
        _("file name"),
        max_length=attachments.NAME_MAX_LENGTH,
        help_text=_("As uploaded, made safe."),
    )
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    history = AuditedHistory()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("engagement:attachment_download", args=[self.pk])


class Finding(TimeStampedModel):
    """What a local community met in an engagement thinks, on one of the four community
    indicators of Table 4E.2, on a five-point scale with the evidence in words. Findings
    belong to their engagement: a restricted engagement's findings count only for those
    who may see it."""

    objects = ThroughEngagementQuerySet.as_manager()

    Indicator = EngagementObjective.Indicator

    class Value(models.IntegerChoices):
        VERY_NEGATIVE = 1, _("Very negative")
        NEGATIVE = 2, _("Negative")
        MIXED = 3, _("Neither positive nor negative")
        POSITIVE = 4, _("Positive")
        VERY_POSITIVE = 5, _("Very positive")

    engagement = models.ForeignKey(
        Engagement,
        on_delete=models.CASCADE,
        related_name="findings",
        verbose_name=_("engagement"),
    )
    community = models.ForeignKey(
        Stakeholder,
        on_delete=models.PROTECT,
        related_name="findings",
        verbose_name=_("community"),
        help_text=_("A local-community stakeholder met in the engagement."),
    )
    # The engagement's site and date, copied (kept by `save` here and by the engagement's
    # own `save` when either changes), so that a site's figures by quarter read this
    # table's own index rather than joining every finding of its communities. Who may
    # count the finding is still decided through its engagement (`visible_to`); the
    # history leaves the copies out.
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", editable=False, verbose_name=_("site")
    )
    date = models.DateField(_("date"), editable=False)
    indicator = models.CharField(_("indicator"), max_length=40, choices=Indicator.choices)
    value = models.PositiveSmallIntegerField(
        _("finding"),
        choices=Value.choices,
        null=True,
        blank=True,
        help_text=_("Empty when the indicator was not discussed."),
    )
    evidence = models.TextField(
        _("evidence"), blank=True, help_text=_("What was said or seen that supports it.")
    )

    history = AuditedHistory(excluded_fields=["site", "date"])

    class Meta:
        ordering = ["engagement", "community", "indicator"]
        verbose_name = _("perception finding")
        verbose_name_plural = _("perception findings")
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "community", "indicator"],
                name="finding_unique_per_engagement_community_indicator",
                violation_error_message=_(
                    "This community already has a finding on this indicator in this engagement."
                ),
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=1, value__lte=5),
                name="finding_value_1_to_5",
                violation_error_message=_("A finding is from 1 (very negative) to 5."),
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | ~Q(evidence=""),
                name="finding_value_with_evidence",
                violation_error_message=_("A finding needs the evidence for it in words."),
            ),
        ]
        indexes = [
            # Perceptions page and a community's stakeholder page: its findings per indicator.
            models.Index(fields=["community", "indicator"], name="finding_community_idx"),
            # A site's figures by quarter: all they read is in the index, on SQLite too (it
            # has no INCLUDE: the columns are keys, where reading ten thousand findings
            # from the table took a third of the perceptions page's query).
            models.Index(
                fields=["site", "date", "engagement", "community", "indicator", "value"],
                name="finding_site_date_idx",
            ),
        ]

    def __str__(self):
        return _("%(indicator)s: %(value)s") % {
            "indicator": self.get_indicator_display(),
            "value": self.get_value_display() if self.value else _("not discussed"),
        }

    def get_absolute_url(self):
        return self.engagement.get_absolute_url()

    def save(self, *args, **kwargs):
        self.site_id, self.date = self.engagement.site_id, self.engagement.date
        super().save(*args, **kwargs)
