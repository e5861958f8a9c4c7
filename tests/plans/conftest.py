"""What the SEP tests share: reference categories and functions, and a plan's data."""

import pytest

from stakeholders.models import EngagementObjective, Function, StakeholderCategory


@pytest.fixture
def communities(db):
    return StakeholderCategory.objects.get(code="local-communities")


@pytest.fixture
def police(db):
    return StakeholderCategory.objects.get(code="public-security-providers")


@pytest.fixture
def security(db):
    return Function.objects.get(code="security")


@pytest.fixture
def community_relations(db):
    return Function.objects.get(code="community-relations")


def objectives_of(category):
    return list(EngagementObjective.objects.filter(category=category).order_by("order", "pk"))
