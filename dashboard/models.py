"""The dashboard's one remembered preference: which of their sites a user last chose to
see. Read back only through `dashboard.selectors.dashboard_site`, which checks the user is
still a member of it (a choice left over from a membership that ended is ignored)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from stakeholders.models import Site


class DashboardChoice(models.Model):
    """The site a user of several sites chose to see on their dashboard. A preference,
    not a record: it keeps no history."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="dashboard_choice",
        verbose_name=_("user"),
    )
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="+", verbose_name=_("site")
    )
    chosen_at = models.DateTimeField(_("chosen at"), auto_now=True)

    class Meta:
        ordering = ["user"]
        verbose_name = _("dashboard site choice")
        verbose_name_plural = _("dashboard site choices")

    def __str__(self):
        return f"{self.user} → {self.site}"

    def get_absolute_url(self):
        return reverse("home")
