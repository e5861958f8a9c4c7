from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Stakeholder engagement plans")

    def seed_demo(self, site, *, dry_run=False):
        """Called by `seed_demo` once the registry and the engagements are in: the demo
        site's SEP (two approved versions and a draft). Returns how many versions."""
        from plans import demo

        return demo.seed(site)
