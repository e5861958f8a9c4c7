"""Checks that a VPSA app server answers as production must, from the reverse proxy's seat.

    .venv/bin/python deploy/smoke_check.py http://127.0.0.1:8000 --host vpsa.example.org

Run it on the proxy's host after a release (or let `.ci/run` run it against a gunicorn it
started): it speaks to the app server directly, sending the Host and X-Forwarded-* headers
the proxy would, so the app server must list this host in TRUSTED_PROXIES. It checks the
health check (for any Host), the redirect to HTTPS, the login page and its security
headers, a static file and its long cache header, and, with SMOKE_USERNAME and
SMOKE_PASSWORD set, a login and a logged-in page. Prints each check; exits 1 if one fails.
Standard library only.
"""

import argparse
import http.client
import os
import re
import sys
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit


class Server:
    def __init__(self, base_url, host):
        parts = urlsplit(base_url)
        self.address = (parts.hostname, parts.port or 80)
        self.host = host
        self.cookies = {}

    def request(self, method, path, *, host=None, https=True, body=None, headers=None):
        connection = http.client.HTTPConnection(*self.address, timeout=30)
        sent = {"Host": host or self.host, **(headers or {})}
        if https:
            sent["X-Forwarded-Proto"] = "https"
            sent["X-Forwarded-For"] = "203.0.113.50"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        response.text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        connection.close()
        return response


class Checks:
    def __init__(self):
        self.failed = 0

    def check(self, what, ok, detail=""):
        print(f"{'ok  ' if ok else 'FAIL'} {what}{f': {detail}' if detail and not ok else ''}")
        self.failed += not ok


def run(base_url, host, username=None, password=None):
    server = Server(base_url, host)
    checks = Checks()
    check = checks.check

    health = server.request("GET", "/healthz", host=f"{server.address[0]}:{server.address[1]}")
    check("the health check answers a load balancer's Host", health.status == 200, health.status)
    other = server.request("GET", "/login/", host="not-ours.example.net")
    check("any other page refuses an unknown Host", other.status == 400, other.status)

    plain = server.request("GET", "/login/", https=False)
    check(
        "plain HTTP is redirected to HTTPS",
        plain.status == 301 and plain.getheader("Location", "").startswith("https://"),
        f"{plain.status} {plain.getheader('Location')}",
    )

    login = server.request("GET", "/login/")
    check("the login page answers", login.status == 200, login.status)
    headers = {name.lower(): value for name, value in login.getheaders()}
    policy = headers.get("content-security-policy", "")
    check("a strict Content Security Policy", "script-src 'self'" in policy, policy)
    check("no unsafe-inline in it", "unsafe" not in policy, policy)
    hsts = re.search(r"max-age=(\d+)", headers.get("strict-transport-security", ""))
    check("HSTS for a year", bool(hsts) and int(hsts.group(1)) >= 31536000, hsts)
    check("framing denied", headers.get("x-frame-options") == "DENY", headers)
    check("referrer policy", headers.get("referrer-policy") == "same-origin", headers)
    check("no MIME sniffing", headers.get("x-content-type-options") == "nosniff", headers)
    cookie = " ".join(login.headers.get_all("Set-Cookie") or [])
    check("the CSRF cookie is Secure", "csrftoken=" in cookie and "Secure" in cookie, cookie)

    stylesheet = re.search(r'href="(/static/css/vpsa\.[0-9a-f]{12}\.css)"', login.text)
    check("the page links a versioned stylesheet", stylesheet is not None)
    if stylesheet:
        static = server.request("GET", stylesheet.group(1))
        cache = static.getheader("Cache-Control", "")
        check("the stylesheet is served", static.status == 200, static.status)
        check("with a long cache header", "max-age=315360000" in cache, cache)

    if username:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
        body = urlencode(
            {
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "username": username,
                "password": password or "",
            }
        )
        origin = {"Origin": f"https://{host}", "Referer": f"https://{host}/login/"}
        logged = server.request("POST", "/login/", body=body, headers=origin)
        check("a login", logged.status == 302, f"{logged.status}")
        cookie = " ".join(logged.headers.get_all("Set-Cookie") or [])
        check(
            "the session cookie is Secure and HttpOnly",
            "Secure" in cookie and "HttpOnly" in cookie,
            cookie,
        )
        home = server.request("GET", "/")
        check("a logged-in page", home.status == 200 and "Log out" in home.text, home.status)
        check(
            "not kept by any cache",
            "no-store" in home.getheader("Cache-Control", ""),
            home.getheader("Cache-Control"),
        )
    return checks.failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", help="the app server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--host", required=True, help="the site's name, e.g. vpsa.example.org")
    options = parser.parse_args()
    failed = run(
        options.base_url,
        options.host,
        os.environ.get("SMOKE_USERNAME"),
        os.environ.get("SMOKE_PASSWORD"),
    )
    print(f"{failed} check(s) failed" if failed else "every check passed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
