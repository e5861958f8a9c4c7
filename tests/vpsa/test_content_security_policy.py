"""A strict Content Security Policy on every response, and templates that keep to it (the
browser tests fail on anything the policy refuses in a real page)."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>"),
    "inline style element": re.compile(r"<style\b"),
    "style attribute": re.compile(r"\sstyle=\""),
    "event handler attribute": re.compile(r"\son[a-z]+=\""),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def policy(response):
    return dict(
        (directive.split(" ", 1) + [""])[:2]
        for directive in (part.strip() for part in response["Content-Security-Policy"].split(";"))
        if directive
    )


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/admin/login/", "/no-such-page/"])
def test_every_response_carries_the_policy(client, path):
    directives = policy(client.get(path))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in " ".join(directives.values())


def test_a_logged_in_page_carries_it_too(client, member):
    client.force_login(member)
    response = client.get(reverse("home"))
    assert policy(response)["script-src"] == "'self'"


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_no_template_has_inline_script_or_style(template):
    text = template.read_text()
    found = [what for what, pattern in INLINE.items() if pattern.search(text)]
    assert found == []
