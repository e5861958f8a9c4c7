"""Playwright in the system Chromium, and the helpers the browser tests share.

Each test makes its data (and its logins) before Playwright starts: ORM work inside
Playwright's event loop would run in another context and leave a database connection open.
So list the data fixtures before `chromium` or `browser_page` in a test's arguments.
"""

import os
import shutil

import pytest
from django.conf import settings
from django.test import Client

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Impacts that fail a page; "moderate" and "minor" findings are left to judgement.
BLOCKING_IMPACTS = {"serious", "critical"}


# Run in every page before its own scripts: a script, style or request the Content
# Security Policy refused becomes a console error the tests collect. Not while axe-core,
# which the tests inject, is running: it adds styles of its own to measure the page.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
    if (window.vpsaAxeRunning) {
        return;
    }
    console.error(`CSP violation: ${event.violatedDirective} refused ${event.blockedURI}`
        + ` at ${event.sourceFile}:${event.lineNumber}`);
});
"""


class PolicyWatch:
    """Every context and page the browser opens reports what the Content Security Policy
    blocked (REPORT_CSP_VIOLATIONS)."""

    def __init__(self, browser):
        self.violations = []
        self.new_context = browser.new_context
        self.new_page = browser.new_page
        browser.new_context = self.watched_context
        browser.new_page = self.watched_page
        browser.policy_watch = self

    def listen(self, message):
        """The page's violation events (the browser's own console message about each one
        says the same, but also of what axe-core did)."""
        text = message.text
        if message.type == "error" and text.startswith("CSP violation"):
            page = message.page.url if message.page is not None else "?"
            self.violations.append(f"{page}: {text[:160]}")

    def watched_context(self, *args, **kwargs):
        context = self.new_context(*args, **kwargs)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.on("console", self.listen)
        return context

    def watched_page(self, *args, **kwargs):
        context = self.watched_context(*args, **kwargs)
        page = context.new_page()
        page.close = lambda *a, **k: context.close()  # as browser.new_page's own page does
        return page


@pytest.fixture
def chromium():
    """The system Chromium. A test fails if any page it opened had a script, style or
    request refused by the Content Security Policy."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"No Chromium at {CHROMIUM}: CI must install Debian's chromium.")
        pytest.skip(f"No Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        watch = PolicyWatch(browser)
        yield browser
        browser.close()
    if watch.violations:
        pytest.fail(
            "The Content Security Policy refused:\n"
            + "\n".join(f"  - {line}" for line in dict.fromkeys(watch.violations)),
            pytrace=False,
        )


@pytest.fixture
def browser_page(chromium):
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(15_000)
    return page


def session_cookie(user):
    """A logged-in session for `user`, made with the test client (call it before Playwright
    starts), as a cookie for `logged_in_page`."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def logged_in_page(browser, live_server, cookie, *, width=1280, height=900):
    """A page in a fresh browser context carrying the session cookie. Reduced motion: no
    transitions, so what is checked is the page at rest, not half-way through a fade."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, reduced_motion="reduce"
    )
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def blocking_violations(page):
    """axe-core's serious and critical findings on the page as it is now, one line each:
    rule, impact, help, and where (the first few elements)."""
    from axe_playwright_python.sync_playwright import Axe

    page.evaluate("window.vpsaAxeRunning = true")
    try:
        results = Axe().run(page).response
    finally:
        page.evaluate("window.vpsaAxeRunning = false")
    found = []
    for violation in results["violations"]:
        if violation["impact"] not in BLOCKING_IMPACTS:
            continue
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:4]]
        more = len(violation["nodes"]) - len(targets)
        found.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']}"
            f" at {', '.join(targets)}{f' and {more} more' if more > 0 else ''}"
        )
    return found


class AxeAudit:
    """Visits pages, runs axe-core on each and keeps what it finds, so one test reports
    every page's violations at once."""

    def __init__(self, page, base_url):
        self.page = page
        self.base_url = base_url
        self.findings = {}
        self.audited = []

    def visit(self, path, *, status=200):
        response = self.page.goto(self.base_url + path)
        assert response is not None
        assert response.status == status, f"{path}: HTTP {response.status}, not {status}"
        return response

    def check(self, label):
        """Audit the page as it is now (after a visit, a click or a form submission)."""
        self.audited.append(label)
        found = blocking_violations(self.page)
        if found:
            self.findings[label] = found

    def visit_and_check(self, path, *, status=200, label=None):
        self.visit(path, status=status)
        self.check(label or path)

    def assert_clean(self):
        report = "\n".join(
            f"{label}:\n" + "\n".join(f"  - {line}" for line in lines)
            for label, lines in self.findings.items()
        )
        if self.findings:
            pytest.fail(f"axe-core found serious or critical violations:\n{report}", pytrace=False)
