#!/usr/bin/env bash
# Starts VPSA the production way and checks it answers (deploy/smoke_check.py): gunicorn
# with deploy/gunicorn.conf.py, DEBUG=0, PostgreSQL, static files collected, migrations
# run, a user to log in with. Run by .ci/run; needs the local PostgreSQL (trust auth).
#   bash deploy/production-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-8765}
DB=vpsa_production_check
work=$(mktemp -d)
log="$work/gunicorn.log"
export DEBUG=0 ALLOWED_HOSTS=vpsa.example.org TRUSTED_PROXIES=127.0.0.1 \
  DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB" \
  STATIC_ROOT="$work/static" ATTACHMENTS_ROOT="$work/attachments" \
  SECRET_KEY="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
  GUNICORN_BIND="127.0.0.1:$PORT" WEB_CONCURRENCY=2 \
  SMOKE_USERNAME=smoke SMOKE_PASSWORD="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(16))')"
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $DB" >/dev/null
.venv/bin/python manage.py migrate --no-input -v0
.venv/bin/python manage.py collectstatic --no-input -v0
DJANGO_SUPERUSER_PASSWORD="$SMOKE_PASSWORD" .venv/bin/python manage.py createsuperuser \
  --no-input --username smoke --email smoke@example.org >/dev/null

.venv/bin/gunicorn vpsa.wsgi --config deploy/gunicorn.conf.py >"$log" 2>&1 &
pid=$!
for _ in $(seq 60); do
  curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz" && break
  sleep 0.5
done

status=0
.venv/bin/python deploy/smoke_check.py "http://127.0.0.1:$PORT" --host vpsa.example.org || status=1

# The logs: JSON lines with time and level, one a request, no query values.
if grep -q '"logger": "vpsa.access"' "$log" && grep -q '"level": "INFO"' "$log"; then
  echo "ok   structured access log lines"
else
  echo "FAIL structured access log lines"; status=1
fi
if grep -q '"logger": "vpsa.auth", "message": "login"' "$log"; then
  echo "ok   the login is logged"
else
  echo "FAIL the login is logged"; status=1
fi
if [ "$status" != 0 ]; then
  echo "--- gunicorn's output"; cat "$log"
fi
exit "$status"
