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
TEST_DATABASE_URL ?= postgres://postgres@$(PG_HOST):$(PG_PORT)/opsdesk
TEST_BROKER_URL ?= redis://$(REDIS_HOST):$(REDIS_PORT)/0
PYTEST_ARGS ?=

.PHONY: run test install migrate seed lint clean

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	@echo ""
	@echo "Opsdesk is starting (web, worker, beat):"
	@echo "  portal     http://127.0.0.1:$(PORT)/login/      (tenant logins above)"
	@echo "  admin      http://127.0.0.1:$(PORT)/admin/      (admin / opsdesk-admin)"
	@echo "  API docs   http://127.0.0.1:$(PORT)/api/docs/"
	@echo "  health     http://127.0.0.1:$(PORT)/readyz"
	@echo ""
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start -f Procfile -p $(PORT)

# Runs on PostgreSQL and Redis when both answer; otherwise says so and runs on SQLite,
# where tests marked `services` skip.
test: install
	@if $(PY) -c "import socket,sys; [socket.create_connection(a, timeout=2).close() for a in (('$(PG_HOST)', $(PG_PORT)), ('$(REDIS_HOST)', $(REDIS_PORT)))]" 2>/dev/null; then \
		echo "make test: PostgreSQL at $(PG_HOST):$(PG_PORT) and Redis at $(REDIS_HOST):$(REDIS_PORT) answer; testing on them."; \
		DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) OPSDESK_TEST_SERVICES=1 \
			$(PY) -m pytest $(PYTEST_ARGS); \
	else \
		echo "make test: PostgreSQL or Redis does not answer; testing on SQLite and skipping tests that need them."; \
		env -u DATABASE_URL -u CELERY_BROKER_URL OPSDESK_TEST_SERVICES=0 $(PY) -m pytest $(PYTEST_ARGS); \
	fi

clean:
	rm -rf $(VENV) .run db.sqlite3 staticfiles .pytest_cache
