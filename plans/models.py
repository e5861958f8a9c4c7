"""The site's Stakeholder Engagement Plan (SEP): versions of a plan for a period, and the
engagements each plans, held against what was logged (`plans.selectors`).

A plan is written as a draft, approved (by whom, when) and then read-only; revising an
approved version starts a new draft that copies it, and approving that draft supersedes
the version before it. Each version is in force from the day it was approved (the first
one of a period from the period's start) until the next one is approved.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from engagement.models import Engagement
from stakeholders.history import AuditedHistory
from stakeholders.models import (
    EngagementObjective,
    Function,
    Site,
    Stakeholder,
    StakeholderCategory,
    TimeStampedModel,
)


class Plan(TimeStampedModel):
    """One version of a site's SEP for a period."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        SUPERSEDED = "superseded", _("Superseded")

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="plans", verbose_name=_("site")
    )
    title = models.CharField(_("title"), max_length=200)
    starts_on = models.DateField(_("period starts"))
    ends_on = models.DateField(_("period ends"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    revises = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revision",
        verbose_name=_("revises"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    summary = models.TextField(
        _("summary"),
        blank=True,
        help_text=_("What the plan sets out to do in the period, and what changed in it."),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    in_force_from = models.DateField(
        _("in force from"),
        null=True,
        blank=True,
        help_text=_(
            "Set on approval: the period's start for its first version, the site's date of "
            "approval for a revision."
        ),
    )
    superseded_on = models.DateField(_("superseded on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("drafted by"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("last changed by"),
    )

    history = AuditedHistory()

    class Meta:
        ordering = ["site__name", "-starts_on", "-version"]
        verbose_name = _("stakeholder engagement plan")
        verbose_name_plural = _("stakeholder engagement plans")
        permissions = [("approve_plan", _("Can approve a stakeholder engagement plan"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")),
                name="plan_period_ends_after_start",
                violation_error_message=_("The period must end after it starts."),
            ),
            models.UniqueConstraint(
                fields=["site", "starts_on", "version"],
                name="plan_version_unique_per_site_period",
                violation_error_message=_("This version of the plan exists already."),
            ),
            models.UniqueConstraint(
                fields=["site", "starts_on"],
                condition=Q(status="draft"),
                name="plan_one_draft_per_site_period",
                violation_error_message=_("This plan already has a draft being revised."),
            ),
            models.UniqueConstraint(
                fields=["site", "starts_on"],
                condition=Q(status="approved"),
                name="plan_one_approved_per_site_period",
                violation_error_message=_("This plan already has an approved version."),
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(
                    approved_by__isnull=False,
                    approved_at__isnull=False,
                    in_force_from__isnull=False,
                ),
                name="plan_approved_by_someone",
                violation_error_message=_("An approved plan records who approved it and when."),
            ),
            models.CheckConstraint(
                condition=Q(superseded_on__isnull=True) | Q(status="superseded"),
                name="plan_superseded_on_only_when_superseded",
                violation_error_message=_("Only a superseded version has a date it ended."),
            ),
        ]
        indexes = [
            # Dashboard and SEP page: the site's version in force on a date.
            models.Index(fields=["site", "status", "starts_on"], name="plan_site_status_idx"),
        ]

    def __str__(self):
        return _("%(title)s, version %(version)s") % {
            "title": self.title,
            "version": self.version,
        }

    def get_absolute_url(self):
        return reverse("plans:detail", args=[self.pk])

    @property
    def is_draft(self):
        return self.status == self.Status.DRAFT


class PlannedEngagement(TimeStampedModel):
    """A line of the plan: engage this category (or this stakeholder), led by this
    function, on these objectives, by this method, this often."""

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        TWICE_A_YEAR = "twice_a_year", _("Twice a year")
        YEARLY = "yearly", _("Yearly")
        ONCE = "once", _("Once in the period")

    # Months between two engagements due; None: once in the whole period.
    FREQUENCY_MONTHS = {
        Frequency.MONTHLY: 1,
        Frequency.QUARTERLY: 3,
        Frequency.TWICE_A_YEAR: 6,
        Frequency.YEARLY: 12,
        Frequency.ONCE: None,
    }

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="lines", verbose_name=_("plan")
    )
    copied_from = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="copy",
        verbose_name=_("copied from"),
        help_text=_("The same line in the version this one revises."),
    )
    category = models.ForeignKey(
        StakeholderCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    stakeholder = models.ForeignKey(
        Stakeholder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="planned_engagements",
        verbose_name=_("stakeholder"),
    )
    lead_function = models.ForeignKey(
        Function, on_delete=models.PROTECT, related_name="+", verbose_name=_("lead function")
    )
    objectives = models.ManyToManyField(
        EngagementObjective,
        blank=True,
        related_name="+",
        verbose_name=_("Table 4E.2 objectives to cover"),
    )
    format = models.CharField(
        _("method"),
        max_length=30,
        choices=Engagement.Format.choices,
        blank=True,
        help_text=_("Left empty, any format counts."),
    )
    frequency = models.CharField(_("frequency"), max_length=20, choices=Frequency.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = AuditedHistory(m2m_fields=["objectives"])

    class Meta:
        ordering = ["plan", "order", "pk"]
        verbose_name = _("planned engagement")
        verbose_name_plural = _("planned engagements")
        constraints = [
            models.CheckConstraint(
                condition=Q(category__isnull=False, stakeholder__isnull=True)
                | Q(category__isnull=True, stakeholder__isnull=False),
                name="planned_engagement_category_or_stakeholder",
                violation_error_message=_("Plan for a category or for one stakeholder, not both."),
            ),
        ]

    def __str__(self):
        return _("%(frequency)s, led by %(function)s") % {
            "frequency": self.get_frequency_display(),
            "function": self.lead_function,
        }

    def get_absolute_url(self):
        return self.plan.get_absolute_url()
