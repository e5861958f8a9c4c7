from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from stakeholders.history import AuditedHistory
from stakeholders.models import Site, TimeStampedModel


class LessonsLearned(TimeStampedModel):
    """The lessons-learned section of a site report, written by the security manager for
    the site and period and printed with the report."""

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="lessons", verbose_name=_("site")
    )
    starts_on = models.DateField(_("period starts"))
    ends_on = models.DateField(_("period ends"))
    text = models.TextField(
        _("lessons learned"),
        help_text=_(
            "What worked, what did not and what will change; written for the VPs annual "
            "report, so name no one who could be put at risk."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("written by"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("last changed by"),
    )

    history = AuditedHistory()

    class Meta:
        ordering = ["site__name", "-starts_on"]
        verbose_name = _("lessons learned")
        verbose_name_plural = _("lessons learned")
        constraints = [
            models.UniqueConstraint(
                fields=["site", "starts_on", "ends_on"],
                name="lessons_unique_per_site_period",
                violation_error_message=_("This period's lessons learned are written already."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="lessons_period_ends_after_start",
                violation_error_message=_("The period must not end before it starts."),
            ),
        ]

    def __str__(self):
        return _("Lessons learned at %(site)s, %(start)s to %(end)s") % {
            "site": self.site,
            "start": self.starts_on,
            "end": self.ends_on,
        }

    def get_absolute_url(self):
        query = urlencode(
            {"site": self.site_id, "date_from": self.starts_on, "date_to": self.ends_on}
        )
        return f"{reverse('reports:report')}?{query}"
