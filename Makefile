# The README's two commands: `make run` and `make test`. Nothing else is needed on a machine
# with Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PG_HOST ?= 127.0.0.1
PG_PORT ?= 5432
REDIS_HOST ?= 127.0.0.1
REDIS_PORT ?= 6379
# Tests run as the app's role and create, migrate, flush and drop their database as its owner.
# TEST_DATABASE_URL picks the server and the database name; its user is replaced by each of them.
TEST_APP_ROLE ?= opsdesk_app
TEST_DB_OWNER ?= postgres
TEST_DATABASE_URL ?= postgres://$(TEST_APP_ROLE)@$(PG_HOST):$(PG_PORT)/opsdesk
test_url_as = $(shell printf '%s' '$(TEST_DATABASE_URL)' | sed -E 's|^([a-z0-9+]+://)([^@/]*@)?|\1$(1)@|')
TEST_BROKER_URL ?= redis://$(REDIS_HOST):$(REDIS_PORT)/0
PYTEST_ARGS ?=

.PHONY: run test install migrate seed lint clean

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

install: $(VENV)/.installed .run/local.env

# Random keys for this checkout, and plain HTTP for http://127.0.0.1, written once (git-ignored);
# the environment and .env win over it. Production sets its own (deploy/production.env.example).
.run/local.env:
	@mkdir -p .run
	@$(PYTHON) -c "import base64, os, secrets; print('# Written by make on first run; the environment and .env win over these.'); print('SECRET_KEY=' + secrets.token_urlsafe(64)); print('CONNECTION_ENCRYPTION_KEY=' + base64.urlsafe_b64encode(os.urandom(32)).decode()); print('HTTPS_ONLY=false')" > $@.tmp
	@mv $@.tmp $@
	@echo "make: wrote random SECRET_KEY and CONNECTION_ENCRYPTION_KEY into $@"

# Migrations run as the database's owner (DATABASE_OWNER_URL, when given); everything else as the app.
migrate: install
	DATABASE_AS_OWNER=1 $(PY) manage.py migrate --noinput

# Demo-only values for `make run`, random per checkout and git-ignored: Meta's webhook secrets (so a
# signed Meta webhook can be posted to a fresh install) and e-mail written to .run/mail/ instead of
# the worker's log. Settings read it after .env and .run/local.env; the environment wins.
.run/demo.env:
	@mkdir -p .run
	@$(PYTHON) -c "import secrets; print('# Written by make run for the demo; the environment, .env and .run/local.env win.'); print('META_APP_SECRET=' + secrets.token_hex(16)); print('META_VERIFY_TOKEN=' + secrets.token_urlsafe(16)); print('EMAIL_BACKEND=apps.core.demo_mail.DemoEmailBackend')" > $@.tmp
	@mv $@.tmp $@

seed: migrate .run/demo.env
	WEB_PORT=$(PORT) $(PY) manage.py seed_demo

# honcho gives every process a PORT of its own, so the web's port travels as WEB_PORT (links, e-mails).
# The worker uses threads here so that Ctrl-C stops it cleanly; the shell ignores Ctrl-C and leaves
# it to honcho, whose exit status 130 means "stopped by Ctrl-C" and is not an error. honcho kills
# what has not stopped 5 s after the first process did; an idle worker on the embedded broker needs
# up to 6 s for its warm shutdown, so honcho waits 15 s here.
run: seed
	@echo ""
	@echo "Opsdesk is starting (web, worker, beat, demo providers); Ctrl-C stops it:"
	@echo "  portal     http://127.0.0.1:$(PORT)/login/      (tenant logins above)"
	@echo "  admin      http://127.0.0.1:$(PORT)/admin/      (admin / opsdesk-admin)"
	@echo "  API docs   http://127.0.0.1:$(PORT)/api/docs/"
	@echo "  status     http://127.0.0.1:$(PORT)/status/"
	@echo "  health     http://127.0.0.1:$(PORT)/readyz"
	@echo "  e-mail     .run/mail/ (one file per message)"
	@echo ""
	@trap '' INT; PATH="$(CURDIR)/$(VENV)/bin:$$PATH" WEB_PORT=$(PORT) WORKER_POOL=$${WORKER_POOL:-threads} \
		PYTHONWARNINGS="ignore:You're running the worker with superuser privileges" \
		$(PY) -c "import honcho.command, honcho.manager; honcho.manager.KILL_WAIT = 15; honcho.command.main()" \
		start -f Procfile -p $(PORT) || test $$? -eq 130

# Lint and format check (ruff, configured in pyproject.toml); `make test` runs it first.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Runs on PostgreSQL and Redis when both answer; otherwise says so and runs on SQLite,
# where tests marked `services` skip.
test: install lint
	@if $(PY) -c "import socket,sys; [socket.create_connection(a, timeout=2).close() for a in (('$(PG_HOST)', $(PG_PORT)), ('$(REDIS_HOST)', $(REDIS_PORT)))]" 2>/dev/null; then \
		echo "make test: PostgreSQL at $(PG_HOST):$(PG_PORT) and Redis at $(REDIS_HOST):$(REDIS_PORT) answer; testing on them."; \
		DATABASE_URL='$(call test_url_as,$(TEST_APP_ROLE))' DATABASE_OWNER_URL='$(call test_url_as,$(TEST_DB_OWNER))' \
		DATABASE_APP_ROLE=$(TEST_APP_ROLE) CELERY_BROKER_URL=$(TEST_BROKER_URL) OPSDESK_TEST_SERVICES=1 \
			$(PY) -m pytest $(PYTEST_ARGS); \
	else \
		echo "make test: PostgreSQL or Redis does not answer; testing on SQLite and skipping tests that need them."; \
		env -u DATABASE_URL -u DATABASE_OWNER_URL -u CELERY_BROKER_URL OPSDESK_TEST_SERVICES=0 $(PY) -m pytest $(PYTEST_ARGS); \
	fi

clean:
	rm -rf $(VENV) .run db.sqlite3 staticfiles .pytest_cache
