from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from stakeholders import services
from stakeholders.models import (
    Function,
    Site,
    SiteMembership,
    Stakeholder,
    StakeholderCategory,
    VulnerableGroup,
)

DEMO_PASSWORD = "vpsa-demo"  # noqa: S105 - printed on the console; DEBUG only

SITE = {
    "name": "Kisima Ridge Gold Mine",
    "country": "Tanzania",
    "region": "Songwe",
    "time_zone": "Africa/Dar_es_Salaam",
}

# The account that opened the demo site and placed its people: a superuser that cannot log
# in (no usable password), so the history says who set the demo up.
SETUP_USER = "demo-setup"

# Who added each category's stakeholders to the registry.
ADDED_BY = {
    "local-communities": "clo",
    "ngos-human-rights-defenders": "clo",
    "public-security-providers": "security",
    "industry-peers": "security",
    "host-country-government": "admin",
    "home-country-embassy": "admin",
}

# Changes made later in the year: (stakeholder, by, changes, reason).
LATER_CHANGES = [
    (
        "Rehema Nzowa",
        "clo",
        {
            "at_risk": True,
            "notes": "Reported an incident at the lease boundary. Contact only through the CLO.",
        },
        "Reported an incident at the lease boundary; her identity is protected from now on",
    ),
    (
        "Ilembo police post",
        "security",
        {"location": "Ilembo trading centre, next to the ward office"},
        "Post moved to the new building",
    ),
]

# Re-assessments over the year: (stakeholder, days ago, influence, interest, reason, by).
REASSESSMENTS = [
    (
        "Ntatu artisanal miners' association",
        300,
        2,
        4,
        "Before the boundary incidents: a small association, mostly about access to tailings.",
        "clo",
    ),
    (
        "Ntatu artisanal miners' association",
        120,
        4,
        5,
        "Took the boundary incidents to the district council and the regional press.",
        "clo",
    ),
    (
        "Songwe regional police command",
        200,
        5,
        2,
        "New regional commander; little interest in the site's VPs commitments yet.",
        "security",
    ),
    (
        "Songwe regional police command",
        45,
        5,
        4,
        "Commander asked for a memorandum on deployments and VPs training.",
        "security",
    ),
    (
        "Ilembo women's savings group",
        90,
        3,
        5,
        "Now represented on the grievance committee.",
        "clo",
    ),
]

# username, role, first name, last name, function, cleared at the demo site, staff
USERS = [
    ("admin", "Administrator", "Amina", "Said", "management", True, True),
    ("security", "Security manager", "Peter", "Lyimo", "security", True, False),
    (
        "clo",
        "Community liaison officer",
        "Grace",
        "Mwakalinga",
        "community-relations",
        True,
        False,
    ),
    ("reviewer", "Reviewer", "Samuel", "Otieno", "legal", False, False),
]

# Fictional people and organisations; any likeness to real ones is accidental.
STAKEHOLDERS = [
    {
        "name": "Mwanzo village council",
        "kind": Stakeholder.Kind.GROUP,
        "category": "local-communities",
        "location": "Mwanzo village, 4 km north of the pit",
        "influence": 4,
        "interest": 5,
        "notes": "Host village. Monthly meeting on the first Tuesday; minutes kept by the VEO.",
        "contacts": [
            {
                "name": "Halima Mwakyusa",
                "role": "Village chairperson",
                "phone": "+255 700 100 201",
            },
            {
                "name": "Joseph Kibona",
                "role": "Village executive officer",
                "phone": "+255 700 100 202",
            },
        ],
    },
    {
        "name": "Ilembo women's savings group",
        "kind": Stakeholder.Kind.GROUP,
        "category": "local-communities",
        "location": "Ilembo ward office",
        "influence": 2,
        "interest": 4,
        "notes": "Meets separately from the village council so that women can speak freely.",
        "vulnerable_groups": ["women"],
        "contacts": [{"name": "Neema Sanga", "role": "Chairwoman", "phone": "+255 700 100 211"}],
    },
    {
        "name": "Ntatu artisanal miners' association",
        "kind": Stakeholder.Kind.ORGANISATION,
        "category": "local-communities",
        "location": "Ntatu ridge, east of the lease boundary",
        "influence": 3,
        "interest": 5,
        "notes": "Encounters with the site's guards at the lease boundary are the main concern.",
        "vulnerable_groups": ["youth", "other"],
        "vulnerable_group_note": "Migrant workers without local land rights",
        "contacts": [{"name": "Musa Haule", "role": "Secretary", "phone": "+255 700 100 221"}],
    },
    {
        "name": "Kasanga pastoralist community",
        "kind": Stakeholder.Kind.GROUP,
        "category": "local-communities",
        "location": "Kasanga grazing area, south-west of the tailings facility",
        "influence": 2,
        "interest": 3,
        "vulnerable_groups": ["indigenous-peoples"],
        "contacts": [{"name": "Lemaiyan Ole Sayo", "role": "Elder"}],
    },
    {
        "name": "Songwe regional police command",
        "kind": Stakeholder.Kind.ORGANISATION,
        "category": "public-security-providers",
        "location": "Regional police headquarters, Vwawa",
        "influence": 5,
        "interest": 3,
        "notes": "A memorandum of understanding on deployments near the site is under discussion.",
        "contacts": [
            {"name": "Daniel Mrema", "role": "Regional police commander"},
            {
                "name": "Rose Mushi",
                "role": "Community policing officer",
                "phone": "+255 700 100 232",
            },
        ],
    },
    {
        "name": "Ilembo police post",
        "kind": Stakeholder.Kind.ORGANISATION,
        "category": "public-security-providers",
        "location": "Ilembo trading centre",
        "influence": 4,
        "interest": 3,
        "contacts": [{"name": "Hassan Kombo", "role": "Officer in charge"}],
    },
    {
        "name": "Ilembo district commissioner's office",
        "kind": Stakeholder.Kind.ORGANISATION,
        "category": "host-country-government",
        "location": "District headquarters",
        "influence": 5,
        "interest": 4,
        "contacts": [{"name": "Agnes Mlay", "role": "District administrative secretary"}],
    },
    {
        "name": "National human rights commission, southern zone office",
        "kind": Stakeholder.Kind.ORGANISATION,
        "category": "host-country-government",
        "location": "Zonal office, Mbeya",
        "influence": 4,
        "interest": 4,
        "contacts": [
            {
                "name": "Francis Ngowi",
                "role": "Zonal human rights officer",
                "email": "zonal.officer@example.org",
            }
        ],
    },
    {
        "name": "Haki Madini legal aid centre",
        "kind": Stakeholder.Kind.ORGANISATION,
        "category": "ngos-human-rights-defenders",
        "location": "Mbeya",
        "influence": 3,
        "interest": 5,
        "notes": "Runs paralegal clinics in the host villages; refers grievances to the site.",
        "contacts": [
            {
                "name": "Esther Mwansasu",
                "role": "Programme coordinator",
                "email": "coordinator@example.org",
            }
        ],
    },
    {
        "name": "Baraka Mwaipopo",
        "kind": Stakeholder.Kind.PERSON,
        "category": "ngos-human-rights-defenders",
        "location": "Mwanzo village",
        "influence": 3,
        "interest": 5,
        "at_risk": True,
        "notes": "Community human rights monitor. Meet off site; never name in shared minutes.",
        "contacts": [
            {
                "name": "Baraka Mwaipopo",
                "role": "Human rights monitor",
                "phone": "+255 700 100 291",
            }
        ],
    },
    {
        "name": "Rehema Nzowa",
        "kind": Stakeholder.Kind.PERSON,
        "category": "local-communities",
        "location": "Ntatu ridge",
        "influence": 1,
        "interest": 4,
        "notes": "Sells food at the Ntatu ridge diggings; attends the artisanal miners' meetings.",
        "contacts": [{"name": "Rehema Nzowa", "role": "Community member"}],
    },
    {
        "name": "Mbozi Copper Ltd, security department",
        "kind": Stakeholder.Kind.ORGANISATION,
        "category": "industry-peers",
        "location": "Mbozi",
        "influence": 2,
        "interest": 3,
        "contacts": [
            {"name": "Victor Shayo", "role": "Security manager", "email": "security@example.com"}
        ],
    },
    {
        "name": "Southern highlands mining security forum",
        "kind": Stakeholder.Kind.GROUP,
        "category": "industry-peers",
        "location": "Rotates between member sites",
        "influence": 3,
        "interest": 3,
        "notes": "Quarterly; shares vetting of private security contractors.",
    },
    {
        "name": "Home-country embassy, political section",
        "kind": Stakeholder.Kind.ORGANISATION,
        "category": "home-country-embassy",
        "location": "Dar es Salaam",
        "influence": 3,
        "interest": 2,
        "contacts": [
            {
                "name": "Alice Whitfield",
                "role": "Second secretary, political",
                "email": "political@example.net",
            }
        ],
    },
]


class Command(BaseCommand):
    help = (
        "Create a fictional demo site with stakeholders in all six categories and one user per "
        "role, and print their logins. Idempotent; runs only with DEBUG on."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the database already has a site (used by `make run`).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what would be added, and add nothing.",
        )

    def handle(self, *args, if_empty=False, dry_run=False, verbosity=1, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates users with a published password; it runs only with DEBUG on."
            )
        if if_empty and Site.objects.exists():
            if verbosity:
                self.stdout.write("The database has sites already; no demo data added.")
            return
        with transaction.atomic():
            site = self.seed_site()
            created_users = self.seed_users(site)
            created_stakeholders = self.seed_stakeholders(site)
            # Apps built on the registry add their own demo data (engagement imports
            # stakeholders, never the reverse, so they are found, not imported).
            added = {
                config.verbose_name: config.seed_demo(site, dry_run=dry_run)
                for config in apps.get_app_configs()
                if hasattr(config, "seed_demo")
            }
            if dry_run:
                transaction.set_rollback(True)
        if verbosity:
            verb = "would be added (dry run, nothing written)" if dry_run else "added"
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo site “{site}”: {created_stakeholders} stakeholder(s) and "
                    f"{len(created_users)} user(s) {verb}."
                )
            )
            for name, count in added.items():
                if count:
                    self.stdout.write(f"{name}: {count} record(s) {verb}.")
            if dry_run:
                return
            self.stdout.write("Demo logins:")
            for username, role, _first, _last, _function, cleared, staff in USERS:
                password = DEMO_PASSWORD if username in created_users else "(unchanged)"
                notes = ", ".join(
                    word for word, on in (("cleared", cleared), ("admin site", staff)) if on
                )
                self.stdout.write(
                    f"  {username:<10} {password:<12} {role}  [{notes or 'not cleared'}]"
                )

    def seed_users(self, site):
        User = get_user_model()
        setup = self.setup_user()
        created_users = []
        for username, role, first, last, function, cleared, staff in USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, "is_staff": staff},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                user.groups.add(Group.objects.get(name=role))
                created_users.append(username)
            if not SiteMembership.objects.filter(user=user, site=site).exists():
                services.membership_create(
                    actor=setup,
                    data={
                        "user": user,
                        "site": site,
                        "function": Function.objects.get(code=function),
                        "cleared": cleared,
                    },
                )
        return created_users

    def seed_site(self):
        site = Site.objects.filter(name=SITE["name"]).first()
        if site is None:
            site = services.site_create(actor=self.setup_user(), data=SITE)
        return site

    def setup_user(self):
        """The superuser that opens the demo site and places its people; it has no usable
        password, so nobody can log in as it."""
        setup, _ = get_user_model().objects.get_or_create(
            username=SETUP_USER, defaults={"is_superuser": True, "first_name": "Demo set-up"}
        )
        if setup.has_usable_password():
            setup.set_unusable_password()
            setup.save(update_fields=["password"])
        return setup

    def seed_stakeholders(self, site):
        User = get_user_model()
        categories = {category.code: category for category in StakeholderCategory.objects.all()}
        groups = {group.code: group for group in VulnerableGroup.objects.all()}
        created = 0
        for entry in STAKEHOLDERS:
            fields = dict(entry)
            if Stakeholder.objects.filter(name=fields["name"], sites=site).exists():
                continue
            contacts = fields.pop("contacts", [])
            marked = [groups[code] for code in fields.pop("vulnerable_groups", [])]
            fields["category"] = categories[fields["category"]]
            author = User.objects.get(username=ADDED_BY[fields["category"].code])
            stakeholder = services.stakeholder_create(
                actor=author,
                sites=[site],
                data=fields,
                vulnerable_groups=marked,
                contacts=contacts,
                reason="Baseline stakeholder mapping for the year's SEP",
            )
            # The story starts a year ago: the baseline mapping is dated then.
            stakeholder.assessments.update(assessed_on=timezone.localdate() - timedelta(days=365))
            created += 1
        if created:
            self.seed_reassessments(site)
            self.seed_later_changes(site)
        return created

    def seed_later_changes(self, site):
        User = get_user_model()
        for name, by, changes, reason in LATER_CHANGES:
            services.stakeholder_update(
                actor=User.objects.get(username=by),
                stakeholder=Stakeholder.objects.get(name=name, sites=site),
                data=changes,
                reason=reason,
            )

    def seed_reassessments(self, site):
        User = get_user_model()
        today = timezone.localdate()
        for name, days_ago, influence, interest, reason, by in REASSESSMENTS:
            stakeholder = Stakeholder.objects.get(name=name, sites=site)
            services.assessment_create(
                actor=User.objects.get(username=by),
                stakeholder=stakeholder,
                influence=influence,
                interest=interest,
                assessed_on=today - timedelta(days=days_ago),
                reason=reason,
            )
