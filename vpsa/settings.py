"""Settings for VPSA, read from the environment.

Every value has a harmless default for local development, except the ones production
must set itself: with DEBUG off, a missing or weak SECRET_KEY or a missing ALLOWED_HOSTS
stops start-up.
`.env.example` lists every variable; a local `.env` (or the file ENV_FILE names) is read
first, without overriding variables already set.
"""

import os
from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured
from import_export.formats.base_formats import CSV, XLSX

BASE_DIR = Path(__file__).resolve().parent.parent


def load_env_file(path):
    """Read NAME=value lines from a local `.env` (git-ignored) into the environment. Real
    environment variables win, so a deployment's own settings are never overridden."""
    if not path.is_file():
        return
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise ImproperlyConfigured(f"{path}, line {number}: expected NAME=value.")
        os.environ.setdefault(name.strip(), value.strip().strip("'\""))


load_env_file(Path(os.environ.get("ENV_FILE", BASE_DIR / ".env")))

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_bool(name, default):
    """Read a true/false word; anything else is a configuration error, not a silent False."""
    value = os.environ.get(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a true/false value; use one of "
        f"{', '.join(sorted(TRUE_WORDS | FALSE_WORDS - {''}))}."
    )


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None


def env_list(name, default=()):
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_secret(name, default=""):
    """Read a secret from NAME, or from the file named by NAME_FILE (Docker/systemd secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} cannot be read: {exc}") from None
    return os.environ.get(name, default)


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (or SECRET_KEY_FILE) to a long random value "
            "in production, or set DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 - DEBUG only


def secret_key_weaknesses(key):
    """What makes a secret key weak, by the rule of `check --deploy` (security.W009)."""
    weaknesses = []
    if len(key) < SECRET_KEY_MIN_LENGTH:
        weaknesses.append(f"it has {len(key)} characters, fewer than {SECRET_KEY_MIN_LENGTH}")
    if len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        weaknesses.append(
            f"it uses {len(set(key))} different characters, fewer than "
            f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS}"
        )
    if key.startswith(SECRET_KEY_INSECURE_PREFIX):
        weaknesses.append(f"it starts with {SECRET_KEY_INSECURE_PREFIX!r}")
    return weaknesses


# Refused at start-up rather than left to a deployment warning nobody reads: sessions,
# password resets and CSRF protection all rest on this key.
if not DEBUG and (weaknesses := secret_key_weaknesses(SECRET_KEY)):
    raise ImproperlyConfigured(
        f"SECRET_KEY is too weak: {'; '.join(weaknesses)}. Use a long random value, made "
        'e.g. with `python -c "import secrets; print(secrets.token_urlsafe(50))"`.'
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. With DEBUG off, name the host names this site answers to, "
        "comma-separated (e.g. ALLOWED_HOSTS=vpsa.example.org)."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "import_export",
    "simple_history",
    "stakeholders",
    "engagement",
    "plans",
    "reports",
    "dashboard",
    "vpsa.apps.VpsaConfig",
    "csp",
    # Locks out repeated failed logins (see AXES_* below).
    "axes",
]

MIDDLEWARE = [
    # The client's address and scheme, believed only from TRUSTED_PROXIES.
    "vpsa.middleware.ForwardedHeadersMiddleware",
    # /healthz for whatever Host the load balancer sends (and not logged).
    "vpsa.middleware.HealthCheckMiddleware",
    # One log line a request.
    "vpsa.logs.AccessLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a login unless its view says otherwise (login, health check).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Nothing shown to a logged-in user is kept by a browser cache or a proxy.
    "vpsa.middleware.PrivateNoStoreMiddleware",
    # Admin edits that no service makes (users, reference data) record who made them;
    # the services name their acting user themselves.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Ends an idle session, or one older than SESSION_COOKIE_AGE, and says why (after the
    # messages; before any view, LoginRequiredMiddleware's check included).
    "vpsa.sessions.IdleSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Answers a locked-out login with its own page (last, as django-axes asks).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "vpsa.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vpsa.sessions.session_settings",
            ],
        },
    },
]

WSGI_APPLICATION = "vpsa.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["application_name"] = "vpsa"
    # PostgreSQL compiles a query costed above its JIT threshold, which a site report over
    # several years of a large site crosses: 350 ms of compiling for a query that runs in
    # 150. VPSA's queries are short, so it is off for the app's connections. So are
    # parallel workers: starting them cost more than they saved on the report's and the
    # SEP's aggregates (49 -> 31 ms, 101 -> 89 ms without), and on a small server they
    # take the cores other requests are waiting for.
    DATABASES["default"]["OPTIONS"].setdefault(
        "options", "-c jit=off -c max_parallel_workers_per_gather=0"
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite's defaults suit a file opened once, not a web server's long-lived connections:
    # a write-ahead log lets pages be read while an engagement is saved; writers queue for
    # the lock from the start of their transaction (IMMEDIATE) instead of failing midway
    # with "database is locked"; and each connection keeps the pages it reads (a 2 MB page
    # cache re-read the same index pages from the operating system on every query of a
    # page, which was half its time with ten years of engagements).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA temp_store=MEMORY;"
                f"PRAGMA cache_size=-{env_int('SQLITE_CACHE_KB', 65536)};"
                f"PRAGMA mmap_size={env_int('SQLITE_MMAP_MB', 1024) * 1024 * 1024};"
            ),
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A few indexes carry extra columns (`include`) so that PostgreSQL answers a site's figures
# from the index alone; SQLite builds them without those columns, as intended (its indexes
# already carry the row id, the one column most of them add).
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTHENTICATION_BACKENDS = [
    # First: refuses a login while its account and address are locked out.
    "axes.backends.AxesStandaloneBackend",
    "vpsa.auth.PermissionsInOneQueryBackend",
]

# Brute force: after LOGIN_FAILURE_LIMIT failed logins, the pair of that account name and
# that client address is locked out for LOGIN_LOCKOUT_MINUTES. The pair, not either alone:
# a site's staff share one address behind its link, and anyone can type a colleague's
# name, so neither locks the account everywhere nor the address for everyone (someone at
# the same address can still lock one colleague's account from it for a while: accepted).
# A success clears the count. The address is the one ForwardedHeadersMiddleware settled
# (the client's, behind a trusted proxy). A superuser releases a lockout in the admin
# (Access attempts: delete it) or with `manage.py axes_reset_username NAME`; no role has
# axes' permissions, whose admin is not scoped to sites.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
if AXES_FAILURE_LIMIT < 1 or LOGIN_LOCKOUT_MINUTES < 1:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_LOCKOUT_MINUTES must be at least 1.")
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "vpsa.logs.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "vpsa.views.locked_out"
# Logins are logged by vpsa.logs (stdout); no table of every login kept forever as well.
AXES_DISABLE_ACCESS_LOG = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Records here can endanger people if left open on a shared machine: sessions end after
# SESSION_IDLE_MINUTES without a request, after a working day in any case, and when the
# browser closes (vpsa.sessions; a form being typed keeps its session alive).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
if SESSION_IDLE_MINUTES < 1 or SESSION_COOKIE_AGE < 60:
    raise ImproperlyConfigured(
        "SESSION_IDLE_MINUTES must be at least 1 and SESSION_COOKIE_AGE at least 60 (seconds)."
    )
# How often a request in time is written to the session as activity, and how often a form
# being typed in tells the server so.
SESSION_KEEPALIVE_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))

# Engagement attachments (minutes, attendance sheets, photos): kept in a folder no URL
# serves, under random names, and served only by a view that checks who may see them.
# Back this folder up with the database.
ATTACHMENTS_ROOT = Path(
    os.environ.get("ATTACHMENTS_ROOT") or BASE_DIR / "var" / "attachments"
).resolve()
for _served in (STATIC_ROOT, *STATICFILES_DIRS):
    if ATTACHMENTS_ROOT.is_relative_to(Path(_served).resolve()):
        raise ImproperlyConfigured(
            f"ATTACHMENTS_ROOT={str(ATTACHMENTS_ROOT)!r} is inside {str(_served)!r}, which is "
            "served to anyone: choose a folder outside every publicly served one."
        )
ATTACHMENT_MAX_MB = env_int("ATTACHMENT_MAX_MB", 10)
if ATTACHMENT_MAX_MB < 1:
    raise ImproperlyConfigured(f"ATTACHMENT_MAX_MB={ATTACHMENT_MAX_MB} must be at least 1.")
ATTACHMENT_MAX_BYTES = ATTACHMENT_MAX_MB * 1024 * 1024
# One file per upload form; the form's other fields stay within Django's 2.5 MB default.
# Files above FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) are streamed to a temporary file, not
# held in memory; the reverse proxy should refuse bodies much above ATTACHMENT_MAX_MB.
DATA_UPLOAD_MAX_NUMBER_FILES = 5

# Import previews wait in a table of the database (made by migration vpsa.0001), shared by
# every app server with no other service to run. VPSA caches nothing else.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "import_previews": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "vpsa_import_previews",
    },
}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
    "attachments": {
        # FileSystemStorage without URLs: only the access-checked download serves them.
        "BACKEND": "engagement.attachments.PrivateFileSystemStorage",
        "OPTIONS": {
            "location": ATTACHMENTS_ROOT,
            "base_url": None,
            "file_permissions_mode": 0o640,
            "directory_permissions_mode": 0o750,
        },
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# An import is one transaction: a file with a bad row imports nothing.
IMPORT_EXPORT_USE_TRANSACTIONS = True
# The file of an import preview waits for its confirmation in the database, which every app
# server shares (stakeholders.spreadsheets.SharedPreviewStorage).
IMPORT_EXPORT_TMP_STORAGE_CLASS = "stakeholders.spreadsheets.SharedPreviewStorage"
# History is read through VPSA's own redacted pages; nothing is reverted from the admin.
SIMPLE_HISTORY_REVERT_DISABLED = True
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_FORMATS = [CSV, XLSX]
# Off: the library strips one "=" (leaving "==..." a formula). Resources escape formula
# cells themselves with stakeholders.spreadsheets.escape_formula.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False

# The reverse proxies (addresses or networks, e.g. 127.0.0.1 or 10.0.0.0/24) whose
# X-Forwarded-For and X-Forwarded-Proto are believed; from anyone else both are dropped
# (vpsa.middleware.ForwardedHeadersMiddleware), so nobody reaching an app server directly
# can claim https or another address.
if "TRUST_X_FORWARDED_PROTO" in os.environ:
    raise ImproperlyConfigured(
        "TRUST_X_FORWARDED_PROTO is no longer read: X-Forwarded-Proto is believed only from "
        "the proxies named in TRUSTED_PROXIES (e.g. TRUSTED_PROXIES=127.0.0.1 for a proxy on "
        "the same host). Remove TRUST_X_FORWARDED_PROTO and set TRUSTED_PROXIES."
    )
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
for proxy in TRUSTED_PROXIES:
    try:
        ip_network(proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {proxy!r} is not an IP address or network (e.g. 10.0.0.0/24)."
        ) from None
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Production hardening; each can be relaxed from the environment where a proxy demands it.
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
# A strict Content Security Policy: scripts, styles, images, fonts and requests from VPSA
# itself only (everything is vendored; no CDN), no inline script or style anywhere (the
# templates load their scripts and styles from static files, settings in data attributes),
# no plugins, no framing, forms posted to VPSA only. Images may also be `data:` URIs, which
# Bootstrap's stylesheet uses for its icons (the select arrow, the menu button).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Logs go to stdout (the process manager keeps them: journald under systemd), one line a
# record with its time, level and logger: JSON in production, text in development.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json").strip().lower()
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "vpsa.logs.JsonFormatter"},
        "text": {"()": "vpsa.logs.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own loggers write through the root's handler, in the same format.
        "django": {"handlers": [], "propagate": True},
        # One line a request (vpsa.logs.AccessLogMiddleware); ACCESS_LOG=0 leaves it out.
        "vpsa.access": {"level": "INFO" if env_bool("ACCESS_LOG", True) else "WARNING"},
        # runserver's own line a request repeats the access log's.
        "django.server": {"level": "WARNING", "propagate": True},
        # django-axes announces itself at every start and narrates each login at INFO;
        # its lockouts are warnings.
        "axes": {"level": "WARNING"},
        # WeasyPrint narrates each step of every PDF at INFO; its warnings still show.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
