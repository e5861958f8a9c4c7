"""The lock files pin every dependency pyproject.toml names, within its range, with hashes:
a change to pyproject.toml without `make lock` fails here rather than on a server."""

import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.vpsa.test_settings import BASE_DIR

PYPROJECT = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\]+)", re.MULTILINE)


def pinned(name):
    text = (BASE_DIR / "requirements" / name).read_text()
    return {canonicalize_name(package): version for package, version in PIN.findall(text)}


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [
        ("production.txt", PYPROJECT["dependencies"]),
        (
            "dev.txt",
            PYPROJECT["dependencies"] + PYPROJECT["optional-dependencies"]["dev"],
        ),
    ],
)
def test_every_dependency_is_pinned_within_its_range(lock, requirements):
    versions = pinned(lock)
    for line in requirements:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in versions, f"{requirement.name} is not in requirements/{lock}"
        assert requirement.specifier.contains(versions[name], prereleases=True), (
            f"requirements/{lock} pins {requirement.name}=={versions[name]}, "
            f"outside {requirement.specifier}: run `make lock`"
        )


@pytest.mark.parametrize("lock", ["production.txt", "dev.txt"])
def test_every_pinned_package_carries_its_hashes(lock):
    text = (BASE_DIR / "requirements" / lock).read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9._-]+==)", text.split("\n", 6)[-1])
    for entry in entries:
        if PIN.match(entry):
            assert "--hash=sha256:" in entry, entry.splitlines()[0]
