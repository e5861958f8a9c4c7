"""Every page of the app through axe-core, in the system Chromium: no serious or critical
violations, for each role that sees the page and in its error states.

Each test audits a role's pages in one browser and reports every page's findings at once.
"""

from datetime import date, timedelta

import pytest

from stakeholders import services
from stakeholders.models import Stakeholder
from tests.browser.conftest import AxeAudit, logged_in_page, session_cookie
from tests.factories import (
    CategoryFactory,
    CommitmentFactory,
    ConcernFactory,
    ContactFactory,
    EngagementFactory,
    FindingFactory,
    MembershipFactory,
    SiteFactory,
    StakeholderFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def registry(transactional_db):
    """A site with its people and a registry that has contacts, assessments and history,
    and a logged-in session for each person. Made before Playwright starts."""
    site = SiteFactory(name="Kisima Ridge Gold Mine", country="Tanzania")

    def member(username, role, *, cleared, **fields):
        user = UserFactory(username=username, roles=[role], **fields)
        membership = MembershipFactory(user=user, site=site, cleared=cleared)
        return user, membership

    reviewer, reviewer_membership = member("reviewer", "Reviewer", cleared=False)
    manager, _ = member("security", "Security manager", cleared=True)
    admin, _ = member("siteadmin", "Administrator", cleared=True, is_staff=True)

    police = CategoryFactory(code="public-security-providers", name="Public security providers")
    council = StakeholderFactory(
        name="Mwanzo village council", kind=Stakeholder.Kind.GROUP, sites=[site]
    )
    chair = ContactFactory(stakeholder=council, name="Halima Mwakyusa", role="Chairperson")
    ContactFactory(stakeholder=council, name="Juma Kibona", role="Village secretary")
    services.stakeholder_update(
        actor=manager,
        stakeholder=council,
        data={"location": "Mwanzo village office", "notes": "Meets monthly."},
        reason="After the boundary meeting",
    )
    services.assessment_create(
        actor=manager,
        stakeholder=council,
        influence=4,
        interest=5,
        assessed_on=date(2025, 3, 1),
        reason="Took the boundary dispute to the district council.",
    )
    StakeholderFactory(name="Ilembo police post", category=police, sites=[site])
    defender = StakeholderFactory(
        name="Baraka Mwaipopo",
        kind=Stakeholder.Kind.PERSON,
        location="Mwanzo village",
        at_risk=True,
        sites=[site],
    )
    ContactFactory(stakeholder=defender, name="Baraka M.")
    engagement = EngagementFactory(site=site, created_by=admin, stakeholders=[council])
    commitment = CommitmentFactory(engagement=engagement, owner=manager)
    FindingFactory(engagement=engagement, community=council, value=4, evidence="Said so.")
    ConcernFactory(engagement=engagement, stakeholder=council)
    return {
        "engagement": engagement,
        "commitment": commitment,
        "site": site,
        "council": council,
        "chair": chair,
        "defender": defender,
        "reviewer": reviewer,
        "reviewer_membership": reviewer_membership,
        "cookies": {
            "reviewer": session_cookie(reviewer),
            "manager": session_cookie(manager),
            "admin": session_cookie(admin),
        },
    }


def audit_as(role, registry, live_server, browser, **viewport):
    page = logged_in_page(browser, live_server, registry["cookies"][role], **viewport)
    return AxeAudit(page, live_server.url)


def test_login_page(live_server, registry, chromium):
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    audit = AxeAudit(page, live_server.url)

    audit.visit_and_check("/login/")
    page.get_by_label("Username").fill("reviewer")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Please enter a correct username and password").wait_for()
    audit.check("/login/ with a wrong password")

    audit.assert_clean()


def test_pages_of_an_uncleared_reviewer(live_server, registry, chromium):
    audit = audit_as("reviewer", registry, live_server, chromium)
    council, defender = registry["council"], registry["defender"]

    audit.visit_and_check("/", label="dashboard, uncleared")
    audit.page.get_by_text("shown only to those cleared at this site").wait_for()
    audit.visit_and_check("/stakeholders/")
    audit.visit_and_check("/stakeholders/?q=village&kind=group&at_risk=no&active=yes")
    audit.visit_and_check(f"/stakeholders/?site={registry['site'].pk}&category=not-a-number")
    audit.page.get_by_text("These filters could not be applied").wait_for()
    audit.visit_and_check("/stakeholders/?q=nothing+like+this")  # no results
    audit.visit_and_check(f"/stakeholders/{defender.pk}/", label="at-risk stakeholder, hidden")
    audit.page.get_by_text("Protected stakeholder").first.wait_for()
    audit.visit_and_check(f"/stakeholders/{council.pk}/")
    audit.visit_and_check("/stakeholders/map/")
    audit.visit_and_check(f"/stakeholders/{council.pk}/edit/", status=403, label="403 page")
    audit.visit_and_check("/stakeholders/999999/", status=404, label="404 page")
    audit.visit_and_check(f"/engagements/{registry['engagement'].pk}/", label="an engagement")
    audit.visit_and_check("/engagements/")
    audit.visit_and_check("/engagements/?date_from=banana&q=road", label="a bad filter")
    audit.page.get_by_text("left out").first.wait_for()
    audit.visit_and_check("/engagements/my-function/")
    audit.visit_and_check("/engagements/commitments/")
    audit.visit_and_check("/engagements/concerns/")
    audit.visit_and_check("/engagements/log/", status=403, label="log, refused")
    audit.visit_and_check("/engagements/perceptions/")
    audit.page.locator("#chart-satisfaction[data-drawn='true']").wait_for(state="attached")
    audit.visit_and_check("/engagements/perceptions/?date_from=banana", label="perceptions, bad")
    audit.page.get_by_text("left out").first.wait_for()
    audit.visit_and_check("/engagements/perceptions/?date_to=2000-01-01", label="no perceptions")

    audit.assert_clean()


def test_pages_of_a_cleared_security_manager(live_server, registry, chromium):
    audit = audit_as("manager", registry, live_server, chromium)
    page = audit.page
    council, chair = registry["council"], registry["chair"]

    audit.visit_and_check("/", label="dashboard, cleared")
    page.locator("details.coverage summary").first.click()
    page.locator("details.coverage[open]").first.wait_for()
    audit.check("dashboard, an objectives list open")

    audit.visit_and_check("/stakeholders/")
    page.get_by_role("link", name="Add a stakeholder").wait_for()
    audit.visit_and_check("/stakeholders/?influence=4&interest=5", label="a cell of the map")
    audit.visit_and_check(f"/stakeholders/{council.pk}/", label="stakeholder with history")
    page.get_by_role("link", name="Edit Halima Mwakyusa").wait_for()
    page.get_by_text("After the boundary meeting").first.wait_for()
    audit.visit_and_check(f"/stakeholders/{registry['defender'].pk}/", label="at-risk, shown")
    audit.visit_and_check("/stakeholders/map/")

    audit.visit_and_check("/stakeholders/add/")
    page.get_by_role("button", name="Save").click()
    page.locator(".invalid-feedback").first.wait_for()
    audit.check("add form with errors")

    audit.visit_and_check(f"/stakeholders/{council.pk}/edit/")
    page.get_by_label("Name").fill("")
    page.get_by_role("button", name="Save").click()
    page.locator(".invalid-feedback").first.wait_for()
    audit.check("edit form with errors")

    audit.visit_and_check(f"/stakeholders/{council.pk}/assess/")
    page.get_by_label("Assessed on").fill("2999-01-01")
    page.get_by_role("button", name="Record assessment").click()
    page.locator(".invalid-feedback").first.wait_for()
    audit.check("re-assess form with errors")

    audit.visit_and_check(f"/stakeholders/{council.pk}/contacts/add/")
    page.get_by_role("button", name="Save").click()
    page.locator(".invalid-feedback").first.wait_for()
    audit.check("contact form with errors")
    audit.visit_and_check(f"/stakeholders/{council.pk}/contacts/{chair.pk}/")

    engagement = registry["engagement"]
    audit.visit_and_check(f"/engagements/{engagement.pk}/", label="an engagement, changeable")
    audit.visit_and_check(f"/engagements/{engagement.pk}/edit/")
    page.get_by_label("Date").fill("2999-01-01")
    page.get_by_role("button", name="Save engagement").first.click()
    page.locator(".invalid-feedback").first.wait_for()
    audit.check("engagement form with errors")
    audit.visit_and_check("/engagements/log/", status=200, label="log an engagement")
    page.locator("#id_stakeholders-ts-control").fill("Mwanzo")
    page.locator(".ts-dropdown .option", has_text="Mwanzo village council").click()
    page.keyboard.press("Escape")
    page.locator(f"#findings-{council.pk}").wait_for()
    audit.check("log an engagement, a community's findings shown")
    audit.visit_and_check("/engagements/?confidentiality=restricted", label="list, cleared")
    audit.visit_and_check("/engagements/commitments/?status=&overdue=on")
    audit.visit_and_check("/engagements/concerns/?type=allegation_public_security")
    audit.visit_and_check(f"/engagements/perceptions/?community={council.pk}")
    audit.visit_and_check(f"/engagements/commitments/{registry['commitment'].pk}/progress/")
    page.get_by_label("Status").select_option("done")
    page.get_by_role("button", name="Save").click()
    page.locator(".invalid-feedback").first.wait_for()
    audit.check("commitment progress with errors")

    audit.assert_clean()


def test_admin_pages_of_a_cleared_administrator(live_server, registry, chromium):
    audit = audit_as("admin", registry, live_server, chromium, width=1400, height=1000)
    council = registry["council"]
    stakeholders = "/admin/stakeholders/stakeholder"

    audit.visit_and_check("/admin/")
    audit.visit_and_check(f"{stakeholders}/")
    audit.visit_and_check(f"{stakeholders}/?q=village&at_risk__exact=0")
    audit.visit_and_check(f"{stakeholders}/{council.pk}/change/")
    audit.visit_and_check(f"{stakeholders}/add/")
    audit.visit_and_check(f"{stakeholders}/import/")
    audit.visit_and_check(f"{stakeholders}/{council.pk}/history/")
    audit.visit_and_check("/admin/stakeholders/sitemembership/")
    audit.visit_and_check(
        f"/admin/stakeholders/sitemembership/{registry['reviewer_membership'].pk}/change/"
    )
    audit.visit_and_check("/admin/auth/user/")
    audit.visit_and_check(f"/admin/auth/user/{registry['reviewer'].pk}/change/")
    engagements = "/admin/engagement/engagement"
    audit.visit_and_check(f"{engagements}/")
    audit.visit_and_check(f"{engagements}/add/")
    audit.visit_and_check(f"{engagements}/{registry['engagement'].pk}/change/")
    audit.visit_and_check(f"{engagements}/{registry['engagement'].pk}/history/")
    audit.visit_and_check("/admin/engagement/commitment/")
    audit.visit_and_check("/admin/engagement/concern/")
    audit.visit_and_check("/admin/engagement/attachment/")

    audit.assert_clean()


def test_admin_at_1400_px_needs_no_sideways_scrolling(live_server, registry, chromium):
    """The stakeholder list shows all its columns, and the contact rows of a stakeholder fit
    the page (static/css/admin.css)."""
    page = logged_in_page(chromium, live_server, registry["cookies"]["admin"], width=1400)
    page.goto(f"{live_server.url}/admin/stakeholders/stakeholder/")
    results = page.locator("#changelist-form .results")
    assert results.evaluate("box => box.scrollWidth <= box.clientWidth"), "columns scroll"

    page.goto(f"{live_server.url}/admin/stakeholders/stakeholder/{registry['council'].pk}/change/")
    page.locator("#contacts-group").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    contacts = page.locator("#contacts-group table")
    assert contacts.evaluate(
        "table => table.getBoundingClientRect().right"
        " <= table.closest('.inline-group').getBoundingClientRect().right + 1"
    ), "contact rows overflow their box"


@pytest.fixture
def sep(registry):
    """The site's SEP: version 1 approved, version 2 in draft, with a line for the at-risk
    defender (a placeholder for the uncleared). Made before Playwright starts."""
    from plans import services as plan_services
    from stakeholders.models import Function

    manager = type(registry["reviewer"]).objects.get(username="security")
    security = Function.objects.get(code="security")
    v1 = plan_services.plan_create(
        actor=manager,
        site=registry["site"],
        data={
            "title": "SEP",
            "starts_on": registry["site"].today() - timedelta(days=200),
            "ends_on": registry["site"].today() + timedelta(days=165),
        },
        lines=[
            {
                "category": registry["council"].category,
                "lead_function": security,
                "frequency": "monthly",
            },
            {
                "stakeholder": registry["defender"],
                "lead_function": security,
                "frequency": "yearly",
            },
        ],
    )
    v1 = plan_services.plan_approve(actor=manager, plan=v1)
    v2 = plan_services.plan_revise(actor=manager, plan=v1)
    return {"v1": v1, "v2": v2}


def test_sep_pages(live_server, registry, sep, chromium):
    reviewer = audit_as("reviewer", registry, live_server, chromium)
    reviewer.visit_and_check("/plans/")
    reviewer.visit_and_check(f"/plans/{sep['v1'].pk}/", label="approved plan, uncleared")
    reviewer.page.get_by_text("Protected stakeholder").first.wait_for()
    reviewer.visit_and_check(f"/plans/{sep['v1'].pk}/?status=overdue", label="overdue lines")
    reviewer.visit_and_check(f"/plans/{sep['v2'].pk}/", label="draft plan, uncleared")
    reviewer.visit_and_check(f"/plans/{sep['v2'].pk}/edit/", status=403, label="edit, refused")
    reviewer.assert_clean()

    manager = audit_as("manager", registry, live_server, chromium)
    manager.visit_and_check(f"/plans/{sep['v2'].pk}/", label="draft plan, cleared")
    manager.visit_and_check(f"/plans/{sep['v2'].pk}/edit/", label="edit the draft")
    manager.visit_and_check(f"/plans/{sep['v2'].pk}/approve/", label="approve, confirm")
    manager.visit_and_check(f"/plans/{sep['v2'].pk}/delete/", label="delete, confirm")
    manager.visit_and_check("/plans/new/", label="draft a new plan")
    manager.assert_clean()

    admin = audit_as("admin", registry, live_server, chromium, width=1400, height=1000)
    admin.visit_and_check("/admin/plans/plan/")
    admin.visit_and_check(f"/admin/plans/plan/{sep['v1'].pk}/change/", label="admin, approved")
    admin.visit_and_check(f"/admin/plans/plan/{sep['v2'].pk}/change/", label="admin, draft")
    admin.visit_and_check(f"/admin/plans/plan/{sep['v2'].pk}/history/")
    admin.assert_clean()
