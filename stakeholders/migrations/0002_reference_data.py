"""Reference data every install has: the functions that lead engagement, and the six key
stakeholder groups of Table 4E.2 with their engagement objectives.

Rows are matched on their stable `code` and only created when missing (a category's
objectives with the category), so running this again never duplicates a row nor overwrites
or resurrects what an administrator has since edited.

Source text: ../shared/seeds/table-4e2-excerpt.txt, with the excerpt's known defects
corrected as its README says ("NGOs and human rights defenders", "Public security providers",
prose rows split into one objective per sentence that says what engagement is for).
"""

from django.db import migrations

SOURCE = (
    "Anglo American, Social Way Toolkit v3.0 (2020), Section 4E 'Security management and the "
    "Voluntary Principles on Security and Human Rights', PLAN stage, Task 1 'Conduct "
    "stakeholder engagement', Table 4E.2 'Key stakeholders and engagement objectives'"
)

FUNCTIONS = [
    ("security", "Security"),
    ("community-relations", "Community relations / social performance"),
    ("legal", "Legal"),
    ("government-affairs", "Government affairs"),
    ("human-resources", "Human resources"),
    ("operations", "Operations"),
    ("management", "Management"),
]

# (code, name, default lead function, description, [(objective, guidance, indicator)])
CATEGORIES = [
    (
        "local-communities",
        "Local communities",
        "community-relations",
        "Security issues should be incorporated into sites' stakeholder engagement processes "
        "with a view to communicating arrangements and identifying/mitigating impacts. "
        "Engagements should gather information about the four matters below.",
        [
            (
                "Levels of satisfaction / dissatisfaction with the site",
                "Engagements should gather information about: levels of satisfaction / "
                "dissatisfaction with the site",
                "satisfaction",
            ),
            (
                "Attitudes towards site security",
                "Engagements should gather information about: attitudes towards site security",
                "security_attitude",
            ),
            (
                "Relationships with public security",
                "Engagements should gather information about: relationships with public "
                "security",
                "public_security_relationship",
            ),
            (
                "Confidence in the public security / judicial system",
                "Engagements should gather information about: confidence in the public "
                "security / judicial system",
                "justice_confidence",
            ),
        ],
    ),
    (
        "public-security-providers",
        "Public security providers",
        "security",
        "Building solid relationships and understanding the capacities and attitudes of public "
        "security providers towards local communities are essential.",
        [
            (
                "Communicating the site's commitment to the VPs and national and international "
                "standards",
                "",
                "",
            ),
            ("Exploring issues of capacity, expertise and application of standards", "", ""),
            (
                "Building a shared understanding of when and how public providers will "
                "intervene",
                "",
                "",
            ),
            (
                "Establishing regular lines of communication and sharing analysis as "
                "appropriate (i.e. without putting individuals or groups at risk)",
                "",
                "",
            ),
            ("Assessing capacity-building support", "", ""),
        ],
    ),
    (
        "host-country-government",
        "Host-country government (including national human rights commissions)",
        "government-affairs",
        "National governments are responsible for national security and the protection of "
        "human rights. They also have a strong interest in, and, in some contexts, "
        "responsibility for, protecting the site.",
        [
            (
                "Consulting Human Rights Commissions or equivalent bodies",
                "Some countries also have Human Rights Commissions or equivalent bodies who "
                "should also be consulted.",
                "",
            ),
            (
                "Discussing the need for proper investigation of allegations of abuse",
                "Discussions should include the need for proper investigation of allegations "
                "of abuse.",
                "",
            ),
        ],
    ),
    (
        "ngos-human-rights-defenders",
        "Civil society: NGOs and human rights defenders",
        "community-relations",
        "Local and international NGOs are invaluable sources of information on security and "
        "human rights issues. In some cases, they can also be important interlocutors with "
        "local communities.",
        [
            (
                "Gathering information on security and human rights issues",
                "Local and international NGOs are invaluable sources of information on security "
                "and human rights issues.",
                "",
            ),
            (
                "Working with them as interlocutors with local communities",
                "In some cases, they can also be important interlocutors with local "
                "communities.",
                "",
            ),
        ],
    ),
    (
        "industry-peers",
        "Industry peers",
        "security",
        "Other companies can provide valuable information on their experiences regarding "
        "security and human rights issues, as well as help identify and vet private security "
        "companies. Speaking with a collective voice can also be important in lobbying local, "
        "regional or national authorities.",
        [
            (
                "Learning from their experiences regarding security and human rights issues",
                "Other companies can provide valuable information on their experiences "
                "regarding security and human rights issues",
                "",
            ),
            (
                "Identifying and vetting private security companies",
                "... as well as help identify and vet private security companies.",
                "",
            ),
            (
                "Speaking with a collective voice in lobbying local, regional or national "
                "authorities",
                "Speaking with a collective voice can also be important in lobbying local, "
                "regional or national authorities.",
                "",
            ),
        ],
    ),
    (
        "home-country-embassy",
        "Home-country embassy",
        "government-affairs",
        "Home governments can be important sources of information on public security "
        "providers, a potential interlocutor with governments on sensitive issues and effective "
        "convenors of multi-stakeholder meetings.",
        [
            (
                "Gathering information on public security providers",
                "Home governments can be important sources of information on public security "
                "providers",
                "",
            ),
            (
                "Engaging the embassy as an interlocutor with government on sensitive issues",
                "... a potential interlocutor with governments on sensitive issues",
                "",
            ),
            (
                "Convening multi-stakeholder meetings",
                "... and effective convenors of multi-stakeholder meetings.",
                "",
            ),
        ],
    ),
]


def load_reference_data(apps, schema_editor):
    Function = apps.get_model("stakeholders", "Function")
    Category = apps.get_model("stakeholders", "StakeholderCategory")
    Objective = apps.get_model("stakeholders", "EngagementObjective")

    functions = {}
    for order, (code, name) in enumerate(FUNCTIONS, start=1):
        functions[code], _ = Function.objects.get_or_create(
            code=code, defaults={"name": name, "order": order}
        )

    for order, (code, name, lead, description, objectives) in enumerate(CATEGORIES, start=1):
        category, created = Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "default_lead_function": functions[lead],
                "source": SOURCE,
                "order": order,
            },
        )
        if not created:
            continue  # its objectives are the administrator's to keep, reorder or retire
        Objective.objects.bulk_create(
            Objective(
                category=category,
                order=position,
                text=text,
                guidance=guidance or text,
                indicator=indicator,
            )
            for position, (text, guidance, indicator) in enumerate(objectives, start=1)
        )


class Migration(migrations.Migration):
    dependencies = [("stakeholders", "0001_initial")]

    operations = [migrations.RunPython(load_reference_data, migrations.RunPython.noop)]
