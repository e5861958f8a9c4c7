# The project's entry points. `make run` and `make test` each do all the set-up they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: run test check install lock clean production-check

# The virtual environment is installed from the lock file, every package checked against its
# hash, and again whenever the lock changes. After changing the dependencies in
# pyproject.toml, or to take newer releases within their ranges, run `make lock`.
$(BIN)/.installed: requirements/dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	touch $@

install: $(BIN)/.installed

## lock: requirements/dev.txt and production.txt from pyproject.toml, pinned with hashes
## (UPGRADE=1: the newest releases the ranges allow, rather than keeping the pinned ones)
LOCK = $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-find-links --no-emit-index-url --no-emit-trusted-host $(if $(UPGRADE),--upgrade)
lock: install
	$(LOCK) --extra dev -o requirements/dev.txt pyproject.toml
	$(LOCK) -o requirements/production.txt pyproject.toml

## run: the app on SQLite with demo data, at http://127.0.0.1:8000
run: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --no-input
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo --if-empty
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver $(HOST)

## test: the whole suite (browser tests included) on SQLite, or on DATABASE_URL when set,
## in PYTEST_WORKERS processes (pytest-xdist; each has its own test database; 0: one process)
PYTEST_WORKERS ?= auto
test: install
	DEBUG=1 $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist load $(PYTEST_ARGS)

## check: lint, formatting, missing migrations and the deployment checklist
check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	DEBUG=0 SECRET_KEY=check-deploy-$$(date +%s)-not-a-real-secret-but-long-enough-for-django \
		ALLOWED_HOSTS=vpsa.example.org $(BIN)/python manage.py check --deploy --fail-level WARNING

## production-check: gunicorn with DEBUG=0 on the local PostgreSQL, checked from the proxy's seat
production-check: install
	bash deploy/production-check.sh

clean:
	rm -rf $(VENV) staticfiles
