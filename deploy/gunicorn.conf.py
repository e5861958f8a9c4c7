"""gunicorn's settings for VPSA (`gunicorn vpsa.wsgi --config deploy/gunicorn.conf.py`).

Each can be changed from the environment the systemd unit reads (deploy/vpsa.service):
GUNICORN_BIND, WEB_CONCURRENCY (workers), GUNICORN_TIMEOUT.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Two workers a core and one more: VPSA's requests wait on the database about as long as
# they compute. Each worker holds one database connection (CONN_MAX_AGE), so the database
# must accept workers x app servers connections, plus a few for migrations and psql.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# A report's PDF or a large export can take a while; a request stuck longer is killed.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
graceful_timeout = 30
# Recycle workers now and then, so a slow leak cannot grow for ever.
max_requests = 2000
max_requests_jitter = 200
# Forwarded headers are VPSA's to judge (TRUSTED_PROXIES), not gunicorn's.
forwarded_allow_ips = ""
# VPSA writes its own access line a request (vpsa.access); gunicorn's errors go to stderr.
accesslog = None
errorlog = "-"
loglevel = "warning"
