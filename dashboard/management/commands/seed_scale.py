"""A benchmark tool: a company's ten years of data, written with bulk inserts.

Not a demo and not for production: it refuses to run with `DEBUG` off, writes no change
history (bulk inserts bypass it) and gives its users no usable password. It only adds: run it
on an empty database made for the purpose (`benchmarks/README.md`).
"""

import datetime
import random
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from engagement.models import Commitment, Concern, Engagement, Finding
from plans.models import Plan, PlannedEngagement
from stakeholders.models import (
    EngagementObjective,
    Function,
    Site,
    SiteMembership,
    Stakeholder,
    StakeholderCategory,
)

SITE_PREFIX = "Scale site"
COUNTRIES = ["Tanzania", "Ghana", "Peru", "Chile", "Indonesia", "Mongolia", "Canada", "Zambia"]
PLACES = [
    "Ilembo", "Ntatu", "Mbalizi", "Isongole", "Kanga", "Mlowo", "Vwawa", "Itaka",
    "Chapakazi", "Iyula", "Hasamba", "Nkangamo", "Ruanda", "Msia", "Igamba", "Sumbawanga",
]  # fmt: skip
KIND_BY_CATEGORY = {
    "local-communities": Stakeholder.Kind.GROUP,
    "ngos-human-rights-defenders": Stakeholder.Kind.ORGANISATION,
    "public-security-providers": Stakeholder.Kind.ORGANISATION,
    "host-country-government": Stakeholder.Kind.ORGANISATION,
    "industry-peers": Stakeholder.Kind.ORGANISATION,
    "home-country-embassy": Stakeholder.Kind.ORGANISATION,
}
# How a site's stakeholders and engagements spread over the categories: mostly communities.
CATEGORY_WEIGHTS = {
    "local-communities": 50,
    "ngos-human-rights-defenders": 10,
    "public-security-providers": 15,
    "host-country-government": 15,
    "industry-peers": 6,
    "home-country-embassy": 4,
}
NOUNS = {
    "local-communities": ["village council", "women's group", "youth group", "farmers"],
    "ngos-human-rights-defenders": ["legal aid centre", "rights monitor", "land forum"],
    "public-security-providers": ["police post", "district police", "army detachment"],
    "host-country-government": ["ward office", "district council", "mines office"],
    "industry-peers": ["gold mine", "quarry", "exploration camp"],
    "home-country-embassy": ["embassy", "consulate"],
}
PURPOSES = [
    "Quarterly meeting on the site's security arrangements",
    "Follow-up on the grievance about blasting noise",
    "Briefing on the Voluntary Principles and the rules on the use of force",
    "Discussion of access to the tailings for artisanal miners",
    "Review of the water supply commitment",
    "Joint patrol planning and human rights training",
    "Introduction of the new security manager",
    "Community safety walk along the haul road",
]
SUMMARIES = [
    "Attendees raised dust on the haul road and asked for watering twice a day.",
    "The commander agreed to a refresher on the use of force before the next rotation.",
    "Elders welcomed the water kiosk and asked for a second one near the school.",
    "The group reported harassment at the boundary gate by contractor guards.",
    "Concerns about youth employment; the site explained its local hiring plan.",
    "Shared analysis of the boundary incidents without naming anyone involved.",
    "The council asked for earlier notice of blasting and road closures.",
    "Peers shared how they vet private security companies.",
]
COMMITMENT_TEXTS = [
    "Water the haul road twice a day in the dry season",
    "Send the blasting schedule to the ward office every Friday",
    "Organise a human rights refresher for the contractor's guards",
    "Repair the fence at the boundary gate",
    "Report back on the employment figures at the next meeting",
]
CONCERN_TEXTS = [
    "Dust on the haul road near the school",
    "Guards at the boundary gate turn people away roughly",
    "Cracks in houses after blasting",
    "Few local hires in the last intake",
]

USERS_PER_SITE = (
    ("security", "Security manager", "security", True),
    ("clo", "Community liaison officer", "community-relations", True),
    ("legal", "Community liaison officer", "legal", False),
    ("reviewer", "Reviewer", None, False),
)


class Table:
    """Rows of one model written with multi-row INSERT statements, past the ORM: building a
    model instance per row costs ten times the insert. Values are given by attribute name;
    the others take the field's default. `created_at`/`updated_at` get the start time."""

    ROWS_PER_STATEMENT = 500

    def __init__(self, model, *, with_pk=False, now=None):
        fields = [
            field for field in model._meta.concrete_fields if with_pk or not field.primary_key
        ]
        quote = connection.ops.quote_name
        self.names = [field.attname for field in fields]
        self.defaults = {}
        for field in fields:
            default = field.get_default()
            if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
                default = now
            self.defaults[field.attname] = default
        # Quoted table and column names from the model; the values go as parameters.
        self.prefix = "INSERT INTO {} ({}) VALUES ".format(  # noqa: S608
            quote(model._meta.db_table), ", ".join(quote(field.column) for field in fields)
        )
        self.row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
        self.pending = []
        self.count = 0

    def add(self, **values):
        self.pending.append(tuple(values.get(name, self.defaults[name]) for name in self.names))
        if len(self.pending) >= self.ROWS_PER_STATEMENT:
            self.flush()

    def flush(self):
        if not self.pending:
            return
        sql = self.prefix + ", ".join([self.row_sql] * len(self.pending))
        with connection.cursor() as cursor:
            cursor.execute(sql, [value for row in self.pending for value in row])
        self.count += len(self.pending)
        self.pending = []


class Command(BaseCommand):
    help = (
        "Benchmark data only (DEBUG on): add SITES sites with STAKEHOLDERS stakeholders and "
        "ENGAGEMENTS engagements over YEARS years, with their stakeholders, objectives, "
        "findings, commitments, concerns and plans, by bulk inserts without history."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sites", type=int, default=20)
        parser.add_argument("--stakeholders", type=int, default=50_000)
        parser.add_argument("--engagements", type=int, default=1_000_000)
        parser.add_argument("--years", type=int, default=10)
        parser.add_argument("--batch", type=int, default=5_000, help="Rows per insert.")
        parser.add_argument("--seed", type=int, default=4, help="Random seed.")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_scale writes benchmark data without history and refuses to run with "
                "DEBUG off. Use a database made for benchmarks, with DEBUG=1."
            )
        for name in ("sites", "stakeholders", "engagements", "years", "batch"):
            if options[name] < 1:
                raise CommandError(f"--{name} must be at least 1.")
        if Site.objects.filter(name__startswith=SITE_PREFIX).exists():
            raise CommandError(
                f"This database already holds “{SITE_PREFIX} …” sites; use an empty one."
            )
        if not StakeholderCategory.objects.exists():
            raise CommandError("The Table 4E.2 reference data is missing: run migrate first.")
        self.random = random.Random(options["seed"])  # noqa: S311 - not for secrets
        self.batch = options["batch"]
        self.started = time.monotonic()
        self.now = connection.ops.adapt_datetimefield_value(timezone.now())
        with transaction.atomic():
            self.reference()
            sites = self.sites(options["sites"])
            self.people(sites)
            self.stakeholders(sites, options["stakeholders"])
            self.engagements(sites, options["engagements"], options["years"])
            self.plans(sites, options["years"])
            self.reset_sequences()
        with connection.cursor() as cursor:
            # The planner's statistics after the bulk load; on PostgreSQL also the
            # visibility map, without which no count is answered from an index alone (as
            # autovacuum would do on a live database in its own time). VACUUM cannot run
            # inside a transaction, as when a test calls the command.
            vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
            cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
        self.say(f"done in {time.monotonic() - self.started:.0f} s")

    def say(self, message):
        self.stdout.write(f"[{time.monotonic() - self.started:7.1f} s] {message}")

    def next_id(self, model):
        last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
        return (last or 0) + 1

    # --- reference data and people ---------------------------------------------------

    def reference(self):
        self.categories = {c.code: c for c in StakeholderCategory.objects.all()}
        self.category_codes = [c for c in CATEGORY_WEIGHTS if c in self.categories]
        self.weights = [CATEGORY_WEIGHTS[c] for c in self.category_codes]
        self.objectives = {code: [] for code in self.categories}
        for objective in EngagementObjective.objects.select_related("category"):
            self.objectives[objective.category.code].append(objective.pk)
        self.functions = {f.code: f for f in Function.objects.all()}
        self.default_function = {
            code: category.default_lead_function_id or next(iter(self.functions.values())).pk
            for code, category in self.categories.items()
        }

    def sites(self, count):
        sites = [
            Site(
                name=f"{SITE_PREFIX} {number:02d}",
                country=COUNTRIES[number % len(COUNTRIES)],
                region=PLACES[number % len(PLACES)],
                time_zone="Africa/Dar_es_Salaam",
            )
            for number in range(1, count + 1)
        ]
        Site.objects.bulk_create(sites)
        sites = list(Site.objects.filter(name__startswith=SITE_PREFIX).order_by("name"))
        self.say(f"{len(sites)} sites")
        return sites

    def people(self, sites):
        User = get_user_model()
        groups = {group.name: group for group in Group.objects.all()}
        users, memberships, roles = [], [], []
        for site in sites:
            number = site.name.rsplit(" ", 1)[1]
            for short, _role, _function, _cleared in USERS_PER_SITE:
                users.append(
                    User(
                        username=f"scale-{number}-{short}",
                        first_name=short.capitalize(),
                        last_name=f"Site {number}",
                        password="!",  # noqa: S106 - unusable: these accounts cannot log in
                    )
                )
        User.objects.bulk_create(users)
        by_name = {u.username: u for u in User.objects.filter(username__startswith="scale-")}
        self.site_users = {}
        for site in sites:
            number = site.name.rsplit(" ", 1)[1]
            self.site_users[site.pk] = []
            for short, role, function, cleared in USERS_PER_SITE:
                user = by_name[f"scale-{number}-{short}"]
                self.site_users[site.pk].append(user.pk)
                memberships.append(
                    SiteMembership(
                        user=user,
                        site=site,
                        cleared=cleared,
                        function=self.functions.get(function),
                    )
                )
                if role in groups:
                    roles.append(User.groups.through(user_id=user.pk, group_id=groups[role].pk))
        SiteMembership.objects.bulk_create(memberships)
        User.groups.through.objects.bulk_create(roles)
        self.say(f"{len(users)} users with their memberships")

    # --- the registry ----------------------------------------------------------------

    def stakeholders(self, sites, total):
        rnd = self.random
        first = self.next_id(Stakeholder)
        self.site_stakeholders = {
            site.pk: {code: [] for code in self.categories} for site in sites
        }
        rows = Table(Stakeholder, with_pk=True, now=self.now)
        links = Table(Stakeholder.sites.through)
        for offset in range(total):
            pk = first + offset
            site = sites[offset % len(sites)]
            code = rnd.choices(self.category_codes, self.weights)[0]
            place = rnd.choice(PLACES)
            self.site_stakeholders[site.pk][code].append(pk)
            rows.add(
                id=pk,
                name=f"{place} {rnd.choice(NOUNS[code])} {pk}",
                kind=KIND_BY_CATEGORY[code],
                category_id=self.categories[code].pk,
                lead_function_id=self.default_function[code],
                location=place,
                influence=rnd.randint(1, 5),
                interest=rnd.randint(1, 5),
                at_risk=rnd.random() < 0.03,
                active=rnd.random() > 0.05,
            )
            links.add(stakeholder_id=pk, site_id=site.pk)
        rows.flush()
        links.flush()
        self.say(f"{rows.count:,} stakeholders")

    # --- engagements and what came of them ---------------------------------------------

    def engagements(self, sites, total, years):
        rnd = self.random
        today = timezone.localdate()
        start = today - datetime.timedelta(days=365 * years)
        span = (today - start).days
        first = self.next_id(Engagement)
        formats = [value for value, _label in Engagement.Format.choices]
        indicator_of = dict(
            EngagementObjective.objects.exclude(indicator="").values_list("pk", "indicator")
        )
        engagements = Table(Engagement, with_pk=True, now=self.now)
        met = Table(Engagement.stakeholders.through)
        addressed = Table(Engagement.objectives.through)
        findings = Table(Finding, now=self.now)
        commitments = Table(Commitment, now=self.now)
        concerns = Table(Concern, now=self.now)
        tables = (engagements, met, addressed, findings, commitments, concerns)
        restricted_value = Engagement.Confidentiality.RESTRICTED.value
        internal_value = Engagement.Confidentiality.INTERNAL.value
        for offset in range(total):
            pk = first + offset
            site = sites[offset % len(sites)]
            users = self.site_users[site.pk]
            code = rnd.choices(self.category_codes, self.weights)[0]
            pool = self.site_stakeholders[site.pk][code] or next(
                ids for ids in self.site_stakeholders[site.pk].values() if ids
            )
            chosen = rnd.sample(pool, min(len(pool), rnd.choice((1, 1, 1, 2, 3))))
            day = start + datetime.timedelta(days=rnd.randrange(span))
            restricted = rnd.random() < 0.08
            author = users[0] if restricted else rnd.choice(users[:3])
            community = code == "local-communities"
            function = self.default_function[code]
            engagements.add(
                id=pk,
                site_id=site.pk,
                date=day.isoformat(),
                format="community_meeting"
                if community and rnd.random() < 0.6
                else rnd.choice(formats),
                location=rnd.choice(PLACES),
                lead_function_id=function,
                attendance_total=rnd.randint(2, 80),
                purpose=rnd.choice(PURPOSES),
                summary=rnd.choice(SUMMARIES),
                confidentiality=restricted_value if restricted else internal_value,
                created_by_id=author,
                updated_by_id=author,
            )
            for stakeholder in chosen:
                met.add(engagement_id=pk, stakeholder_id=stakeholder)
            objectives = self.objectives[code]
            for objective in rnd.sample(objectives, min(len(objectives), rnd.randint(0, 3))):
                addressed.add(engagement_id=pk, engagementobjective_id=objective)
                if community and objective in indicator_of:
                    for stakeholder in chosen:
                        findings.add(
                            engagement_id=pk,
                            site_id=site.pk,
                            date=day.isoformat(),
                            community_id=stakeholder,
                            indicator=indicator_of[objective],
                            value=min(5, max(1, round(rnd.gauss(3.2, 1)))),
                            evidence=rnd.choice(SUMMARIES),
                        )
            if rnd.random() < 0.3:
                due = day + datetime.timedelta(days=rnd.choice((14, 30, 60, 90)))
                closed = due < today and rnd.random() < 0.8
                commitments.add(
                    engagement_id=pk,
                    site_id=site.pk,
                    description=rnd.choice(COMMITMENT_TEXTS),
                    owner_id=author,
                    lead_function_id=function,
                    due_on=due.isoformat(),
                    status="done" if closed else "open",
                    closing_note="Done as agreed." if closed else "",
                    closed_on=due.isoformat() if closed else None,
                )
            if rnd.random() < 0.1:
                allegation = rnd.random() < 0.1
                concerns.add(
                    engagement_id=pk,
                    site_id=site.pk,
                    stakeholder_id=chosen[0],
                    type=rnd.choice(Concern.ALLEGATIONS).value
                    if allegation
                    else Concern.Type.COMMUNITY_SAFETY.value,
                    description=rnd.choice(CONCERN_TEXTS),
                    status="referred" if allegation else "open",
                    referred_to="District police commander" if allegation else "",
                    referred_on=day.isoformat() if allegation else None,
                    created_by_id=author,
                )
            if (offset + 1) % 100_000 == 0:
                self.say(f"{offset + 1:,} engagements")
        for table in tables:
            table.flush()
        self.say(
            f"{engagements.count:,} engagements with {met.count:,} stakeholders met, "
            f"{addressed.count:,} objectives addressed, {findings.count:,} findings, "
            f"{commitments.count:,} commitments, {concerns.count:,} concerns"
        )

    # --- plans -----------------------------------------------------------------------

    def plans(self, sites, years):
        today = timezone.localdate()
        plans = []
        for site in sites:
            approver = self.site_users[site.pk][0]
            for year in range(today.year - years + 1, today.year + 1):
                starts = datetime.date(year, 1, 1)
                plans.append(
                    Plan(
                        site_id=site.pk,
                        title=f"SEP {year}",
                        starts_on=starts,
                        ends_on=datetime.date(year, 12, 31),
                        status=Plan.Status.APPROVED,
                        approved_by_id=approver,
                        approved_at=timezone.now(),
                        in_force_from=starts,
                        created_by_id=approver,
                        updated_by_id=approver,
                    )
                )
        Plan.objects.bulk_create(plans, batch_size=self.batch)
        lines, objectives = [], []
        frequencies = [value for value, _label in PlannedEngagement.Frequency.choices]
        first = self.next_id(PlannedEngagement)
        pk = first
        for plan in Plan.objects.filter(site__in=sites).only("pk"):
            for order, code in enumerate(self.category_codes):
                lines.append(
                    PlannedEngagement(
                        pk=pk,
                        plan_id=plan.pk,
                        category_id=self.categories[code].pk,
                        lead_function_id=self.default_function[code],
                        frequency=frequencies[order % len(frequencies)],
                        order=order,
                    )
                )
                for objective in self.objectives[code][:2]:
                    objectives.append(
                        PlannedEngagement.objectives.through(
                            plannedengagement_id=pk, engagementobjective_id=objective
                        )
                    )
                pk += 1
        PlannedEngagement.objects.bulk_create(lines, batch_size=self.batch)
        PlannedEngagement.objectives.through.objects.bulk_create(objectives, batch_size=self.batch)
        self.say(f"{len(plans):,} approved plans with {len(lines):,} lines")

    def reset_sequences(self):
        """Rows were written with explicit ids: move PostgreSQL's sequences past them."""
        models = [Stakeholder, Engagement, PlannedEngagement]
        statements = connection.ops.sequence_reset_sql(no_style(), models)
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
