"""The demo site's Stakeholder Engagement Plan for the demo year, written through the
services as its people would: version 1 approved at the start of the period by the
security manager, a revision approved mid-year adding a monthly liaison line, and a third
version in draft. With the demo's engagements (engagement.demo) it shows lines on track,
one overdue (public security), one due soon (the new monthly line), a line done, and
Table 4E.2 objectives not covered yet. Called by `seed_demo` through `PlansConfig`.

The period starts 300 days before the day the demo is loaded (a mid-month start): the
demo's engagements are dated relative to that day too.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model

from plans import services
from plans.models import Plan, PlannedEngagement
from plans.schedule import add_months
from stakeholders.models import EngagementObjective, Function, Stakeholder, StakeholderCategory

PERIOD_STARTED_DAYS_AGO = 300
REVISION_APPROVED_DAYS_AGO = 45

# (category code or None, stakeholder name or None, lead function code, method or "",
#  frequency, objectives by position in the category, note)
LINES = [
    (
        "local-communities",
        None,
        "community-relations",
        "community_meeting",
        "quarterly",
        [0, 1, 2, 3],
        "Host and neighbouring villages in turn; minutes read back to the meeting.",
    ),
    (
        "public-security-providers",
        None,
        "security",
        "",
        "quarterly",
        [0, 1, 2, 3],
        "Regional command and the Ilembo post: deployments, rules on the use of force.",
    ),
    (
        "host-country-government",
        None,
        "government-affairs",
        "meeting",
        "twice_a_year",
        [1],
        "District commissioner's office.",
    ),
    (
        None,
        "National human rights commission, southern zone office",
        "security",
        "",
        "once",
        [0, 1],
        "Brief the commission on the site's VPs commitments and grievance channel.",
    ),
    (
        "ngos-human-rights-defenders",
        None,
        "community-relations",
        "meeting",
        "twice_a_year",
        [0, 1],
        "Off site, through the CLO; restricted record.",
    ),
    ("industry-peers", None, "security", "workshop", "yearly", [0, 1], "Security forum."),
    (
        "home-country-embassy",
        None,
        "management",
        "",
        "twice_a_year",
        [0, 2],
        "Political section briefing.",
    ),
]

# Added by the revision approved mid-year.
REVISION_LINE = (
    None,
    "Ilembo police post",
    "security",
    "site_visit",
    "monthly",
    [2, 4],
    "Monthly liaison visit agreed with the post commander after the boundary incidents.",
)


def _line(site, spec):
    code, name, function, method, frequency, positions, note = spec
    if code:
        category = StakeholderCategory.objects.get(code=code)
        stakeholder = None
    else:
        stakeholder = Stakeholder.objects.get(name=name, sites=site)
        category = None
    objectives = list(
        EngagementObjective.objects.filter(category=category or stakeholder.category_id).order_by(
            "order", "pk"
        )
    )
    return {
        "category": category,
        "stakeholder": stakeholder,
        "lead_function": Function.objects.get(code=function),
        "format": method,
        "frequency": frequency,
        "objectives": [objectives[p] for p in positions if p < len(objectives)],
        "note": note,
    }


def seed(site):
    """The SEP's three versions at the demo site. Returns how many plan versions were
    added: none when the site has plans already (the demo loaded before)."""
    if Plan.objects.filter(site=site).exists():
        return 0
    users = {user.username: user for user in get_user_model().objects.all()}
    manager, admin = users["security"], users["admin"]
    today = site.today()
    starts_on = today - timedelta(days=PERIOD_STARTED_DAYS_AGO)
    ends_on = add_months(starts_on, 12) - timedelta(days=1)
    title = f"{site} SEP {starts_on.year}–{ends_on.year}"
    v1 = services.plan_create(
        actor=manager,
        site=site,
        data={
            "title": title,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "summary": (
                "Engagement with the six Table 4E.2 groups for the year: communities every "
                "quarter, public security every quarter, government and civil society twice "
                "a year, peers and the embassy as planned."
            ),
        },
        lines=[_line(site, spec) for spec in LINES],
    )
    v1 = services.plan_approve(actor=manager, plan=v1, approved_on=starts_on - timedelta(days=5))
    v2 = services.plan_revise(actor=manager, plan=v1)
    services.plan_update(
        actor=manager,
        plan=v2,
        data={
            "summary": v2.summary
            + " Revised mid-year: a monthly liaison visit to the Ilembo police post."
        },
        lines=[{"line": line} for line in v2.lines.order_by("order")]
        + [_line(site, REVISION_LINE)],
    )
    services.plan_approve(
        actor=admin, plan=v2, approved_on=today - timedelta(days=REVISION_APPROVED_DAYS_AGO)
    )
    v2.refresh_from_db()
    v3 = services.plan_revise(actor=manager, plan=v2)
    peers = v3.lines.get(category__code="industry-peers")
    services.plan_update(
        actor=manager,
        plan=v3,
        data={"summary": v3.summary + " Draft: peers' workshop twice a year."},
        lines=[
            {"line": line, "frequency": PlannedEngagement.Frequency.TWICE_A_YEAR}
            if line.pk == peers.pk
            else {"line": line}
            for line in v3.lines.order_by("order")
        ],
    )
    return 3
