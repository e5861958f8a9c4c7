"""What an operator relies on behind a load balancer and a reverse proxy: the health check
for any Host, forwarded headers believed only from a trusted proxy, and logs with a time,
a level and one line a request, that never carry what was searched for."""

import json
import logging
import subprocess
import sys

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from tests.factories import UserFactory
from tests.vpsa.test_settings import BASE_DIR, PRODUCTION, manage
from vpsa.logs import JsonFormatter, TextFormatter
from vpsa.middleware import ForwardedHeadersMiddleware


@pytest.mark.django_db
def test_the_health_check_answers_a_load_balancer_that_names_no_allowed_host(client):
    response = client.get("/healthz", HTTP_HOST="10.0.3.7:8000")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_only_the_health_check_answers_an_unknown_host(client):
    assert client.get(reverse("login"), HTTP_HOST="10.0.3.7:8000").status_code == 400
    assert client.get("/healthz/", HTTP_HOST="10.0.3.7:8000").status_code == 400
    assert client.get("/favicon.ico", HTTP_HOST="10.0.3.7:8000").status_code == 400


@pytest.mark.django_db
def test_the_health_check_only_reads(client):
    assert client.post("/healthz", HTTP_HOST="10.0.3.7:8000").status_code == 405


def forwarded(remote, **headers):
    """The META the app sees after ForwardedHeadersMiddleware, for a request from `remote`."""
    request = RequestFactory().get("/", REMOTE_ADDR=remote, **headers)
    ForwardedHeadersMiddleware(lambda request: HttpResponse())(request)
    return request.META


PROXIED = {"HTTP_X_FORWARDED_FOR": "203.0.113.9", "HTTP_X_FORWARDED_PROTO": "https"}


def test_without_trusted_proxies_forwarded_headers_are_dropped(settings):
    settings.TRUSTED_PROXIES = []
    meta = forwarded("198.51.100.4", **PROXIED)
    assert meta["REMOTE_ADDR"] == "198.51.100.4"
    assert "HTTP_X_FORWARDED_PROTO" not in meta
    assert "HTTP_X_FORWARDED_FOR" not in meta


def test_a_client_reaching_the_app_server_directly_cannot_claim_https(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.4", **PROXIED)
    ForwardedHeadersMiddleware(lambda request: HttpResponse())(request)
    assert not request.is_secure()
    assert request.META["REMOTE_ADDR"] == "198.51.100.4"


def test_behind_a_trusted_proxy_the_scheme_and_client_address_are_the_proxys_word(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", **PROXIED)
    ForwardedHeadersMiddleware(lambda request: HttpResponse())(request)
    assert request.is_secure()
    assert request.META["REMOTE_ADDR"] == "203.0.113.9"


def test_a_forged_first_hop_is_not_taken_for_the_client(settings):
    """A client can write anything into X-Forwarded-For; the proxies append what they saw,
    so the client is the last address no trusted proxy accounts for."""
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/24"]
    meta = forwarded("127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.9, 10.0.0.5")
    assert meta["REMOTE_ADDR"] == "203.0.113.9"


def test_a_garbled_forwarded_address_leaves_the_proxys_own(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    meta = forwarded("127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, not-an-address")
    assert meta["REMOTE_ADDR"] == "127.0.0.1"


def test_settings_believe_x_forwarded_proto_only_with_trusted_proxies():
    script = "from django.conf import settings; print(repr(settings.SECURE_PROXY_SSL_HEADER))"
    without = manage("shell", "--verbosity=0", "-c", script, **PRODUCTION)
    assert without.returncode == 0, without.stderr
    assert without.stdout.strip() == "None"
    proxied = manage(
        "shell", "--verbosity=0", "-c", script, TRUSTED_PROXIES="127.0.0.1", **PRODUCTION
    )
    assert proxied.returncode == 0, proxied.stderr
    assert "HTTP_X_FORWARDED_PROTO" in proxied.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TRUSTED_PROXIES": "the-proxy"}, "TRUSTED_PROXIES: 'the-proxy' is not an IP address"),
        ({"TRUST_X_FORWARDED_PROTO": "1"}, "TRUST_X_FORWARDED_PROTO is no longer read"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT='xml': use json or text."),
    ],
    ids=["bad-proxy", "old-variable", "bad-log-format"],
)
def test_a_misconfigured_proxy_or_log_setting_stops_start_up(env, message):
    result = manage("check", **PRODUCTION, **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_logs_are_json_lines_on_stdout_with_time_and_level():
    script = "import logging; logging.getLogger('vpsa.test').warning('disk %s', 'low')"
    result = manage("shell", "--verbosity=0", "-c", script, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stdout.strip().splitlines()[-1])
    assert line["level"] == "WARNING"
    assert line["logger"] == "vpsa.test"
    assert line["message"] == "disk low"
    assert line["time"].endswith("Z") and "T" in line["time"]


def record(name="django.request", message="Not Found: %s", args=("/engagements/9/",), **extra):
    log_record = logging.makeLogRecord(
        {"name": name, "levelname": "WARNING", "msg": message, "args": args}
    )
    for key, value in extra.items():
        setattr(log_record, key, value)
    return log_record


def test_a_logged_request_never_carries_its_query_string():
    """Django passes the request with its own records; its query holds what was searched."""
    request = RequestFactory().get("/stakeholders/", {"q": "Amani Juma"})
    for formatter in (JsonFormatter(), TextFormatter()):
        line = formatter.format(record(request=request, status_code=404))
        assert "Amani" not in line
        assert "/stakeholders/" in line


def test_a_json_line_carries_the_fields_passed_with_it():
    line = json.loads(JsonFormatter().format(record(status_code=404, user=7)))
    assert line["message"] == "Not Found: /engagements/9/"
    assert line["status_code"] == 404
    assert line["user"] == 7


def access_lines(caplog):
    return [r for r in caplog.records if r.name == "vpsa.access"]


@pytest.mark.django_db
def test_each_request_is_logged_once_without_the_values_searched_for(client, caplog, member):
    client.force_login(member)
    with caplog.at_level(logging.INFO, logger="vpsa.access"):
        response = client.get(reverse("stakeholders:list"), {"q": "Amani Juma", "page": "1"})
    (line,) = access_lines(caplog)
    assert line.method == "GET"
    assert line.path == reverse("stakeholders:list")
    assert line.query == "page,q"
    assert line.status == response.status_code == 200
    assert line.user == member.pk
    assert line.client == "127.0.0.1"
    assert line.duration_ms >= 0
    assert "Amani" not in JsonFormatter().format(line)


@pytest.mark.django_db
def test_the_health_check_is_not_logged(client, caplog):
    with caplog.at_level(logging.INFO, logger="vpsa.access"):
        client.get("/healthz")
    assert access_lines(caplog) == []


@pytest.mark.django_db
def test_failed_and_successful_logins_are_logged_without_the_password(client, caplog):
    user = UserFactory(username="amina")
    user.set_password("correct horse battery")
    user.save()
    with caplog.at_level(logging.INFO, logger="vpsa.auth"):
        client.post(reverse("login"), {"username": "amina", "password": "wrong guess 123"})
        client.post(reverse("login"), {"username": "amina", "password": "correct horse battery"})
        client.post(reverse("logout"))
    records = [r for r in caplog.records if r.name == "vpsa.auth"]
    events = [(r.event, r.user) for r in records]
    assert events == [("login_failed", user.pk), ("login", user.pk), ("logout", user.pk)]
    assert records[0].levelname == "WARNING"
    assert records[0].client == "127.0.0.1"
    written = "".join(JsonFormatter().format(r) for r in records)
    assert "wrong guess" not in written
    assert "correct horse" not in written


@pytest.mark.django_db
def test_a_failed_login_never_logs_the_name_as_typed(client, caplog):
    """Now and then it is a password typed in the wrong box."""
    with caplog.at_level(logging.INFO, logger="vpsa.auth"):
        for _ in range(2):
            client.post(reverse("login"), {"username": "S3cret-Passw0rd!", "password": "x"})
        client.post(reverse("login"), {"username": "someone-else", "password": "x"})
    records = [r for r in caplog.records if r.name == "vpsa.auth"]
    assert [r.user for r in records] == [None, None, None]
    digests = [r.username_digest for r in records]
    assert digests[0] == digests[1] != digests[2]  # repeated tries show as such
    written = "".join(f(r) for r in records for f in (JsonFormatter().format, str))
    assert "S3cret" not in written


def test_an_app_server_freezes_what_it_loaded_out_of_the_garbage_collectors_way():
    """Full collections would otherwise walk everything the app loaded (see vpsa/wsgi.py)."""
    result = subprocess.run(
        [sys.executable, "-c", "import gc, vpsa.wsgi; print(gc.get_freeze_count())"],
        cwd=BASE_DIR,
        env={**PRODUCTION, "PATH": "/usr/bin:/bin", "ENV_FILE": "/nonexistent/.env"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip().splitlines()[-1]) > 10_000


def failing_record(name, level):
    try:
        raise PermissionError("refused")
    except PermissionError:
        log_record = logging.makeLogRecord(
            {"name": name, "levelno": level, "levelname": logging.getLevelName(level)}
        )
        log_record.msg = "Forbidden (Permission denied): /engagements/9/"
        log_record.exc_info = sys.exc_info()
    return log_record


@pytest.mark.parametrize("formatter", [JsonFormatter(), TextFormatter()], ids=["json", "text"])
def test_a_refused_request_is_one_line_and_an_error_keeps_its_traceback(formatter):
    assert "Traceback" not in formatter.format(failing_record("django.request", logging.WARNING))
    assert "Traceback" not in formatter.format(
        failing_record("django.security.DisallowedHost", logging.ERROR)
    )
    assert "Traceback" in formatter.format(failing_record("django.request", logging.ERROR))


def test_a_database_errors_row_values_are_not_logged():
    try:
        raise RuntimeError(
            'duplicate key value violates unique constraint "contact_name_unique"\n'
            "DETAIL:  Key (stakeholder_id, name)=(12, Halima Mwakyusa) already exists."
        )
    except RuntimeError:
        log_record = logging.makeLogRecord(
            {"name": "django.request", "levelno": logging.ERROR, "levelname": "ERROR"}
        )
        log_record.msg = "Internal Server Error: /stakeholders/12/contacts/add/"
        log_record.exc_info = sys.exc_info()
    for formatter in (JsonFormatter(), TextFormatter()):
        line = formatter.format(log_record)
        assert "duplicate key value" in line
        assert "Halima" not in line
