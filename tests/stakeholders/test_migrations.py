"""The history migrations on a database that already holds a registry: every existing row
gets a first history entry and every stakeholder a first assessment, nothing is lost."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("stakeholders", "0003_roles")]
AFTER = [("stakeholders", "0005_vulnerable_groups_baselines")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_rows_get_a_baseline_history_and_a_first_assessment():
    old = migrate(BEFORE)
    try:
        Site = old.get_model("stakeholders", "Site")
        Stakeholder = old.get_model("stakeholders", "Stakeholder")
        Category = old.get_model("stakeholders", "StakeholderCategory")
        User = old.get_model("auth", "User")
        Group = old.get_model("auth", "Group")
        home = Site.objects.create(name="Home Mine", country="TZ")
        far = Site.objects.create(name="Far Mine", country="ZM")
        council = Stakeholder.objects.create(
            name="Council",
            kind="group",
            category=Category.objects.get(code="local-communities"),
            influence=4,
            interest=2,
        )
        council.sites.set([home, far])
        clo = User.objects.create(username="clo")
        clo.groups.add(Group.objects.get(name="Community liaison officer"))

        new = migrate(AFTER)
        Stakeholder = new.get_model("stakeholders", "Stakeholder")
        Historical = new.get_model("stakeholders", "HistoricalStakeholder")
        Assessment = new.get_model("stakeholders", "Assessment")
        HistoricalUser = new.get_model("stakeholders", "HistoricalUser")
        Group = new.get_model("auth", "Group")

        council = Stakeholder.objects.get(name="Council")
        baseline = Historical.objects.get(id=council.pk)
        assert baseline.history_type == "+"
        assert baseline.history_change_reason == "Recorded before history was kept"
        assert baseline.history_date == council.created_at
        sites = new.get_model("stakeholders", "HistoricalStakeholder_sites")
        assert set(sites.objects.filter(history=baseline).values_list("site_id", flat=True)) == {
            home.pk,
            far.pk,
        }
        first = Assessment.objects.get(stakeholder_id=council.pk)
        assert (first.influence, first.interest) == (4, 2)
        user_record = HistoricalUser.objects.get(id=clo.pk)
        groups = new.get_model("stakeholders", "HistoricalUser_groups")
        assert list(
            groups.objects.filter(history=user_record).values_list("group_id", flat=True)
        ) == [Group.objects.get(name="Community liaison officer").pk]
        reviewer = Group.objects.get(name="Reviewer")
        assert reviewer.permissions.filter(codename="view_assessment").exists()
        assert not reviewer.permissions.filter(codename="add_assessment").exists()
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
