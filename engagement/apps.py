from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "engagement"
    verbose_name = _("Engagement")

    def seed_demo(self, site):
        """Called by `seed_demo` once the registry is in: the demo site's year of
        engagements. Returns how many engagements were logged."""
        from engagement import demo

        return demo.seed(site)
