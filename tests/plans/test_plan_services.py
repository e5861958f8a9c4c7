"""The SEP's writes (plans.services): drafting, approving, revising, deleting; who may
approve; approved versions read-only; periods that overlap refused; history by the actor."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from plans import services
from plans.models import Plan, PlannedEngagement
from tests.conftest import member_of
from tests.factories import StakeholderFactory
from tests.plans.conftest import objectives_of

PERIOD = {"title": "SEP 2025", "starts_on": date(2025, 1, 1), "ends_on": date(2025, 12, 31)}


@pytest.fixture(autouse=True)
def mid_2025():
    # Noon UTC on 1 July 2025: the same day at any site.
    with time_machine.travel(datetime(2025, 7, 1, 12, tzinfo=UTC), tick=False):
        yield


def line(category, function, **extra):
    return {
        "category": category,
        "lead_function": function,
        "frequency": PlannedEngagement.Frequency.QUARTERLY,
        "objectives": objectives_of(category)[:2],
        **extra,
    }


@pytest.fixture
def draft(site, member, communities, security):
    return services.plan_create(
        actor=member, site=site, data=PERIOD, lines=[line(communities, security)]
    )


def test_a_security_manager_drafts_a_plan_with_lines(draft, member, communities):
    assert draft.status == Plan.Status.DRAFT and draft.version == 1
    assert draft.created_by == member
    (only,) = draft.lines.all()
    assert only.category == communities
    assert list(only.objectives.all()) == objectives_of(communities)[:2]
    entry = draft.history.order_by("-history_id").first()
    assert entry.history_user == member and entry.history_type == "+"
    assert only.history.get().history_user == member


def test_drafting_needs_an_actor_a_role_and_the_site(site, other_site, reviewer, outsider):
    with pytest.raises(PermissionDenied):
        services.plan_create(actor=None, site=site, data=PERIOD)
    with pytest.raises(PermissionDenied):
        services.plan_create(actor=reviewer, site=site, data=PERIOD)
    with pytest.raises(PermissionDenied):
        services.plan_create(actor=outsider, site=site, data=PERIOD)
    assert not Plan.objects.exists()


def test_objectives_must_be_of_the_line_category(site, member, communities, police, security):
    with pytest.raises(services.LineError) as refused:
        services.plan_create(
            actor=member,
            site=site,
            data=PERIOD,
            lines=[line(communities, security), line(communities, security)]
            + [{**line(communities, security), "objectives": objectives_of(police)[:1]}],
        )
    assert refused.value.index == 2
    assert "objectives" in refused.value.message_dict
    assert not Plan.objects.exists()


def test_a_line_is_for_a_category_or_one_stakeholder(site, member, communities, security):
    council = StakeholderFactory(category=communities, sites=[site])
    both = {**line(communities, security), "stakeholder": council}
    neither = {**line(communities, security), "category": None}
    for bad in (both, neither):
        with pytest.raises(ValidationError):
            services.plan_create(actor=member, site=site, data=PERIOD, lines=[bad])
    plan = services.plan_create(
        actor=member,
        site=site,
        data=PERIOD,
        lines=[{**line(communities, security), "category": None, "stakeholder": council}],
    )
    assert plan.lines.get().stakeholder == council


def test_an_uncleared_member_cannot_plan_for_a_hidden_stakeholder(
    site, member, defender, security
):
    spec = {
        "stakeholder": defender,
        "lead_function": security,
        "frequency": "yearly",
    }
    with pytest.raises(ValidationError) as refused:
        services.plan_create(actor=member, site=site, data=PERIOD, lines=[spec])
    assert "stakeholder" in refused.value.message_dict
    assert defender.name not in str(refused.value)


def test_periods_of_a_site_do_not_overlap(draft, site, other_site, member, outsider):
    with pytest.raises(ValidationError) as refused:
        services.plan_create(
            actor=member,
            site=site,
            data={**PERIOD, "starts_on": date(2025, 12, 1), "ends_on": date(2026, 11, 30)},
        )
    assert "overlaps" in str(refused.value)
    # The next period, and the same period at another site, are fine.
    services.plan_create(
        actor=member,
        site=site,
        data={**PERIOD, "starts_on": date(2026, 1, 1), "ends_on": date(2026, 12, 31)},
    )
    services.plan_create(actor=outsider, site=other_site, data=PERIOD)


def test_a_period_must_end_after_it_starts(site, member):
    with pytest.raises(ValidationError):
        services.plan_create(
            actor=member,
            site=site,
            data={**PERIOD, "ends_on": date(2024, 12, 31)},
        )


def test_a_draft_is_changed_and_its_lines_replaced(
    draft, member, cleared_member, communities, police, security
):
    first = draft.lines.get()
    services.plan_update(
        actor=cleared_member,
        plan=draft,
        data={"title": "SEP 2025 (draft 2)"},
        lines=[
            {"line": first, "frequency": PlannedEngagement.Frequency.MONTHLY},
            line(police, security),
        ],
    )
    draft.refresh_from_db()
    assert draft.title == "SEP 2025 (draft 2)" and draft.updated_by == cleared_member
    kept, added = draft.lines.order_by("order")
    assert kept.pk == first.pk and kept.frequency == "monthly"
    assert list(kept.objectives.all()) == objectives_of(communities)[:2]
    assert added.category == police
    assert kept.history.order_by("-history_id").first().history_user == cleared_member
    # Lines not given are removed, with their history.
    services.plan_update(actor=member, plan=draft, data={}, lines=[{"line": added}])
    assert list(draft.lines.all()) == [added]
    assert PlannedEngagement.history.filter(id=first.pk, history_type="-").get().history_user == (
        member
    )


def test_who_may_approve(
    draft, site, member, admin_member, reviewer, outsider, other_site, superuser
):
    clo = member_of(site, roles=["Community liaison officer"], username="clo")
    other_admin = member_of(other_site, roles=["Administrator"], username="otheradmin")
    for refused in (clo, reviewer, outsider, other_admin, None):
        with pytest.raises(PermissionDenied):
            services.plan_approve(actor=refused, plan=draft)
    draft.refresh_from_db()
    assert draft.is_draft
    approved = services.plan_approve(actor=admin_member, plan=draft)
    assert approved.status == Plan.Status.APPROVED
    assert approved.approved_by == admin_member and approved.approved_at is not None


@pytest.mark.parametrize("approver", ["member", "admin_member", "superuser"])
def test_security_managers_administrators_and_superusers_approve(request, draft, approver):
    user = request.getfixturevalue(approver)
    approved = services.plan_approve(actor=user, plan=draft)
    assert approved.approved_by == user
    # The first version is in force from the period's start, whenever approved.
    assert approved.in_force_from == date(2025, 1, 1)
    entry = approved.history.order_by("-history_id").first()
    assert entry.history_user == user and entry.history_change_reason == "Approved"


def test_a_draft_without_lines_is_not_approved(site, member):
    plan = services.plan_create(actor=member, site=site, data=PERIOD)
    with pytest.raises(ValidationError):
        services.plan_approve(actor=member, plan=plan)


def test_approved_versions_are_read_only(draft, member, admin_member):
    approved = services.plan_approve(actor=member, plan=draft)
    with pytest.raises(ValidationError):
        services.plan_update(actor=member, plan=approved, data={"title": "Changed"})
    with pytest.raises(ValidationError):
        services.plan_delete(actor=admin_member, plan=approved)
    with pytest.raises(ValidationError):
        services.plan_approve(actor=member, plan=approved)
    approved.refresh_from_db()
    assert approved.title == "SEP 2025"


def test_revise_copies_the_approved_version_into_a_new_draft(
    draft, member, admin_member, police, security
):
    v1 = services.plan_approve(actor=member, plan=draft)
    v2 = services.plan_revise(actor=admin_member, plan=v1)
    v1.refresh_from_db()
    assert v1.status == Plan.Status.APPROVED
    assert (v2.version, v2.status, v2.revises, v2.created_by) == (2, "draft", v1, admin_member)
    assert (v2.title, v2.starts_on, v2.ends_on) == (v1.title, v1.starts_on, v1.ends_on)
    original, copy = v1.lines.get(), v2.lines.get()
    assert copy.copied_from == original
    assert list(copy.objectives.all()) == list(original.objectives.all())
    # One draft at a time.
    with pytest.raises(ValidationError):
        services.plan_revise(actor=member, plan=v1)
    # A revision keeps the period.
    with pytest.raises(ValidationError):
        services.plan_update(actor=member, plan=v2, data={"ends_on": date(2025, 11, 30)})
    # Approving it supersedes version 1 from today at the site.
    services.plan_update(
        actor=member, plan=v2, data={}, lines=[{"line": copy}, line(police, security)]
    )
    v2 = services.plan_approve(actor=admin_member, plan=v2)
    v1.refresh_from_db()
    assert v2.in_force_from == date(2025, 7, 1)
    assert (v1.status, v1.superseded_on) == (Plan.Status.SUPERSEDED, date(2025, 7, 1))
    assert v1.history.order_by("-history_id").first().history_user == admin_member
    # A superseded version is read-only and is not revised.
    with pytest.raises(ValidationError):
        services.plan_revise(actor=member, plan=v1)
    with pytest.raises(ValidationError):
        services.plan_update(actor=member, plan=v1, data={"title": "x"})
    v3 = services.plan_revise(actor=member, plan=v2)
    assert v3.version == 3 and v3.lines.count() == 2


def test_a_reviewer_or_an_outsider_cannot_revise(draft, member, reviewer, outsider):
    v1 = services.plan_approve(actor=member, plan=draft)
    for refused in (reviewer, outsider):
        with pytest.raises(PermissionDenied):
            services.plan_revise(actor=refused, plan=v1)
    assert Plan.objects.count() == 1


def test_a_draft_is_deleted_with_its_lines_and_the_history_keeps_them(draft, member, reviewer):
    with pytest.raises(PermissionDenied):
        services.plan_delete(actor=reviewer, plan=draft)
    line_pk = draft.lines.get().pk
    services.plan_delete(actor=member, plan=draft)
    assert not Plan.objects.exists() and not PlannedEngagement.objects.exists()
    assert Plan.history.filter(id=draft.pk, history_type="-").get().history_user == member
    assert PlannedEngagement.history.filter(id=line_pk, history_type="-").exists()


def test_a_revision_draft_deleted_leaves_the_approved_version(draft, member):
    v1 = services.plan_approve(actor=member, plan=draft)
    v2 = services.plan_revise(actor=member, plan=v1)
    services.plan_delete(actor=member, plan=v2)
    v1.refresh_from_db()
    assert v1.status == Plan.Status.APPROVED and v1.lines.count() == 1
    assert services.plan_revise(actor=member, plan=v1).version == 2


def test_a_revision_approved_after_the_period_is_refused(draft, member):
    v1 = services.plan_approve(actor=member, plan=draft)
    v2 = services.plan_revise(actor=member, plan=v1)
    with (
        time_machine.travel(datetime(2026, 1, 5, 12, tzinfo=UTC), tick=False),
        pytest.raises(ValidationError),
    ):
        services.plan_approve(actor=member, plan=v2)
    v1.refresh_from_db()
    assert v1.status == Plan.Status.APPROVED
