# The project's entry points. `make run` and `make test` each do all the set-up they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: run test check install clean production-check

# The virtual environment is rebuilt when pyproject.toml changes.
$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet ".[dev]"
	touch $@

install: $(BIN)/.installed

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
