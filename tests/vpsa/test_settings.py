"""Settings are read at start-up, so each case starts a fresh interpreter with its own
environment, as a server would."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-production-secret-that-is-long-and-random-enough-0123456789abcdef",
    "ALLOWED_HOSTS": "vpsa.example.org",
}


def manage(*args, **env):
    clean = {
        k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")
    }
    clean["ENV_FILE"] = "/nonexistent/.env"  # a developer's own .env stays out of these tests
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checklist():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
    assert "WARNINGS" not in result.stderr


@pytest.mark.parametrize(
    ("missing", "message"),
    [("SECRET_KEY", "SECRET_KEY is not set"), ("ALLOWED_HOSTS", "ALLOWED_HOSTS is not set")],
)
def test_without_debug_a_missing_setting_stops_start_up(missing, message):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = manage("check", **env)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(
    ("secret", "weakness"),
    [
        ("x", "it has 1 characters, fewer than 50"),
        ("ab" * 30, "it uses 2 different characters, fewer than 5"),
        ("django-insecure-" + "k3#v9q!z" * 6, "it starts with 'django-insecure-'"),
    ],
    ids=["short", "few-characters", "django-insecure"],
)
def test_without_debug_a_weak_secret_stops_start_up(tmp_path, secret, weakness):
    """The rule of `check --deploy` W009, as a refusal to start rather than a warning."""
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": secret})
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr
    assert weakness in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr
    secret_file = tmp_path / "secret"
    secret_file.write_text(secret)
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    from_file = manage("check", **env, SECRET_KEY_FILE=str(secret_file))
    assert from_file.returncode != 0
    assert "SECRET_KEY is too weak" in from_file.stderr


def test_debug_accepts_a_weak_secret():
    result = manage("check", DEBUG="1", SECRET_KEY="x")
    assert result.returncode == 0, result.stderr


def test_a_secret_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text(PRODUCTION["SECRET_KEY"] + "\n")
    env = {"DEBUG": "0", "ALLOWED_HOSTS": "vpsa.example.org", "SECRET_KEY_FILE": str(secret)}
    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode == 0, result.stderr


def test_a_boolean_that_is_not_a_true_or_false_word_is_refused():
    result = manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a true/false value" in result.stderr


def test_debug_runs_without_a_secret():
    result = manage("check", DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_a_local_env_file_is_read_and_the_real_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("# local development\nDEBUG=1\nTIME_ZONE='Africa/Dar_es_Salaam'\n")
    shown = manage("diffsettings", ENV_FILE=str(env_file))
    assert shown.returncode == 0, shown.stderr
    assert "TIME_ZONE = 'Africa/Dar_es_Salaam'" in shown.stdout
    overridden = manage("check", ENV_FILE=str(env_file), DEBUG="0")
    assert overridden.returncode != 0
    assert "SECRET_KEY is not set" in overridden.stderr


def test_a_malformed_env_file_is_refused_with_its_line(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DEBUG=1\nthis is not a setting\n")
    result = manage("check", ENV_FILE=str(env_file))
    assert result.returncode != 0
    assert "line 2: expected NAME=value" in result.stderr


def test_a_sqlite_database_file_runs_in_wal_mode_with_a_page_cache(tmp_path):
    """A server's SQLite connections read while a save is written (WAL) and keep the
    pages they read (the page cache and memory map the environment asks for)."""
    script = (
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    for pragma in ('journal_mode', 'cache_size', 'mmap_size'):\n"
        "        cursor.execute(f'PRAGMA {pragma}')\n"
        "        print(pragma, cursor.fetchone()[0])\n"
    )
    result = manage(
        "shell",
        "--verbosity=0",
        "-c",
        script,
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}",
        SQLITE_CACHE_KB="32768",
        SQLITE_MMAP_MB="256",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == [
        "journal_mode wal",
        "cache_size -32768",
        f"mmap_size {256 * 1024 * 1024}",
    ]


def test_a_sqlite_setting_that_is_not_a_number_is_refused():
    result = manage(
        "check", DEBUG="1", DATABASE_URL="sqlite:///x.sqlite3", SQLITE_CACHE_KB="a lot"
    )
    assert result.returncode != 0
    assert "SQLITE_CACHE_KB='a lot' is not a whole number." in result.stderr


@pytest.mark.django_db
def test_postgresql_connections_run_without_jit_or_parallel_workers():
    """Short queries: PostgreSQL's JIT compiling and parallel workers cost more than they
    saved (see settings)."""
    from django.db import connection

    script = "from django.conf import settings\nprint(settings.DATABASES['default']['OPTIONS'])"
    result = manage(
        "shell",
        "--verbosity=0",
        "-c",
        script,
        DEBUG="1",
        DATABASE_URL="postgres://vpsa@db.internal:5432/vpsa",
    )
    assert result.returncode == 0, result.stderr
    assert "'options': '-c jit=off -c max_parallel_workers_per_gather=0'" in result.stdout
    if connection.vendor == "postgresql":  # and the server takes it
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            assert cursor.fetchone()[0] == "off"
            cursor.execute("SHOW max_parallel_workers_per_gather")
            assert cursor.fetchone()[0] == "0"
