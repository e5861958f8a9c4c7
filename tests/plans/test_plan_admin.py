"""The SEP in the Django admin: scoped to the user's sites, approved versions read-only,
drafts changed through the services, no approval field editable, redacted history."""

from datetime import date

import pytest

from plans import services
from plans.models import Plan

PERIOD = {"title": "SEP 2025", "starts_on": date(2025, 1, 1), "ends_on": date(2025, 12, 31)}


@pytest.fixture
def draft(site, admin_member, defender, communities, security):
    defender.category = communities
    defender.save()
    return services.plan_create(
        actor=admin_member,
        site=site,
        data=PERIOD,
        lines=[
            {"category": communities, "lead_function": security, "frequency": "quarterly"},
            {"stakeholder": defender, "lead_function": security, "frequency": "yearly"},
        ],
    )


def change_data(plan, **fields):
    lines = list(plan.lines.order_by("order", "pk"))
    data = {
        "title": plan.title,
        "starts_on": plan.starts_on.isoformat(),
        "ends_on": plan.ends_on.isoformat(),
        "summary": plan.summary,
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": str(len(lines)),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for index, line in enumerate(lines):
        data.update(
            {
                f"lines-{index}-id": line.pk,
                f"lines-{index}-plan": plan.pk,
                f"lines-{index}-category": line.category_id or "",
                f"lines-{index}-lead_function": line.lead_function_id,
                f"lines-{index}-format": line.format,
                f"lines-{index}-frequency": line.frequency,
                f"lines-{index}-note": line.note,
            }
        )
    return data


def test_a_draft_is_changed_through_the_service(client, admin_member, draft):
    client.force_login(admin_member)
    url = f"/admin/plans/plan/{draft.pk}/change/"
    assert client.get(url).status_code == 200
    data = change_data(draft, title="Renamed in the admin")
    data["lines-0-frequency"] = "monthly"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    draft.refresh_from_db()
    assert draft.title == "Renamed in the admin"
    assert draft.lines.get(category__isnull=False).frequency == "monthly"
    assert draft.lines.count() == 2  # the hidden stakeholder's line is kept
    assert draft.history.order_by("-history_id").first().history_user == admin_member


def test_approval_fields_are_never_editable(client, admin_member, draft):
    client.force_login(admin_member)
    page = client.get(f"/admin/plans/plan/{draft.pk}/change/").content.decode()
    for name in ("approved_by", "approved_at", "in_force_from", "superseded_on", "status"):
        assert f'name="{name}"' not in page
    client.post(
        f"/admin/plans/plan/{draft.pk}/change/",
        change_data(draft, status="approved", approved_by=admin_member.pk),
    )
    draft.refresh_from_db()
    assert draft.is_draft and draft.approved_by is None


def test_an_approved_version_is_read_only(client, admin_member, draft):
    approved = services.plan_approve(actor=admin_member, plan=draft)
    client.force_login(admin_member)
    url = f"/admin/plans/plan/{approved.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="title"' not in page and 'name="_save"' not in page
    client.post(url, change_data(approved, title="Changed"))
    approved.refresh_from_db()
    assert approved.title == "SEP 2025"
    assert (
        client.post(f"/admin/plans/plan/{approved.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert Plan.objects.filter(pk=approved.pk).exists()


def test_scoped_to_the_users_sites(client, outsider, draft):
    outsider.is_staff = True
    outsider.save()
    client.force_login(outsider)
    assert "SEP 2025" not in client.get("/admin/plans/plan/").content.decode()
    response = client.get(f"/admin/plans/plan/{draft.pk}/change/")
    assert response.status_code in (302, 404)
    assert client.get(f"/admin/plans/plan/{draft.pk}/history/").status_code == 404


def test_the_uncleared_never_read_the_hidden_stakeholder(client, uncleared_admin, draft, defender):
    client.force_login(uncleared_admin)
    for url in (
        "/admin/plans/plan/",
        f"/admin/plans/plan/{draft.pk}/change/",
        f"/admin/plans/plan/{draft.pk}/history/",
    ):
        page = client.get(url).content.decode()
        assert defender.name not in page and "Baraka" not in page
