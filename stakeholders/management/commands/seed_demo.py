from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from stakeholders.models import Function, Site, SiteMembership, Stakeholder, StakeholderCategory
from stakeholders.services import stakeholder_create

DEMO_PASSWORD = "vpsa-demo"  # noqa: S105 - printed on the console; DEBUG only

SITE = {"name": "Kisima Ridge Gold Mine", "country": "Tanzania", "region": "Songwe"}

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
        "contacts": [{"name": "Musa Haule", "role": "Secretary", "phone": "+255 700 100 221"}],
    },
    {
        "name": "Kasanga pastoralist community",
        "kind": Stakeholder.Kind.GROUP,
        "category": "local-communities",
        "location": "Kasanga grazing area, south-west of the tailings facility",
        "influence": 2,
        "interest": 3,
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
        "at_risk": True,
        "notes": "Reported an incident at the lease boundary. Contact only through the CLO.",
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
            site, _ = Site.objects.get_or_create(name=SITE["name"], defaults=SITE)
            created_users = self.seed_users(site)
            created_stakeholders = self.seed_stakeholders(site)
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
            SiteMembership.objects.get_or_create(
                user=user,
                site=site,
                defaults={"function": Function.objects.get(code=function), "cleared": cleared},
            )
        return created_users

    def seed_stakeholders(self, site):
        categories = {category.code: category for category in StakeholderCategory.objects.all()}
        created = 0
        for entry in STAKEHOLDERS:
            fields = dict(entry)
            if Stakeholder.objects.filter(name=fields["name"], sites=site).exists():
                continue
            fields["category"] = categories[fields["category"]]
            stakeholder_create(sites=[site], **fields)
            created += 1
        return created
