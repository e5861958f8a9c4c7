"""Log output: one line a record on stdout, with its time, level and logger, as JSON in
production (a log collector reads its fields) or as plain text in development; one line
an HTTP request (`vpsa.access`); logins, logouts and failed logins (`vpsa.auth`).

What is logged never names a stakeholder: a request is logged by its path (ids only) and
the names of its query parameters, never their values, which hold what was searched for;
a user by their id.
"""

import json
import logging
import time
from datetime import UTC, datetime

from django.utils.crypto import salted_hmac

access_log = logging.getLogger("vpsa.access")
auth_log = logging.getLogger("vpsa.auth")

# Attributes every LogRecord has; anything else on a record came from `extra=` and is
# written as a field of its own.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _timestamp(record):
    moment = datetime.fromtimestamp(record.created, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _extra(record):
    """The fields passed in `extra`. Django passes the request itself with its own records
    (`django.request`, `django.security`): only its method and path are written, never its
    query string, which holds what was searched for."""
    fields = {}
    for name, value in vars(record).items():
        if name in _STANDARD:
            continue
        if name == "request":
            fields["method"] = getattr(value, "method", None)
            fields["path"] = getattr(value, "path", None)
            continue
        fields[name] = value
    return fields


def _traceback(formatter, record):
    """The exception's traceback, for an error only (Django passes one with every refused
    request, a 403 or a host not allowed, where it says nothing the line does not), without
    the values of the rows a database error names."""
    if not record.exc_info or record.levelno < logging.ERROR:
        return None
    if record.name.startswith("django.security"):
        return None
    # PostgreSQL's errors carry the row's values in a DETAIL line ("Key (stakeholder_id,
    # name)=(12, <a contact's name>) already exists"): not written.
    text = formatter.formatException(record.exc_info)
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("DETAIL:"))


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time (UTC), level, logger, message, the fields passed
    in `extra`, and an error's traceback."""

    def format(self, record):
        line = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_extra(record),
        }
        if traceback := _traceback(self, record):
            line["exception"] = traceback
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """A record as a line a person reads in a terminal: time, level, logger, message, then
    the `extra` fields as name=value."""

    def format(self, record):
        fields = " ".join(f"{name}={value}" for name, value in _extra(record).items())
        line = f"{_timestamp(record)} {record.levelname} {record.name} {record.getMessage()}"
        if fields:
            line = f"{line} {fields}"
        if traceback := _traceback(self, record):
            line = f"{line}\n{traceback}"
        return line


def client_address(request):
    """The address the request came from, as `ForwardedHeadersMiddleware` left it (the
    client's, behind a trusted proxy)."""
    return request.META.get("REMOTE_ADDR", "")


def _user_id(request):
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.pk
    return None


class AccessLogMiddleware:
    """One line a request: method, path, the names of the query's parameters (not their
    values), status, duration, the user's id and the client's address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration = round((time.perf_counter() - started) * 1000, 1)
        access_log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "query": ",".join(sorted(request.GET)),
                "status": response.status_code,
                "duration_ms": duration,
                "user": _user_id(request),
                "client": client_address(request),
            },
        )
        return response


def log_login(sender, request, user, **kwargs):
    auth_log.info(
        "login", extra={"event": "login", "user": user.pk, "client": client_address(request)}
    )


def log_logout(sender, request, user, **kwargs):
    auth_log.info(
        "logout",
        extra={
            "event": "logout",
            "user": user.pk if user is not None else None,
            "client": client_address(request) if request is not None else "",
        },
    )


def log_login_failed(sender, credentials, request=None, **kwargs):
    """A failed login and where it came from: what an administrator needs to see a
    guessing attack. Never the name as typed, which is now and then a password typed in
    the wrong box: the account's id when the name is one, and a keyed digest of the name
    (the same for the same name, so repeated tries show as such)."""
    from django.contrib.auth import get_user_model

    typed = str(credentials.get("username", ""))
    User = get_user_model()
    account = User.objects.filter(**{User.USERNAME_FIELD: typed}).values_list("pk", flat=True)
    auth_log.warning(
        "login failed",
        extra={
            "event": "login_failed",
            "user": account.first(),
            "username_digest": salted_hmac("vpsa.logs.login_failed", typed).hexdigest()[:12],
            "client": client_address(request) if request is not None else "",
        },
    )
